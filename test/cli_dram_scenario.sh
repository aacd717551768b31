#!/usr/bin/env bash
# DRAM memories in scenarios (`kind: dram`, docs/scenario.md): the two examples run and verify
# their copies; the refresh example's second burst pays the refresh; fast and reference paths
# print the same summary; a resolved scenario repeats the run; bad DRAM keys are reported at
# their position with the parameter named.
set -euo pipefail
: "${DMASIM:?set DMASIM to the dmasim binary}"
: "${DMASIM_SOURCE_DIR:?set DMASIM_SOURCE_DIR to the repository root}"
EX=$DMASIM_SOURCE_DIR/examples
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }

"$DMASIM" run "$EX/dram-compare.yaml" >compare.txt
[[ $(grep -c ', verified$' compare.txt) -eq 3 ]] || fail "dram-compare: $(grep ' ch' compare.txt)"
for m in ddr3 ddr4 lpddr4; do
    grep -Eq "^$m +(ddr3-1600|ddr4-2400|lpddr4-3200): [0-9]+ reads" compare.txt || fail "no DRAM line for $m"
done
grep -Eq '^  rows      [0-9]+ hits \(9[0-9]\.[0-9]+%\)' compare.txt || fail "row hit rates: $(grep rows compare.txt)"
echo "ok: dram-compare: $(grep -c ', verified$' compare.txt) copies verified"

"$DMASIM" run "$EX/dram-refresh.yaml" >refresh.txt
c0=$(awk '$1 == "ch0" {print $8}' refresh.txt)
c1=$(awk '$1 == "ch1" {print $8}' refresh.txt)
[[ -n $c0 && -n $c1 ]] || fail "dram-refresh: no completion cycles"
# the collision: PREA at the due cycle, REF tRP later, ACT tRFC after it, data tRCD + CL + BL/2
# later: 363 DRAM cycles of 0.833 ns instead of 40 for the first read -> 27 bus cycles more
[[ $((c1 - c0)) -eq 27 ]] || fail "dram-refresh: ch0 $c0, ch1 $c1 bus cycles (want a difference of 27)"
grep -q ' 1 REF$' refresh.txt || fail "dram-refresh: $(grep REF refresh.txt)"
echo "ok: dram-refresh: $c0 vs $c1 bus cycles"

"$DMASIM" run "$EX/dram-refresh.yaml" --reference >ref.txt
diff <(grep -v '^scenario' refresh.txt) <(grep -v '^scenario' ref.txt) >/dev/null ||
    fail "fast and reference paths differ: $(diff refresh.txt ref.txt)"
echo "ok: fast path = reference path"

"$DMASIM" run "$EX/dram-refresh.yaml" --set memory.0.dram.cl=20 --resolved resolved.yaml >set.txt 2>&1 &&
    fail "--set memory.0.dram.cl without a dram mapping should fail"
printf 'name: r\nmemory:\n  - {name: d, kind: dram, preset: ddr3-1600, size: 0x10000000, dram: {}}\n' >r.yaml
printf 'dmac: {reg_base: 0xF0000000, jobs: [{src: 0x0, dst: 0x102000, count: 64, item_size: 64}]}\n' >>r.yaml
"$DMASIM" run r.yaml --set memory.0.dram.cl=14 --resolved resolved.yaml >one.txt
grep -q 'cl: 14' resolved.yaml || fail "resolved scenario lacks cl: 14"
"$DMASIM" run resolved.yaml >two.txt
diff one.txt two.txt >/dev/null || fail "the resolved scenario does not repeat the run"
echo "ok: --set memory.0.dram.cl and the resolved scenario"

# expect_failure REGEX SCENARIO: status 1, one line on stderr matching REGEX
expect_failure() {
    local regex=$1 rc=0
    "$DMASIM" run "$2" >stdout 2>stderr || rc=$?
    [[ $rc -eq 1 ]] || { cat stderr >&2; fail "$2: status $rc, want 1"; }
    if [[ $(wc -l <stderr) -ne 1 ]] || ! grep -Eq -- "$regex" stderr; then
        cat stderr >&2
        fail "$2: stderr is not one line matching /$regex/"
    fi
    echo "ok: $(cat stderr)"
}
printf 'name: b\nmemory:\n  - {name: d, kind: dram, preset: ddr4-2400, size: 0x1000, dram: {tras: 60}}\n' >tras.yaml
expect_failure '^tras\.yaml:3:73: memory\.0\.dram\.tras: tras \(60\) > trc \(56\)' tras.yaml
printf 'name: b\nmemory:\n  - {name: d, kind: dram, preset: ddr3-1600, size: 0x1000, dram: {banks_per_group: 0}}\n' \
    >banks.yaml
expect_failure '^banks\.yaml:3:84: memory\.0\.dram\.banks_per_group: banks_per_group must be >= 1' banks.yaml
printf 'name: b\nmemory:\n  - {name: d, kind: dram, size: 0x1000, dram: {address_mapping: "row:column"}}\n' >map.yaml
expect_failure "memory\\.0\\.dram\\.address_mapping: address_mapping 'row:column' does not cover" map.yaml
printf 'name: b\nmemory:\n  - {name: d, kind: dram, preset: ddr5, size: 0x1000}\n' >preset.yaml
expect_failure "^preset\\.yaml:3:35: memory\\.0\\.preset: unknown DRAM preset 'ddr5'" preset.yaml
printf 'name: b\nmemory:\n  - {name: d, kind: dram, preset: ddr3-1600, size: 0x200000000}\n' >size.yaml
expect_failure "^size\\.yaml:3:52: memory\\.0\\.size: size \\(8589934592 bytes\\) exceeds the capacity" size.yaml

# The command trace of docs/dram.md ("A command trace"): a scenario's command_trace key.
printf 'name: tr\nmemory:\n  - {name: dram0, kind: dram, preset: ddr4-2400, size: 0x40000000, command_trace: cmds.txt}\n' \
    >tr.yaml
printf 'dmac: {reg_base: 0xF0000000, jobs: [{src: 0x100000, dst: 0x202000, count: 4, item_size: 64}]}\n' >>tr.yaml
"$DMASIM" run tr.yaml >tr.txt
got=$(awk '{printf "%s%s %s", sep, $1, $2; sep=", "} END {print ""}' cmds.txt)
want="27 ACT, 44 RD, 171 ACT, 188 WR, 279 RD, 399 WR, 507 RD, 627 WR, 735 RD, 855 WR"
[[ $got == "$want" ]] || fail "command trace '$got', want '$want'"
grep -q '^simulated   790 ns = 79 bus cycles' tr.txt || fail "$(grep simulated tr.txt)"
echo "ok: the command trace of docs/dram.md"

# The main demo over DRAM (memory.0.kind=dram: DDR4-2400, CPU misses, DMA and refreshes on one
# DRAM): every statistic identical on the fast and the reference path, in every mode.
for mode in burst cycle_stealing transparent; do
    "$DMASIM" run "$EX/md5sum-dma.yaml" --set memory.0.kind=dram --set dmac.mode=$mode --stats-json f.json >/dev/null
    "$DMASIM" run "$EX/md5sum-dma.yaml" --set memory.0.kind=dram --set dmac.mode=$mode --reference \
        --stats-json r.json >/dev/null
    cmp -s f.json r.json || fail "md5sum over DRAM, $mode: fast and reference statistics differ"
    grep -q '"ram.refreshes": [1-9]' f.json || fail "md5sum over DRAM: no refreshes counted"
done
echo "ok: md5sum over DRAM: fast = reference in every mode"
