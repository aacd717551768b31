#!/usr/bin/env bash
# `dmasim dram` refuses bad input with one clear line naming the parameter (or FILE:LINE for a
# trace) and exit status 1: inconsistent timing (tRAS > tRC), zero banks, a mapping that does
# not cover the address bits, unknown presets and keys, malformed trace lines.
set -euo pipefail
: "${DMASIM:?set DMASIM to the dmasim binary}"
: "${DMASIM_SOURCE_DIR:?set DMASIM_SOURCE_DIR to the repository root}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# expect_failure REGEX ARGS...: exit status 1, exactly one line on stderr matching REGEX.
expect_failure() {
    local regex=$1 rc=0
    shift
    "$DMASIM" dram "$@" >stdout 2>stderr || rc=$?
    if [[ $rc -ne 1 ]]; then
        echo "FAIL: dmasim dram $*: exit status $rc, want 1" >&2
        cat stderr >&2
        exit 1
    fi
    if [[ $(wc -l <stderr) -ne 1 ]] || ! grep -Eq -- "$regex" stderr; then
        echo "FAIL: dmasim dram $*: stderr is not one line matching /$regex/:" >&2
        cat stderr >&2
        exit 1
    fi
    echo "ok: $(cat stderr)"
}

run=(--pattern seq --bytes 4KiB)

printf 'preset: ddr4-2400\ntras: 60\n' >tras.yaml
expect_failure '^tras\.yaml:2:7: tras \(60\) > trc \(56\): a row cannot stay open longer than the row cycle$' \
    --config tras.yaml "${run[@]}"
expect_failure '^dmasim dram: --set tras=80: tras \(80\) > trc \(56\)' --preset ddr4-2400 --set tras=80 "${run[@]}"

printf 'preset: ddr3-1600\nbanks_per_group: 0\n' >banks.yaml
expect_failure '^banks\.yaml:2:18: banks_per_group must be >= 1 \(got 0\)$' --config banks.yaml "${run[@]}"

printf 'preset: ddr4-2400\naddress_mapping: "row:rank:bankgroup:column"\n' >map.yaml
expect_failure "^map\\.yaml:2:18: address_mapping 'row:rank:bankgroup:column' does not cover bank \\(2 bits\\)" \
    --config map.yaml "${run[@]}"
expect_failure "address_mapping 'row:bank:bnak:column': unknown field 'bnak'" --preset ddr4-2400 \
    --set address_mapping=row:bank:bnak:column "${run[@]}"

printf 'preset: ddr4-2400\ntrfc: 9360\n' >trfc.yaml
expect_failure '^trfc\.yaml:2:7: trfc \(9360\) >= trefi \(9360\)' --config trfc.yaml "${run[@]}"

printf 'preset: ddr9-9999\n' >preset.yaml
expect_failure "^preset\\.yaml:1:9: preset: unknown DRAM preset 'ddr9-9999' \\(known: ddr3-1600, ddr4-2400, ddr4-3200, lpddr4-3200\\)$" \
    --config preset.yaml "${run[@]}"
expect_failure "^dmasim dram: --preset ddr9: unknown DRAM preset 'ddr9'" --preset ddr9 "${run[@]}"

printf 'preset: ddr4-2400\nbrust_length: 8\n' >key.yaml
expect_failure "^key\\.yaml:2:1: unknown key 'brust_length' \\(known: preset, source, channels," --config key.yaml "${run[@]}"
printf 'preset: ddr4-2400\ncl: fast\n' >value.yaml
expect_failure "^value\\.yaml:2:5: cl: bad value 'fast' \\(expected an unsigned integer" --config value.yaml "${run[@]}"
printf 'preset: ddr4-2400\npage_policy: half-open\n' >enum.yaml
expect_failure "^enum\\.yaml:2:14: page_policy: bad value 'half-open' \\(expected one of: open, closed\\)" \
    --config enum.yaml "${run[@]}"
expect_failure "^missing\\.yaml: " --config missing.yaml "${run[@]}"

# malformed trace lines: FILE:LINE and what is wrong
printf '# a comment\n0x0 READ 10\n0x40 RAED 20\n' >cmd.trace
expect_failure "^cmd\\.trace:3: bad command 'RAED' \\(expected READ or WRITE\\)$" --preset ddr4-2400 --trace cmd.trace
printf '0x0 READ 10\n\n0x40 READ\n' >fields.trace
expect_failure "^fields\\.trace:3: expected '0xADDR READ\\|WRITE CYCLE', got 2 fields$" --preset ddr4-2400 \
    --trace fields.trace
printf '0xZZ READ 10\n' >addr.trace
expect_failure "^addr\\.trace:1: bad address '0xZZ'$" --preset ddr4-2400 --trace addr.trace
printf '100 READ 10\n' >hex.trace
expect_failure "^hex\\.trace:1: address '100' must be hexadecimal with 0x$" --preset ddr4-2400 --trace hex.trace
printf '0x0 READ 10\n0x40 WRITE -5\n' >cycle.trace
expect_failure "^cycle\\.trace:2: bad cycle '-5'$" --preset ddr4-2400 --trace cycle.trace
printf '0x0 READ 100\n0x40 WRITE 50\n' >order.trace
expect_failure "^order\\.trace:2: cycle 50 is before the previous request's cycle 100$" --preset ddr4-2400 \
    --trace order.trace
expect_failure "^nosuch\\.trace: " --preset ddr4-2400 --trace nosuch.trace

# usage errors: status 2
rc=0
"$DMASIM" dram --preset ddr4-2400 >/dev/null 2>&1 || rc=$?
[[ $rc -eq 2 ]] || { echo "FAIL: no --trace/--pattern: status $rc, want 2" >&2; exit 1; }
rc=0
"$DMASIM" dram --preset ddr4-2400 --pattern zigzag --bytes 1 >/dev/null 2>&1 || rc=$?
[[ $rc -eq 2 ]] || { echo "FAIL: --pattern zigzag: status $rc, want 2" >&2; exit 1; }
echo "ok: usage errors exit 2"
