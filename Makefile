# Novera's one entry point. `make run` starts the bot; `make test` runs every test.
# Both work on a fresh Debian machine with Go and PostgreSQL's server package.

SHELL     := /bin/bash
MODULES   := libs services/gateway services/health services/fun services/community services/league services/moderation services/novera services/rest
PKGS      := $(addsuffix /...,$(addprefix ./,$(MODULES)))
CACHE     := $(CURDIR)/.cache
TOOLS_BIN := $(CACHE)/tools-$(shell sha256sum tools/go.sum 2>/dev/null | cut -c1-12)
GOTEST    := go test -count=1
export GOFLAGS := -buildvcs=false

.PHONY: run test test-short test-unit proto lint fmt tidy prerequisites help fuzz docs bench test-rest-long test-k8s images

help:
	@echo "make run         start Novera (embedded NATS, local PostgreSQL and the Discord simulator when unset)"
	@echo "make run JAEGER=1  the same, with a local Jaeger showing every command's trace"
	@echo "make test        every test (installs what the tests need first)"
	@echo "make test-short  the fast subset for the edit-test loop"
	@echo "make proto       regenerate libs/buspb from proto/ with buf"
	@echo "make lint        go vet and gofmt over every module"
	@echo "make fuzz        run every fuzz target for FUZZTIME (default 30s) each"
	@echo "make chaos       the crash test: CHAOS_COMMANDS (5000) commands while every kind of process is killed and restarted"
	@echo "make bench       the Go benchmarks, traced vs untraced, and the end-to-end comparison with the peers (BENCHMARKS.md)"
	@echo "make test-rest-long  the REST proxy's load and failover tests for a full minute each"
	@echo "make docs        regenerate docs/commands.md from the command registry"
	@echo "make test-k8s    deploy/k8s against a real kube-apiserver (part of make test)"
	@echo "make images      one container image per service (needs a container engine)"

# JAEGER=1 also runs a local Jaeger (built once from the Go module proxy) and sends every
# command's trace to it; its UI is on http://127.0.0.1:16686.
run:
ifeq ($(JAEGER),1)
	NOVERA_JAEGER_BIN="$$(bash scripts/jaeger.sh)" go run ./services/novera
else
	go run ./services/novera
endif

docs: ; go run ./services/novera/cmd/gendocs

# Everything a test needs that Go does not bring by itself.
prerequisites:
	@bash scripts/prerequisites.sh

# NOVERA_REST_LONG: the REST proxy's load and failover tests run the issue's full minute.
test: prerequisites
	NOVERA_REST_LONG=1 $(GOTEST) -timeout 25m $(PKGS)
	@$(MAKE) --no-print-directory test-k8s

test-short: prerequisites
	$(GOTEST) -short -timeout 10m $(PKGS)

# Benchmarks are not tests: they run here, never inside `make test`. First the Go
# micro-benchmarks of the hot path, then a command's round trip with and without tracing
# into Jaeger (built once by scripts/jaeger.sh), what the REST proxy adds to an answer
# (answers sent directly and through it side by side), then the end-to-end comparison with the
# peers (services/novera/cmd/bench), which writes its table into BENCHMARKS.md. BENCH_ARGS
# passes flags to the last, e.g. BENCH_ARGS='-for 10s -systems discord.py'.
BENCH_ARGS ?=
bench: prerequisites
	go test -run '^$$' -bench . -benchmem ./libs/gateway/ ./libs/bus/ ./services/gateway/ ./services/moderation/filter/ ./services/fun/
	go test -run '^$$' -bench BenchmarkSlashHeadpat -benchtime 1000x ./services/novera/stack/
	go test -run '^$$' -bench BenchmarkProxyHop -benchtime 1x ./services/rest/
	go run ./services/novera/cmd/bench $(BENCH_ARGS)

# The REST proxy's load and failover tests alone, for the issue's full 60 s each (as in
# `make test`).
test-rest-long:
	$(GOTEST) -timeout 10m -run 'TestLoad|TestFailover' -v ./services/rest/ -args -long

