# One entry point for people and CI. `make demo` runs the product, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The openai majors the tests run against, each in its own virtualenv.
OPENAI_MAJORS ?= 1 2 3
EXTRAS ?= test,demo,dashboards

.PHONY: demo test lint typecheck unit matrix system-deps venv clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@.ci/phase venv sh -c "$(PYTHON) -m venv $(VENV) && \
	  $(BIN)/pip install --upgrade pip && $(BIN)/pip install -e '.[$(EXTRAS)]'"
	@touch $@

# The product in a minute, no API key: fault server, instrumented workload, live view, summary.
DEMO_ARGS ?=
demo: venv
	$(BIN)/openai-error-telemetry demo $(DEMO_ARGS)

# Every test. The independent phases run side by side on two cores (the majors' suites,
# openai-python's and the official instrumentation's); each phase's whole output is in
# .cache/logs/, the screen gets a line per phase and the failures.
test: system-deps
	@$(MAKE) --no-print-directory -j3 venv $(addprefix venv-openai,$(OPENAI_MAJORS))
	@$(MAKE) --no-print-directory -j2 lint typecheck
	@$(MAKE) --no-print-directory -j3 $(addprefix test-openai,$(OPENAI_MAJORS)) \
	  sdk-suite-quick official-suite

# openai-python's own tests (from its PyPI source release), without us and with us on:
# every test must end the same. The quick part (clients, streams, httpx2, stream helpers)
# runs with `make test`; `make sdk-suite` runs all of it (about 13,000 tests, ~15 min).
SDK_SUITE_QUICK := tests/test_httpx2.py tests/test_httpx2_base.py tests/test_streaming.py \
  tests/test_client.py tests/test_legacy_response.py tests/test_response.py tests/lib/chat \
  tests/lib/responses
.PHONY: sdk-suite sdk-suite-quick
sdk-suite-quick: venv venv-openai3
	@.ci/phase sdk-suite-quick $(BIN)/python benchmarks/sdk_suite.py $(SDK_SUITE_QUICK)

sdk-suite: venv
	$(BIN)/python benchmarks/sdk_suite.py --json .cache/sdk-suite/result.json

# The official instrumentation's own suite (opentelemetry-instrumentation-genai-openai from
# PyPI, its cassettes) plain and with us on beside it: every test must end the same.
.PHONY: official-suite
official-suite: venv
	@.ci/phase official-suite $(BIN)/python benchmarks/sdk_suite.py --suite genai-openai

lint: venv
	@.ci/phase lint $(BIN)/ruff check src tests benchmarks dashboards

typecheck: venv
	@.ci/phase typecheck $(BIN)/mypy

unit: venv
	$(BIN)/pytest -q

# Every test, once per supported openai major, each in a virtualenv of its own (pip's
# output in .cache/logs/venv-openaiN.log), two pytest workers each.
PYTEST_WORKERS ?= 2
# (pattern rules: not .PHONY, which would skip them; no file of these names is ever made)
matrix: $(addprefix test-openai,$(OPENAI_MAJORS))

venv-openai%: pyproject.toml
	@env=.venv-openai$*; \
	if [ ! -f $$env/.installed ] || [ pyproject.toml -nt $$env/.installed ]; then \
	  .ci/phase venv-openai$* sh -c "$(PYTHON) -m venv $$env && \
	    $$env/bin/pip install --upgrade pip && \
	    $$env/bin/pip install -e '.[$(EXTRAS)]' 'openai>=$*,<$$(($* + 1))' && \
	    touch $$env/.installed" || exit 1; \
	fi

test-openai%: venv-openai%
	@.ci/phase openai$*-$$(.venv-openai$*/bin/python -c 'import openai; print(openai.__version__)') \
	  .venv-openai$*/bin/pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) -rfE

# Debian packages the tests need; installed only when missing, and only as root.
SYSTEM_PACKAGES := prometheus prometheus-alertmanager
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "missing Debian packages:$$missing (run 'sudo make system-deps')" >&2; exit 1; \
	  fi; \
	fi

clean:
	rm -rf $(VENV) .venv-openai* .venv-sdk-suite .venv-official-suite .cache .pytest_cache .mypy_cache .ruff_cache

# Regenerate the Grafana dashboards and Prometheus rules under dashboards/out/.
.PHONY: dashboards
dashboards: venv
	$(BIN)/python -m dashboards

# What the instrumentation costs per call, against the plain SDK and the floor; the
# classifier and the stream proxy alone; the time the retry guard saves; memory over
# 100,000 calls; what a dead collector costs calls on a loaded machine. Benchmarks, not
# timed tests: see docs/performance.md and docs/reliability.md. `make bench-peers` adds
# the seven peers side by side, and callgrind instruction counts of the official two.
.PHONY: bench bench-peers
bench: venv
	$(BIN)/python benchmarks/suite.py
	$(BIN)/python benchmarks/classify_bench.py
	$(BIN)/python benchmarks/stream_bench.py
	$(BIN)/python benchmarks/retry_guard.py
	$(BIN)/python benchmarks/leaks.py
	$(BIN)/python benchmarks/dead_backend.py

bench-peers: venv
	$(BIN)/python benchmarks/peers.py
	$(BIN)/python benchmarks/suite.py --peers
	$(BIN)/python benchmarks/suite.py --peers --http
	$(BIN)/python benchmarks/instructions.py --tools plain ours floor otel-genai-openai otel-openai-v2 \
	  --cases success retry 429
