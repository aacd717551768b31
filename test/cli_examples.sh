#!/usr/bin/env bash
# The classic questions (docs/examples.md, examples/classic/): the shape of each answer, not
# its numbers. 1. DMA vs PIO: the PIO copy costs the CPU fewer cycles at 16 bytes, the DMA at
# 1 MiB, so the winner changes between them. 2. Modes: burst completes the DMA first and costs
# the CPU most, transparent leaves the CPU's cycles as without DMA, cycle stealing lies between.
# 3. Scatter-gather vs bounce buffer: the same bytes arrive, SG costs the CPU fewer cycles.
# Then the scenario keys for scatter-gather jobs (dmac.jobs.N.descriptors, sg_base,
# check_only) and their errors.
set -euo pipefail
: "${DMASIM:?set DMASIM to the dmasim binary}"
: "${DMASIM_SOURCE_DIR:?set DMASIM_SOURCE_DIR to the repository root}"
EX=$DMASIM_SOURCE_DIR/examples/classic
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() {
    echo "FAIL: $*" >&2
    if [[ -e $work/out ]]; then cat "$work/out" >&2; fi
    if [[ -e $work/err ]]; then cat "$work/err" >&2; fi
    exit 1
}

# ---- 1. DMA vs programmed I/O ---------------------------------------------------------------
# Two sizes only (and no fine scan) to keep the test short; the tables of the sweep:
#   size pio pio+clean busy free total cpu latency
SIZES="16 4096 1048576" SCAN_MAX=0 "$EX/dma-vs-pio-sweep.sh" "$DMASIM" >"$work/out" 2>"$work/err" \
    || fail "dma-vs-pio-sweep.sh: exit status $?"
cat "$work/out"
# row ITEM SIZE: the row of SIZE in the table of ITEM-byte items.
row() {
    awk -v item="$1" -v size="$2" '/^DMA with / { t = ($3 == item "-byte") } t && $1 == size { print; exit }' \
        "$work/out"
}
read -r _ pio16 clean16 busy16 free16 total16 cpu16 lat16 < <(row 8 16)
read -r _ pio4k clean4k busy4k free4k total4k cpu4k lat4k < <(row 8 4096)
read -r _ pio1m clean1m busy1m free1m total1m cpu1m lat1m < <(row 8 1048576)
[[ -n ${cpu16:-} && -n ${cpu1m:-} ]] || fail "dma-vs-pio: no rows for 16 and 1048576 bytes"
[[ $cpu16 == pio && $pio16 -lt $busy16 ]] || fail "dma-vs-pio: at 16 bytes the PIO should cost the CPU fewer cycles"
[[ $cpu1m == dma && $busy1m -lt $pio1m ]] || fail "dma-vs-pio: at 1 MiB the DMA should cost the CPU fewer cycles"
grep -q '^crossover (cpu: fewer CPU cycles): the PIO wins last at 16 bytes, the DMA at 4096 bytes$' "$work/out" \
    || fail "dma-vs-pio: the crossover line for 8-byte items"
# The DMA's CPU cost is the set-up and the interrupt: the same at every size; the CPU is free
# for the rest, which grows with the size; total = busy + free.
[[ $busy16 -eq $busy1m && $busy4k -eq $busy1m ]] || fail "dma-vs-pio: the DMA's busy cycles depend on the size"
[[ $free16 -lt $free4k && $free4k -lt $free1m ]] || fail "dma-vs-pio: the free cycles do not grow with the size"
[[ $total1m -eq $((busy1m + free1m)) ]] || fail "dma-vs-pio: total != busy + free"
# Cleaning the PIO's destination costs cycles; at 1 MiB the end-to-end winner is the DMA too.
[[ $clean16 -gt $pio16 && $clean1m -gt $pio1m ]] || fail "dma-vs-pio: the clean costs nothing"
[[ $lat16 == pio && $lat1m == dma ]] || fail "dma-vs-pio: latency winners at 16 bytes and 1 MiB"
# 64-byte items (one 8-beat transaction each way) move 1 MiB faster than 8-byte items, for the
# same CPU cost; 16 bytes is below one item.
read -r _ _ _ busy64 _ total64 _ _ < <(row 64 1048576)
[[ $busy64 -eq $busy1m && $total64 -lt $total1m ]] || fail "dma-vs-pio: 64-byte items are not faster"
[[ $(row 64 16 | awk '{ print $2 }') == - ]] || fail "dma-vs-pio: 16 bytes with 64-byte items should be '-'"
echo "ok: dma-vs-pio: PIO cheaper at 16 B ($pio16 vs $busy16 CPU cycles), DMA at 1 MiB ($busy1m vs $pio1m)"

