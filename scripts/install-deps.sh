#!/usr/bin/env bash
# Install the Debian 12 packages needed to build and test dmasim.
# Fast no-op when everything is already installed.
set -euo pipefail

PACKAGES=(
    build-essential   # gcc, make, binutils (nm)
    cmake
    pkg-config
    zlib1g-dev
    check             # unit-test framework (pulls libsubunit-dev)
    libcyaml-dev      # YAML scenarios (CLI)
    libyaml-dev       # libcyaml.pc says -lyaml; libcyaml-dev does not depend on it
    libsystemc-dev    # SystemC 2.3.4 for libdmasim_systemc (optional: -DDMASIM_SYSTEMC=OFF)
    valgrind          # scripts/run-valgrind.sh: Memcheck over the test suite
)

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "install-deps: dpkg-query not found (not Debian?); make sure these are installed:" >&2
    echo "  ${PACKAGES[*]}" >&2
    exit 0
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
    if [[ "$status" != ii* ]]; then
        missing+=("$pkg")
    fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-deps: all ${#PACKAGES[@]} packages present"
    exit 0
fi

echo "install-deps: missing: ${missing[*]}"
if [[ $(id -u) -eq 0 ]]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends "${missing[@]}"
    echo "install-deps: installed ${missing[*]}"
else
    echo "install-deps: not root; run:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
