#!/usr/bin/env bash
# The IOMMU in scenarios (docs/iommu.md, "Examples"): the malicious device with the IOMMU off
# (its reads and writes outside its buffer succeed) and on (both fault, 0 bytes move, the fault
# records name the device, IOVA and kind, the kernel's own DMA completes); the overhead sweep,
# whose cycle counts follow the walk rule; the use-after-unmap hazard with and without the
# invalidation; the fast and the reference path agree; bad IOMMU input is reported at its
# file:line:column.
set -euo pipefail
: "${DMASIM:?set DMASIM to the dmasim binary}"
: "${DMASIM_SOURCE_DIR:?set DMASIM_SOURCE_DIR to the repository root}"
EX=$DMASIM_SOURCE_DIR/examples/iommu
BAD=$DMASIM_SOURCE_DIR/test/data/bad
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

# run NAME ARGS...: run examples/iommu/NAME.yaml (summary in $work/out, stats in $work/NAME.json),
# then the same on the reference path: the statistics must be identical.
run() {
    local name=$1
    shift
    "$DMASIM" run "$EX/$name.yaml" "$@" --stats-json "$work/$name.json" >"$work/out" 2>"$work/err" \
        || fail "$name $*: exit status $?"
    "$DMASIM" run "$EX/$name.yaml" "$@" --reference --stats-json "$work/$name.ref.json" >/dev/null 2>"$work/err" \
        || fail "$name $* --reference: exit status $?"
    cmp -s "$work/$name.json" "$work/$name.ref.json" || fail "$name $*: fast and reference statistics differ"
}

want() {
    grep -Eq -- "$1" "$work/out" || fail "$2: no line matching /$1/"
}

# ---- malicious device, IOMMU off: the secret is copied, the kernel word overwritten -----------
run malicious-off
want '^  ch0       1 transfer\(s\), 4096 bytes, .*, verified$' "malicious-off: the kernel's copy"
want '^  ch1       2 transfer\(s\), 4104 bytes, .*, verified$' "malicious-off: both attacks succeed"
want '^iommu0 .*the DMAC bypasses it' "malicious-off: the DMAC is not behind the IOMMU"
want '^  faults    0$' "malicious-off: no fault"
echo "ok: malicious-off: the device read the secret page and overwrote the kernel word (4104 bytes)"

# ---- malicious device, IOMMU on: both attempts fault, nothing moves ---------------------------
run malicious-on
want '^  ch0       1 transfer\(s\), 4096 bytes, completed in 4129 bus cycles, .*, verified$' \
    "malicious-on: the kernel's copy (4097 + 2 walks of 4 reads of 4 cycles)"
want '^  ch1       2 transfer\(s\), 0 bytes, .*not verified \(the channel stopped with an error\)$' \
    "malicious-on: the device moves nothing"
want '^            last transfer: 0 items, ' "malicious-on: no item of the overwrite"
want '^            ERROR DMASIM_EFAULT at 0x100040$' "malicious-on: the channel's error"
want '^  faults    2$' "malicious-on: two faults"
want '^            not_present read at IOVA 0x200000 by device 1 \(dmac0 ch1, domain 1\) at 50170 ns \(level 1 PTE at 0x[0-9a-f]+\)$' \
    "malicious-on: the read of the secret"
want '^            not_present write at IOVA 0x100040 by device 1 \(dmac0 ch1, domain 1\) at [0-9]+ ns \(level 2 PTE at 0x[0-9a-f]+\)$' \
    "malicious-on: the write of the kernel word"
[[ $(stat "$work/malicious-on.json" iommu0.faults) == 2 ]] || fail "malicious-on: stats iommu0.faults"
[[ $(stat "$work/malicious-on.json" dmac0.ch1.bytes) == 0 ]] || fail "malicious-on: stats dmac0.ch1.bytes"
echo "ok: malicious-on: 2 not_present faults of device 1, 0 bytes moved, the kernel's copy verified"

# ---- overhead: the sweep's numbers follow the walk rule ---------------------------------------
# 524288 units of 8 bytes; every transaction (data or PTE) costs 1 + 1 + 2 wait states = 4 cycles.
N=524288
RD=4
OFF=$((1 + N * 2 * RD))
"$EX/overhead-sweep.sh" "$DMASIM" >"$work/out" 2>"$work/err" || fail "overhead-sweep.sh: exit status $?"
# row LABEL PAGE CYCLES WALKS READS: one line of the sweep's output (percentages not checked here).
row() {
    grep -Eq "^$1 +$2 +$3 +$4 +$5 +[0-9.]+ +[0-9.]+\$" "$work/out" || fail "overhead: no row '$*'"
}
row off - $OFF 0 0
for e in 4 16 64; do
    row $e 4k $((OFF + 2048 * 4 * RD)) 2048 8192 # 1024 source + 1024 destination pages, 4 reads each
    row $e 2m $((OFF + 4 * 3 * RD)) 4 12         # 2 + 2 pages of 2 MiB, 3 reads each
