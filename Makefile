# Novera's one entry point. `make run` starts the bot; `make test` runs every test.
# Both work on a fresh Debian machine with Go and PostgreSQL's server package.

SHELL     := /bin/bash
MODULES   := libs services/gateway services/fun services/community services/league services/novera
PKGS      := $(addsuffix /...,$(addprefix ./,$(MODULES)))
CACHE     := $(CURDIR)/.cache
TOOLS_BIN := $(CACHE)/tools-$(shell sha256sum tools/go.sum 2>/dev/null | cut -c1-12)
GOTEST    := go test -count=1
export GOFLAGS := -buildvcs=false

.PHONY: run test test-short test-unit proto lint fmt tidy prerequisites help

help:
	@echo "make run         start Novera (embedded NATS, local PostgreSQL and the Discord simulator when unset)"
	@echo "make test        every test (installs what the tests need first)"
	@echo "make test-short  the fast subset for the edit-test loop"
	@echo "make proto       regenerate libs/buspb from proto/ with buf"
	@echo "make lint        go vet and gofmt over every module"

run:
	go run ./services/novera

# Everything a test needs that Go does not bring by itself.
prerequisites:
	@bash scripts/prerequisites.sh

test: prerequisites
	$(GOTEST) -timeout 25m $(PKGS)

test-short: prerequisites
	$(GOTEST) -short -timeout 10m $(PKGS)

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
