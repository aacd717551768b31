#!/usr/bin/env bash
# A DMA job whose destination range is not mapped on the bus: found before the run.
set -euo pipefail
# shellcheck source=lib/cli.sh
source "$DMASIM_SOURCE_DIR/test/lib/cli.sh"

expect_failure "$BAD/unmapped-job.yaml" \
    "unmapped-job\\.yaml:7:38: dmac\\.jobs\\.0\\.dst: range 0xff000\\.\\.0x100fff is not mapped on the bus"
# The source side, given by --set.
expect_failure "$BAD/unmapped-job.yaml" "^dmasim: --set dmac\\.jobs\\.0\\.src=0x200000: range 0x200000\\.\\..* is not mapped" \
    --set dmac.jobs.0.src=0x200000 --set dmac.jobs.0.dst=0x2000
