#!/usr/bin/env bash
# Usage errors print the usage and exit 2; --help and --version exit 0.
set -euo pipefail
: "${DMASIM:?set DMASIM to the dmasim binary}"
: "${DMASIM_SOURCE_DIR:?set DMASIM_SOURCE_DIR to the repository root}"
S=$DMASIM_SOURCE_DIR/examples/script-dma.yaml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

usage_error() {
    local rc=0
    "$DMASIM" "$@" >"$work/out" 2>"$work/err" || rc=$?
    if [[ $rc -ne 2 ]] || ! grep -q '^usage: dmasim run' "$work/err"; then
        echo "FAIL: dmasim $*: exit status $rc (want 2) or no usage" >&2
        cat "$work/err" >&2
        exit 1
    fi
    echo "ok: dmasim $*: $(head -n 1 "$work/err")"
}

usage_error
usage_error frobnicate "$S"
usage_error run
usage_error run "$S" --bogus
usage_error run "$S" "$S"
usage_error run "$S" --stats-json
usage_error run "$S" --set
usage_error compare "$S" --stats-json x.json
usage_error compare "$S" --reference
usage_error run "$S" --csv x.csv

"$DMASIM" --help | grep -q '^usage: dmasim run'
"$DMASIM" --version | grep -Eq '^dmasim [0-9]+\.[0-9]+\.[0-9]+$'
"$DMASIM" run "$S" --set=bus.width=4 --stats-json="$work/s.json" >/dev/null
[[ -s $work/s.json ]]
echo "ok: --help, --version, --opt=value"
