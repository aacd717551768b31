#!/usr/bin/env bash
# Cache geometry whose number of sets is not a power of two (dmasim_cache_config_check), and a
# D1 of one line (refused for the CPU: a straddling access needs two lines).
set -euo pipefail
# shellcheck source=lib/cli.sh
source "$DMASIM_SOURCE_DIR/test/lib/cli.sh"

expect_failure "$BAD/cache-sets.yaml" "cache-sets\\.yaml:8:3: cpu\\.dcache: number of sets \\(96"
expect_failure "$BAD/cache-one-line.yaml" \
    "cache-one-line\\.yaml:9:11: cpu\\.dcache\\.size: a D1 of one line \\(size == line\\) cannot hold both lines"
