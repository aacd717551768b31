# Shared by the bad-input CLI tests (test/cli_bad_*.sh): the environment check, a scratch
# directory removed on exit, and expect_failure. Source it after `set -euo pipefail`.
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
