#!/usr/bin/env bash
# The README's test command: install chainrule with its test extras, then run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q -e ".[test]"
# Debian's Chromium (+ a Korean font) for tests/browser, driven by Playwright; never `playwright install`
if [ ! -x /usr/bin/chromium ]; then apt-get update -qq && apt-get install -y -qq chromium fonts-nanum; fi
export CHAINRULE_REQUIRE_BROWSER=1   # so a missing browser fails the browser tests instead of skipping them
(cd tests/explain/js && npm ci --silent)  # KaTeX, which the explain tests parse every formula with
python3 -m pytest -q -p no:cacheprovider "$@"
