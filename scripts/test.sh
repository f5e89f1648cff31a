#!/usr/bin/env bash
# The README's test command: install chainrule with its test extras, then run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q -e ".[test]"
(cd tests/explain/js && npm ci --silent)  # KaTeX, which the explain tests parse every formula with
python3 -m pytest -q -p no:cacheprovider "$@"
