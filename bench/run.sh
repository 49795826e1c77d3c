#!/usr/bin/env bash
# Performance figures (issues 8 and 30). Generates data with the project's own generator
# (`selfbuilt demo`), runs `selfbuilt` on it, and prints wall time and peak memory beside
# the floor (benches/floor.rs: calamine reading the same workbooks cell by cell, and for
# `run` rust_xlsxwriter writing as many cells).
#
#   bench/run.sh [all|issue30|table|10m|files200|rollup|demo|100k|1m|files|messy]
#     all       demo, then issue30 (default)
#     issue30   the issue's figures side by side in one run: `table`, `files200`, `rollup`
#     table     for each size of $SIZES (default "100k 1m 10m"): `selfbuilt check` against the
#               read floor and `selfbuilt run` against the read+write floor, REPEAT rounds,
#               then one table of medians with the ratios. 100k and 1m are one plain
#               workbook of that many main rows (`demo --plain`); 10m is a province:
#               200 county files of 50,000 houses with their ledgers (`demo --province`,
#               about 24 M rows in all, 1.9 GB, ~9 min to make on 2 cores). `pCxR` is a
#               province of C counties of R houses.
#     10m       the table for 10m alone
#     files200  200 county files of $FILES_ROWS houses (default 2,500) with their ledgers,
#               `selfbuilt run` on 2 cores against RAYON_NUM_THREADS=1: the speed-up
#     rollup    `selfbuilt rollup` of 100 townships' run folders (10 counties of 10), against
#               the roll-up of one; skipped while `selfbuilt rollup` does not exist
#     demo, 100k, 1m, files, messy: the issue-8 workloads, each run beside its floor
#               (files: 1,000 village files, `run` against `run --jobs 1`)
#
#   REPEAT=3 bench/run.sh table   rounds of each measurement; the table shows medians
#   REPEAT_BIG=1                  rounds at 10m and past (default: REPEAT)
#   MEM_CAP_GB=12 TIME_CAP_S=1800 caps of every measurement (address space, wall clock):
#                                 one past them prints "over the cap" instead of swapping
#                                 the machine; selfbuilt over a cap in its first round is
#                                 not run again at that size
#   DISK_MIN_MB=1500              a measurement is stopped ("over the disk cap") when the
#                                 data's disk has less free (a run writes its sheets aside)
#
# Peak memory is the largest sum of the resident memory of the measured process and its
# children (selfbuilt reads each file in a child process), sampled every 0.2 s. Beside
# every figure is the machine's load (1-minute average) when it started: the machine is
# shared, and a load above 2 on its 2 cores means the figure is slower than it would be.
#
# Honours CARGO_TARGET_DIR; SELFBUILT=… FLOOR=… measure those binaries instead (no build). Data goes to ${BENCH_DIR:-$CARGO_TARGET_DIR/bench-data};
# nothing is committed; outputs are removed after each measurement.
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
repeat="${REPEAT:-1}"
repeat_big="${REPEAT_BIG:-$repeat}"
tgt="${CARGO_TARGET_DIR:-target}"
data="${BENCH_DIR:-$tgt/bench-data}"
mem_cap_gb="${MEM_CAP_GB:-12}"
time_cap="${TIME_CAP_S:-1800}"
files_rows="${FILES_ROWS:-2500}"
disk_min="${DISK_MIN_MB:-1500}"
sizes="${SIZES:-100k 1m 10m}"
mkdir -p "$data"
command -v /usr/bin/time >/dev/null || { echo "bench: /usr/bin/time is needed (apt-get install time)" >&2; exit 2; }
command -v prlimit >/dev/null || { echo "bench: prlimit is needed (util-linux)" >&2; exit 2; }
if [ -n "${SELFBUILT:-}" ] && [ -n "${FLOOR:-}" ]; then
  sb="$SELFBUILT"; floor="$FLOOR" # binaries given: nothing is built
else
  cargo build --release -q
  floor="$(cargo bench --bench floor --no-run 2>&1 | grep -oE '[^ (]*release/deps/floor-[0-9a-f]+' | head -1)"
  sb="$tgt/release/selfbuilt"
fi
big=(--max-cells 100000000 --max-unzipped-mb 20000 --max-file-mb 20000)

load() { cut -d' ' -f1 /proc/loadavg; }

