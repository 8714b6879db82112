# bedrock-usage — see README.md. `make demo` and `make test` are the two set-up commands.
SHELL := /bin/bash
GO ?= go
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION ?= 20

.PHONY: test fmt-check vet build install demo bench

DEMO_RECORDS ?= 50000

# --version names the commit and its date (from git when the tree is a clone).
GIT_VERSION := $(shell git describe --tags --always --dirty 2>/dev/null)
LDFLAGS := -X main.version=$(or $(GIT_VERSION),devel) -X main.commit=$(shell git rev-parse --short=12 HEAD 2>/dev/null) -X main.date=$(shell git log -1 --format=%cI 2>/dev/null)

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/bedrock-usage ./cmd/bedrock-usage

# Installs the CLI into $(go env GOBIN), or $(go env GOPATH)/bin.
install:
	$(GO) install -ldflags "$(LDFLAGS)" ./cmd/bedrock-usage

fmt-check:
	@out=$$(gofmt -l $$(find . -name '*.go' -not -path './node_modules/*' -not -path './cdk.out/*')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# With libdeflate installed (Debian: libdeflate-dev), the packages whose behaviour the
# -tags libdeflate build changes are tested in that build too.
LIBDEFLATE := $(wildcard /usr/include/libdeflate.h /usr/local/include/libdeflate.h)

test: fmt-check vet
	$(GO) test -timeout 30m ./...
ifneq ($(LIBDEFLATE),)
	$(GO) vet -tags libdeflate ./analytics/invocationlog
	$(GO) test -tags libdeflate -timeout 30m ./analytics/invocationlog ./analytics/local
else
	@echo "libdeflate.h not found: the -tags libdeflate build is not tested (Debian: apt-get install libdeflate-dev)"
endif

# The scale benchmark (issue 12): builds its corpora once into the user cache folder (or
# BEDROCK_USAGE_BENCH_DIR) — realistic bodies, and one role session per call — then runs, each
# as its own process on the same files, the CLI (pure Go, and -tags libdeflate when the library
# is installed), DuckDB's read_json GROUP BY, a parallel Go gunzip and a two-stream
# libdeflate-gunzip, and prints CPU, wall and peak RSS with the ratios. BEDROCK_USAGE_BENCH_10M=1
# adds the 10M-call corpus. Then the decoder micro-benchmarks against encoding/json.
bench:
	BEDROCK_USAGE_BENCH=1 $(GO) test -run '^$$' -bench '^BenchmarkScale$$' -benchtime 1x -count 1 -timeout 90m ./internal/scalebench
	$(GO) test -run '^$$' -bench 'Decode' -benchtime 2s ./analytics/invocationlog

# A month of synthetic logs in a temporary folder, and the report from them (no AWS needed).
demo: build
	@dir=$$(mktemp -d -t bedrock-usage-demo.XXXXXX) && \
	echo "Generating a month of synthetic Bedrock invocation logs into $$dir" && \
	./bin/bedrock-usage logs generate --out "$$dir/logs" --since 30d --records $(DEMO_RECORDS) --seed 1 --profile-map "$$dir/profiles.json" && \
	./bin/bedrock-usage report --source "$$dir/logs" --since 30d --profile-map "$$dir/profiles.json" --offline --format table --top 8 && \
	echo && echo "Logs kept in $$dir/logs; try: ./bin/bedrock-usage report --source $$dir/logs --since 30d --profile-map $$dir/profiles.json --group-by metadata.tenant_id"

# ---- Infrastructure (CDK app in cmd/cdkapp, stacks in infra) --------------------------------
# The CDK CLI is pinned in package.json / package-lock.json and installed into node_modules.
# Without AWS credentials (or with OFFLINE=1) the app is synthesized for the placeholder
# account CDK_ACCOUNT, the one the golden templates in infra/testdata use.
CDK_ACCOUNT ?= 123456789012
CDK_OUT ?= cdk.out
export CDK_HOME ?= $(CURDIR)/node_modules/.cdk-home
export CDK_DISABLE_CLI_TELEMETRY ?= true
CDK := npx --no-install cdk --no-notices
CDK_STACKS := $(patsubst infra/testdata/%.template.json,%,$(wildcard infra/testdata/*.template.json))
AWS_CREDENTIALS := $(strip $(AWS_PROFILE)$(AWS_ACCESS_KEY_ID)$(AWS_WEB_IDENTITY_TOKEN_FILE)$(AWS_CONTAINER_CREDENTIALS_FULL_URI)$(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI))
CDK_ONLINE := $(if $(OFFLINE),,$(AWS_CREDENTIALS))

.PHONY: synth diff

# The go.mod marks node_modules as another module, so `go build ./...` and `go vet ./...`
# skip the Go templates that the aws-cdk package ships.
node_modules/.bin/cdk: package.json package-lock.json
	npm ci --no-audit --no-fund
	@printf 'module example.invalid/node_modules\n' > node_modules/go.mod
	@touch $@

# Writes cdk.out (templates, assets, cdk-nag reports); fails on unsuppressed cdk-nag findings.
synth: node_modules/.bin/cdk
	$(CDK) synth --quiet --output $(CDK_OUT) $(if $(CDK_ONLINE),,--context account=$(CDK_ACCOUNT))

# Offline: each stack of the app against its golden template (what the PR changes).
# With credentials: every stack against what is deployed in the account.
diff: node_modules/.bin/cdk
ifneq ($(CDK_ONLINE),)
	$(CDK) diff
else
	$(CDK) synth --quiet --output $(CDK_OUT) --context account=$(CDK_ACCOUNT)
	@for s in $(CDK_STACKS); do \
		echo "=== $$s: infra/testdata/$$s.template.json -> synthesized app"; \
		$(CDK) diff --exclusively --app $(CDK_OUT) --template infra/testdata/$$s.template.json $$s || exit 1; \
	done
endif
