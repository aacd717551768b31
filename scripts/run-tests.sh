#!/usr/bin/env bash
# Full verification: plain build + tests (-Werror), the same tests under Valgrind Memcheck
# (scripts/run-valgrind.sh; DMASIM_VALGRIND=0 skips it), ASan/UBSan build + tests,
# exported-symbol check, install + find_package consumer, pkg-config consumer.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

JOBS=$(nproc 2>/dev/null || echo 2)
CTEST_JOBS=2
T0=$(date +%s%3N)
STEP="start"
TIMINGS=()
TMPDIR_INSTALL=""

cleanup() {
    local rc=$?
    if [[ -n "$TMPDIR_INSTALL" && -d "$TMPDIR_INSTALL" ]]; then
        rm -rf "$TMPDIR_INSTALL"
    fi
    if [[ $rc -ne 0 ]]; then
        echo "run-tests: FAILED in step '$STEP' (exit $rc) after $(elapsed)" >&2
    fi
}
trap cleanup EXIT

now_ms() { date +%s%3N; }
elapsed() { local ms=$(( $(now_ms) - T0 )); printf '%d.%01ds' $((ms / 1000)) $((ms % 1000 / 100)); }
step() {
    STEP=$1
    STEP_T0=$(now_ms)
    echo
    echo "==== run-tests: $STEP ===="
}
step_done() {
    local ms=$(( $(now_ms) - STEP_T0 ))
    TIMINGS+=("$(printf '%s %d.%01ds' "$STEP" $((ms / 1000)) $((ms % 1000 / 100)))")
}

# --------------------------------------------------------------------------
step "deps"
bash scripts/install-deps.sh
step_done

# --------------------------------------------------------------------------
step "plain build"
cmake -S . -B build \
    -DCMAKE_BUILD_TYPE=Release \
    -DDMASIM_WERROR=ON \
    -DDMASIM_SANITIZE=OFF \
    -DDMASIM_BUILD_TESTS=ON
cmake --build build -j "$JOBS"
step_done

step "plain tests"
ctest --test-dir build --output-on-failure --no-tests=error -j "$CTEST_JOBS"
step_done

# --------------------------------------------------------------------------
VALGRIND_DONE="valgrind skipped (DMASIM_VALGRIND=0)"
if [[ "${DMASIM_VALGRIND:-1}" != 0 ]]; then
    step "valgrind memcheck"
    JOBS="$JOBS" bash scripts/run-valgrind.sh build
    VALGRIND_DONE="valgrind memcheck"
    step_done
fi

# --------------------------------------------------------------------------
step "asan build"
cmake -S . -B build-asan \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g" \
    -DDMASIM_WERROR=ON \
    -DDMASIM_SANITIZE=ON \
    -DDMASIM_BUILD_TESTS=ON
cmake --build build-asan -j "$JOBS"
step_done

step "asan tests"
ctest --test-dir build-asan --output-on-failure --no-tests=error -j "$CTEST_JOBS"
step_done

