#!/usr/bin/env bash
# Scatter-gather vs bounce buffer (docs/examples.md, question 3): runs sg.yaml and bounce.yaml
# and prints, for each:
#
#   done        bus cycles from the start to the end of the run: the data is at the destination
#               and the CPU has taken the completion interrupt (bus0.cycles)
#   cpu_busy    CPU cycles the driver used: cpu0.cycles - cpu0.irq_wait_cycles
#   cpu_free    CPU cycles spent waiting for the interrupt (free for other work)
#   cpu_bus     bus cycles the CPU owned (line fills, write-backs, register accesses)
#   dma_bus     bus cycles the DMAC owned; of them
#   desc_fetch  the descriptor fetches (dmac0.ch0.descriptor_fetch_cycles)
#   verified    each 4 KiB fragment arrived at its place in the destination
#
#   examples/classic/sg-vs-bounce.sh [path/to/dmasim]   (default: $DMASIM, else dmasim in PATH)
set -euo pipefail
DMASIM=${1:-${DMASIM:-dmasim}}
DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

stat() {
    sed -n "s/^ *\"$1\": \\([0-9]*\\),\\{0,1\\}\$/\\1/p" "$work/stats.json"
}

printf '%-8s %9s %9s %9s %9s %9s %10s %9s\n' path done cpu_busy cpu_free cpu_bus dma_bus desc_fetch verified
for path in sg bounce; do
    "$DMASIM" run "$DIR/$path.yaml" --stats-json "$work/stats.json" >"$work/out" 2>&1 \
        || { echo "sg-vs-bounce: dmasim run $path.yaml failed:" >&2; cat "$work/out" >&2; exit 1; }
    grep -q '^  ch0 .*, verified$' "$work/out" && verified=yes || verified=no
    printf '%-8s %9s %9s %9s %9s %9s %10s %9s\n' "$path" "$(stat bus0.cycles)" \
        $(($(stat cpu0.cycles) - $(stat cpu0.irq_wait_cycles))) "$(stat cpu0.irq_wait_cycles)" \
        "$(stat bus0.master.cpu0.owned_cycles)" "$(stat bus0.master.dmac0.owned_cycles)" \
        "$(stat dmac0.ch0.descriptor_fetch_cycles)" "$verified"
done
