#!/usr/bin/env bash
# Performance figures for issue 8. Generates data with the project's own generator
# (`selfbuilt demo`), runs `selfbuilt run` on it, and prints rows/s, wall time and peak
# memory (/usr/bin/time -v), and the ratios to the floor (benches/floor.rs: calamine
# reading the same workbook cell by cell + rust_xlsxwriter writing as many cells).
#
#   bench/run.sh [all|demo|100k|1m|files|messy] (default: all but messy; needs ~6 GB free
#                                                memory for 1m, ~8 GB for messy)
#   REPEAT=3 bench/run.sh 1m                     (rounds, each run beside its floor or its
#                                                one-thread twin; prints each ratio and the median)
#
# Data goes to ${BENCH_DIR:-target/bench-data}; nothing is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
repeat="${REPEAT:-1}"
data="${BENCH_DIR:-target/bench-data}"
mkdir -p "$data"
command -v /usr/bin/time >/dev/null || { echo "bench: /usr/bin/time is needed (apt-get install time)" >&2; exit 2; }
cargo build --release -q
floor="$(cargo bench --bench floor --no-run 2>&1 | grep -o 'target/release/deps/floor-[0-9a-f]*' | head -1)"
sb=target/release/selfbuilt
big=(--max-cells 100000000 --max-unzipped-mb 20000 --max-file-mb 20000)

# measure LABEL CMD... : prints "LABEL wall_s peak_kb" and leaves them in $wall/$peak.
measure() {
  local label="$1"; shift
  local log; log="$(mktemp)"
  /usr/bin/time -v "$@" >/dev/null 2>"$log" || true
  wall="$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$log")"
  peak="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")"
  cpu="$(awk -F': ' '/Percent of CPU/ {print $2}' "$log")"
  printf '%-34s wall %8.2f s   peak %8.1f MB   cpu %s\n' "$label" "$wall" "$(echo "$peak / 1024" | bc -l)" "$cpu"
  rm -f "$log"
}

ratio() { echo "scale=2; $1 / $2" | bc -l; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# beside_floor NAME INPUT WORKBOOK ROWS: REPEAT rounds of `selfbuilt run INPUT`, each beside
# the floor on WORKBOOK; prints each round's ratios (and rows/s when ROWS > 0), then the
# medians.
beside_floor() {
  local name="$1" input="$2" f="$3" rows="$4" ratios=() mems=()
  for _ in $(seq "$repeat"); do
    rm -rf "$data/out-$name"
    measure "selfbuilt run" "$sb" run "$input" --out "$data/out-$name" --quiet "${big[@]}"
    local rw="$wall" rp="$peak"
    measure "floor (calamine + rust_xlsxwriter)" "$floor" "$f" "$data/floor-$name.xlsx"
    ratios+=("$(ratio "$rw" "$wall")"); mems+=("$(ratio "$rp" "$peak")")
    [ "$rows" -gt 0 ] && printf '   rows/s %.0f' "$(echo "$rows / $rw" | bc -l)"
    printf '   run/floor time %s   run/floor peak memory %s\n' "${ratios[-1]}" "${mems[-1]}"
  done
  [ "$repeat" -gt 1 ] && printf '   median of %s rounds: time %s, memory %s\n' "$repeat" "$(median "${ratios[@]}")" "$(median "${mems[@]}")"
  return 0
}

plain() { # rows
  local rows="$1" f="$data/plain-$1/房屋信息-$1.xlsx"
  [ -f "$f" ] || $sb demo --plain --buildings "$rows" --out "$data/plain-$rows" 2>/dev/null
  echo "== $rows building rows, 21 columns, one workbook ($(du -h "$f" | cut -f1)), $repeat round(s)"
  beside_floor "$rows" "$data/plain-$rows" "$f" "$rows"
}

files() {
  local d="$data/town-1000" ups=()
  [ -d "$d" ] || $sb demo --villages 1000 --buildings 850000 --out "$d" 2>/dev/null
  echo "== 1,000 village files, 850,000 buildings with hazards ($(ls "$d" | wc -l) files, $(du -sh "$d" | cut -f1)), $repeat round(s)"
  for _ in $(seq "$repeat"); do
    rm -rf "$data/out-files"
    measure "selfbuilt run (2 threads)" "$sb" run "$d" --out "$data/out-files" --quiet
    local two="$wall"
    rm -rf "$data/out-files"
    measure "selfbuilt run --jobs 1" "$sb" run "$d" --out "$data/out-files" --quiet --jobs 1
    ups+=("$(ratio "$wall" "$two")")
    printf '   rows/s %.0f   speed-up on 2 cores %sx\n' "$(echo "850000 / $two" | bc -l)" "${ups[-1]}"
  done
  [ "$repeat" -gt 1 ] && printf '   median speed-up of %s rounds: %sx\n' "$repeat" "$(median "${ups[@]}")"
  return 0
}

messy() { # one village file of 1,000,000 messy buildings with hazards, beside its floor
  local d="$data/town-1m" f
  [ -d "$d" ] || $sb demo --villages 1 --buildings 1000000 --out "$d" 2>/dev/null
  f="$(ls "$d"/*汇总.xlsx | grep -v 复核 | head -1)"
  echo "== one messy village file, 1,000,000 buildings with hazards ($(du -h "$f" | cut -f1)), $repeat round(s)"
  beside_floor messy "$d" "$f" 0
}

demo() {
  echo "== demo town (fixtures/demo-town, 850 buildings)"
  rm -rf "$data/out-demo"
  measure "selfbuilt run" "$sb" run fixtures/demo-town --out "$data/out-demo" --quiet
}

case "$what" in
  demo) demo ;;
  100k) plain 100000 ;;
  1m) plain 1000000 ;;
  files) files ;;
  messy) messy ;;
  all) demo; plain 100000; plain 1000000; files ;;
  *) echo "bench: unknown workload $what" >&2; exit 2 ;;
esac
