#!/usr/bin/env bash
# DMA vs programmed I/O by transfer size (docs/examples.md, question 1).
#
# For each size S: dma-vs-pio-pio.yaml copies S bytes with the CPU (`copy`), without and with a
# `cache_clean` of the destination afterwards (without: the copy may still sit dirty in the
# D1; with: it is in memory, where a DMA puts it); dma-vs-pio-dma.yaml programs the DMAC for S
# bytes (`dma_start`) and waits for its interrupt (`dma_wait`), once with 8-byte and once with
# 64-byte items. All numbers are CPU cycles (4 per bus cycle):
#
#   pio        the copy alone (the CPU is busy for all of it)
#   pio+clean  the copy and the clean: the copy is in memory at the end
#   busy       DMA: cycles the CPU spent (register writes, interrupt, handler) = total - free
#   free       DMA: cycles the CPU waited for the interrupt (cpu0.irq_wait_cycles): free for
#              other work
#   total      DMA: from the first register write to the end of the handler (cpu0.cycles)
#   cpu        who costs the CPU fewer cycles: pio vs busy
#   latency    who has the copy in memory first: pio+clean vs total
#
# A size that is not a whole number of items has no DMA row for that item size ("-").
# After each table, the crossovers: between which sizes of the table the winner changes, and
# the exact point from a run at every multiple of the item size up to SCAN_MAX (default 512;
# 0: no scan). The PIO pays per cache line (two line fills at the first word of each line) and
# the DMA per item, so near the crossover the winner alternates: the scan gives the last size
# at which the PIO still wins.
#
#   examples/classic/dma-vs-pio-sweep.sh [path/to/dmasim]   (default: $DMASIM, else dmasim in PATH)
#   SIZES="16 1048576" SCAN_MAX=0 examples/classic/dma-vs-pio-sweep.sh  (other sizes, multiples of 8)
set -euo pipefail
DMASIM=${1:-${DMASIM:-dmasim}}
DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SIZES=${SIZES:-16 64 256 1024 4096 16384 65536 262144 1048576}
SCAN_MAX=${SCAN_MAX:-512}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# stat NAME: one statistic of the last run.
stat() {
    sed -n "s/^ *\"$1\": \\([0-9]*\\),\\{0,1\\}\$/\\1/p" "$work/stats.json"
}

run() {
    "$DMASIM" run "$@" --stats-json "$work/stats.json" >"$work/out" 2>&1 \
        || { echo "dma-vs-pio-sweep: dmasim run $* failed:" >&2; cat "$work/out" >&2; exit 1; }
}

# pio SIZE CLEAN(0|1): CPU cycles of the copy (and the clean of its lines).
pio() {
    local lines=$((($1 + 63) / 64 * 64))
    if [[ $2 -eq 1 ]]; then
        run "$DIR/dma-vs-pio-pio.yaml" --set cpu.workload.script.0.size="$1" --set cpu.workload.script.1.size=$lines
    else
        run "$DIR/dma-vs-pio-pio.yaml" --set cpu.workload.script.0.size="$1" --set cpu.workload.script.1.op=compute \
            --set cpu.workload.script.1.cycles=0
    fi
    stat cpu0.cycles
}

# dma SIZE ITEM: "BUSY FREE TOTAL" in CPU cycles.
dma() {
    run "$DIR/dma-vs-pio-dma.yaml" --set cpu.workload.script.0.count=$(($1 / $2)) \
        --set cpu.workload.script.0.item_size="$2"
    local total free
    total=$(stat cpu0.cycles)
    free=$(stat cpu0.irq_wait_cycles)
    echo "$((total - free)) $free $total"
}

# winner A B: "pio" if A < B, "dma" if B < A, "tie".
winner() {
    if [[ $1 -lt $2 ]]; then echo pio; elif [[ $2 -lt $1 ]]; then echo dma; else echo tie; fi
}

# scan KIND ITEM: every multiple of ITEM up to SCAN_MAX; prints the largest size at which the
# DMA does not win by KIND (cpu: pio vs busy; latency: pio+clean vs total), 0 if none.
scan() {
    local kind=$1 item=$2 s last=0 busy free total
    for ((s = item; s <= SCAN_MAX; s += item)); do
        read -r busy free total < <(dma "$s" "$item")
        if [[ $kind == cpu ]]; then
            [[ $busy -lt $(pio "$s" 0) ]] || last=$s
        else
            [[ $total -lt $(pio "$s" 1) ]] || last=$s
        fi
    done
    echo "$last"
}

# crossover KIND ITEM WHAT LAST_PIO FIRST_DMA: the sizes of the table where the winner
# changes for the last time, then (SCAN_MAX > 0) the exact point from a scan of every multiple
# of ITEM.
crossover() {
    local kind=$1 item=$2 what=$3 lo=$4 hi=$5 last
    if [[ -z $lo || -z $hi ]]; then
        echo "crossover ($kind: $what): none in these sizes"
        return
    fi
    echo -n "crossover ($kind: $what): the PIO wins last at $lo bytes, the DMA at $hi bytes"
    if [[ $SCAN_MAX -gt 0 && $hi -le $SCAN_MAX ]]; then
        last=$(scan "$kind" "$item")
        echo "; scanning every multiple of $item up to $SCAN_MAX: the PIO wins or ties last at $last bytes, the DMA wins at every size above it"
    else
        echo
    fi
}

table() {
    local item=$1 s pio0 pio1 busy free total cw lw
    local last_cpu_pio="" first_cpu_dma="" last_lat_pio="" first_lat_dma=""
    echo "DMA with $item-byte items vs PIO: CPU cycles (irq_latency 30, irq_handler 100)"
    printf '%8s %9s %10s %7s %9s %9s %4s %8s\n' size pio pio+clean busy free total cpu latency
    for s in $SIZES; do
        [[ $((s % item)) -eq 0 ]] || { printf '%8s %9s %10s %7s %9s %9s %4s %8s\n' "$s" - - - - - - -; continue; }
        pio0=$(pio "$s" 0)
        pio1=$(pio "$s" 1)
        read -r busy free total < <(dma "$s" "$item")
        cw=$(winner "$pio0" "$busy")
        lw=$(winner "$pio1" "$total")
        printf '%8s %9s %10s %7s %9s %9s %4s %8s\n' "$s" "$pio0" "$pio1" "$busy" "$free" "$total" "$cw" "$lw"
        # the PIO's last win, and the DMA's first win after it
        if [[ $cw == pio ]]; then last_cpu_pio=$s first_cpu_dma=""; fi
        if [[ $cw == dma && -z $first_cpu_dma ]]; then first_cpu_dma=$s; fi
        if [[ $lw == pio ]]; then last_lat_pio=$s first_lat_dma=""; fi
        if [[ $lw == dma && -z $first_lat_dma ]]; then first_lat_dma=$s; fi
    done
    crossover cpu "$item" "fewer CPU cycles" "$last_cpu_pio" "$first_cpu_dma"
    crossover latency "$item" "the copy in memory first" "$last_lat_pio" "$first_lat_dma"
}

table 8
echo
table 64
