#!/usr/bin/env bash
# Zero and negative sizes: each is reported at its key.
set -euo pipefail
# shellcheck source=lib/cli.sh
source "$DMASIM_SOURCE_DIR/test/lib/cli.sh"

expect_failure "$BAD/zero-width.yaml" "zero-width\\.yaml:3:26: bus\\.width: 0 is not a power of two in 1\\.\\.128"
expect_failure "$BAD/zero-memory-size.yaml" "zero-memory-size\\.yaml:5:39: memory\\.1\\.size: must be >= 1 byte"
expect_failure "$BAD/zero-count.yaml" "zero-count\\.yaml:7:53: dmac\\.jobs\\.0\\.count: must be >= 1 item"
expect_failure "$BAD/zero-ways.yaml" "zero-ways\\.yaml:6:31: cpu\\.dcache\\.ways: must be >= 1"
expect_failure "$BAD/negative-wait-states.yaml" \
    "negative-wait-states\\.yaml:4:57: memory\\.0\\.wait_states: bad value '-1' \\(expected an unsigned integer"
expect_failure "$BAD/missing-size.yaml" "missing-size\\.yaml:4:5: memory\\.0: missing required key 'size'"
# A value given by --set is reported against the --set.
expect_failure "$DMASIM_SOURCE_DIR/examples/script-dma.yaml" "^dmasim: --set bus\\.width=0: 0 is not a power of two" \
    --set bus.width=0
