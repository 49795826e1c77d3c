#!/usr/bin/env bash
# The page's time from drop to results (issue 29): starts `selfbuilt serve` on a fresh
# workspace, uploads a town's files as the page does (one multipart request), asks for
# the run, and waits for the round's results; prints the upload, the run and the whole,
# beside `selfbuilt run` on the same files.
#
#   bench/serve.sh [demo|200|all]   (default: all)
#     demo: the demo town (fixtures/demo-town, 10 files, 850 houses)
#     200:  a 200-village town made by `selfbuilt demo` (about 85,000 houses)
#   REPEAT=3 bench/serve.sh demo    (rounds; prints each and the median)
#
# Data goes to ${BENCH_DIR:-target/bench-data}; nothing is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
repeat="${REPEAT:-1}"
data="${BENCH_DIR:-target/bench-data}"
mkdir -p "$data"
command -v curl >/dev/null || { echo "bench: curl is needed" >&2; exit 2; }
cargo build --release -q
sb="$PWD/target/release/selfbuilt"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# once LABEL FOLDER: one round on the page; prints upload, run and whole seconds.
once() {
  local label="$1" town="$2" ws out pid addr round
  ws="$(mktemp -d)"; out="$(mktemp)"
  "$sb" serve --workspace "$ws" --port 0 --as-of 2026-12-01 >"$out" 2>/dev/null &
  pid=$!
  for _ in $(seq 100); do grep -q http "$out" && break; sleep 0.05; done
  addr="$(grep -o 'http://[^ ]*' "$out" | head -1)"
  round="$(curl -s -X POST -H 'X-Selfbuilt: 1' -H 'Content-Type: application/json' -d '{}' "${addr}api/rounds" | sed 's/.*"name":"\([^"]*\)".*/\1/')"
  round_url="$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$round")"
  local args=()
  while IFS= read -r -d '' f; do args+=(-F "files=@${f};filename=${f#"$town"/}"); done < <(find "$town" -type f -print0 | sort -z)
  local t0 t1 t2
  t0="$(now)"
  curl -s -o /dev/null -H 'X-Selfbuilt: 1' "${args[@]}" "${addr}api/rounds/${round_url}/files"
  t1="$(now)"
  curl -s -o /dev/null -X POST -H 'X-Selfbuilt: 1' "${addr}api/rounds/${round_url}/run"
  until curl -s "${addr}api/workspace" | grep -q '"state":"\(done\|failed\)"'; do sleep 0.02; done
  t2="$(now)"
  curl -s "${addr}api/rounds/${round_url}/results" >/dev/null
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  rm -rf "$ws" "$out"
  echo "$label page: upload $(secs "$t0" "$t1") s, run $(secs "$t1" "$t2") s, drop to results $(secs "$t0" "$t2") s"
  up="$(secs "$t0" "$t1")"; ran="$(secs "$t1" "$t2")"; whole="$(secs "$t0" "$t2")"
}

# cli LABEL FOLDER: `selfbuilt run` on the same files.
cli() {
  local o t0 t1
  o="$(mktemp -d)"
  t0="$(now)"; "$sb" run "$2" --out "$o" --quiet --as-of 2026-12-01 || true; t1="$(now)"
  rm -rf "$o"
  echo "$1 cli:  run $(secs "$t0" "$t1") s"
  cl="$(secs "$t0" "$t1")"
}

town() {
  local label="$1" folder="$2" ups=() runs=() wholes=() clis=()
  for _ in $(seq "$repeat"); do
    once "$label" "$folder"; ups+=("$up"); runs+=("$ran"); wholes+=("$whole")
    cli "$label" "$folder"; clis+=("$cl")
  done
  if [ "$repeat" -gt 1 ]; then
    echo "$label median of $repeat: upload $(printf '%s\n' "${ups[@]}" | median) s, run $(printf '%s\n' "${runs[@]}" | median) s, drop to results $(printf '%s\n' "${wholes[@]}" | median) s; cli run $(printf '%s\n' "${clis[@]}" | median) s"
  fi
}

if [ "$what" = demo ] || [ "$what" = all ]; then
  town "demo town (10 files, 850 houses)" fixtures/demo-town
fi
if [ "$what" = 200 ] || [ "$what" = all ]; then
  t200="$data/town200"
  [ -d "$t200" ] || "$sb" demo --out "$t200" --villages 200 --rows 85000 2>/dev/null
  town "200-village town ($(find "$t200" -type f | wc -l) files)" "$t200"
fi
