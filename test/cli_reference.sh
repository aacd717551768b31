#!/usr/bin/env bash
# --reference (the per-cycle reference path) gives the same statistics as the fast path.
set -euo pipefail
: "${DMASIM:?set DMASIM to the dmasim binary}"
: "${DMASIM_SOURCE_DIR:?set DMASIM_SOURCE_DIR to the repository root}"
EX=$DMASIM_SOURCE_DIR/examples
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0

same() {
    local name=$1
    shift
    "$DMASIM" run "$EX/$name.yaml" "$@" --stats-json "$work/fast.json" >/dev/null
    "$DMASIM" run "$EX/$name.yaml" "$@" --reference --stats-json "$work/ref.json" >/dev/null
    # Only the path differs in the summary's first line; the statistics must be identical.
    if cmp -s "$work/fast.json" "$work/ref.json"; then
        echo "ok: $name $*"
    else
        echo "FAIL: $name $*: fast and reference paths differ:" >&2
        { diff "$work/fast.json" "$work/ref.json" || true; } | head -10 >&2
        status=1
    fi
}

for mode in burst cycle_stealing transparent; do
    same script-dma --set dmac.mode=$mode
    same synthetic-dma --set dmac.mode=$mode --set cpu.workload.synthetic.accesses=5000
    same md5sum-dma --set dmac.mode=$mode --set cpu.workload.trace.max_lines=100000 --set dmac.jobs.0.count=16384
done
exit $status
