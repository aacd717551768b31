#!/usr/bin/env bash
# Build dmasim (Release, into build/) and run the main demo scenario.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

SCENARIO=examples/md5sum-dma.yaml
if [[ ! -f "$SCENARIO" ]]; then
    echo "run-main: scenario $SCENARIO not found in $ROOT" >&2
    echo "run-main: (it is part of the examples; nothing to run without it)" >&2
    exit 1
fi

bash scripts/install-deps.sh

JOBS=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build --target dmasim_cli -j "$JOBS"

echo "run-main: build/dmasim compare $SCENARIO"
exec build/dmasim compare "$SCENARIO"
