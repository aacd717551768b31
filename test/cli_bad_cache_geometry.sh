#!/usr/bin/env bash
# Cache geometry whose number of sets is not a power of two (dmasim_cache_config_check).
set -euo pipefail
# shellcheck source=lib/cli.sh
source "$DMASIM_SOURCE_DIR/test/lib/cli.sh"

expect_failure "$BAD/cache-sets.yaml" "cache-sets\\.yaml:8:3: cpu\\.dcache: number of sets \\(96"
