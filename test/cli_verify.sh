#!/usr/bin/env bash
# DMA jobs: the summary says "verified" when the destination equals the source, and a copy
# whose destination is overwritten afterwards fails with exit status 1 and no output files.
set -euo pipefail
: "${DMASIM:?set DMASIM to the dmasim binary}"
: "${DMASIM_SOURCE_DIR:?set DMASIM_SOURCE_DIR to the repository root}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() {
    echo "FAIL: $*" >&2
    cat "$work/out" "$work/err" >&2
    exit 1
}

cat >"$work/jobs.yaml" <<'YAML'
name: jobs
seed: 3
memory:
  - {name: ram, base: 0x0, size: 0x100000}
dmac:
  channels: 2
  jobs:
    - {channel: 0, src: 0x10000, dst: 0x20000, count: 256, item_size: 8}
    - {channel: 1, src: 0x30000, dst: 0x40000, count: 100, item_size: 2, start_ps: 1000000, init_source: zero}
YAML
"$DMASIM" run "$work/jobs.yaml" --stats-json "$work/ok.json" >"$work/out" 2>"$work/err" || fail "run failed"
[[ $(grep -c ', verified$' "$work/out") -eq 2 ]] || fail "want two verified channels"
[[ -s $work/ok.json ]] || fail "no stats"
echo "ok: two verified jobs"

# Job 1 copies other bytes over job 0's destination after job 0 ended.
"$DMASIM" run "$work/jobs.yaml" --set dmac.jobs.1.dst=0x20100 --set dmac.jobs.1.init_source=pattern \
    --stats-json "$work/bad.json" --resolved "$work/bad.yaml" >"$work/out" 2>"$work/err" && fail "mismatch not detected"
grep -q 'ch0 .*MISMATCH at 0x20100$' "$work/out" || fail "summary does not report the first differing address"
grep -q 'jobs.yaml:8:.*dmac\.jobs\.0\.dst: verification failed: destination differs from source at 0x20100' "$work/err" \
    || fail "no verification error"
[[ ! -e $work/bad.json && ! -e $work/bad.yaml && ! -e $work/bad.json.tmp ]] || fail "output files left behind"
echo "ok: mismatch reported at 0x20100"

# verify: false skips the check (and the run succeeds).
"$DMASIM" run "$work/jobs.yaml" --set dmac.jobs.1.dst=0x20100 --set dmac.jobs.0.verify=false >"$work/out" 2>"$work/err" \
    || fail "verify: false still failed"
grep -q 'ch0 .*not verified$' "$work/out" || fail "verify: false: summary"
echo "ok: verify: false"
