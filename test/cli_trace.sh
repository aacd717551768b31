#!/usr/bin/env bash
# `dmasim run --vcd FILE[.gz] --timeline FILE.json` (docs/tracing.md): the VCD passes a strict
# syntax check (and GTKWave's vcd2fst reads back every change, when GTKWave is installed), the
# timeline parses as JSON with one complete event per bus transaction, both are byte-identical
# across runs and between the fast and the reference path (the VCD), gzip is the plain bytes,
# and a failing run leaves no trace file behind.
set -euo pipefail
: "${DMASIM:?set DMASIM to the dmasim binary}"
: "${DMASIM_SOURCE_DIR:?set DMASIM_SOURCE_DIR to the repository root}"
EX=$DMASIM_SOURCE_DIR/examples
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() {
    echo "FAIL: $*" >&2
    [[ -f $work/err ]] && cat "$work/err" >&2
    exit 1
}

# ---- a strict VCD reader (IEEE 1364-2005 section 18 subset that dmasim writes) ------------
cat >"$work/vcdcheck.py" <<'PY'
"""Check a VCD strictly and print its changes as "time name value" lines (values in decimal).
Usage: vcdcheck.py FILE [--changes]"""
import gzip, re, sys

path = sys.argv[1]
opener = gzip.open if path.endswith(".gz") else open
with opener(path, "rt", encoding="ascii") as f:
    text = f.read()

def die(msg):
    sys.exit("%s: %s" % (path, msg))

tokens = text.split()
i, scope, names, widths = 0, [], {}, {}
timescale = None
while True:
    if i >= len(tokens):
        die("no $enddefinitions")
    t = tokens[i]
    if t == "$enddefinitions":
        if tokens[i + 1] != "$end":
            die("$enddefinitions without $end")
        i += 2
        break
    if t in ("$version", "$comment", "$date", "$timescale"):
        j = tokens.index("$end", i)
        if t == "$timescale":
            timescale = " ".join(tokens[i + 1:j])
        i = j + 1
    elif t == "$scope":
        kind, name, end = tokens[i + 1:i + 4]
        if kind != "module" or end != "$end" or not re.fullmatch(r"[A-Za-z0-9_]+", name):
            die("bad $scope: %s" % " ".join(tokens[i:i + 4]))
        scope.append(name)
        i += 4
    elif t == "$upscope":
        if tokens[i + 1] != "$end" or not scope:
            die("bad $upscope")
        scope.pop()
        i += 2
    elif t == "$var":
        kind, width, code, ref, end = tokens[i + 1:i + 6]
        if kind != "wire" or end != "$end" or not width.isdigit() or not 1 <= int(width) <= 64:
            die("bad $var: %s" % " ".join(tokens[i:i + 6]))
        if not scope:
            die("$var %s outside any $scope" % ref)
        if not re.fullmatch(r"[!-~]{1,4}", code) or code in names:
            die("bad or duplicate identifier code %r" % code)
        if not re.fullmatch(r"[A-Za-z0-9_]+", ref):
            die("bad reference %r" % ref)
        names[code] = ".".join(scope + [ref])
        widths[code] = int(width)
        i += 6
    else:
        die("unexpected %r in the header" % t)
if scope:
    die("unclosed $scope %s" % ".".join(scope))
if timescale != "1ps":
    die("timescale %r, want 1ps" % timescale)

# body: line oriented
body = text[text.index("$enddefinitions"):].split("\n")[1:]
time, dumping, dumped, changes, last = None, False, set(), [], -1
for line in body:
    if line == "":
        continue
    if line.startswith("#"):
        if not line[1:].isdigit():
            die("bad timestamp %r" % line)
        time = int(line[1:])
        if time <= last:
            die("timestamp #%d not after #%d" % (time, last))
        last = time
    elif line == "$dumpvars":
        if time is None or dumped:
            die("$dumpvars misplaced")
        dumping = True
    elif line == "$end":
        if not dumping:
            die("stray $end")
        dumping = False
        if dumped != set(names):
            die("$dumpvars misses %s" % sorted(names[c] for c in set(names) - dumped))
    else:
        if time is None:
            die("change before any timestamp: %r" % line)
        m = re.fullmatch(r"b([01]+) (\S+)", line) or re.fullmatch(r"([01])(\S+)", line)
        if not m:
            die("bad value change %r" % line)
        value, code = m.groups()
        if code not in names:
            die("undeclared code in %r" % line)
        if len(value) > widths[code] or (widths[code] > 1) != line.startswith("b"):
            die("value does not fit %s (%d bits): %r" % (names[code], widths[code], line))
        if len(value) > 1 and value[0] == "0":
            die("leading zeros in %r" % line)
        if dumping:
            dumped.add(code)
        changes.append((time, names[code], int(value, 2)))
