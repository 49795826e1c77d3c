#!/usr/bin/env bash
# Screenshots for the README: runs the demo town against its roster, prints errors.xlsx,
# an annotated copy and tally.xlsx to PDF with `soffice --convert-to pdf` and rasterises
# the top of a page with `pdftoppm`; has headless Chromium draw report.html.
# Needs LibreOffice Calc, poppler-utils, Chromium and a CJK font (Debian:
# libreoffice-calc-nogui, poppler-utils, chromium, fonts-noto-cjk). Writes docs/errors.png,
# docs/annotated.png, docs/tally.png, docs/report.png.
set -euo pipefail
cd "$(dirname "$0")/.."
for c in soffice pdftoppm chromium; do command -v "$c" >/dev/null || { echo "docs/screenshots.sh: $c is required" >&2; exit 2; }; done
cargo build -q
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
"${CARGO_TARGET_DIR:-target}/debug/selfbuilt" run fixtures/demo-town --roster fixtures/demo-roster/房屋名册.xlsx \
  --out "$work/out" --as-of 2026-12-01 >/dev/null 2>&1 || [ $? -eq 1 ]
mkdir -p "$work/pdf"
cp "$work/out/errors.xlsx" "$work/pdf/errors.xlsx"
cp "$work/out/tally.xlsx" "$work/pdf/tally.xlsx"
cp "$work/out/annotated/上林村.批注.xlsx" "$work/pdf/annotated.xlsx"
soffice -env:UserInstallation="file://$work/profile" --headless --convert-to pdf --outdir "$work/pdf" \
  "$work/pdf/errors.xlsx" "$work/pdf/tally.xlsx" "$work/pdf/annotated.xlsx" >/dev/null 2>&1
# name, page, width and height of the crop (pixels at 110 dpi, A4 landscape is 1286 x 909)
shot() { pdftoppm -png -r 110 -f "$2" -l "$2" -x 0 -y 0 -W "$3" -H "$4" -singlefile "$work/pdf/$1.pdf" "docs/$1"; }
shot errors 2 1286 330    # a village's sheet of findings
shot annotated 2 1286 480 # the village's own sheet with its marks (after the 问题清单 page)
shot tally 1 1286 260     # the tally
chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$work/chromium" --hide-scrollbars \
  --window-size=1200,1500 --screenshot="$PWD/docs/report.png" "file://$work/out/report.html" >/dev/null 2>&1
echo "docs/screenshots.sh: wrote docs/errors.png docs/annotated.png docs/tally.png docs/report.png"
