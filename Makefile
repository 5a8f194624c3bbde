# SessionGuard — see README.md. Everything builds with CGO_ENABLED=0.
GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X github.com/sessionguard/sessionguard/internal/cli.Version=$(VERSION) -X github.com/sessionguard/sessionguard/internal/servercli.Version=$(VERSION) -X github.com/sessionguard/sessionguard/internal/traycli.Version=$(VERSION)
BIN       := bin
PLATFORMS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64

export CGO_ENABLED ?= 0

.PHONY: all build run smoke test deps vet fmt-check unit cross bench bench-peers golden clean

all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/sessionguard ./cmd/sessionguard
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/sessionguard-server ./cmd/sessionguard-server
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/sessionguard-tray ./cmd/sessionguard-tray

# The whole product on one machine, on embedded defaults: the server on SQLite
# under ./var, a first admin and an enrol secret (printed), this computer
# onboarded as an agent (its checklist printed), the dashboard URL; then the
# agent runs in the foreground until Ctrl-C. See scripts/run.sh.
run: build
	@scripts/run.sh

# make run end to end, stopping once the server holds the agent's first report.
smoke: build
	@d=$$(mktemp -d); trap 'rm -rf $$d' EXIT; \
	SG_RUN_ONCE=1 SG_RUN_VAR=$$d SG_RUN_LISTEN=127.0.0.1:$$((20000 + $$$$ % 20000)) scripts/run.sh >$$d.log 2>&1 \
		|| { cat $$d.log; rm -f $$d.log; exit 1; }; rm -f $$d.log; echo "smoke: make run works end to end"

# Installs what the tests need when it is missing, then runs everything CI runs.
test: deps vet fmt-check unit cross smoke

deps:
	@scripts/deps.sh
	@if [ "$$(id -u)" -eq 0 ]; then scripts/pg-test-setup.sh; fi
	$(GO) mod download

# Linters, pinned and installed into $(BIN). A tool already there that was
# built from the pinned version by this Go is kept, so `make vet` needs no
# network once they are installed.
STATICCHECK   := honnef.co/go/tools/cmd/staticcheck@v0.8.2
DEADCODE      := golang.org/x/tools/cmd/deadcode@v0.52.0
GOLANGCI_LINT := github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0
VET_OSES      := linux windows darwin

