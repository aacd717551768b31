#!/usr/bin/env bash
# IOMMU overhead of overhead.yaml's burst stream (docs/iommu.md, "Examples").
#
# Table 1: the 4 MiB stream, completion in bus cycles for IOTLB sizes 1, 4, 16, 64 entries and
#          4 KiB / 2 MiB pages, against the same run with the IOMMU off (dmac.iommu=false).
# Table 2: one packet of 64, 1504 or 4096 bytes with a cold IOTLB (4 KiB pages): the case of a
#          stream without page locality, where every packet lands on pages the IOTLB does not hold.
#
#   examples/iommu/overhead-sweep.sh [path/to/dmasim]     (default: $DMASIM, else dmasim in PATH)
#
# slowdown = cycles(on) / cycles(off) - 1; throughput loss = 1 - cycles(off) / cycles(on).
set -euo pipefail
DMASIM=${1:-${DMASIM:-dmasim}}
SCENARIO=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/overhead.yaml

# run ARGS...: "CYCLES WALKS PTE_READS" of channel 0 (walks 0 0 with the IOMMU off).
run() {
    local out c w
    out=$("$DMASIM" run "$SCENARIO" "$@") || { echo "overhead-sweep: dmasim run failed: $*" >&2; exit 1; }
    c=$(sed -n 's/^  ch0 .*completed in \([0-9]*\) bus cycles.*/\1/p' <<<"$out")
    w=$(sed -n 's/^  walks     \([0-9]*\) walks, \([0-9]*\) PTE reads.*/\1 \2/p' <<<"$out")
    [[ -n $c ]] || { echo "overhead-sweep: no ch0 line in the summary" >&2; exit 1; }
    echo "$c ${w:-0 0}"
}

# row LABEL1 LABEL2 CYCLES WALKS READS OFF_CYCLES
row() {
    awk -v a="$1" -v b="$2" -v c="$3" -v w="$4" -v r="$5" -v o="$6" 'BEGIN {
        printf "%-8s %-6s %10d %8d %9d %11.3f %8.3f\n", a, b, c, w, r, 100 * (c / o - 1), 100 * (1 - o / c) }'
}

header() {
    printf '%-8s %-6s %10s %8s %9s %11s %8s\n' "$1" "$2" cycles walks pte_reads slowdown_% loss_%
}

read -r off _ _ < <(run --set dmac.iommu=false)
echo "4 MiB stream, 524288 items of 8 bytes, burst"
header iotlb page
row off - "$off" 0 0 "$off"
for page in 4k 2m; do
    for entries in 1 4 16 64; do
        ways=$((entries < 4 ? entries : 4))
        read -r c w r < <(run --set iommu.iotlb_entries=$entries --set iommu.iotlb_ways=$ways \
            --set iommu.mappings.0.page_size=$page --set iommu.mappings.1.page_size=$page)
        row "$entries" "$page" "$c" "$w" "$r" "$off"
    done
done

echo
echo "one packet, cold IOTLB, 4 KiB pages"
header bytes page
for items in 8 188 512; do
    read -r o _ _ < <(run --set dmac.jobs.0.count=$items --set dmac.iommu=false)
    read -r c w r < <(run --set dmac.jobs.0.count=$items)
    row $((items * 8)) 4k "$c" "$w" "$r" "$o"
done
