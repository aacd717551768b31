#!/usr/bin/env bash
# Devices and the Intel 8237A in scenarios (docs/scenario.md, "devices" and "i8237"): the disk
# read through a DMAC channel (examples/disk-dma.yaml) and through an 8237A-5 at 5 MHz
# (examples/i8237-disk.yaml) exit 0 with their bytes verified, their summaries have the device
# and controller lines, the statistics are the same on a second run and on the reference path;
# bad device input is reported at its file:line:column.
set -euo pipefail
source "$(dirname "$0")/lib/cli.sh"
EX=$DMASIM_SOURCE_DIR/examples

fail() {
    echo "FAIL: $*" >&2
    if [[ -e $work/out ]]; then cat "$work/out" >&2; fi
    exit 1
}

want() {
    grep -Eq -- "$1" "$work/out" || fail "$2: no line matching /$1/"
}

# run NAME [IGNORE]: the example twice (identical statistics) and on the reference path
# (identical too, but for statistics matching the regex IGNORE).
run() {
    local name=$1 ignore=${2:-^$}
    "$DMASIM" run "$EX/$name.yaml" --stats-json "$work/$name.1.json" >"$work/out" 2>"$work/err" \
        || { cat "$work/err" >&2; fail "$name: exit status $?"; }
    "$DMASIM" run "$EX/$name.yaml" --stats-json "$work/$name.2.json" >/dev/null 2>&1 || fail "$name: second run"
    "$DMASIM" run "$EX/$name.yaml" --reference --stats-json "$work/$name.ref.json" >/dev/null 2>&1 \
        || fail "$name --reference"
    cmp -s "$work/$name.1.json" "$work/$name.2.json" || fail "$name: two runs give different statistics"
    diff <(grep -Ev -- "$ignore" "$work/$name.1.json") <(grep -Ev -- "$ignore" "$work/$name.ref.json") >/dev/null \
        || fail "$name: fast and reference statistics differ"
}

run disk-dma
want '^  ch0       1 transfer\(s\), 4096 bytes, .*, device disk0$' "disk-dma: the channel"
want '^disk0       disk disk-hdd-7200, dmac0 ch0: 1 command\(s\), 4096 bytes read, 0 written$' "disk-dma: the disk"
want '^  command   read 8 sectors from LBA 1000 at 0x10000, issued at 0 ns, complete at [0-9]+ ns, verified$' \
    "disk-dma: the command"
want '^  timing    seek 8500000 ns, rotation 4166666 ns, 0 overruns \(0 ns of missed revolutions\), 0 underruns$' "disk-dma: seek and rotation"
grep -q '"disk0.bytes_read": 4096' "$work/disk-dma.1.json" || fail "disk-dma: stats disk0.bytes_read"
echo "ok: disk-dma: 8 sectors through dmac0 ch0 in demand mode, verified, deterministic"

run i8237-disk
want '^i8237       8237A i8237a: 4096 bytes in [0-9]+ services, ' "i8237-disk: the 8237A"
want '^  ch2       4096 bytes, [0-9]+ services, 1 tc, [0-9]+ service cycles$' "i8237-disk: channel 2"
want '^disk0       disk disk-hdd-7200, i8237 ch2: 1 command\(s\), 4096 bytes read, 0 written$' "i8237-disk: the disk"
want '^  command   read 8 sectors from LBA 1000 at 0x10000, .*, verified$' "i8237-disk: the command"
want '^simulated   [0-9]+ ns = [0-9]+ bus cycles of 200000 ps \(bus0, 1 bytes wide\)$' "i8237-disk: 5 MHz, 8 bits"
grep -q '"i8237.ch2.bytes": 4096' "$work/i8237-disk.1.json" || fail "i8237-disk: stats i8237.ch2.bytes"
echo "ok: i8237-disk: 8 sectors through the 8237A-5 channel 2, verified, deterministic"

# ---- bad input ---------------------------------------------------------------------------------
expect_failure "$BAD/device-unknown-kind.yaml" \
    "device-unknown-kind\\.yaml:5:11: devices\\.0\\.kind: unknown device kind 'tape' \\(expected disk, nic, audio or busmaster\\)$"
expect_failure "$BAD/device-unknown-preset.yaml" \
    "device-unknown-preset\\.yaml:8:13: devices\\.0\\.preset: unknown disk preset 'disk-ssd' \\(known: disk-hdd-7200\\)$"
expect_failure "$BAD/device-no-channel.yaml" \
    'device-no-channel\.yaml:9:19: devices\.0\.dmac_channel: channel 2 does not exist \(dmac\.channels is 2\)$'
expect_failure "$EX/i8237-disk.yaml" \
    '^dmasim: --set devices\.0\.i8237_channel=4: channel 4 does not exist \(the 8237A has channels 0\.\.3\)$' \
    --set devices.0.i8237_channel=4
expect_failure "$EX/i8237-disk.yaml" \
    '^dmasim: --set bus\.period_ps=100000: 100000 ps is not the clock of i8237 \(preset i8237a: CLK period 200000 ps\)' \
    --set bus.period_ps=100000
expect_failure "$EX/i8237-disk.yaml" '^dmasim: --set bus\.width=4: .*bus\.width must be 1$' --set bus.width=4
expect_failure "$EX/i8237-disk.yaml" "^dmasim: --set i8237\\.preset=i8086: unknown 8237A preset 'i8086'" \
    --set i8237.preset=i8086
expect_failure "$EX/disk-dma.yaml" '^dmasim: --set devices\.0\.command\.addr=0x200000: range .* is not mapped' \
    --set devices.0.command.addr=0x200000
