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

# NIC receive (examples/nic-rx.yaml): 1000 frames of 1518 bytes into a ring of 16 descriptors.
# Each packet is 1 descriptor fetch + ceil(1518 / 128) = 12 data transactions + 1 write-back
# (docs/devices.md); every packet that arrives is received or dropped.
run nic-rx
want '^nic0        nic nic-1g: 1000 packets arrived, [0-9]+ received \([0-9]+ bytes\), [1-9][0-9]* dropped ' \
    "nic-rx: a driver that gives descriptors back after 300 us loses packets"
rx=$(sed -nE 's/.*"nic0\.rx_packets": ([0-9]+).*/\1/p' "$work/nic-rx.1.json")
dropped=0
for k in rx_dropped_fifo rx_dropped_ring_full rx_dropped_too_long; do
    dropped=$((dropped + $(sed -nE "s/.*\"nic0\.$k\": ([0-9]+).*/\1/p" "$work/nic-rx.1.json")))
done
[[ $((rx + dropped)) -eq 1000 ]] || fail "nic-rx: $rx received + $dropped dropped != 1000 arrivals"
want "^  ring      16 descriptors at 0x100000: [0-9]+ fetched, $rx written back, [0-9]+ found not owned, $rx given back 300000 ns after use\$" \
    "nic-rx: every descriptor written back is given back"
want "^  bus       $((rx * 14 + $(sed -nE 's/.*"nic0\.ring_empty": ([0-9]+).*/\1/p' "$work/nic-rx.1.json"))) transactions, " \
    "nic-rx: 14 transactions per packet, 1 per fetch that found the ring empty"
echo "ok: nic-rx: $rx received + $dropped dropped = 1000 arrivals, 14 bus transactions per packet, deterministic"

"$DMASIM" run "$EX/nic-rx.yaml" --set devices.0.ring.recycle_ps=150000000 >"$work/out" 2>&1 || fail "nic-rx 150 us"
want '^nic0        nic nic-1g: 1000 packets arrived, 1000 received \(1518000 bytes\), 0 dropped ' \
    "nic-rx: 16 descriptors cover 197 us of packets: a 150 us driver loses none"
want '^  bus       14000 transactions, ' "nic-rx: 14 transactions per packet"
"$DMASIM" run "$EX/nic-rx.yaml" --set devices.0.ring.recycle_ps=0 >"$work/out" 2>&1 || fail "nic-rx no driver"
want '^nic0        nic nic-1g: 1000 packets arrived, 16 received \(24288 bytes\), ' \
    "nic-rx: without a driver the NIC fills the 16 descriptors it owns and no more"
want '^  ring      16 descriptors at 0x100000: [0-9]+ fetched, 16 written back, [0-9]+ found not owned, none given back$' \
    "nic-rx: no driver"
# the 48 KiB FIFO holds 32 frames of 1518 bytes while the NIC waits for a descriptor
want '^nic0        nic nic-1g: 1000 packets arrived, 16 received \(24288 bytes\), 952 dropped \(0 FIFO full, 952 ring full, 0 too long\), 32 still in the FIFO$' \
    "nic-rx: received + dropped + still in the FIFO = arrivals"
echo "ok: nic-rx: a 150 us driver receives all 1000 packets; without a driver exactly the 16 owned descriptors fill"

# A ring whose NIC owns 8 of 16 descriptors at the start: the driver gives back the descriptor at
# its tail (8, 9, ...), so the NIC goes on past the 8th packet
"$DMASIM" run "$EX/nic-rx.yaml" --set devices.0.ring.owned=8 --stats-json "$work/owned.json" >"$work/out" 2>&1 \
    || fail "nic-rx owned=8"
rx8=$(sed -nE 's/.*"nic0\.rx_packets": ([0-9]+).*/\1/p' "$work/owned.json")
[[ $rx8 -gt 16 && $rx8 -lt $rx ]] || fail "nic-rx owned=8: $rx8 received (want more than 16, fewer than $rx with 16 owned)"
echo "ok: nic-rx: 8 of 16 descriptors owned at the start: $rx8 received (16 owned: $rx)"

# A packet trace, relative to the scenario's directory.
mkdir -p "$work/nic"
printf '# time_ns bytes\n1000 64\n2000 1518\n2500 100\n' >"$work/nic/packets.txt"
sed 's/receive: {packets: 1000, rate: 81274, size: 1518}/receive: {trace: packets.txt}/' "$EX/nic-rx.yaml" >"$work/nic/trace.yaml"
(cd / && "$DMASIM" run "$work/nic/trace.yaml") >"$work/out" 2>&1 || fail "nic trace"
want '^nic0        nic nic-1g: 3 packets arrived, 3 received \(1682 bytes\), 0 dropped ' "nic trace: 64 + 1518 + 100 bytes"
echo "ok: nic: a packet trace named relative to the scenario"

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
expect_failure "$EX/nic-rx.yaml" '^dmasim: --set devices\.0\.ring\.entries=0: must be >= 1 descriptor$' \
    --set devices.0.ring.entries=0
expect_failure "$EX/nic-rx.yaml" '^dmasim: --set devices\.0\.ring\.owned=17: 17 is not 0\.\.entries \(16\), or -1 for all$' \
    --set devices.0.ring.owned=17
expect_failure "$EX/nic-rx.yaml" '^dmasim: --set devices\.0\.ring\.buffers=0xFFF000: range 0xfff000\.\.0x1006fff is not mapped on the bus$' \
    --set devices.0.ring.buffers=0xFFF000
expect_failure "$EX/nic-rx.yaml" '^dmasim: --set devices\.0\.txn_size=100: nic0: burst 100 is not a power of two in 4\.\.4096$' \
    --set devices.0.txn_size=100
expect_failure "$EX/nic-rx.yaml" '^dmasim: --set devices\.0\.dmac_channel=0: a nic masters the bus itself' \
    --set devices.0.dmac_channel=0
sed 's/size: 1518}/size: 60000}/' "$EX/nic-rx.yaml" >"$work/nic/big.yaml"
expect_failure "$work/nic/big.yaml" 'big\.yaml:24:49: devices\.0\.receive\.size: nic0: packet_size 60000 must be 1\.\.fifo_size \(49152\)$'
printf '1000 64\n900 64\n' >"$work/nic/back.txt"
sed 's/packets.txt/back.txt/' "$work/nic/trace.yaml" >"$work/nic/back.yaml"
expect_failure "$work/nic/back.yaml" 'back\.yaml:24:22: devices\.0\.receive\.trace: .*/back\.txt:2: time 900 ns is before the previous packet'"'"'s$'
sed 's/kind: nic/kind: disk/; s/preset: nic-1g/preset: disk-hdd-7200/' "$EX/nic-rx.yaml" >"$work/nic/disk.yaml"
expect_failure "$work/nic/disk.yaml" 'disk\.yaml:23:11: devices\.0\.ring: only a nic takes ring$'
expect_failure "$EX/nic-rx.yaml" '^dmasim: --set devices\.0\.ring\.buffers=0x100000: the buffers \[0x100000, 0x108000\) overlap the descriptors \[0x100000, 0x100200\)$' \
    --set devices.0.ring.buffers=0x100000
expect_failure "$EX/nic-rx.yaml" '^dmasim: --set devices\.0\.reg_base=0x1000: .*overlaps' --set devices.0.reg_base=0x1000
