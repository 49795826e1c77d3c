#!/usr/bin/env bash
# Fuzz every target for a bounded time: `fuzz/run.sh [SECONDS_PER_TARGET]` (default 150).
# With nightly Rust and cargo-fuzz: the coverage-guided targets in fuzz/fuzz_targets
# (cells, recognise, csv); crashes land in fuzz/artifacts/TARGET/ — turn each into a unit
# test. Without them: the stable proptest fuzz tests of tests/fuzz.rs, rerun with fresh
# random seeds until the time is up; proptest saves any failure under
# tests/fuzz.proptest-regressions and replays it first on every later run.
set -u
cd "$(dirname "$0")/.."
secs="${1:-150}"
kind="${FUZZ_KIND:-all}"   # all, cargo-fuzz or proptest
status=0
if [ "$kind" != proptest ] && cargo +nightly --version >/dev/null 2>&1 && cargo +nightly fuzz --version >/dev/null 2>&1; then
  for t in cells recognise csv; do
    echo "== cargo fuzz: $t for ${secs}s"
    if cargo +nightly fuzz run "$t" -- -max_total_time="$secs" -rss_limit_mb=2048 >"/tmp/selfbuilt-fuzz-$t.log" 2>&1; then
      grep -E "Done [0-9]+ runs" "/tmp/selfbuilt-fuzz-$t.log" | tail -1
    else
      echo "== $t: CRASH (see fuzz/artifacts/$t)"; grep -E "panicked|SUMMARY|ERROR" "/tmp/selfbuilt-fuzz-$t.log" | head -5; status=1
    fi
  done
fi
[ "$kind" = cargo-fuzz ] && exit $status
echo "== proptest fuzz tests for ${secs}s each"
cargo test --release --test fuzz --no-run -q 2>/dev/null
# (target, cases per round): the whole-pipeline target writes and reads a file per case.
for tc in fuzz_cell_parsers:2000 fuzz_header_recogniser:2000 fuzz_csv_reader:2000 fuzz_sniff:2000 fuzz_pipeline_accounts_for_every_row:200; do
  t="${tc%%:*}"; cases="${tc##*:}"
  end=$(( $(date +%s) + secs )); rounds=0; failed=0
  while [ "$(date +%s)" -lt "$end" ]; do
    if ! PROPTEST_CASES=$cases cargo test --release -q --test fuzz -- --exact "$t" >/tmp/selfbuilt-fuzz.log 2>&1; then
      failed=1
      break
    fi
    rounds=$((rounds + 1))
  done
  if [ "$failed" -eq 1 ]; then
    echo "== $t: FAILURE after $((rounds * cases)) cases (saved in tests/fuzz.proptest-regressions)"
    grep -E "minimal failing input|Test failed" -A3 /tmp/selfbuilt-fuzz.log | head -12
    status=1
  else
    echo "== $t: $((rounds * cases)) cases in ${secs}s, no failure"
  fi
done
echo "fuzz: exit $status"
exit $status
