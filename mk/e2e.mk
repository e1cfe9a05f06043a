# LocalStack on this host, without Docker, for the emulated deploy (included by the Makefile, whose
# PY312 and RUNTIME_DIR it uses). Lambda functions run as host python3.12 processes through the
# "host-python" executor (devtools/emulator). Everything lives under the repo: .venv-localstack,
# .cache/localstack (LocalStack's state and logs, wiped at each start), .cache/lambda-host-executor.
#   make localstack-start    LocalStack on http://127.0.0.1:4566 (log: .cache/localstack/localstack.log)
#   make localstack-stop
LOCALSTACK_VENV := .venv-localstack
LOCALSTACK_PY := $(LOCALSTACK_VENV)/bin/python
# localstack-core 4.14 needs Python 3.13 (it does not import on 3.12). Looked up only when used.
PY313 = $(shell for p in python3.13 "$$(pyenv root 2>/dev/null)/versions/3.13.0/bin/python3.13"; do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 13)' >/dev/null 2>&1 \
	&& { "$$p" -c 'import sys; print(sys.executable)'; break; }; done)

.PHONY: localstack-start localstack-stop localstack-status

$(LOCALSTACK_VENV)/.installed: requirements/localstack.txt devtools/emulator/plugin/pyproject.toml
	@py313="$(PY313)"; [ -n "$$py313" ] || { echo "No working python3.13 on PATH or in pyenv (LocalStack 4.14 needs it)" >&2; exit 1; }; \
	test -x $(LOCALSTACK_PY) || "$$py313" -m venv $(LOCALSTACK_VENV)
	$(LOCALSTACK_PY) -m pip install --quiet --upgrade pip
	$(LOCALSTACK_PY) -m pip install --quiet -r requirements/localstack.txt
	@# The plugin's metadata only (its entry points); built from a copy so that no build/ or
	@# egg-info lands in the source tree.
	rm -rf .cache/lambda-host-executor && mkdir -p .cache && cp -r devtools/emulator/plugin .cache/lambda-host-executor
	$(LOCALSTACK_PY) -m pip install --quiet ./.cache/lambda-host-executor
	@# The executor and the patches are imported from the repo (devtools.emulator).
	printf '%s\n' "$(CURDIR)" > $$($(LOCALSTACK_PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/repo.pth
	touch $@

# Functions import the Lambda runtime's boto3 from $(RUNTIME_DIR), as on Lambda.
localstack-start: $(LOCALSTACK_VENV)/.installed $(RUNTIME_DIR)/.installed
	$(PY312) -m devtools.emulator.localstack start --python $(PY312)

localstack-stop:
	$(PY312) -m devtools.emulator.localstack stop

localstack-status:
	$(PY312) -m devtools.emulator.localstack status

# The emulated deploy-then-call test (devtools/emulator/e2e.py; docs/testing.md "make e2e"): the
# README's deploy steps with the real commands against LocalStack, x86_64 functions. Starts
# LocalStack when it is not running and stops it at the end, failure and Ctrl-C included.
# E2E_ARGS: --keep (leave it up), --hold-fingerprint (the version defect put back: must fail).
.PHONY: e2e
e2e: venv $(LOCALSTACK_VENV)/.installed $(RUNTIME_DIR)/.installed
	$(PY) -m devtools.emulator.e2e --python $(PY312) $(E2E_ARGS)