.PHONY: tools
tools:
	@set -e; gover=$$($(GO) env GOVERSION); for t in $(STATICCHECK) $(DEADCODE) $(GOLANGCI_LINT); do \
		pkg=$${t%@*}; ver=$${t#*@}; bin=$(BIN)/$${pkg##*/}; \
		have=$$($(GO) version -m $$bin 2>/dev/null | awk -v g="$$gover" -v p="$$pkg" \
			'NR==1 && $$2==g {ok++} $$1=="path" && $$2==p {ok++} $$1=="mod" {v=$$3} END {if (ok==2) print v}'); \
		if [ "$$have" != "$$ver" ]; then \
			echo "install $$t"; GOBIN=$(abspath $(BIN)) GOOS= GOARCH= $(GO) install $$t; \
		fi; \
	done

# go vet, staticcheck (staticcheck.conf), deadcode -test (no function that
# nothing reaches, tests included) and golangci-lint (.golangci.yml), each for
# the three OSes.
vet: tools
	@set -e; for os in $(VET_OSES); do \
		echo "vet $$os"; \
		GOOS=$$os $(GO) vet ./...; \
		GOOS=$$os $(BIN)/staticcheck ./...; \
		dead=$$(GOOS=$$os $(BIN)/deadcode -test ./...); \
		if [ -n "$$dead" ]; then echo "deadcode ($$os):"; echo "$$dead"; exit 1; fi; \
		GOOS=$$os $(BIN)/golangci-lint run --allow-parallel-runners ./...; \
	done

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
	@set -e; for p in linux/amd64 linux/arm64; do \
		echo "build server $$p"; \
		GOOS=$${p%/*} GOARCH=$${p#*/} $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o dist/sessionguard-server-$${p%/*}-$${p#*/} ./cmd/sessionguard-server; \
	done
	@# The tray: pure Go on Linux and Windows (a GUI-subsystem exe, no console
	@# window); on macOS it needs cgo (AppKit) and is built on a Mac — see README.
	@set -e; for p in linux/amd64 linux/arm64 windows/amd64 windows/arm64; do \
		os=$${p%/*}; arch=$${p#*/}; ext=; gui=; [ $$os = windows ] && ext=.exe && gui=-H=windowsgui; \
		echo "build tray $$os/$$arch"; \
		GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags "$(LDFLAGS) $$gui" -o dist/sessionguard-tray-$$os-$$arch$$ext ./cmd/sessionguard-tray; \
	done

# Packages into dist/ from one version number (make package PKG_VERSION=1.4.0):
# sessionguard and sessionguard-server .deb/.rpm (linux amd64, arm64), the MSI
# (windows amd64) and the macOS pkg layouts (built into .pkg by
# .github/workflows/macos-package.yml). Reproducible: SOURCE_DATE_EPOCH is the
# last commit's time, binaries are built with -trimpath and an empty build id.
# Needs wixl for the MSI (see packaging/README.md for the apt packages).
PKG_VERSION ?= $(or $(shell git describe --tags --match 'v[0-9]*' --abbrev=0 2>/dev/null | sed 's/^v//'),0.1.0)
PKG_BIN     := dist/pkgbin
PKG_LDFLAGS := -s -w -buildid= -X github.com/sessionguard/sessionguard/internal/cli.Version=$(PKG_VERSION) -X github.com/sessionguard/sessionguard/internal/servercli.Version=$(PKG_VERSION) -X github.com/sessionguard/sessionguard/internal/traycli.Version=$(PKG_VERSION)
PKG_TARGETS := linux/amd64 linux/arm64 windows/amd64 darwin/arm64 darwin/amd64

.PHONY: package
package:
	@set -e; export SOURCE_DATE_EPOCH=$$(git log -1 --format=%ct); rm -rf $(PKG_BIN); \
	for p in $(PKG_TARGETS); do \
		os=$${p%/*}; arch=$${p#*/}; ext=; [ $$os = windows ] && ext=.exe; out=$(PKG_BIN)/$$os-$$arch; \
		echo "build $$os/$$arch"; \
		GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags '$(PKG_LDFLAGS)' -o $$out/sessionguard$$ext ./cmd/sessionguard; \
		if [ $$os = linux ]; then \
			GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags '$(PKG_LDFLAGS)' -o $$out/sessionguard-server ./cmd/sessionguard-server; \
		fi; \
		if [ -d cmd/sessionguard-tray ]; then \
			gui=; [ $$os = windows ] && gui=-H=windowsgui; \
			GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags "$(PKG_LDFLAGS) $$gui" -o $$out/sessionguard-tray$$ext ./cmd/sessionguard-tray \
			|| echo "note: the tray for $$os/$$arch does not build here (on macOS it needs cgo; the macOS workflow builds it)"; \
		fi; \
	done; \
	$(GO) run ./packaging/cmd/sgdocs --version $(PKG_VERSION) --out dist/docs; \
	$(GO) run ./packaging/cmd/sgpkg --version $(PKG_VERSION) --bin $(PKG_BIN) --docs dist/docs --out dist

bench:
	CGO_ENABLED=1 $(GO) test -run '^$$' -bench . -benchmem ./...

# Whole programs timed as a person runs them, beside a peer where one is
# installed (PARETO=/path/to/paretosecurity); see scripts/bench-peers.sh.
bench-peers:
	scripts/bench-peers.sh

# Rewrite the golden expected.json of every replay scenario (review the diff!).
golden:
	$(GO) test ./checks/... -run Scenarios -update

clean:
	rm -rf $(BIN) dist