# tree_rss PID: the summed resident memory (KB) of PID and its descendants.
tree_rss() {
  ps -eo pid=,ppid=,rss= | awk -v root="$1" '
    { parent[$1] = $2; rss[$1] = $3 }
    END {
      for (p in rss) {
        q = p
        while (q != "" && q != root && q != 0 && q != 1) q = parent[q]
        if (q == root) sum += rss[p]
      }
      print sum + 0
    }'
}

# kill_tree PID: stops PID's descendants (the measured command and its children).
kill_tree() {
  local kids
  kids="$(ps -eo pid=,ppid= | awk -v root="$1" '
    { parent[$1] = $2 }
    END { for (p in parent) { q = parent[p]; while (q != "" && q != root && q > 1) q = parent[q]; if (q == root) print p } }')"
  [ -n "$kids" ] && kill -TERM $kids 2>/dev/null
  return 0
}

# measure LABEL CMD...: runs CMD under the caps; prints "LABEL wall peak cpu load" and
# leaves $wall (s), $peak (KB), $load and $over ("" or why the figure is missing).
measure() {
  local label="$1"; shift
  local log err pid st=0 top=0 now_kb
  log="$(mktemp)"; err="$(mktemp)"
  load="$(load)"
  /usr/bin/time -v -o "$log" timeout -k 10 "$time_cap" \
    prlimit --as=$((mem_cap_gb * 1024 * 1024 * 1024)) "$@" >/dev/null 2>"$err" &
  pid=$!
  local full="" n=0
  # The sampling itself costs about 10 ms of CPU (ps over every process, awk, df): every
  # 0.2 s for the first 2 s, then every 0.5 s (the disk every 2 s), so that it takes no
  # more than 2 % of a core from a command that uses both (the floor leaves one idle).
  while kill -0 "$pid" 2>/dev/null; do
    now_kb="$(tree_rss "$pid")"
    [ "$now_kb" -gt "$top" ] && top="$now_kb"
    if [ -z "$full" ] && [ $((n % 4)) = 0 ] && [ "$(free_mb)" -lt "$disk_min" ]; then
      full=1; kill_tree "$pid"
    fi
    n=$((n + 1))
    if [ "$n" -le 10 ]; then sleep 0.2; else sleep 0.5; fi
  done
  wait "$pid" || st=$?
  wall="$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$log")"
  peak="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")"
  [ "${peak:-0}" -gt "$top" ] && top="$peak"
  peak="$top"
  local cpu; cpu="$(awk -F': ' '/Percent of CPU/ {print $2}' "$log")"
  over=""
  if [ -n "$full" ]; then
    over="over the disk cap (under ${disk_min} MB left free) after ${wall:-?} s"
  elif [ "$st" = 124 ] || [ "$st" = 137 ]; then
    over="over the time cap (${time_cap} s)"
  elif grep -q 'memory allocation of\|out of memory\|Cannot allocate memory\|capacity overflow' "$err" ||
       grep -q 'terminated by signal 6' "$log" || [ "$st" = 134 ]; then
    over="over the memory cap (${mem_cap_gb} GB) after ${wall:-?} s"
  elif [ "$st" -gt 1 ]; then
    over="failed (exit $st: $(tail -1 "$err" | cut -c1-80))"
  fi
  if [ -n "$over" ]; then
    printf '%-38s %s   load %s\n' "$label" "$over" "$load"
  else
    printf '%-38s wall %8.2f s   peak %8.1f MB   cpu %-5s load %s\n' "$label" "$wall" \
      "$(echo "$peak / 1024" | bc -l)" "$cpu" "$load"
  fi
  rm -f "$log" "$err"
}

ratio() { echo "scale=2; $1 / $2" | bc -l; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
mb() { printf '%.0f' "$(echo "$1 / 1024" | bc -l)"; }

# Free space on the data's disk, in MB.
free_mb() { df -Pm "$data" | awk 'NR == 2 {print $4}'; }

# ---- the issue-8 workloads (unchanged) -------------------------------------------------

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
  rm -rf "$data/out-$name" "$data/floor-$name.xlsx"
  [ "$repeat" -gt 1 ] && printf '   median of %s rounds: time %s, memory %s\n' "$repeat" "$(median "${ratios[@]}")" "$(median "${mems[@]}")"
  return 0
}

plain_file() { # rows: makes (once) and names the plain workbook
  local rows="$1" f="$data/plain-$1/房屋信息-$1.xlsx"
  [ -f "$f" ] || "$sb" demo --plain --rows "$rows" --out "$data/plain-$rows" 2>/dev/null
  echo "$f"
}

