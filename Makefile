# SessionGuard — see README.md. Everything builds with CGO_ENABLED=0.
GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X github.com/sessionguard/sessionguard/internal/cli.Version=$(VERSION)
BIN       := bin
PLATFORMS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64

export CGO_ENABLED ?= 0

.PHONY: all build run test deps vet fmt-check unit cross bench golden clean

all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/sessionguard ./cmd/sessionguard

# The main job on embedded defaults: check this computer and say what to fix.
# A "not ready" verdict (exit 1) is an answer, not a build failure.
run: build
	@./$(BIN)/sessionguard check; st=$$?; [ $$st -le 1 ]

# Installs what the tests need when it is missing, then runs everything CI runs.
test: deps vet fmt-check unit cross

deps:
	@scripts/deps.sh
	@if [ "$$(id -u)" -eq 0 ]; then scripts/pg-test-setup.sh; fi
	$(GO) mod download

vet:
	$(GO) vet ./...
	GOOS=windows $(GO) vet ./...
	GOOS=darwin $(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "not gofmt-formatted:"; echo "$$out"; exit 1; fi

# -race needs cgo; the binaries we ship do not.
unit:
	CGO_ENABLED=1 $(GO) test -race -count=1 ./...

cross:
	@set -e; for p in $(PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; ext=; [ $$os = windows ] && ext=.exe; \
		echo "build $$os/$$arch"; \
		GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o dist/sessionguard-$$os-$$arch$$ext ./cmd/sessionguard; \
	done

bench:
	CGO_ENABLED=1 $(GO) test -run '^$$' -bench . -benchmem ./...

# Rewrite the golden expected.json of every replay scenario (review the diff!).
golden:
	$(GO) test ./checks/... -run Scenarios -update

clean:
	rm -rf $(BIN) dist
