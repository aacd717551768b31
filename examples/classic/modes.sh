#!/usr/bin/env bash
# The mode trade-off under a real trace (docs/examples.md, question 2).
#
# examples/md5sum-dma.yaml: the CPU replays a Valgrind Lackey trace of md5sum while channel 0
# copies 1 MiB. First `dmasim compare` (no DMA, then each mode), then one `dmasim run` per mode
# for the numbers behind the trade-off:
#
#   ipc           CPU throughput: trace instructions (I lines) per CPU cycle
#   cpu_loss_%    CPU cycles over the run without DMA, in %
#   max_wait      the CPU's longest single wait for the bus, in bus cycles
#                 (bus0.master.cpu0.max_wait_cycles): what starving means
#   dma_cycles    DMA latency: bus cycles from the start of the copy to its terminal count
#   dma_MB/s      1 MiB / that time (1 MB = 10^6 bytes)
#
#   examples/classic/modes.sh [path/to/dmasim] [--set path=value]...
#                             (default: $DMASIM, else dmasim in PATH)
set -euo pipefail
DMASIM=${DMASIM:-dmasim}
if [[ $# -gt 0 && $1 != --* ]]; then
    DMASIM=$1
    shift
fi
SCENARIO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/md5sum-dma.yaml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

stat() {
    sed -n "s/^ *\"$2\": \\([0-9]*\\),\\{0,1\\}\$/\\1/p" "$1"
}

"$DMASIM" compare "$SCENARIO" "$@" --csv "$work/compare.csv"
none=$(awk -F, '$1 == "none" { print $3 }' "$work/compare.csv")
echo
printf '%-15s %12s %10s %6s %10s %8s %10s %8s\n' mode instructions cpu_cycles ipc cpu_loss_% max_wait dma_cycles dma_MB/s
for mode in none burst cycle_stealing transparent; do
    if [[ $mode == none ]]; then
        # the run without DMA is compare's first row; the instructions are the trace's
        "$DMASIM" run "$SCENARIO" "$@" --stats-json "$work/s.json" >/dev/null
        awk -v m=$mode -v i="$(stat "$work/s.json" cpu0.instructions)" -v c="$none" 'BEGIN {
            printf "%-15s %12d %10d %6.3f %10.2f %8s %10s %8s\n", m, i, c, i / c, 0, "-", "-", "-" }'
        continue
    fi
    "$DMASIM" run "$SCENARIO" "$@" --set dmac.mode=$mode --stats-json "$work/s.json" --resolved "$work/r.yaml" \
        >/dev/null
    awk -v m=$mode -v i="$(stat "$work/s.json" cpu0.instructions)" -v c="$(stat "$work/s.json" cpu0.cycles)" \
        -v n="$none" -v w="$(stat "$work/s.json" bus0.master.cpu0.max_wait_cycles)" \
        -v d="$(stat "$work/s.json" dmac0.ch0.completion_cycles)" -v b="$(stat "$work/s.json" dmac0.ch0.bytes)" \
        -v p="$(sed -n 's/^bus:.*period_ps: \([0-9]*\).*/\1/p' "$work/r.yaml")" 'BEGIN {
        printf "%-15s %12d %10d %6.3f %10.2f %8d %10d %8.2f\n", m, i, c, i / c, 100 * (c / n - 1), w, d,
               b * 1e6 / (d * p) }'
done
