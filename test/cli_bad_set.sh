#!/usr/bin/env bash
# --set errors: unknown keys, bad values, absent parts, malformed arguments.
set -euo pipefail
# shellcheck source=lib/cli.sh
source "$DMASIM_SOURCE_DIR/test/lib/cli.sh"

S=$DMASIM_SOURCE_DIR/examples/script-dma.yaml
expect_failure "$S" "^dmasim: --set: unknown key 'brust' in 'dmac\\.brust' \\(known: name, channels, .*\\)" --set dmac.brust=4
expect_failure "$S" "^dmasim: --set bus\\.width: bad value 'wide' \\(expected an unsigned integer" --set bus.width=wide
expect_failure "$S" "^dmasim: --set dmac\\.mode: bad value 'fast' \\(expected one of: burst, cycle_stealing, transparent, demand\\)" \
    --set dmac.mode=fast
expect_failure "$S" "^dmasim: --set: 'cpu\\.workload\\.trace' is not present in the scenario" --set cpu.workload.trace.cpi=2
expect_failure "$S" "^dmasim: --set: index 5 out of range in 'memory\\.5\\.size' \\(1 entries\\)" --set memory.5.size=1
expect_failure "$S" "^dmasim: --set: 'cpu\\.dcache' is a mapping" --set cpu.dcache=1
expect_failure "$S" "^dmasim: --set bus\\.width: expected path=value" --set bus.width