plain() { # rows
  local rows="$1" f; f="$(plain_file "$rows")"
  echo "== $rows building rows, 21 columns, one workbook ($(du -h "$f" | cut -f1)), $repeat round(s)"
  beside_floor "$rows" "$data/plain-$rows" "$f" "$rows"
}

files() {
  local d="$data/town-1000" ups=()
  [ -d "$d" ] || "$sb" demo --villages 1000 --buildings 850000 --out "$d" 2>/dev/null
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
  rm -rf "$data/out-files"
  [ "$repeat" -gt 1 ] && printf '   median speed-up of %s rounds: %sx\n' "$repeat" "$(median "${ups[@]}")"
  return 0
}

messy() { # one village file of 1,000,000 messy buildings with hazards, beside its floor
  local d="$data/town-1m" f
  [ -d "$d" ] || "$sb" demo --villages 1 --buildings 1000000 --out "$d" 2>/dev/null
  f="$(ls "$d"/*汇总.xlsx | grep -v 复核 | head -1)"
  echo "== one messy village file, 1,000,000 buildings with hazards ($(du -h "$f" | cut -f1)), $repeat round(s)"
  beside_floor messy "$d" "$f" 0
}

demo() {
  echo "== demo town (fixtures/demo-town, 850 buildings)"
  rm -rf "$data/out-demo"
  measure "selfbuilt run" "$sb" run fixtures/demo-town --out "$data/out-demo" --quiet
  rm -rf "$data/out-demo"
}

# ---- issue 30 ----------------------------------------------------------------------------

# province COUNTIES ROWS: makes (once) a province of COUNTIES county files of ROWS houses
# with their ledgers; names its folder, or fails when the disk cannot hold it and 500 MB
# more (the floor removes each copy it writes of a folder once written).
province() {
  local c="$1" r="$2" d="$data/province-$1x$2" need
  if [ ! -f "$d/.done" ]; then
    need=$((c * r * 200 / 1000000 + 500)) # ~190 bytes a house with its ledgers, and room
    if [ "$(free_mb)" -lt "$need" ]; then
      echo "bench: a province of $c x $r needs ~$need MB free on $(df -P "$data" | awk 'NR==2{print $6}'), $(free_mb) MB are" >&2
      return 1
    fi
    rm -rf "$d"
    local t0; t0="$(date +%s.%N)"
    "$sb" demo --province --counties "$c" --rows "$r" --out "$d" >&2
    printf 'bench: made %s in %.0f s (load %s): %s\n' "$d" "$(echo "$(date +%s.%N) - $t0" | bc -l)" "$(load)" "$(du -sh "$d" | cut -f1)" >&2
    touch "$d/.done"
  fi
  echo "$d"
}

# size_input SIZE: sets $input (a folder for selfbuilt), $floor_in (a workbook or folder for
# the floor), $rows (main rows), $shape and $rounds.
size_input() {
  local s="$1" c r
  rounds="$repeat"
  case "$s" in
    100k) rows=100000 ;;
    1m) rows=1000000 ;;
    10m) c=200; r=50000 ;;
    p*x*) c="${s#p}"; c="${c%x*}"; r="${s#*x}" ;;
    *) echo "bench: unknown size $s" >&2; return 1 ;;
  esac
  if [ -n "${c:-}" ]; then
    input="$(province "$c" "$r")" || return 1
    floor_in="$input"
    rows=$((c * r))
    shape="$c county files of $r houses with their ledgers"
    [ "$rows" -ge 10000000 ] && rounds="$repeat_big"
  else
    floor_in="$(plain_file "$rows")"
    input="$(dirname "$floor_in")"
    shape="one plain workbook"
  fi
  return 0
}

table_rows=()

