#!/usr/bin/env bash
# --resolved writes the scenario after every default and --set; running it repeats the run.
set -euo pipefail
: "${DMASIM:?set DMASIM to the dmasim binary}"
: "${DMASIM_SOURCE_DIR:?set DMASIM_SOURCE_DIR to the repository root}"
EX=$DMASIM_SOURCE_DIR/examples
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

roundtrip() {
    local name=$1
    shift
    "$DMASIM" run "$EX/$name.yaml" "$@" --stats-json "$work/$name.json" --resolved "$work/$name.resolved.yaml" \
        >"$work/$name.out"
    # Run the resolved file from another directory: the trace path in it is absolute.
    (cd "$work" && "$DMASIM" run "$name.resolved.yaml" --stats-json "$name.again.json" \
        --resolved "$name.again.yaml" >/dev/null)
    if ! cmp "$work/$name.json" "$work/$name.again.json"; then
        echo "FAIL: $name: the resolved scenario gives different statistics" >&2
        diff "$work/$name.json" "$work/$name.again.json" | head -20 >&2
        exit 1
    fi
    # Resolving a resolved scenario changes nothing but the header comment.
    if ! diff <(grep -v '^#' "$work/$name.resolved.yaml") <(grep -v '^#' "$work/$name.again.yaml"); then
        echo "FAIL: $name: resolving the resolved scenario changed it" >&2
        exit 1
    fi
    echo "ok: $name $*"
}

roundtrip script-dma --set bus.width=4 --set dmac.mode=cycle_stealing
roundtrip synthetic-dma --set cpu.workload.synthetic.accesses=5000 --set bus.arbitration=round_robin
roundtrip md5sum-dma --set cpu.workload.trace.max_lines=200000 --set memory.0.wait_states=3 --reference
grep -q '^  workload:' "$work/md5sum-dma.resolved.yaml"
grep -Eq "path: /.*/examples/traces/md5sum\.lackey\.gz" "$work/md5sum-dma.resolved.yaml" || {
    echo "FAIL: the resolved trace path is not absolute" >&2
    exit 1
}
grep -q 'max_lines: 200000' "$work/md5sum-dma.resolved.yaml"
grep -q 'reference: true' "$work/md5sum-dma.resolved.yaml"
echo "ok: resolved md5sum-dma holds the --set values"