# Fuzz targets as dir:Name. `make test` runs their committed seed corpora
# (testdata/fuzz/<Name>) as ordinary tests; `make fuzz` explores each for FUZZTIME.
FUZZTIME     ?= 30s
FUZZ_TARGETS := libs/gateway:FuzzDecodeFrame libs/gateway:FuzzZlibStream libs/gateway:FuzzZlibStreamGarbage \
	libs/commands:FuzzSplitPrefix libs/commands:FuzzParseArgs libs/commands:FuzzParseDuration \
	services/gateway:FuzzFromInteraction services/moderation/filter:FuzzNormalize

# The crash test (services/novera/chaos): every service as its own OS process, NATS and
# PostgreSQL included, CHAOS_COMMANDS mixed commands while processes are killed with SIGKILL
# (and restarted gracefully) at random moments; every answer and every database effect is
# checked exactly once. `make test` runs its 600-command form. CHAOS_SEED replays a run.
CHAOS_COMMANDS ?= 5000
.PHONY: chaos
chaos: prerequisites
	CHAOS_COMMANDS=$(CHAOS_COMMANDS) $(GOTEST) -run 'TestChaos(ThroughRESTProxy)?$$' -v -timeout 60m ./services/novera/chaos/

fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "== $$t ($(FUZZTIME))"; \
		go test -run '^$$' -fuzz "^$${t#*:}\$$" -fuzztime $(FUZZTIME) ./$${t%%:*}; \
	done

lint:
	go vet $(PKGS)
	@out=$$(gofmt -l $(MODULES)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

fmt:
	gofmt -w $(MODULES)

tidy:
	for m in $(MODULES); do (cd $$m && go mod tidy); done

# buf and protoc-gen-go build from the Go module proxy through the tools module (kept out
# of go.work so their dependencies never reach ours), cached by the tools' go.sum.
$(TOOLS_BIN)/buf $(TOOLS_BIN)/protoc-gen-go: tools/go.mod tools/go.sum
	cd tools && GOWORK=off go build -o $(TOOLS_BIN)/ github.com/bufbuild/buf/cmd/buf google.golang.org/protobuf/cmd/protoc-gen-go

proto: $(TOOLS_BIN)/buf $(TOOLS_BIN)/protoc-gen-go
	cd proto && PATH="$(TOOLS_BIN):$$PATH" buf lint && PATH="$(TOOLS_BIN):$$PATH" buf generate

# deploy/k8s against a real etcd and kube-apiserver: both overlays render, pass a strict schema
# check and a server-side dry run, and the health service's evictions keep to RBAC, budgets
# and the rate limit. scripts/kube.sh builds the two binaries once per machine (long the
# first time; cached by version under ~/.cache/novera); the tests are their own module,
# outside go.work, so Kubernetes' dependencies never reach Novera's modules.
test-k8s:
	@dir="$$(bash scripts/kube.sh)" && cd deploy/k8s/test && GOWORK=off NOVERA_KUBE_DIR="$$dir" $(GOTEST) -timeout 15m ./...

# One image per service from the Dockerfile (static binary, empty base, non-root). Without a
# container engine that answers, it says so and builds nothing.
CONTAINER_ENGINE ?= docker
IMAGE_REPO       ?= novera
IMAGE_TAG        ?= dev
IMAGE_SERVICES   ?= gateway fun community league moderation health rest
images:
	@if ! $(CONTAINER_ENGINE) info >/dev/null 2>&1; then \
		echo "make images: no container engine answers ('$(CONTAINER_ENGINE) info' failed), so no image was built."; \
		echo "Start Docker (or set CONTAINER_ENGINE=podman) and run make images again."; \
		exit 0; \
	fi; \
	for s in $(IMAGE_SERVICES); do \
		echo "== $(IMAGE_REPO)/$$s:$(IMAGE_TAG)"; \
		$(CONTAINER_ENGINE) build --build-arg SERVICE=$$s --build-arg VERSION=$(IMAGE_TAG) -t $(IMAGE_REPO)/$$s:$(IMAGE_TAG) . || exit 1; \
	done
