#!/usr/bin/env bash
# Malformed YAML: the syntax error is reported at its line and column.
set -euo pipefail
# shellcheck source=lib/cli.sh
source "$DMASIM_SOURCE_DIR/test/lib/cli.sh"

expect_failure "$BAD/malformed.yaml" \
    "malformed\\.yaml:6:4: malformed YAML: did not find expected ',' or '\\}' while parsing a flow mapping \\(started at 5:6\\)"
# An empty file and a file that is not a mapping.
: >"$work/empty.yaml"
expect_failure "$work/empty.yaml" "empty\\.yaml: empty scenario"
echo "just a string" >"$work/scalar.yaml"
expect_failure "$work/scalar.yaml" "scalar\\.yaml:1:1: expected a mapping, got a scalar"
