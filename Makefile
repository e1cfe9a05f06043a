# Two commands set everything up on a fresh machine: `make demo` and `make test`.
# Everything is installed under the repo: .venv (tests, training, demo) and .venv-sam (SAM CLI).
SHELL := /bin/bash
.DEFAULT_GOAL := help

# A python3.12 from PATH that actually runs (a pyenv shim can exist and fail), else pyenv's.
PY312 := $(shell for p in python3.12 "$$(pyenv root 2>/dev/null)/versions/3.12.1/bin/python3.12"; do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1 \
	&& { "$$p" -c 'import sys; print(sys.executable)'; break; }; done)
ifeq ($(PY312),)
$(error No working python3.12 found on PATH or in pyenv; install Python 3.12 (the Lambda runtime))
endif

VENV := .venv
PY := $(VENV)/bin/python
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
CHECKOV_VENV := .venv-checkov
RUNTIME_DIR := .cache/lambda-runtime
BARE_SITE := .cache/bench-bare-sklearn
# Build architecture for `make build`; `make test` builds x86_64 so the built code runs here.
ARCH ?= arm64
# sam build must find a python3.12 on PATH; the layer makefiles use the same interpreter.
SAM_ENV := PATH="$(dir $(PY312)):$$PATH" PY312="$(PY312)" SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=us-east-1
# make deploy uses your credentials and region (AWS_PROFILE, AWS_REGION, ...), not the build's us-east-1.
SAM_ENV_DEPLOY := PATH="$(dir $(PY312)):$$PATH" PY312="$(PY312)" SAM_CLI_TELEMETRY=0

.PHONY: help venv demo serve batch openapi train deploy test unit integration lint checkov build build-all built-smoke bench clean page-scripts chromium

help:
	@echo "make demo   train, publish, serve, predict on a local moto server (no AWS, no Docker)"
	@echo "make serve  the API on http://127.0.0.1:3000 (like sam local start-api) with a trained model; no AWS, no Docker"
	@echo "make batch  score a file the way the batch state machine does: make batch ARGS='--input data.csv --output out/'"
	@echo "make openapi  write the API contract (generated from the code) to openapi.json"
	@echo "make test   every test and check: pytest, cfn-lint, sam validate --lint, checkov, sam build, smoke"
	@echo "make train  train and publish to MODEL_BUCKET (real AWS or AWS_ENDPOINT_URL)"
	@echo "make deploy build, package and deploy (MODEL_VERSION=... serves a published model; see docs/deploy.md)"
	@echo "make build  sam build for ARCH=arm64 (default) or ARCH=x86_64"
	@echo "make bench  measured figures (monitor throughput and memory), printed as a table"

