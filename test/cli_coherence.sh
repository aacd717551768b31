#!/usr/bin/env bash
# DMA/cache coherence (docs/coherence.md): the four NIC receive examples. Without maintenance
# the driver's second read of the packet is stale, load by load; with dma_sync_for_cpu, a
# snooping DMA or an uncached buffer it sees the packet. Maintenance ranges that are not whole
# cache lines are rejected at the offending key.
set -euo pipefail
: "${DMASIM:?set DMASIM to the dmasim binary}"
: "${DMASIM_SOURCE_DIR:?set DMASIM_SOURCE_DIR to the repository root}"
EX=$DMASIM_SOURCE_DIR/examples/coherence
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() {
    echo "FAIL: $*" >&2
    if [[ -e $work/out ]]; then cat "$work/out" >&2; fi
    if [[ -e $work/err ]]; then cat "$work/err" >&2; fi
    exit 1
}

# stat FILE PATH: the value of one statistic in a stats JSON file.
stat() {
    sed -n "s/^ *\"$2\": \\([0-9.eE+-]*\\),\\{0,1\\}\$/\\1/p" "$1"
}

# The packet: 192 items of 8 bytes into a buffer of 64-byte lines, read with 8-byte loads.
PACKET=1536
LOADS=$((PACKET / 8))  # 192
LINES=$((PACKET / 64)) # 24

# run VARIANT: run examples/coherence/nic-VARIANT.yaml, summary in $work/VARIANT.out.
run() {
    local v=$1
    "$DMASIM" run "$EX/nic-$v.yaml" --stats-json "$work/$v.json" >"$work/out" 2>"$work/err" \
        || fail "nic-$v: exit status $?"
    cp "$work/out" "$work/$v.out"
    grep -q '^  ch0 .*, verified$' "$work/out" || fail "nic-$v: the DMA copy is not verified"
}

# last_read VARIANT: the summary line of the last read_buffer op.
last_read() {
    grep '^  read      op ' "$work/$1.out" | tail -n 1 | sed 's/^ *//'
}

# (a) No maintenance: every load of the second read is stale.
run none
grep -q "^  stale     $LOADS stale reads, 0 stale device reads, 0 lost DMA writes\$" "$work/none.out" \
    || fail "nic-none: want $LOADS stale reads"
first=$(grep -m 1 'stale read at ' "$work/none.out")
[[ $first =~ ^\ +stale\ read\ at\ [0-9]+\ ns:\ 0x100000,\ dmac0\ ch0,\ CPU\ op\ 2$ ]] \
    || fail "nic-none: first report is '$first', want 0x100000 from dmac0 ch0 and op 2"
# The file keeps max_stale_reports: 4 of them.
[[ $(grep -c 'stale read at ' "$work/none.out") -eq 4 ]] || fail "nic-none: want 4 reports (max_stale_reports)"
last=$(last_read none)
[[ $last =~ ^read\ +op\ 2\ 0x100000\ \+1536:\ [0-9]+\ bytes\ differ\ from\ memory ]] \
    || fail "nic-none: the second read should differ from memory, got '$last'"
[[ $(stat "$work/none.json" cpu0.dcache.stale_reads) == "$LOADS" ]] \
    || fail "nic-none: stats JSON has no \"cpu0.dcache.stale_reads\": $LOADS"
grep -q "^    \"cpu0.dcache.stale_reads\": $LOADS,\$" "$work/none.json" \
    || fail "nic-none: stats JSON line \"cpu0.dcache.stale_reads\": $LOADS"
echo "ok: nic-none: $LOADS stale reads, first at 0x100000 (dmac0 ch0, op 2); $last"

# (b), (c), (d): no stale read, and the driver's read equals the packet.
for v in sync snoop uncached; do
    run "$v"
    grep -q '^  stale     0 stale reads, 0 stale device reads, 0 lost DMA writes$' "$work/$v.out" \
        || fail "nic-$v: want 0 stale reads"
    last=$(last_read "$v")
    [[ $last =~ ^read\ +op\ [0-9]+\ 0x100000\ \+1536:\ equal\ to\ memory\ at\ the\ end$ ]] \
        || fail "nic-$v: the last read is '$last', want equal to memory"
    [[ $(stat "$work/$v.json" cpu0.dcache.stale_reads) == 0 ]] || fail "nic-$v: stats JSON stale_reads"
    echo "ok: nic-$v: 0 stale reads; $last"
done

# (b) dma_sync_for_cpu(FROM_DEVICE) invalidates each line of the buffer once.
grep -q "^  coherence 0 snoops (0 hits, 0 invalidations, 0 updates), $LINES maintenance lines " "$work/sync.out" \
    || fail "nic-sync: want $LINES maintenance lines"
