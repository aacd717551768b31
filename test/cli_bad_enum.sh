#!/usr/bin/env bash
# Bad enum value (and a bad boolean): the message names the allowed values.
set -euo pipefail
# shellcheck source=lib/cli.sh
source "$DMASIM_SOURCE_DIR/test/lib/cli.sh"

expect_failure "$BAD/bad-enum.yaml" \
    "bad-enum\\.yaml:7:9: dmac\\.mode: bad value 'bursty' \\(expected one of: burst, cycle_stealing, transparent, demand\\)"
expect_failure "$BAD/bad-bool.yaml" \
    "bad-bool\\.yaml:7:65: dmac\\.jobs\\.0\\.verify: bad value 'maybe' \\(expected true or false\\)"
