# One image per Novera service, chosen with a build argument:
#   docker build --build-arg SERVICE=gateway -t novera/gateway:dev .
# (`make images` builds them all.) SERVICE is one of gateway, fun, community, league,
# moderation, health, rest: the binary services/$SERVICE/cmd/$SERVICE.
#
# The result is a static binary on an empty base: no shell, no package manager, nothing for
# an attacker to use, and nothing written at run time, so it runs with a read-only root
# filesystem as the non-root user 65532 (deploy/k8s sets the same in its securityContext).

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION}-bookworm AS build
ARG SERVICE
ARG VERSION=dev
WORKDIR /src
# Module downloads first, in their own layer, so that a code change does not download the
# dependencies again. go.work names every module, so all their go.mod files are needed.
COPY go.work go.work.sum ./
COPY libs/go.mod libs/go.sum libs/
COPY services/ services/
RUN --mount=type=cache,target=/root/go/pkg/mod \
    test -n "$SERVICE" || { echo "build with --build-arg SERVICE=<name>" >&2; exit 1; }; \
    test -d "services/$SERVICE/cmd/$SERVICE" || { echo "no services/$SERVICE/cmd/$SERVICE" >&2; exit 1; }; \
    go mod download
COPY libs/ libs/
COPY proto/ proto/
# Static (no cgo, so no libc to match), reproducible paths, the time zone database embedded
# (the final image has none), and the version stamped where /livez and heartbeats read it.
RUN --mount=type=cache,target=/root/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath -tags timetzdata \
      -ldflags "-s -w -X github.com/novera-bot/novera/libs/app.Version=${VERSION}" \
      -o /out/service "./services/$SERVICE/cmd/$SERVICE"
# What the empty base lacks: CA certificates (Discord, OTLP and PostgreSQL over TLS) and a
# passwd entry, so the user has a name in logs and tools.
RUN mkdir -p /out/etc/ssl/certs && cp /etc/ssl/certs/ca-certificates.crt /out/etc/ssl/certs/ && \
    echo 'nonroot:x:65532:65532:nonroot:/nonexistent:/sbin/nologin' > /out/etc/passwd && \
    echo 'nonroot:x:65532:' > /out/etc/group

FROM scratch
ARG SERVICE
COPY --from=build /out/etc/ /etc/
COPY --from=build /out/service /service
# Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 65532:65532
# The admin port (/livez, /readyz, /metrics); the gateway also serves interactions on 8080,
# the health service its status page on 8080, the REST proxy 8081.
EXPOSE 9090
LABEL org.opencontainers.image.title="novera-${SERVICE}" \
      org.opencontainers.image.source="https://github.com/novera-bot/novera"
ENTRYPOINT ["/service"]