# --------------------------------------------------------------------------
step "exported symbols"
LIB=build/libdmasim.so
[[ -f "$LIB" ]] || { echo "run-tests: $LIB not found" >&2; exit 1; }
soname=$(readelf -d "$LIB" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [[ "$soname" != "libdmasim.so.0" ]]; then
    echo "run-tests: unexpected SONAME '$soname' (want libdmasim.so.0)" >&2
    exit 1
fi
syms=$(nm -D --defined-only "$LIB" | awk '{print $NF}' | sed 's/@.*//')
nsyms=$(grep -c '^dmasim_' <<<"$syms" || true)
# Linker-defined symbols that some binutils versions put in .dynsym.
bad=$(grep -v -E '^(_init|_fini|_edata|_end|__bss_start)$' <<<"$syms" \
      | grep -v -E '^dmasim_[^_]' || true)
if [[ -n "$bad" ]]; then
    echo "run-tests: $LIB exports symbols outside the public dmasim_* API:" >&2
    # shellcheck disable=SC2001
    sed 's/^/    /' <<<"$bad" >&2
    exit 1
fi
if [[ "$nsyms" -eq 0 ]]; then
    echo "run-tests: $LIB exports no dmasim_* symbols at all" >&2
    exit 1
fi
echo "exports OK: $nsyms dmasim_* symbols, SONAME $soname"
step_done

# --------------------------------------------------------------------------
step "install + find_package consumer"
TMPDIR_INSTALL=$(mktemp -d "${TMPDIR:-/tmp}/dmasim-install.XXXXXX")
PREFIX="$TMPDIR_INSTALL/prefix"
cmake --install build --prefix "$PREFIX"
libfile=$(find "$PREFIX" -name 'libdmasim.so' -print -quit)
[[ -n "$libfile" ]] || { echo "run-tests: libdmasim.so not installed" >&2; exit 1; }
LIBDIR=$(dirname "$libfile")
for f in include/dmasim/export.h include/dmasim/dmasim.h bin/dmasim; do
    [[ -e "$PREFIX/$f" ]] || { echo "run-tests: $f not installed" >&2; exit 1; }
done
[[ -f "$LIBDIR/cmake/dmasim/dmasimConfig.cmake" ]] \
    || { echo "run-tests: dmasimConfig.cmake not installed" >&2; exit 1; }
# The installed CLI must find the installed library through its RPATH alone.
if ldd "$PREFIX/bin/dmasim" | grep -q 'not found'; then
    echo "run-tests: installed bin/dmasim has unresolved libraries:" >&2
    ldd "$PREFIX/bin/dmasim" >&2
    exit 1
fi
resolved=$(ldd "$PREFIX/bin/dmasim" | awk '$1 ~ /^libdmasim\.so/ {print $3; exit}')
if [[ -z "$resolved" || "$(readlink -f "$resolved")" != "$(readlink -f "$LIBDIR/libdmasim.so")" ]]; then
    echo "run-tests: installed bin/dmasim does not use the installed libdmasim.so:" >&2
    ldd "$PREFIX/bin/dmasim" >&2
    exit 1
fi
echo "installed bin/dmasim resolves libdmasim via RPATH: $resolved"

cmake -S examples/consumer -B "$TMPDIR_INSTALL/consumer-build" \
    -DCMAKE_PREFIX_PATH="$PREFIX" -DCMAKE_BUILD_TYPE=Release
cmake --build "$TMPDIR_INSTALL/consumer-build" -j "$JOBS"
LD_LIBRARY_PATH="$LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
    "$TMPDIR_INSTALL/consumer-build/consumer"
step_done

# --------------------------------------------------------------------------
step "pkg-config consumer"
export PKG_CONFIG_PATH="$LIBDIR/pkgconfig"
pcflags=$(pkg-config --cflags --libs dmasim)
echo "pkg-config --cflags --libs dmasim: $pcflags"
pcver=$(pkg-config --modversion dmasim)
echo "pkg-config --modversion dmasim: $pcver"
case " $pcflags " in
    *" -ldmasim "*) ;;
    *) echo "run-tests: pkg-config libs lack -ldmasim" >&2; exit 1 ;;
esac
# shellcheck disable=SC2086  # word splitting of the flags is intended
cc -std=c11 -Wall -Wextra -o "$TMPDIR_INSTALL/consumer-pc" examples/consumer/main.c $pcflags
LD_LIBRARY_PATH="$LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$TMPDIR_INSTALL/consumer-pc"
step_done

# --------------------------------------------------------------------------
STEP="summary"
nplain=$(ctest --test-dir build -N | sed -n 's/^Total Tests: //p')
nasan=$(ctest --test-dir build-asan -N | sed -n 's/^Total Tests: //p')
echo
echo "timings:"
printf '  %s\n' "${TIMINGS[@]}"
echo "run-tests: ALL PASSED (plain ${nplain} tests, ${VALGRIND_DONE}, asan ${nasan} tests, exports, install, find_package, pkg-config) in $(elapsed)"