[[ $(stat "$work/sync.json" cpu0.dcache.maintenance_lines) == "$LINES" ]] || fail "nic-sync: stats maintenance_lines"
echo "ok: nic-sync: $LINES maintenance lines"

# (c) the snooping DMA invalidates each cached line of the buffer at its first write.
grep -q "^  coherence [0-9]* snoops ([0-9]* hits, $LINES invalidations, 0 updates), 0 maintenance lines " \
    "$work/snoop.out" || fail "nic-snoop: want $LINES snoop invalidations"
[[ $(stat "$work/snoop.json" cpu0.dcache.snoop_invalidations) == "$LINES" ]] \
    || fail "nic-snoop: stats snoop_invalidations"
echo "ok: nic-snoop: $LINES snoop invalidations"

# (d) every CPU load of the uncached buffer is a bus transaction (two reads, plus the STATUS
# read and write of dma_wait).
[[ $(stat "$work/uncached.json" cpu0.uncached_accesses) == $((2 * LOADS + 2)) ]] \
    || fail "nic-uncached: want $((2 * LOADS + 2)) uncached accesses"
echo "ok: nic-uncached: $((2 * LOADS + 2)) uncached accesses"

# expect_failure REGEX ARGS...: `dmasim run ARGS` exits with status 1 (not a crash), prints
# exactly one line on stderr matching REGEX, and leaves no output file behind.
expect_failure() {
    local regex=$1 rc=0 f
    shift
    rm -f "$work/out" "$work/err"
    "$DMASIM" run "$@" --stats-json "$work/bad.json" --resolved "$work/bad.yaml" >"$work/out" 2>"$work/err" || rc=$?
    [[ $rc -eq 1 ]] || fail "$*: exit status $rc, want 1"
    if [[ $(wc -l <"$work/err") -ne 1 ]] || ! grep -Eq -- "$regex" "$work/err"; then
        fail "$*: stderr is not one line matching /$regex/"
    fi
    for f in bad.json bad.json.tmp bad.yaml bad.yaml.tmp; do
        [[ ! -e $work/$f ]] || fail "$*: $f left behind"
    done
    echo "ok: $(cat "$work/err")"
}

# where FILE TEXT: "LINE:COLUMN" of the first occurrence of TEXT in FILE (1-based).
where() {
    awk -v s="$2" 'index($0, s) { print NR ":" index($0, s); exit }' "$1"
}

# An unaligned dma_sync_for_cpu: with --set the message names the --set ...
expect_failure "^dmasim: --set cpu\\.workload\\.script\\.2\\.addr=0x100008: 0x100008 is not aligned to the 64-byte cache line" \
    "$EX/nic-sync.yaml" --set cpu.workload.script.2.addr=0x100008
# ... and in a file, the file, line and column of the value.
sed '/op: dma_sync_for_cpu/s/addr: 0x100000/addr: 0x100008/' "$EX/nic-sync.yaml" >"$work/unaligned.yaml"
pos=$(where "$work/unaligned.yaml" 0x100008)
[[ -n $pos ]] || fail "could not write unaligned.yaml"
expect_failure "^${work//./\\.}/unaligned\\.yaml:$pos: cpu\\.workload\\.script\\.2\\.addr: 0x100008 is not aligned to the 64-byte cache line" \
    "$work/unaligned.yaml"

# A size that is not a whole number of lines.
expect_failure "^dmasim: --set cpu\\.workload\\.script\\.2\\.size=1000: 1000 is not a multiple of the 64-byte cache line" \
    "$EX/nic-sync.yaml" --set cpu.workload.script.2.size=1000

# A cache_flush of nothing.
expect_failure "^dmasim: --set cpu\\.workload\\.script\\.2\\.size=0: an empty range \\(size 0\\)" \
    "$EX/nic-sync.yaml" --set cpu.workload.script.2.op=cache_flush --set cpu.workload.script.2.size=0
sed 's/{op: dma_sync_for_cpu, addr: 0x100000, size: 1536, dir: from_device}/{op: cache_flush, addr: 0x100000, size: 0}/' \
    "$EX/nic-sync.yaml" >"$work/empty.yaml"
pos=$(where "$work/empty.yaml" "size: 0}")
[[ -n $pos ]] || fail "could not write empty.yaml"
pos=${pos%:*}:$((${pos#*:} + 6)) # the value, after "size: "
expect_failure "^${work//./\\.}/empty\\.yaml:$pos: cpu\\.workload\\.script\\.2\\.size: an empty range \\(size 0\\)" \
    "$work/empty.yaml"
