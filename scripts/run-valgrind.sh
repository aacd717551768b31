#!/usr/bin/env bash
# Memcheck over the test suite: every C and C++ test binary, and every CLI test script with the
# dmasim binary run under Valgrind. Fails on any invalid read/write, use of uninitialised values,
# or definitely/indirectly lost block (still-reachable blocks are not leaks: SystemC keeps its
# simulation context until exit). Expects a build with tests (default: build/, as made by
# scripts/run-tests.sh). Runs $JOBS tests at a time (default: the number of CPUs).
# Usage: scripts/run-valgrind.sh [BUILD_DIR [NAME_REGEX]]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
FILTER=${2:-.}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
command -v valgrind >/dev/null || { echo "run-valgrind: valgrind not found (apt-get install valgrind)" >&2; exit 1; }
[[ -x "$BUILD/dmasim" ]] || { echo "run-valgrind: $BUILD/dmasim not found; build first" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/dmasim-valgrind.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/logs" "$WORK/bin"
VG=(valgrind -q --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99)

# The CLI scripts take the binary from $DMASIM: point it at a wrapper. Its exit status is not
# enough (bad-input tests expect a non-zero exit), so every process writes its own log and any
# non-empty log is a failure.
cat >"$WORK/bin/dmasim" <<EOF
#!/bin/sh
exec ${VG[*]} --log-file=$WORK/logs/cli.%p.log "$BUILD/dmasim" "\$@"
EOF
chmod +x "$WORK/bin/dmasim"
export DMASIM="$WORK/bin/dmasim" DMASIM_SOURCE_DIR="$ROOT" DMASIM_TEST_DATA_DIR="$ROOT/test/data"

# One line per test: NAME<TAB>COMMAND... (tab-separated words).
list=()
# Check's fork mode is kept: Memcheck follows the forked test processes. SystemC runs each
# SC_THREAD on its own QuickThreads stack; Memcheck recognises a switch between them only if the
# stack pointer moves by more than --max-stackframe (default 2 MB, more than the distance between
# two coroutine stacks), else it reports hundreds of false errors inside libsystemc. 16 KiB is
# larger than any frame in dmasim's C++ code and its tests.
while IFS= read -r t; do
    n=$(basename "$t")
    extra=""
    [[ $t == */systemc/* ]] && extra=$'\t--max-stackframe=16384'
    list+=("$n"$'\t'"$(IFS=$'\t'; echo "${VG[*]}")$extra"$'\t'"--log-file=$WORK/logs/$n.%p.log"$'\t'"$t")
done < <(find "$BUILD/test" "$BUILD/examples" -type f \( -name 'test_*' -o -name 'sc_*' \) -perm -u+x \
         -not -path '*/CMakeFiles/*' 2>/dev/null | sort)
for s in "$ROOT"/test/cli_*.sh; do
    list+=("$(basename "$s")"$'\t'"bash"$'\t'"$s")
done

run() { # LINE: runs it, leaves NAME.rc and NAME.out in $WORK
    local -a w
    IFS=$'\t' read -r -a w <<<"$1"
    local name=${w[0]} t0 rc=0
    t0=$(date +%s)
    (cd "$BUILD/test" && "${w[@]:1}") >"$WORK/$name.out" 2>&1 || rc=$?
    echo "$rc $(( $(date +%s) - t0 ))" >"$WORK/$name.rc"
}

count=0
names=()
for line in "${list[@]}"; do
    name=${line%%$'\t'*}
    [[ $name =~ $FILTER ]] || continue
    names+=("$name")
    count=$((count + 1))
    while [[ $(jobs -rp | wc -l) -ge $JOBS ]]; do
        wait -n || true
    done
    run "$line" &
done
wait

fails=0
for name in "${names[@]}"; do
    read -r rc secs <"$WORK/$name.rc"
    if [[ $rc -ne 0 ]]; then
        echo "FAIL $name (exit $rc)"
        tail -n 30 "$WORK/$name.out" | sed 's/^/    /'
        fails=$((fails + 1))
    else
        echo "ok   $name (${secs}s)"
    fi
done

bad=$(find "$WORK/logs" -type f -size +0 | sort)
if [[ -n "$bad" ]]; then
    for f in $bad; do
        echo "==== memcheck report: $(basename "$f")"
        head -n 60 "$f"
    done
    fails=$((fails + $(wc -l <<<"$bad")))
fi
nlogs=$(find "$WORK/logs" -type f | wc -l)
if [[ $fails -ne 0 ]]; then
    echo "run-valgrind: FAILED ($fails failures; $count tests, $nlogs processes checked)" >&2
    exit 1
fi
echo "run-valgrind: ALL CLEAN ($count tests, $nlogs processes under Memcheck: no errors, no definite or indirect leaks)"
