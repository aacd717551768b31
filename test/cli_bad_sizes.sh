#!/usr/bin/env bash
# Zero and negative sizes: each is reported at its key.
set -euo pipefail
: "${DMASIM:?set DMASIM to the dmasim binary}"
: "${DMASIM_SOURCE_DIR:?set DMASIM_SOURCE_DIR to the repository root}"
BAD=$DMASIM_SOURCE_DIR/test/data/bad
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

expect_failure "$BAD/zero-width.yaml" "zero-width\\.yaml:3:26: bus\\.width: 0 is not a power of two in 1\\.\\.128"
expect_failure "$BAD/zero-memory-size.yaml" "zero-memory-size\\.yaml:5:39: memory\\.1\\.size: must be >= 1 byte"
expect_failure "$BAD/zero-count.yaml" "zero-count\\.yaml:7:53: dmac\\.jobs\\.0\\.count: must be >= 1 item"
expect_failure "$BAD/zero-ways.yaml" "zero-ways\\.yaml:6:31: cpu\\.dcache\\.ways: must be >= 1"
expect_failure "$BAD/negative-wait-states.yaml" \
    "negative-wait-states\\.yaml:4:57: memory\\.0\\.wait_states: bad value '-1' \\(expected an unsigned integer"
expect_failure "$BAD/missing-size.yaml" "missing-size\\.yaml:4:5: memory\\.0: missing required key 'size'"
# A value given by --set is reported against the --set.
expect_failure "$DMASIM_SOURCE_DIR/examples/script-dma.yaml" "^dmasim: --set bus\\.width=0: 0 is not a power of two" \
    --set bus.width=0
