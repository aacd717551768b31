#!/usr/bin/env bash
# Two runs of the same scenario and seed give byte-identical statistics; another seed does not.
set -euo pipefail
: "${DMASIM:?set DMASIM to the dmasim binary}"
: "${DMASIM_SOURCE_DIR:?set DMASIM_SOURCE_DIR to the repository root}"
EX=$DMASIM_SOURCE_DIR/examples
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

twice() {
    local name=$1
    shift
    "$DMASIM" run "$EX/$name.yaml" "$@" --stats-json "$work/a.json" >"$work/a.out"
    "$DMASIM" run "$EX/$name.yaml" "$@" --stats-json "$work/b.json" >"$work/b.out"
    cmp "$work/a.json" "$work/b.json" || { echo "FAIL: $name: statistics differ between runs" >&2; exit 1; }
    cmp "$work/a.out" "$work/b.out" || { echo "FAIL: $name: summaries differ between runs" >&2; exit 1; }
    echo "ok: $name $* ($(wc -l <"$work/a.json") lines of stats)"
}

twice script-dma
twice synthetic-dma
twice md5sum-dma --set cpu.workload.trace.max_lines=200000

# The JSON layout: scenario, seed, then the statistics.
head -n 4 "$work/a.json" | tr -d '\n' | grep -Eq '^\{  "scenario": "md5sum-with-dma",  "seed": 1,  "stats": \{' || {
    echo "FAIL: unexpected stats JSON layout:" >&2
    head -n 4 "$work/a.json" >&2
    exit 1
}

# The seed drives the synthetic workload: another seed, other statistics.
"$DMASIM" run "$EX/synthetic-dma.yaml" --set seed=7 --stats-json "$work/seed7.json" >/dev/null
"$DMASIM" run "$EX/synthetic-dma.yaml" --stats-json "$work/seed42.json" >/dev/null
if cmp -s "$work/seed7.json" "$work/seed42.json"; then
    echo "FAIL: seed 7 and seed 42 gave identical statistics" >&2
    exit 1
fi
echo "ok: another seed gives other statistics"