# sized SIZE: REPEAT rounds of check beside the read floor and run beside the read+write
# floor; adds the medians to the table.
sized() {
  local s="$1"
  size_input "$s" || { table_rows+=("$(printf '%-5s | %-8s | %s' "$s" "-" "no data (see above)")"); return 0; }
  echo "== $s: $rows main rows, $shape ($(du -sh "$input" | cut -f1)), $rounds round(s)"
  local w kind
  for kind in check run; do
    local sw=() sp=() fw=() fp=() sl=() fl=() so="" fo=""
    for i in $(seq "$rounds"); do
      rm -rf "$data/out-$s" "$data/floor-$s"
      if [ -z "$so" ]; then
        if [ "$kind" = check ]; then
          measure "selfbuilt check" "$sb" check "$input" "${big[@]}"
        else
          measure "selfbuilt run" "$sb" run "$input" --out "$data/out-$s" --quiet "${big[@]}"
        fi
        if [ -n "$over" ]; then so="$over"; else sw+=("$wall"); sp+=("$peak"); fi
        sl+=("$load")
      fi
      rm -rf "$data/out-$s"
      if [ "$kind" = check ]; then
        measure "floor: read" "$floor" "$floor_in"
      else
        if [ -d "$floor_in" ]; then # copies removed as written: the disk need not hold two
          measure "floor: read + write" "$floor" "$floor_in" "$data/floor-$s" --discard
        else
          measure "floor: read + write" "$floor" "$floor_in" "$data/floor-$s.xlsx"
        fi
        rm -rf "$data/floor-$s" "$data/floor-$s.xlsx"
      fi
      if [ -n "$over" ]; then fo="$over"; else fw+=("$wall"); fp+=("$peak"); fi
      fl+=("$load")
    done
    local self flo tr mr
    if [ -n "$so" ]; then self="$so"; else
      self="$(printf '%7.2f s %6s MB' "$(median "${sw[@]}")" "$(mb "$(median "${sp[@]}")")")"; fi
    if [ -n "$fo" ]; then flo="$fo"; else
      flo="$(printf '%7.2f s %6s MB' "$(median "${fw[@]}")" "$(mb "$(median "${fp[@]}")")")"; fi
    if [ -z "$so" ] && [ -z "$fo" ]; then
      tr="$(ratio "$(median "${sw[@]}")" "$(median "${fw[@]}")")x"
      mr="$(ratio "$(median "${sp[@]}")" "$(median "${fp[@]}")")x"
    else tr="-"; mr="-"; fi
    local floorname="read"; [ "$kind" = run ] && floorname="read+write"
    table_rows+=("$(printf '%-5s | %-5s | %-26s | %-10s %-26s | %-6s | %-6s | %s / %s' \
      "$s" "$kind" "$self" "$floorname" "$flo" "$tr" "$mr" "$(IFS=,; echo "${sl[*]}")" "$(IFS=,; echo "${fl[*]}")")")
  done
}

print_table() {
  echo
  echo "== issue 30: medians of the rounds (release build, $(nproc) cores; caps ${mem_cap_gb} GB address space, ${time_cap} s)"
  printf '%-5s | %-5s | %-26s | %-37s | %-6s | %-6s | %s\n' size what "selfbuilt (time, peak)" "floor (time, peak)" time× mem× "load at start: selfbuilt / floor"
  printf '%s\n' "${table_rows[@]}"
  echo
}

table() {
  local s
  for s in $sizes; do sized "$s"; done
  print_table
}

# files200: 200 county files, `selfbuilt run` on every core against one thread
# (RAYON_NUM_THREADS=1: one file at a time, though its reader child, the Parquet writer's
# thread and cleaned.xlsx's second sheet filler still take part of the other core) and
# against one core (`taskset -c 0`: the whole run, children included, on one core).
files200() {
  local d ups=() twos=() ones=() loads=() cores=() core_ups=()
  d="$(province 200 "$files_rows")" || { echo "files200: no data"; return 0; }
  echo "== 200 county files of $files_rows houses with their ledgers ($(du -sh "$d" | cut -f1)), $repeat round(s)"
  for _ in $(seq "$repeat"); do
    rm -rf "$data/out-files200"
    measure "selfbuilt run ($(nproc) threads)" "$sb" run "$d" --out "$data/out-files200" --quiet
    [ -n "$over" ] && { echo "files200: $over"; return 0; }
    local two="$wall" l2="$load"
    rm -rf "$data/out-files200"
    measure "selfbuilt run, RAYON_NUM_THREADS=1" env RAYON_NUM_THREADS=1 "$sb" run "$d" --out "$data/out-files200" --quiet
    [ -n "$over" ] && { echo "files200: $over"; return 0; }
    rm -rf "$data/out-files200"
    twos+=("$two"); ones+=("$wall"); loads+=("$l2/$load")
    ups+=("$(ratio "$wall" "$two")")
    if command -v taskset >/dev/null; then
      measure "selfbuilt run, taskset -c 0" taskset -c 0 "$sb" run "$d" --out "$data/out-files200" --quiet
      [ -n "$over" ] && { echo "files200: $over"; return 0; }
      rm -rf "$data/out-files200"
      cores+=("$wall"); core_ups+=("$(ratio "$wall" "$two")")
      printf '   speed-up on %s cores %sx against one thread, %sx against one core\n' "$(nproc)" "${ups[-1]}" "${core_ups[-1]}"
    else
      printf '   speed-up on %s cores %sx against one thread\n' "$(nproc)" "${ups[-1]}"
    fi
  done
  files200_line="$(printf '200 files (%s houses each): %s threads %.2f s, 1 thread %.2f s, speed-up %sx (median of %s; load %s)' \
    "$files_rows" "$(nproc)" "$(median "${twos[@]}")" "$(median "${ones[@]}")" "$(median "${ups[@]}")" "$repeat" "$(IFS=,; echo "${loads[*]}")")"
  if [ "${#cores[@]}" -gt 0 ]; then
    files200_line="$files200_line$(printf '; 1 core (taskset -c 0) %.2f s, speed-up %sx' "$(median "${cores[@]}")" "$(median "${core_ups[@]}")")"
  fi
  echo "   $files200_line"
}