# ---- 2. The mode trade-off --------------------------------------------------------------------
"$DMASIM_SOURCE_DIR/examples/classic/modes.sh" "$DMASIM" --set cpu.workload.trace.max_lines=200000 \
    >"$work/out" 2>"$work/err" || fail "modes.sh: exit status $?"
cat "$work/out"
# col TABLE ROW N: field N of ROW in the compare table (1) or the throughput table (2).
col() {
    awk -v t="$1" -v r="$2" -v c="$3" '/^mode / { n++ } n == t && $1 == r { print $c; exit }' "$work/out"
}
for m in none burst cycle_stealing transparent; do
    [[ -n $(col 1 $m 3) && -n $(col 2 $m 3) ]] || fail "modes: no row $m"
done
# DMA completion: burst first, then cycle stealing, then transparent.
[[ $(col 1 burst 2) -lt $(col 1 cycle_stealing 2) && $(col 1 cycle_stealing 2) -le $(col 1 transparent 2) ]] \
    || fail "modes: burst should complete first, transparent last"
# CPU cycles: transparent = none < cycle stealing < burst.
[[ $(col 1 transparent 3) -eq $(col 1 none 3) ]] || fail "modes: transparent changed the CPU cycles"
[[ $(col 1 none 3) -lt $(col 1 cycle_stealing 3) && $(col 1 cycle_stealing 3) -lt $(col 1 burst 3) ]] \
    || fail "modes: cycle stealing should lie between no DMA and burst"
# The longest CPU wait: the whole block in burst mode, one unit (with its arbitration) in cycle
# stealing, none in transparent mode; the IPC follows the CPU cycles.
[[ $(col 2 burst 6) -ge $(($(col 1 burst 2) - 1)) ]] || fail "modes: burst should make the CPU wait for the block"
[[ $(col 2 cycle_stealing 6) -gt 0 && $(col 2 cycle_stealing 6) -lt 100 ]] || fail "modes: cycle stealing max wait"
[[ $(col 2 transparent 6) -eq 0 ]] || fail "modes: transparent made the CPU wait"
[[ $(col 2 transparent 4) == "$(col 2 none 4)" ]] || fail "modes: transparent changed the IPC"
echo "ok: modes: burst fastest DMA and slowest CPU, transparent = no DMA for the CPU, cycle stealing between"

# ---- 3. Scatter-gather vs bounce buffer -------------------------------------------------------
"$EX/sg-vs-bounce.sh" "$DMASIM" >"$work/out" 2>"$work/err" || fail "sg-vs-bounce.sh: exit status $?"
cat "$work/out"
read -r _ sg_done sg_busy _ _ sg_dma sg_fetch sg_ok < <(grep '^sg ' "$work/out")
read -r _ bb_done bb_busy _ _ bb_dma bb_fetch bb_ok < <(grep '^bounce ' "$work/out")
[[ $sg_ok == yes && $bb_ok == yes ]] || fail "sg-vs-bounce: a path did not deliver the fragments"
# The same bytes: both files fill the fragments from the same seed and job (same descriptors)
# and verify each at its place in the destination.
diff <(sed -n '/^seed:/p; /^        - {src:/p' "$EX/sg.yaml") <(sed -n '/^seed:/p; /^        - {src:/p' "$EX/bounce.yaml") \
    >/dev/null || fail "sg-vs-bounce: sg.yaml and bounce.yaml check different bytes"
[[ $(grep -c '^        - {src:' "$EX/sg.yaml") -eq 256 ]] || fail "sg.yaml: want 256 descriptors"
[[ $sg_busy -lt $bb_busy ]] || fail "sg-vs-bounce: SG should cost the CPU fewer cycles"
[[ $sg_done -lt $bb_done ]] || fail "sg-vs-bounce: SG should deliver first"
# SG pays the descriptor fetches on the bus, on top of the same units.
[[ $sg_fetch -gt 0 && $bb_fetch -eq 0 ]] || fail "sg-vs-bounce: descriptor fetch cycles"
[[ $sg_dma -eq $((bb_dma + sg_fetch)) ]] || fail "sg-vs-bounce: SG's DMA bus cycles != the plain DMA's + fetches"
echo "ok: sg-vs-bounce: SG $sg_busy CPU cycles vs bounce $bb_busy, same bytes"

