#!/usr/bin/env bash
# --set overrides change the run: bus.width halves the beats, hex values work, enum values by name.
set -euo pipefail
: "${DMASIM:?set DMASIM to the dmasim binary}"
: "${DMASIM_SOURCE_DIR:?set DMASIM_SOURCE_DIR to the repository root}"
EX=$DMASIM_SOURCE_DIR/examples
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# stat FILE PATH: the value of one statistic in a stats JSON file.
stat() {
    sed -n "s/^ *\"$2\": \\([0-9.eE+-]*\\),\\{0,1\\}\$/\\1/p" "$1"
}

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

"$DMASIM" run "$EX/script-dma.yaml" --stats-json "$work/w8.json" >/dev/null
"$DMASIM" run "$EX/script-dma.yaml" --set bus.width=4 --stats-json "$work/w4.json" >/dev/null
b8=$(stat "$work/w8.json" bus0.master.dmac0.beats)
b4=$(stat "$work/w4.json" bus0.master.dmac0.beats)
[[ -n $b8 && $b8 -gt 0 ]] || fail "no bus0.master.dmac0.beats in the stats"
# 4-byte items: one beat each on an 8-byte bus and on a 4-byte bus; the CPU's 64-byte line
# fills take twice the beats on the narrower bus.
c8=$(stat "$work/w8.json" bus0.master.cpu0.beats)
c4=$(stat "$work/w4.json" bus0.master.cpu0.beats)
[[ $b4 -eq $b8 ]] || fail "DMA beats changed with bus.width ($b8 -> $b4)"
[[ $c4 -gt $c8 ]] || fail "CPU beats did not grow on a narrower bus ($c8 -> $c4)"
cmp -s "$work/w8.json" "$work/w4.json" && fail "bus.width=4 did not change the statistics"
echo "ok: bus.width=4: cpu0 beats $c8 -> $c4"

# Hex values, a job's count, and the items the channel moved.
"$DMASIM" run "$EX/synthetic-dma.yaml" --set dmac.jobs.0.count=0x400 --set memory.1.wait_states=0 \
    --stats-json "$work/hex.json" >"$work/out"
[[ $(stat "$work/hex.json" dmac0.ch0.items) -eq 1024 ]] || fail "dmac.jobs.0.count=0x400 did not give 1024 items"
echo "ok: dmac.jobs.0.count=0x400 moved $(stat "$work/hex.json" dmac0.ch0.items) items"

# An enum by name, and a later --set of the same key wins.
"$DMASIM" run "$EX/script-dma.yaml" --set dmac.mode=burst --set dmac.mode=transparent \
    --stats-json "$work/tr.json" >/dev/null
"$DMASIM" run "$EX/script-dma.yaml" --set cpu.workload.script.1.mode=transparent \
    --stats-json "$work/tr1.json" >/dev/null
cmp -s "$work/tr.json" "$work/tr1.json" || fail "dmac.mode=transparent differs from the op's own mode"
cmp -s "$work/tr.json" "$work/w8.json" && fail "dmac.mode=transparent did not change the statistics"
echo "ok: dmac.mode=transparent"