done
row 1 4k $((OFF + 2 * N * 4 * RD)) $((2 * N)) $((8 * N)) # one entry: two walks per unit
row 1 2m $((OFF + 2 * N * 3 * RD)) $((2 * N)) $((6 * N))
grep -Eq '^64 +4k +[0-9]+ +2048 +8192 +0\.781 +0\.775$' "$work/out" || fail "overhead: 64-entry 4k percentages"
# Table 2: one 64-byte packet (8 units) with a cold IOTLB: two walks on top of 1 + 8 units.
grep -Eq "^64 +4k +$((1 + 8 * 2 * RD + 2 * 4 * RD)) +2 +8 " "$work/out" || fail "overhead: the 64-byte packet"
echo "ok: overhead: off $OFF cycles; 4 KiB pages +$((2048 * 4 * RD)) (0.78%), 2 MiB +$((4 * 3 * RD)), 1 entry x5 / x4"

# ---- use after unmap: stale IOTLB uses without the invalidation, a fault with it --------------
run use-after-unmap
want '^  stale     128 stale IOTLB uses$' "use-after-unmap: 2 stale uses per unit"
want '^            read at IOVA 0x10000200 by device 0 \(dmac0 ch0, domain 0\) at [0-9]+ ns used physical 0x100200$' \
    "use-after-unmap: the first stale use"
want '^  faults    0$' "use-after-unmap: no fault"
want '^  ch0       2 transfer\(s\), 1024 bytes, ' "use-after-unmap: the second DMA moved its bytes"
run use-after-unmap --set cpu.workload.script.4.op=iommu_invalidate
want '^  stale     0 stale IOTLB uses$' "use-after-unmap + invalidate: no stale use"
want '^  IOTLB .*, 1 invalidations$' "use-after-unmap + invalidate: one invalidation"
want '^            not_present read at IOVA 0x10000200 by device 0 \(dmac0 ch0, domain 0\) at [0-9]+ ns ' \
    "use-after-unmap + invalidate: the fault"
echo "ok: use-after-unmap: 128 stale IOTLB uses; with iommu_invalidate a not_present fault instead"

# ---- a resolved IOMMU scenario repeats the run ------------------------------------------------
"$DMASIM" run "$EX/malicious-on.yaml" --resolved "$work/resolved.yaml" --stats-json "$work/a.json" >/dev/null
(cd "$work" && "$DMASIM" run resolved.yaml --stats-json b.json >/dev/null) || fail "the resolved scenario does not run"
cmp -s "$work/a.json" "$work/b.json" || fail "the resolved scenario gives other statistics"
grep -q '^  iommu: true$' "$work/resolved.yaml" || fail "resolved: dmac.iommu"
grep -q 'page_size: 4k' "$work/resolved.yaml" || fail "resolved: mappings' page_size"
echo "ok: resolved malicious-on.yaml repeats the run"

# ---- bad input ---------------------------------------------------------------------------------
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

expect_failure 'iommu-overlap\.yaml:8:7: iommu\.mappings\.1: .*overlaps the 4 KiB page at IOVA 0x103000' \
    "$BAD/iommu-overlap.yaml"
expect_failure 'iommu-unaligned\.yaml:7:25: iommu\.mappings\.0\.iova: 0x100000 is not aligned to the page size \(0x200000\)' \
    "$BAD/iommu-unaligned.yaml"
expect_failure 'iommu-table-outside\.yaml:5:1: iommu\.table_base: table region \[0x3ff00000, \+0x100000\) is not inside one memory region' \
    "$BAD/iommu-table-outside.yaml"
expect_failure "iommu-op-without-iommu\\.yaml:9:14: cpu\\.workload\\.script\\.1\\.op: IOMMU operations need an 'iommu'" \
    "$BAD/iommu-op-without-iommu.yaml"
expect_failure '^dmasim: --set iommu\.iotlb_ways=3: 3 does not divide iotlb_entries \(64\)' \
    "$EX/overhead.yaml" --set iommu.iotlb_ways=3
expect_failure '^dmasim: --set cpu\.workload\.script\.3\.size=100: 100 is not a non-zero multiple of 4096' \
    "$EX/use-after-unmap.yaml" --set cpu.workload.script.3.size=100
# A map in the script that overlaps a live mapping stops the run with the library's detail.
expect_failure 'run failed at [0-9]+ ps: cpu0: op 3: iommu0: domain 0: map of .* overlaps' \
    "$EX/use-after-unmap.yaml" --set cpu.workload.script.3.op=iommu_map --set cpu.workload.script.3.phys=0x300000