# rollup: 100 townships (10 counties of 10; each a demo town of its own seed, run once and
# kept), rolled up; against the roll-up of one township.
rollup() {
  if ! "$sb" rollup --help >/dev/null 2>&1; then
    rollup_line="rollup: not built yet"
    echo "$rollup_line"
    return 0
  fi
  local d="$data/townships" i county town
  if [ ! -f "$d/.done" ]; then
    rm -rf "$d"; mkdir -p "$d"
    echo "bench: making 100 townships' run folders (a demo town each, run once)" >&2
    for i in $(seq 0 99); do
      county="5001$(printf '%02d' $((i / 10 + 1)))"
      town="${county}$(printf '%03d' $((i % 10 + 1)))"
      "$sb" demo --out "$d/in" --seed "$((1000 + i))" 2>/dev/null
      "$sb" run "$d/in" --out "$d/$town" --quiet --county "$county" --township "$town" >/dev/null 2>&1 || true
      rm -rf "$d/in"
      # The roll-up reads a run folder's parquet/; the rest is not needed here.
      find "$d/$town" -mindepth 1 -maxdepth 1 ! -name parquet -exec rm -rf {} +
    done
    touch "$d/.done"
  fi
  local outs=("$d"/5*) ws=() ps=() w1=() p1=() loads=()
  echo "== rollup: ${#outs[@]} townships' run folders ($(du -sh "$d" | cut -f1)), $repeat round(s)"
  for _ in $(seq "$repeat"); do
    rm -rf "$data/out-rollup"
    measure "selfbuilt rollup (1 township)" "$sb" rollup "${outs[0]}" --out "$data/out-rollup"
    [ -n "$over" ] && { rollup_line="rollup: $over"; return 0; }
    w1+=("$wall"); p1+=("$peak")
    rm -rf "$data/out-rollup"
    measure "selfbuilt rollup (${#outs[@]} townships)" "$sb" rollup "${outs[@]}" --out "$data/out-rollup"
    [ -n "$over" ] && { rollup_line="rollup: $over"; return 0; }
    ws+=("$wall"); ps+=("$peak"); loads+=("$load")
  done
  rm -rf "$data/out-rollup"
  rollup_line="$(printf 'rollup of %s townships: %.2f s, %s MB (1 township: %.2f s, %s MB; median of %s; load %s)' \
    "${#outs[@]}" "$(median "${ws[@]}")" "$(mb "$(median "${ps[@]}")")" "$(median "${w1[@]}")" \
    "$(mb "$(median "${p1[@]}")")" "$repeat" "$(IFS=,; echo "${loads[*]}")")"
  echo "   $rollup_line"
}

issue30() {
  files200_line=""; rollup_line=""
  local s
  for s in $sizes; do sized "$s"; done
  files200
  rollup
  print_table
  [ -n "$files200_line" ] && echo "$files200_line"
  [ -n "$rollup_line" ] && echo "$rollup_line"
  return 0
}

case "$what" in
  demo) demo ;;
  100k) plain 100000 ;;
  1m) plain 1000000 ;;
  files) files ;;
  messy) messy ;;
  table) table ;;
  10m) sizes=10m; table ;;
  files200) files200 ;;
  rollup) rollup ;;
  issue30) issue30 ;;
  all) demo; issue30 ;;
  *) echo "bench: unknown workload $what" >&2; exit 2 ;;
esac
