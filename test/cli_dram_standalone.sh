#!/usr/bin/env bash
# `dmasim dram` standalone: a DRAMsim3-format trace gives the published idle latencies
# (DDR3-1600 11-11-11: closed bank 28, row hit 17, conflict 39; DDR4-2400 17-17-17: closed
# bank 40, row hit 23; controller delay 2, and the same sums with delay 0); the YAML presets in
# models/dram/ equal the built-in ones; a synthetic run is deterministic and reports the cycle of
# the last completion; --command-trace prints every command with its cycle.
set -euo pipefail
: "${DMASIM:?set DMASIM to the dmasim binary}"
: "${DMASIM_SOURCE_DIR:?set DMASIM_SOURCE_DIR to the repository root}"
MODELS=$DMASIM_SOURCE_DIR/models/dram
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }

# latencies FILE: the latency column of --requests, in id order, on one line
latencies() { sort -n "$1" | awk '{printf "%s%s", sep, $6; sep=" "} END {print ""}'; }

# Requests to one bank: a closed bank, a hit in the open row, then another row (a conflict).
# DDR3-1600 (row above bank bits at 16): 0x0 and 0x40 in row 0, 0x10000 in row 1.
printf '0x0 READ 100\n0x40 READ 1000\n0x10000 READ 2000\n' >ddr3.trace
"$DMASIM" dram --config "$MODELS/ddr3-1600.yaml" --trace ddr3.trace --requests ddr3.req >/dev/null
[[ $(latencies ddr3.req) == "28 17 39" ]] || fail "ddr3-1600 latencies $(latencies ddr3.req), want 28 17 39"
"$DMASIM" dram --config "$MODELS/ddr3-1600.yaml" --set controller_delay=0 --trace ddr3.trace --requests d0.req \
    >/dev/null
[[ $(latencies d0.req) == "26 15 37" ]] || fail "ddr3-1600 delay 0: $(latencies d0.req), want 26 15 37"
echo "ok: ddr3-1600 closed 28, hit 17, conflict 39 (delay 0: 26 15 37)"

# DDR4-2400 (row bits from 17): conflict = 2 + 17 + 17 + 17 + 4.
printf '0x0 READ 100\n0x40 READ 1000\n0x20000 READ 2000\n' >ddr4.trace
"$DMASIM" dram --config "$MODELS/ddr4-2400.yaml" --trace ddr4.trace --requests ddr4.req >/dev/null
[[ $(latencies ddr4.req) == "40 23 57" ]] || fail "ddr4-2400 latencies $(latencies ddr4.req), want 40 23 57"
"$DMASIM" dram --preset ddr4-2400 --set controller_delay=0 --trace ddr4.trace --requests d4.req >/dev/null
[[ $(latencies d4.req) == "38 21 55" ]] || fail "ddr4-2400 delay 0: $(latencies d4.req), want 38 21 55"
echo "ok: ddr4-2400 closed 40, hit 23, conflict 57 (delay 0: 38 21 55)"

# The command trace of the DDR3 run: ACT 102, RD 113; RD 1002; PRE 2002, ACT 2013, RD 2024.
"$DMASIM" dram --config "$MODELS/ddr3-1600.yaml" --trace ddr3.trace --command-trace cmds.txt >/dev/null
got=$(awk '{printf "%s%s %s", sep, $1, $2; sep=", "} END {print ""}' cmds.txt)
want="102 ACT, 113 RD, 1002 RD, 2002 PRE, 2013 ACT, 2024 RD"
[[ $got == "$want" ]] || fail "command trace '$got', want '$want'"
grep -q '^       102 ACT  ch0 ra0 bg0 ba0 row 0$' cmds.txt || fail "command trace line format: $(head -1 cmds.txt)"
echo "ok: command trace $got"

# Each YAML preset is the built-in one: identical reports but for the first line.
for p in ddr3-1600 ddr4-2400 ddr4-3200 lpddr4-3200; do
    "$DMASIM" dram --config "$MODELS/$p.yaml" --pattern random --bytes 256KiB --write-percent 30 >a.txt
    "$DMASIM" dram --preset "$p" --pattern random --bytes 256KiB --write-percent 30 >b.txt
    diff <(tail -n +2 a.txt) <(tail -n +2 b.txt) >/dev/null || fail "$p: models/dram/$p.yaml differs from the preset"
    grep -q '^source      JEDEC JESD' a.txt || fail "$p: no JEDEC source"
done
echo "ok: models/dram/*.yaml equal the built-in presets and cite JEDEC"

# Synthetic streams: deterministic, every request done, the last completion reported.
"$DMASIM" dram --preset ddr4-2400 --pattern random --bytes 1MiB --outstanding 16 --seed 7 >r1.txt
"$DMASIM" dram --preset ddr4-2400 --pattern random --bytes 1MiB --outstanding 16 --seed 7 >r2.txt
cmp -s r1.txt r2.txt || fail "random stream not deterministic"
grep -q '^requests    16384 (reads 16384, writes 0)$' r1.txt || fail "random: $(grep requests r1.txt)"
grep -Eq '^last done   cycle [0-9]+ ' r1.txt || fail "no last completion"
"$DMASIM" dram --preset ddr4-2400 --pattern seq --bytes 1MiB --outstanding 64 >s.txt
grep -Eq '^row buffer  hits 16(2|3)[0-9][0-9] ' s.txt || fail "sequential: $(grep 'row buffer' s.txt)"
echo "ok: synthetic streams ($(grep 'last done' r1.txt))"
