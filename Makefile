# Two commands for a fresh clone: `make run` and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean chromium nginx lock

# Every dependency at the version and hash requirements.lock pins; then our own code.
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

# Pin pyproject.toml's dependencies (and the dev extra) anew, with hashes, using
# pip-tools in a venv of its own. Run it after changing a dependency.
LOCKER := $(VENV)-lock
lock:
	$(PYTHON) -m venv $(LOCKER)
	$(LOCKER)/bin/pip install --quiet pip-tools
	CUSTOM_COMPILE_COMMAND="make lock" $(LOCKER)/bin/pip-compile --quiet --upgrade \
		--generate-hashes --allow-unsafe \
		--extra dev --strip-extras --no-emit-index-url --no-emit-find-links \
		--output-file requirements.lock pyproject.toml

run: $(STAMP)
	$(BIN)/smsbridge dev

test: $(STAMP) chromium nginx
	$(BIN)/pytest

# Debian's Chromium, for the browser tests (they skip, saying why, where it cannot be had).
chromium:
	@scripts/install-chromium

# Debian's nginx, for the deployment tests (they skip, saying why, where it cannot be had).
nginx:
	@scripts/install-nginx

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo

# One shell, so the summary reads only this run's figures (stamped from its start).
bench: $(STAMP)
	started=$$(date +%Y%m%dT%H%M%S) && \
	$(BIN)/python -m bench.inbound && \
	$(BIN)/python -m bench.handling && \
	$(BIN)/python -m bench.webhook && \
	$(BIN)/python -m bench.end_to_end && \
	$(BIN)/python -m bench.end_to_end --latency-ms 300 --texts 60 --runs 1 && \
	$(BIN)/python -m bench.worker_profile && \
	$(BIN)/python -m bench.worker_profile --mastodon && \
	$(BIN)/python -m bench.confidentiality && \
	$(BIN)/python -m bench.summary --since $$started

clean:
	rm -rf $(VENV) $(LOCKER) var test-output .pytest_cache .mypy_cache .ruff_cache
