#!/usr/bin/env bash
# Corrupt traces are found during the run: DMASIM_EFORMAT with "file:line: ..." detail.
set -euo pipefail
# shellcheck source=lib/cli.sh
source "$DMASIM_SOURCE_DIR/test/lib/cli.sh"

expect_failure "$BAD/truncated-trace.yaml" "truncated\\.lackey\\.gz:[0-9]+: .*\\(DMASIM_EFORMAT\\)"
expect_failure "$BAD/corrupt-trace.yaml" "corrupt\\.lackey:5: .*\\(DMASIM_EFORMAT\\)"
