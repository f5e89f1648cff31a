#!/usr/bin/env bash
# The README's test command: install chainrule with its test extras, lint, then run the whole suite (the
# slow tests included: tests/newcomer installs the README's way in a fresh virtual environment).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q -e ".[test]"
# Debian packages the tests drive: Chromium (+ a Korean font) for tests/browser through Playwright (never
# `playwright install`), and Graphviz's `dot` for the rendered computation graphs in tests/viz
missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium fonts-nanum"
command -v dot >/dev/null 2>&1 || missing="$missing graphviz"
if [ -n "$missing" ]; then apt-get update -qq && apt-get install -y -qq $missing; fi
# TeX Live for tests/newcomer/test_latex_compiles.py: pdflatex, lualatex and kotex (Korean), nothing more
if ! { command -v lualatex >/dev/null 2>&1 && kpsewhich kotex.sty >/dev/null 2>&1; }; then
  apt-get update -qq && apt-get install -y -qq --no-install-recommends texlive-latex-base \
    texlive-latex-recommended texlive-luatex texlive-lang-korean
fi
export CHAINRULE_REQUIRE_BROWSER=1 CHAINRULE_REQUIRE_TOOLS=1  # a missing browser, dot or TeX fails its tests, never skips
(cd tests/explain/js && npm ci --silent)  # KaTeX, which the explain tests parse every formula with
python3 -m ruff check .   # the linter, with the project's settings in pyproject.toml: any finding fails the run
python3 -m pytest -q -p no:cacheprovider "$@"