# ---- The scatter-gather job keys ------------------------------------------------------------
cat >"$work/sg.yaml" <<'YAML'
name: sg-job
memory:
  - {name: ram, base: 0x0, size: 0x1000000, wait_states: 2}
dmac:
  jobs:
    - channel: 0
      item_size: 8
      sg_base: 0x100000
      descriptors:
        - {src: 0x200000, dst: 0x300000, count: 4}
        - {src: 0x210000, dst: 0x300020, count: 3}
YAML
"$DMASIM" run "$work/sg.yaml" --resolved "$work/resolved.yaml" --stats-json "$work/a.json" >"$work/out" \
    2>"$work/err" || fail "sg job: exit status $?"
grep -q '^  ch0 .* 56 bytes, .*, verified$' "$work/out" || fail "sg job: 7 items of 8 bytes, verified"
grep -q '^            scatter-gather: 2 descriptors, fetched in [0-9]* bus cycles$' "$work/out" \
    || fail "sg job: the scatter-gather line"
"$DMASIM" run "$work/resolved.yaml" --stats-json "$work/b.json" >/dev/null 2>&1 || fail "sg job: resolved run"
cmp -s <(grep -v '"scenario"' "$work/a.json") <(grep -v '"scenario"' "$work/b.json") \
    || fail "sg job: the resolved scenario does not repeat the run"
# check_only: nothing moves, so the destination differs from the source.
rc=0
"$DMASIM" run "$work/sg.yaml" --set dmac.jobs.0.check_only=true >"$work/out" 2>"$work/err" || rc=$?
[[ $rc -eq 1 ]] || fail "check_only: exit status $rc, want 1"
grep -q 'dmac\.jobs\.0\.descriptors\.0\.dst: verification failed: destination differs from source at 0x300000$' \
    "$work/err" || fail "check_only: message"
echo "ok: sg job keys"

# expect_failure REGEX ARGS...: `dmasim run ARGS` exits with 1 and one line matching REGEX.
expect_failure() {
    local regex=$1 rc=0
    shift
    "$DMASIM" run "$@" >"$work/out" 2>"$work/err" || rc=$?
    [[ $rc -eq 1 ]] || fail "$*: exit status $rc, want 1"
    if [[ $(wc -l <"$work/err") -ne 1 ]] || ! grep -Eq -- "$regex" "$work/err"; then
        fail "$*: stderr is not one line matching /$regex/"
    fi
    echo "ok: $(cat "$work/err")"
}
expect_failure '^dmasim: --set dmac\.jobs\.0\.sg_base=0: a job with descriptors needs sg_base' \
    "$work/sg.yaml" --set dmac.jobs.0.sg_base=0
expect_failure '^dmasim: --set dmac\.jobs\.0\.descriptors\.1\.count=0: must be in 1\.\.4294967295' \
    "$work/sg.yaml" --set dmac.jobs.0.descriptors.1.count=0
expect_failure 'dmac\.jobs\.0\.descriptors\.0\.dst: range 0x300000 \+ 0x20 overlaps the descriptor chain at 0x300010' \
    "$work/sg.yaml" --set dmac.jobs.0.sg_base=0x300010
expect_failure '^dmasim: --set dmac\.jobs\.0\.descriptors\.1\.src=0x2000000: range 0x2000000\.\.0x2000017 is not mapped' \
    "$work/sg.yaml" --set dmac.jobs.0.descriptors.1.src=0x2000000
sed '/descriptors:/,$d; s/sg_base: 0x100000/sg_base: 0x100000, src: 0x200000, dst: 0x300000/' "$work/sg.yaml" \
    >"$work/nodesc.yaml"
sed -i 's/      sg_base: 0x100000, src: 0x200000, dst: 0x300000/      sg_base: 0x100000\n      src: 0x200000\n      dst: 0x300000\n      count: 4/' \
    "$work/nodesc.yaml"
expect_failure 'dmac\.jobs\.0\.sg_base: needs descriptors' "$work/nodesc.yaml"
sed '/sg_base/d; /count: 4$/d' "$work/nodesc.yaml" >"$work/nocount.yaml"
expect_failure "dmac\\.jobs\\.0: missing required key 'count'" "$work/nocount.yaml"
