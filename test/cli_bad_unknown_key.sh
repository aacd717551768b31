#!/usr/bin/env bash
# Unknown key: libcyaml rejects it; the message has file:line:column and the known keys.
set -euo pipefail
# shellcheck source=lib/cli.sh
source "$DMASIM_SOURCE_DIR/test/lib/cli.sh"

expect_failure "$BAD/unknown-key.yaml" \
    "unknown-key\\.yaml:7:3: unknown key 'brust' in 'dmac' \\(known: name, channels, .*max_burst.*\\)"
# At the top level and inside a sequence entry.
cat >"$work/top.yaml" <<'YAML'
name: top
memory:
  - {name: ram, size: 0x1000, wait_state: 1}
YAML
expect_failure "$work/top.yaml" "top\\.yaml:3:31: unknown key 'wait_state' in 'memory\\.0' \\(known: name, base, size, wait_states, kind, preset, dram, command_trace\\)"
