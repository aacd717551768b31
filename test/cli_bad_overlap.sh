#!/usr/bin/env bash
# Overlapping memory ranges: DMASIM_EOVERLAP, with the library's detail naming both.
set -euo pipefail
# shellcheck source=lib/cli.sh
source "$DMASIM_SOURCE_DIR/test/lib/cli.sh"

expect_failure "$BAD/overlap.yaml" "overlap\\.yaml:5:5: memory\\.1: .*buf.*ram"
