#!/usr/bin/env bash
# A trace file that does not exist (path relative to the scenario file).
set -euo pipefail
# shellcheck source=lib/cli.sh
source "$DMASIM_SOURCE_DIR/test/lib/cli.sh"

expect_failure "$BAD/missing-trace.yaml" \
    "missing-trace\\.yaml:7:19: cpu\\.workload\\.trace\\.path: cannot open trace '.*no-such-trace\\.lackey\\.gz': No such file"
