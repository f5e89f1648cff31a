#!/usr/bin/env bash
# Regenerates every picture in the README with the commands the README documents.
# Needs Graphviz's `dot` and Debian's chromium (the page screenshot) besides the default install. Pictures
# are saved without dates or version stamps, so a run that changes nothing leaves every matplotlib PNG
# byte-identical (git status stays clean for them).
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/images
mkdir -p "$out"
chainrule draw -o "$out/network.svg"
chainrule graph -o "$out/graph.svg"
chainrule vanishing --depths 2..10 --activations sigmoid,tanh,relu -o "$out/vanishing.png" > "$out/vanishing.txt"
run=$(mktemp -d)
chainrule train --dataset moons --epochs 20 --seed 0 --out "$run" --no-progress > /dev/null
cp "$run"/*.png "$out/"
chainrule explain --format html -o "$out/solution.html"
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$(mktemp -d)" \
  --window-size=1400,1000 --screenshot="$out/solution.png" "file://$PWD/$out/solution.html" 2>/dev/null
ls -l "$out"
