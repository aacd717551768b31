#!/usr/bin/env bash
# --set errors: unknown keys, bad values, absent parts, malformed arguments.
set -euo pipefail
: "${DMASIM:?set DMASIM to the dmasim binary}"
: "${DMASIM_SOURCE_DIR:?set DMASIM_SOURCE_DIR to the repository root}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# expect_failure SCENARIO REGEX [ARGS...]: `dmasim run` exits with status 1 (not a crash),
# prints exactly one line on stderr matching REGEX, and leaves no output file behind.
expect_failure() {
    local scenario=$1 regex=$2 rc=0 f
    shift 2
    "$DMASIM" run "$scenario" --stats-json "$work/stats.json" --resolved "$work/resolved.yaml" "$@" \
        >"$work/stdout" 2>"$work/stderr" || rc=$?
    if [[ $rc -ne 1 ]]; then
        echo "FAIL: $scenario $*: exit status $rc, want 1" >&2
        cat "$work/stderr" >&2
        exit 1
    fi
    if [[ $(wc -l <"$work/stderr") -ne 1 ]] || ! grep -Eq -- "$regex" "$work/stderr"; then
        echo "FAIL: $scenario $*: stderr is not one line matching /$regex/:" >&2
        cat "$work/stderr" >&2
        exit 1
    fi
    for f in stats.json stats.json.tmp resolved.yaml resolved.yaml.tmp; do
        if [[ -e $work/$f ]]; then
            echo "FAIL: $scenario $*: $f left behind" >&2
            exit 1
        fi
    done
    echo "ok: $(cat "$work/stderr")"
}

S=$DMASIM_SOURCE_DIR/examples/script-dma.yaml
expect_failure "$S" "^dmasim: --set: unknown key 'brust' in 'dmac\\.brust' \\(known: name, channels, .*\\)" --set dmac.brust=4
expect_failure "$S" "^dmasim: --set bus\\.width: bad value 'wide' \\(expected an unsigned integer" --set bus.width=wide
expect_failure "$S" "^dmasim: --set dmac\\.mode: bad value 'fast' \\(expected one of: burst, cycle_stealing, transparent, demand\\)" \
    --set dmac.mode=fast
expect_failure "$S" "^dmasim: --set: 'cpu\\.workload\\.trace' is not present in the scenario" --set cpu.workload.trace.cpi=2
expect_failure "$S" "^dmasim: --set: index 5 out of range in 'memory\\.5\\.size' \\(1 entries\\)" --set memory.5.size=1
expect_failure "$S" "^dmasim: --set: 'cpu\\.dcache' is a mapping" --set cpu.dcache=1
expect_failure "$S" "^dmasim: --set bus\\.width: expected path=value" --set bus.width