if dumping or not dumped:
    die("no complete $dumpvars")
if "--changes" in sys.argv:
    for t, n, v in changes:
        print(t, n, v)
else:
    print("%d variables, %d changes, last #%d" % (len(names), len(changes), last))
PY

# the same changes from GTKWave's own reader (vcd2fst, then fst2vcd back), in our form
cat >"$work/fstchanges.py" <<'PY'
import re, sys
scope, names, time, out = [], {}, None, []
for line in sys.stdin:
    t = line.split()
    if not t:
        continue
    if t[0] == "$scope":
        scope.append(t[2])
    elif t[0] == "$upscope":
        scope.pop()
    elif t[0] == "$var":
        names[t[3]] = ".".join(scope + [t[4]])
    elif t[0].startswith("#"):
        time = int(t[0][1:])
    elif time is not None and t[0][0] in "b01" and not t[0].startswith("$"):
        m = re.fullmatch(r"b([01]+)", t[0])
        if m:
            print(time, names[t[1]], int(m.group(1), 2))
        else:
            print(time, names[t[0][1:]], int(t[0][0]))
PY

# ---- traces of examples/script-dma.yaml ------------------------------------------------------
run() { # run NAME ARGS...: dmasim run script-dma with the traces named NAME.*
    local name=$1
    shift
    "$DMASIM" run "$EX/script-dma.yaml" "$@" >"$work/out" 2>"$work/err" || fail "run $name failed"
}
run a --vcd "$work/a.vcd" --timeline "$work/a.json" --stats-json "$work/a.stats.json"
[[ -s $work/a.vcd && -s $work/a.json ]] || fail "no trace files"
ls "$work" | grep -q '\.tmp$' && fail "a .tmp file was left: $(ls "$work")"
python3 "$work/vcdcheck.py" "$work/a.vcd" >"$work/check" || fail "the VCD is not valid"
echo "ok: VCD syntax ($(cat "$work/check"), $(wc -c <"$work/a.vcd") bytes)"
python3 -m json.tool "$work/a.json" >/dev/null || fail "the timeline is not valid JSON"
echo "ok: timeline parses as JSON ($(wc -c <"$work/a.json") bytes)"

# what is in them
grep -q '^\$scope module dmac0 \$end$' "$work/a.vcd" || fail "no dmac0 scope"
for v in 'irq' 'hrq' 'hlda' 'busy' 'owner' 'addr' 'txn_master'; do
    grep -Eq "^\\\$var wire [0-9]+ \\S+ $v \\\$end$" "$work/a.vcd" || fail "no \$var $v"
done
python3 - "$work/a.json" "$work/a.stats.json" <<'PY' || fail "timeline contents"
import json, sys
tl = json.load(open(sys.argv[1]))
stats = json.load(open(sys.argv[2]))["stats"]
ev = tl["traceEvents"]
x = [e for e in ev if e["ph"] == "X"]
assert len(x) == stats["bus0.transactions"], (len(x), stats["bus0.transactions"])
names = {(e["pid"], e["tid"]): e["args"]["name"] for e in ev if e["name"] == "thread_name"}
for master in ("cpu0", "dmac0"):
    mine = [e for e in x if names[(e["pid"], e["tid"])] == master]
    assert len(mine) == stats["bus0.master.%s.transactions" % master], master
    starts = [e["ts"] for e in mine]
    assert starts == sorted(starts), master + ": track not in time order"
    assert all(e["dur"] > 0 and e["args"]["op"] in ("read", "write") for e in mine)
b = [e for e in ev if e["ph"] == "b"]
e_ = [e for e in ev if e["ph"] == "e"]
assert len(b) == len(e_) == stats["dmac0.ch0.transfers"], (len(b), len(e_))
assert b[0]["name"] == "dmac0.ch0" and e_[0]["ts"] > b[0]["ts"]
print("ok: %d transactions as X events, %d DMA channel slice(s)" % (len(x), len(b)))
PY

# deterministic; gzip holds the plain bytes; the reference path writes the same VCD
run b --vcd "$work/b.vcd.gz" --timeline "$work/b.json"
cmp "$work/a.json" "$work/b.json" || fail "timelines differ between two runs"
[[ $(head -c 2 "$work/b.vcd.gz" | od -An -tx1 | tr -d ' ') == 1f8b ]] || fail "b.vcd.gz is not gzip"
gzip -cd "$work/b.vcd.gz" | cmp - "$work/a.vcd" || fail "the .vcd.gz differs from the plain VCD"
echo "ok: same bytes across runs; .vcd.gz decompresses to the plain VCD"
run ref --reference --vcd "$work/ref.vcd"
cmp "$work/ref.vcd" "$work/a.vcd" || fail "the reference path's VCD differs from the fast path's"
echo "ok: fast and reference paths give the same VCD"

