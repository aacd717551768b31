#!/usr/bin/env bash
# compare: one header and four rows (none, burst, cycle_stealing, transparent), aligned; CSV.
set -euo pipefail
: "${DMASIM:?set DMASIM to the dmasim binary}"
: "${DMASIM_SOURCE_DIR:?set DMASIM_SOURCE_DIR to the repository root}"
EX=$DMASIM_SOURCE_DIR/examples
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() {
    echo "FAIL: $*" >&2
    cat "$work/out" >&2
    exit 1
}

"$DMASIM" compare "$EX/md5sum-dma.yaml" --set cpu.workload.trace.max_lines=200000 --csv "$work/table.csv" \
    >"$work/out"
cat "$work/out"
header=$(grep -n '^mode ' "$work/out" | cut -d: -f1)
[[ -n $header ]] || fail "no header line"
rows=$(tail -n +"$((header + 1))" "$work/out")
[[ $(wc -l <<<"$rows") -eq 4 ]] || fail "want 4 rows after the header"
[[ $(cut -d' ' -f1 <<<"$rows" | tr '\n' ' ') == "none burst cycle_stealing transparent " ]] || fail "row labels"
grep -q '^mode  *dma_cycles  *cpu_cycles  *stall_by_dmac0  *cpu0_%  *dmac0_%  *idle_%$' "$work/out" || fail "columns"
# Aligned: every line of the table has the same length.
[[ $(tail -n +"$header" "$work/out" | awk '{ print length($0) }' | sort -u | wc -l) -eq 1 ]] || fail "not aligned"

# The properties the modes promise.
col() { awk -v r="$1" -v c="$2" '$1 == r { print $c }' <<<"$rows"; }
[[ $(col none 2) == "-" && $(col none 4) -eq 0 ]] || fail "row none has DMA"
[[ $(col transparent 3) -eq $(col none 3) ]] || fail "transparent mode changed the CPU cycles"
[[ $(col transparent 4) -eq 0 ]] || fail "transparent mode stalled the CPU"
[[ $(col burst 2) -le $(col cycle_stealing 2) ]] || fail "burst is slower than cycle stealing"
[[ $(col burst 4) -gt 0 ]] || fail "burst mode did not stall the CPU"

[[ $(wc -l <"$work/table.csv") -eq 5 ]] || fail "CSV wants 5 lines"
head -n 1 "$work/table.csv" | grep -qx 'mode,dma_cycles,cpu_cycles,stall_by_dmac0,cpu0_%,dmac0_%,idle_%' || fail "CSV header"
echo "ok: compare"

# compare without a dmac is an error; a failed compare leaves no CSV.
cat >"$work/nodmac.yaml" <<'YAML'
name: nodmac
memory:
  - {name: ram, size: 0x1000}
YAML
rc=0
"$DMASIM" compare "$work/nodmac.yaml" --csv "$work/no.csv" >"$work/out" 2>&1 || rc=$?
[[ $rc -eq 1 ]] || fail "compare without a dmac: exit status $rc, want 1"
grep -q "compare needs a 'dmac'" "$work/out" || fail "compare without a dmac: message"
[[ ! -e $work/no.csv ]] || fail "CSV left behind"
echo "ok: compare without a dmac"