$(VENV)/.installed: requirements/*.txt layers/dependencies/*-requirements.txt
	test -x $(PY) || $(PY312) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.txt
	# Make the shared package, training and devtools importable as they are laid out in the repo.
	printf '%s\n' "$(CURDIR)" "$(CURDIR)/layers/shared" > $$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/project.pth
	touch $@

$(SAM_VENV)/.installed: requirements/sam.txt
	test -x $(SAM_VENV)/bin/python || $(PY312) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SAM_VENV)/bin/python -m pip install --quiet -r requirements/sam.txt
	touch $@

$(CHECKOV_VENV)/.installed: requirements/checkov.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PY312) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -r requirements/checkov.txt
	touch $@

$(RUNTIME_DIR)/.installed: requirements/lambda-runtime.txt
	rm -rf $(RUNTIME_DIR)
	$(PY312) -m pip install --quiet --target $(RUNTIME_DIR) -r requirements/lambda-runtime.txt
	touch $@

venv: $(VENV)/.installed $(SAM_VENV)/.installed

# The report page's chart libraries (vega, vega-lite, vega-embed from the npm registry, pinned and
# integrity-checked in layers/shared/modelops/monitoring/page/scripts.json), into the package's
# git-ignored vendor/: the tests import them from there and the layer build copies them.
PAGE_SCRIPTS := layers/shared/modelops/monitoring/page/vendor/.fetched
$(PAGE_SCRIPTS): layers/shared/modelops/monitoring/page/scripts.json layers/shared/fetch_chart_scripts.py
	$(PY312) layers/shared/fetch_chart_scripts.py
	touch $@
page-scripts: $(PAGE_SCRIPTS)

# Debian's Chromium for the report page's browser test (tests/integration/test_report_page.py);
# installed once, as root (CI runs as root), when missing.
/usr/bin/chromium:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
chromium: /usr/bin/chromium

demo: $(VENV)/.installed $(PAGE_SCRIPTS)
	$(PY) -m devtools.demo

# The real handler behind a local HTTP server, S3 on a moto server, a freshly trained model.
# Options: make serve ARGS='--port 3001 --runtime onnx --dataset penguins' (or diabetes: a regressor).
serve: $(VENV)/.installed
	$(PY) -m devtools.local.serve $(ARGS)

# Batch scoring in-process (plan, Map workers, summary) on a moto server with a freshly trained model.
# Options: make batch ARGS='--input data.csv --output out/ --id-column id --runtime sklearn'.
batch: $(VENV)/.installed
	$(PY) -m devtools.batch $(ARGS)

# openapi.json is committed; a test fails when it differs from what the code generates.
openapi: $(VENV)/.installed
	$(PY) -m devtools.openapi

# Figures, not pass/fail: shared machines are noisy, so nothing here is asserted.
bench: $(VENV)/.installed $(BARE_SITE)/.installed
	$(PY) -m devtools.bench

# What `sam build` gives a bare `sam init`-style scikit-learn function, for make bench's baseline:
# the same pinned model libraries, installed by pip as published (not our trimmed layer), with
# pip's bytecode (generous to the baseline: a function's read-only code cannot cache its own).
$(BARE_SITE)/.installed: layers/dependencies/model-requirements.txt
	rm -rf $(BARE_SITE)
	$(PY312) -m pip install --quiet --no-deps --target $(BARE_SITE) -r layers/dependencies/model-requirements.txt
	touch $@

train: $(VENV)/.installed
	$(PY) -m training.train $(ARGS)

# The one deploy command (docs/deploy.md "Deploy to AWS"): builds for the stack's Architecture, pins the
# model from its manifest in S3, and publishes a new version behind `live` exactly when the code,
# a layer or a parameter the function uses changed (devtools/deploy/command.py says how).
#   make deploy [MODEL_VERSION=<version>|none] [MODEL_NAME=...] [MODEL_RUNTIME=onnx|sklearn]
#               [CONFIG_ENV=prod] [STACK_NAME=...] [PARAMS="Key=Value ..."]
CONFIG_ENV ?= default
deploy: venv
	$(SAM_ENV_DEPLOY) $(PY) -m devtools.deploy --config-env $(CONFIG_ENV) \
		$(if $(STACK_NAME),--stack-name $(STACK_NAME)) $(if $(MODEL_VERSION),--model-version $(MODEL_VERSION)) \
		$(if $(MODEL_NAME),--model-name $(MODEL_NAME)) $(if $(MODEL_RUNTIME),--model-runtime $(MODEL_RUNTIME)) \
		$(foreach p,$(PARAMS),--parameter $(p))

unit: $(VENV)/.installed $(PAGE_SCRIPTS)
	$(PY) -m pytest -q tests/unit

# tests/fuzz: seeded property-based fuzzing of the API, 10,000+ requests (about a minute).
integration: $(VENV)/.installed $(PAGE_SCRIPTS) /usr/bin/chromium
	$(PY) -m pytest -q tests/integration tests/fuzz

# import-linter: modelops' imports flow one way (.importlinter).
# cfn-lint with its informational rules too (I3011 retain policies, I3013 retention, I3042 ARNs...).
lint: venv
	$(VENV)/bin/lint-imports --config .importlinter
	$(VENV)/bin/cfn-lint --include-checks I -- template.yaml
	$(SAM_ENV) $(SAM) validate --lint --template template.yaml

# Every failed check fails the target; every skip is in template.yaml beside its resource, with its
# reason. --skip-download: no calls to the vendor's platform (no network here, none needed).
checkov: $(CHECKOV_VENV)/.installed
	$(CHECKOV_VENV)/bin/checkov --file template.yaml --framework cloudformation \
		--skip-download --compact --quiet

build: $(SAM_VENV)/.installed
	@# Everything sam build keeps is per architecture: its cache key ignores LAYER_ARCH, and its
	@# build.toml (beside the build dir) records what is built, so one shared between architectures
	@# passes a stale arm64 layer as valid after an x86_64 build. .aws-sam/build, what sam deploy
	@# and the tests read, points at the architecture built last.
	$(SAM_ENV) LAYER_ARCH=$(ARCH) $(SAM) build --parameter-overrides Architecture=$(ARCH) \
		--build-dir .aws-sam/$(ARCH)/build --cache-dir .aws-sam/$(ARCH)/cache
	@# A rule in the built template: CloudFormation refuses to deploy it with another Architecture.
	$(SAM_VENV)/bin/python -m devtools.build.pin_architecture .aws-sam/$(ARCH)/build/template.yaml $(ARCH)
	[ -L .aws-sam/build ] || rm -rf .aws-sam/build
	ln -sfn $(ARCH)/build .aws-sam/build
	@$(PY312) -m devtools.build.sizes .aws-sam/build

# Builds for x86_64 (this machine) and runs the built function with only its layers on the path.
built-smoke: venv $(RUNTIME_DIR)/.installed
	$(MAKE) build ARCH=x86_64
	$(PY) -m pytest -q tests/built

test: venv $(PAGE_SCRIPTS) /usr/bin/chromium
	$(PY) -m pytest -q tests/unit tests/integration tests/fuzz
	$(MAKE) lint
	$(MAKE) checkov
	$(MAKE) built-smoke

clean:
	rm -rf .aws-sam .cache .pytest_cache

# The emulated deploy (LocalStack on the host, no Docker): make e2e.
-include mk/e2e.mk