# Tracing changes no result: every statistic of a traced run equals the untraced run's, also
# where the last thing to happen is a DMA terminal count (whose one-cycle TC pulse the VCD
# watches: its end keeps no run going, docs/tracing.md) and over a DRAM.
for ex in script-dma disk-dma dram-refresh nic-rx; do
    "$DMASIM" run "$EX/$ex.yaml" --stats-json "$work/plain.json" >/dev/null 2>"$work/err" || fail "$ex"
    "$DMASIM" run "$EX/$ex.yaml" --stats-json "$work/traced.json" --vcd "$work/t.vcd" --timeline "$work/t.json" \
        >/dev/null 2>"$work/err" || fail "$ex traced"
    cmp -s "$work/plain.json" "$work/traced.json" \
        || fail "$ex: tracing changed statistics: $(diff "$work/plain.json" "$work/traced.json" | head -4)"
done
echo "ok: a traced run's statistics are the untraced run's (script-dma, disk-dma, dram-refresh, nic-rx)"

# GTKWave reads every change back (when it is installed: Debian package gtkwave)
if command -v vcd2fst >/dev/null && command -v fst2vcd >/dev/null; then
    for f in a.vcd b.vcd.gz; do
        gzip -cdf <"$work/$f" | vcd2fst -v - -f "$work/x.fst" >/dev/null 2>&1 || fail "vcd2fst rejected $f"
        fst2vcd "$work/x.fst" 2>/dev/null | python3 "$work/fstchanges.py" | sort >"$work/gtk.txt"
        python3 "$work/vcdcheck.py" "$work/a.vcd" --changes | sort >"$work/ours.txt"
        [[ -s $work/ours.txt ]] || fail "no changes"
        cmp -s "$work/gtk.txt" "$work/ours.txt" || fail "GTKWave reads other changes from $f: $(diff "$work/gtk.txt" "$work/ours.txt" | head -5)"
    done
    echo "ok: GTKWave (vcd2fst) reads the same $(wc -l <"$work/ours.txt") changes"
else
    echo "note: vcd2fst not installed (Debian package gtkwave): GTKWave round trip skipped"
fi

# ---- failures leave no trace file --------------------------------------------------------------
# A copy whose destination another job overwrites: the run fails verification (exit 1).
cat >"$work/bad.yaml" <<'YAML'
name: bad
memory:
  - {name: ram, base: 0x0, size: 0x100000}
dmac:
  channels: 2
  jobs:
    - {channel: 0, src: 0x10000, dst: 0x20000, count: 64, item_size: 8}
    - {channel: 1, src: 0x30000, dst: 0x20010, count: 4, item_size: 8, start_ps: 1000000}
YAML
set +e
"$DMASIM" run "$work/bad.yaml" --vcd "$work/bad.vcd" --timeline "$work/bad.json" --stats-json "$work/bad.stats" \
    >"$work/out" 2>"$work/err"
rc=$?
set -e
[[ $rc -eq 1 ]] || fail "a failed verification exits with $rc, want 1"
left=$(ls "$work" | grep '^bad\.\(vcd\|json\|stats\)' || true)
[[ -z $left ]] || fail "files left behind by a failed run: $left"
echo "ok: a failed run leaves no trace file (nor .tmp)"

# A trace that cannot be written: exit 1, the error names the file, no other output either.
set +e
"$DMASIM" run "$EX/script-dma.yaml" --vcd "$work/no/such/dir/x.vcd" --stats-json "$work/c.stats" \
    >"$work/out" 2>"$work/err"
rc=$?
set -e
[[ $rc -eq 1 ]] || fail "an unwritable --vcd exits with $rc, want 1"
grep -q "cannot write $work/no/such/dir/x.vcd.tmp" "$work/err" || fail "no error naming the file"
[[ ! -e $work/c.stats && ! -e $work/c.stats.tmp ]] || fail "stats written although the VCD failed"
echo "ok: an unwritable trace fails the run"

# --vcd needs a value (usage error, 2)
set +e
"$DMASIM" run "$EX/script-dma.yaml" --vcd >"$work/out" 2>"$work/err"
rc=$?
set -e
[[ $rc -eq 2 ]] || fail "--vcd without a file exits with $rc, want 2"
echo "ok: --vcd without a file is a usage error"
