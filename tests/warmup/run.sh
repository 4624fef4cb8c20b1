#!/bin/bash
# tests/warmup/run.sh: the USDT probes and the eBPF tracer build/bin/jolt-warmup, kselftest style.
# Prints TAP 13 and a last line "N passed, N failed, N skipped"; exits 0, 1 if anything failed,
# 4 if everything skipped. Tracing needs root (or CAP_BPF+CAP_PERFMON): without it, the tests
# that trace say SKIP with the reason; the probe list and the analysis are checked anyway.
#
# Environment: JOLT [build/bin/jolt], WARMUP [build/bin/jolt-warmup], BPFTOOL [bpftool].
set -u
cd "$(dirname "$0")/../.." || exit 1
JOLT=${JOLT:-build/bin/jolt}
WARMUP=${WARMUP:-build/bin/jolt-warmup}
BPFTOOL=${BPFTOOL:-$(command -v bpftool || echo /usr/sbin/bpftool)}
PIN=/sys/fs/bpf/jolt
mkdir -p build/test 2>/dev/null
WORK=$(mktemp -d build/test/warmup.XXXXXX 2>/dev/null || mktemp -d) || exit 1

ntest=0 npass=0 nfail=0 nskip=0
TESTS=(probes_documented analysis_verdicts unprivileged_skip marks_50 gc_events pinned_maps
       interpreter_share jit_share compile_events deopt_events csv_output json_output svg_plot
       attach_pid bad_command fn_stable jump_start compare_plot)

ok()    { ntest=$((ntest + 1)); npass=$((npass + 1)); echo "ok $ntest $1"; }
notok() { ntest=$((ntest + 1)); nfail=$((nfail + 1)); echo "not ok $ntest $1"; }
skip()  { ntest=$((ntest + 1)); nskip=$((nskip + 1)); echo "ok $ntest $1 # SKIP $2"; }
# Lines of stdin as TAP diagnostics.
diag()  { head -n 20 | sed 's/^/# /'; }

# Why tracing cannot run here, empty when it can.
why_not=
if [ ! -x "$WARMUP" ]; then
	why_not="$WARMUP is not built (needs clang, bpftool, libbpf-dev: make warmup)"
elif [ ! -x "$JOLT" ]; then
	why_not="$JOLT is not built"
elif ! "$WARMUP" --check 2>"$WORK/check"; then
	why_not=$(sed 's/^jolt-warmup: //' "$WORK/check")
fi
have_python=$(command -v python3)
# A private copy of the binaries: others may relink build/bin/ while the tests run.
if [ -z "$why_not" ]; then
	LOADER=$(dirname "$JOLT")/jolt-load
	cp "$JOLT" "$WORK/jolt" && cp "$WARMUP" "$WORK/jolt-warmup" && JOLT=$WORK/jolt WARMUP=$WORK/jolt-warmup
	[ -x "$LOADER" ] && cp "$LOADER" "$WORK/jolt-load"
fi

# trace NAME ARGS...: run the tracer under a timeout, output in $WORK/NAME.out and .err.
trace() {
	local name=$1; shift
	timeout -k 2 60 "$WARMUP" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
}

# Programs.
cat >"$WORK/marks.lua" <<'EOF'
local function work(n) local s = 0 for i = 1, n do s = s + i % 7 end return s end
for i = 1, 50 do work(20000) jolt.mark("iteration " .. i) end
EOF
cat >"$WORK/gc.lua" <<'EOF'
local keep = {}
for i = 1, 3 do
  for j = 1, 2000 do keep[j] = { j } end
  keep = {}
  collectgarbage()
end
EOF
cat >"$WORK/loop.lua" <<'EOF'
local s = 0
for i = 1, 6000000 do s = s + i % 3 end
print(s)
EOF
# About a second of one hot loop, whatever the speed: os.clock (a step for the JIT) once per
# million iterations.
cat >"$WORK/jitloop.lua" <<'EOF'
local s, t = 0, os.clock()
repeat
  for i = 1, 1000000 do s = s + i % 3 end
until os.clock() - t > 1
print(s)
EOF
# A hot function (compiled after 200 calls) called 2000 times.
cat >"$WORK/hot.lua" <<'EOF'
local function f(a, b) local x = a + b if x > 10 then x = x - 1 end return x * 2 end
local s = 0
for i = 1, 2000 do s = s + f(i, i % 7) end
EOF
cat >"$WORK/long.lua" <<'EOF'
local function work(n) local s = 0 for i = 1, n do s = s + i % 7 end return s end
local t = os.clock()
while os.clock() - t < 2.5 do work(50000) jolt.mark("it") end
EOF

# -- Without privileges --------------------------------------------------------------------------

test_probes_documented() {
	local elf doc
	if ! command -v readelf >/dev/null; then skip probes_documented "readelf is missing"; return; fi
	elf=$(readelf -n "$JOLT" 2>/dev/null | awk '/Provider: jolt/ { getline; print $2 }' | sort -u)
	# docs/probes.md: a table row "| `jolt:NAME` | ... | yes |" for each probe that fires.
	doc=$(grep -E '^\| `jolt:[a-z_]+`.*\| yes \|' docs/probes.md | sed -E 's/^\| `jolt:([a-z_]+)`.*/\1/' | sort -u)
	if [ -n "$elf" ] && [ "$elf" = "$doc" ]; then
		ok probes_documented
	else
		notok probes_documented
		diff <(echo "$elf") <(echo "$doc") | diag
	fi
}

test_analysis_verdicts() {
	local f m got want bad=0
	awk 'BEGIN { for (i = 0; i < 40; i++) print 10 + (i % 3) * 0.1 }' >"$WORK/flat.txt"
	awk 'BEGIN { for (i = 0; i < 40; i++) print (i < 5 ? 30 : 10) + (i % 3) * 0.1 }' >"$WORK/warm-up.txt"
	awk 'BEGIN { for (i = 0; i < 40; i++) print (i < 20 ? 5 : 10) + (i % 3) * 0.1 }' >"$WORK/slowdown.txt"
	awk 'BEGIN { for (i = 0; i < 40; i++) print 10 + (i % 2) * 3 }' >"$WORK/none.txt"
	# Warm-up under +-10% noise: beyond the 5% rule, found by the change points.
	awk 'BEGIN { srand(2); for (i = 0; i < 100; i++) print (i < 15 ? 14 : 10) * (0.9 + 0.2 * rand()) }' >"$WORK/noisy.txt"
	for f in flat:rule:flat flat:changepoint:flat warm-up:rule:warm-up warm-up:changepoint:warm-up \
		 slowdown:rule:slowdown slowdown:changepoint:slowdown "none:rule:no steady state" \
		 "noisy:rule:no steady state" noisy:changepoint:warm-up; do
		IFS=: read -r name m want <<<"$f"
		got=$("$WARMUP" --method "$m" --intervals "$WORK/$name.txt" 2>&1 | sed -n 's/^classification: \(.*\) (method.*/\1/p')
		[ "$got" = "$want" ] || { echo "$name ($m): got '$got', want '$want'"; bad=1; }
	done >"$WORK/verdicts"
	if [ ! -x "$WARMUP" ]; then skip analysis_verdicts "$WARMUP is not built"
	elif [ $bad = 0 ]; then ok analysis_verdicts
	else notok analysis_verdicts; diag <"$WORK/verdicts"; fi
}

test_unprivileged_skip() {
	local rc
	if [ ! -x "$WARMUP" ]; then skip unprivileged_skip "$WARMUP is not built"; return; fi
	if [ -z "$why_not" ]; then
		if ! command -v setpriv >/dev/null; then skip unprivileged_skip "setpriv is missing"; return; fi
		setpriv --inh-caps=-all --bounding-set=-all "$WARMUP" -- "$JOLT" "$WORK/marks.lua" \
			>"$WORK/nopriv.out" 2>"$WORK/nopriv.err"
	else
		"$WARMUP" -- "$JOLT" "$WORK/marks.lua" >"$WORK/nopriv.out" 2>"$WORK/nopriv.err"
	fi
	rc=$?
	if [ $rc = 4 ] && grep -q "^jolt-warmup: cannot trace: " "$WORK/nopriv.err" && [ "$(wc -l <"$WORK/nopriv.err")" = 1 ]; then
		ok unprivileged_skip
	else
		notok unprivileged_skip; { echo "exit $rc"; cat "$WORK/nopriv.err"; } | diag
	fi
}

# -- Tracing (root) ------------------------------------------------------------------------------

test_marks_50() {
	local n
	trace marks --csv -- "$JOLT" "$WORK/marks.lua"
	n=$(grep -c '^iteration_ms,' "$WORK/marks.out")
	if [ "$n" = 50 ] && grep -q '^iterations,,,50$' "$WORK/marks.out"; then ok marks_50
	else notok marks_50; { echo "intervals: $n"; cat "$WORK/marks.err"; } | diag; fi
}

test_gc_events() {
	local full
	trace gc --csv -- "$JOLT" "$WORK/gc.lua"
	full=$(sed -n 's/^gc_full,,,//p' "$WORK/gc.out")
	if [ "$full" = 3 ] && [ "$(grep -c '^gc_full_ms,' "$WORK/gc.out")" = 3 ]; then ok gc_events
	else notok gc_events; { echo "full collections: $full"; cat "$WORK/gc.err"; } | diag; fi
}

test_pinned_maps() {
	local pid i dumped=0 marks=
	"$WARMUP" -- "$JOLT" "$WORK/long.lua" >"$WORK/pin.out" 2>"$WORK/pin.err" &
	pid=$!
	for i in $(seq 50); do
		[ -e $PIN/counters ] && break
		sleep 0.1
	done
	sleep 0.5
	if "$BPFTOOL" map dump pinned $PIN/counters >"$WORK/dump.counters" 2>&1 &&
	   "$BPFTOOL" map dump pinned $PIN/samples >"$WORK/dump.samples" 2>&1 &&
	   "$BPFTOOL" map dump pinned $PIN/ranges >"$WORK/dump.ranges" 2>&1; then
		dumped=1
	fi
	marks=$(sed -n 's/.*"marks": \([0-9]*\).*/\1/p' "$WORK/dump.counters" | head -n 1)
	wait $pid
	if [ $dumped = 1 ] && [ "${marks:-0}" -gt 0 ] && [ ! -e $PIN/counters ]; then ok pinned_maps
	else
		notok pinned_maps
		{ echo "dumped=$dumped marks=$marks"; ls $PIN 2>&1; cat "$WORK/dump.counters" "$WORK/pin.err"; } | diag
	fi
}

# share NAME CLASS: percent of the samples of $WORK/NAME.json in class number CLASS.
share() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1])); t = d["samples"]["total"]
print(int(100 * t[int(sys.argv[2])] / max(1, sum(t))))' "$WORK/$1.json" "$2" 2>&1
}

# csv_value NAME SERIES: the value of summary row SERIES in $WORK/NAME.out.
csv_value() { sed -n "s/^$2,,,//p" "$WORK/$1.out" | head -n 1; }

test_interpreter_share() {
	local share
	# The interpreter alone (-j off). The program prints: the report goes to its own file (-o).
	trace loop --json -o "$WORK/loop.json" -- "$JOLT" -j off "$WORK/loop.lua"
	share=$(share loop 0)
	if [ "${share:-0}" -ge 70 ] 2>/dev/null; then ok interpreter_share
	else notok interpreter_share; { echo "interpreter share: $share%"; cat "$WORK/loop.err"; } | diag; fi
}

test_jit_share() {
	local share
	# The same kind of loop under the JIT (the default): its code region is class 3, "jit".
	trace jitloop --json -o "$WORK/jitloop.json" -- "$JOLT" "$WORK/jitloop.lua"
	share=$(share jitloop 3)
	if [ "${share:-0}" -ge 50 ] 2>/dev/null; then ok jit_share
	else
		notok jit_share
		{ echo "jit share: $share%"; grep -o '"total": \[[0-9, ]*\]' "$WORK/jitloop.json"
		  cat "$WORK/jitloop.err"; } | diag
	fi
}

test_compile_events() {
	local n bytes first ms
	trace compile --csv -- "$JOLT" "$WORK/hot.lua"
	n=$(csv_value compile compilations)
	bytes=$(awk -F, '$1 == "compile_bytes" && $4 > 0 { n++ } END { print n + 0 }' "$WORK/compile.out")
	first=$(csv_value compile first_code_ms)
	ms=$(csv_value compile compile_total_ms)
	if [ "${n:-0}" -ge 1 ] 2>/dev/null && [ "$bytes" -ge 1 ] &&
	   awk -v f="${first:--1}" -v m="${ms:-0}" 'BEGIN { exit !(f > 0 && m > 0) }'; then
		ok compile_events
	else
		notok compile_events
		{ echo "compilations=$n with-bytes=$bytes first_code_ms=$first compile_total_ms=$ms"
		  grep -E '^(compile|code_|first_)' "$WORK/compile.out"; cat "$WORK/compile.err"; } | diag
	fi
}

test_deopt_events() {
	local total stress
	# -j stress fails every 7th guard on purpose: deopts of reason "stress".
	trace deopt --csv -- "$JOLT" -j stress "$WORK/hot.lua"
	total=$(csv_value deopt deopts_total)
	stress=$(csv_value deopt deopt_stress)
	if [ "${total:-0}" -ge 1 ] 2>/dev/null && [ "${stress:-0}" -ge 1 ] &&
	   [ "$(awk -F, '$1 == "deopts" { n += $4 } END { print n + 0 }' "$WORK/deopt.out")" = "$total" ]; then
		ok deopt_events
	else
		notok deopt_events
		{ echo "deopts_total=$total deopt_stress=$stress"; grep '^deopt' "$WORK/deopt.out"
		  cat "$WORK/deopt.err"; } | diag
	fi
}

test_csv_output() {
	# marks_50's output: a header and four fields on every line (quoted text has no comma).
	if head -n 1 "$WORK/marks.out" | grep -qx 'series,index,t_ms,value' &&
	   awk -F, 'NF != 4 { exit 1 }' "$WORK/marks.out" &&
	   grep -q '^classification,,,"' "$WORK/marks.out"; then ok csv_output
	else notok csv_output; diag <"$WORK/marks.out"; fi
}

test_json_output() {
	trace json --json -- "$JOLT" "$WORK/marks.lua"
	if python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["iterations"]) == 50, len(d["iterations"])
assert d["iterations"][0]["label"] == "iteration 1"
assert d["classification"] in ("flat", "warm-up", "slowdown", "no steady state")
assert d["exit_status"] == 0
j = d["jit"]
assert j is None or (j["compilations"] >= 1 and j["first_code_ms"] > 0), j
assert j is None or set(j["deopts"]["by_reason"]) >= {"type guard", "stress", "loop type"}, j' \
		"$WORK/json.out" 2>"$WORK/json.check"; then ok json_output
	else notok json_output; cat "$WORK/json.check" "$WORK/json.err" | diag; fi
}

test_svg_plot() {
	trace svg --plot "$WORK/plot.svg" -- "$JOLT" "$WORK/marks.lua"
	if python3 -c 'import sys, xml.dom.minidom as m
d = m.parse(sys.argv[1]); assert d.documentElement.tagName == "svg"
assert len(d.getElementsByTagName("polyline")) >= 2' "$WORK/plot.svg" 2>"$WORK/svg.check"; then
		ok svg_plot
	else notok svg_plot; cat "$WORK/svg.check" "$WORK/svg.err" | diag; fi
}

test_attach_pid() {
	local pid n
	"$JOLT" "$WORK/long.lua" &
	pid=$!
	sleep 0.3
	trace attach --json -p $pid
	wait $pid
	n=$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1])); assert d["pid"] == int(sys.argv[2]); print(len(d["iterations"]))' \
		"$WORK/attach.out" $pid 2>&1)
	if [ "${n:-0}" -gt 10 ] 2>/dev/null; then ok attach_pid
	else notok attach_pid; { echo "iterations: $n"; cat "$WORK/attach.err"; } | diag; fi
}

test_bad_command() {
	local rc
	trace bad -- "$WORK/no-such-program"
	rc=$?
	if [ $rc = 1 ] && grep -q "no-such-program: No such file or directory" "$WORK/bad.err"; then
		ok bad_command
	else notok bad_command; { echo "exit $rc"; cat "$WORK/bad.err"; } | diag; fi
}

test_fn_stable() {
	if ! readelf -n "$JOLT" 2>/dev/null | grep -q 'Name: fn_stable'; then
		skip fn_stable "jolt:fn_stable is not in the binary (runtime/vm.c does not call it yet)"; return
	fi
	cat >"$WORK/fib.lua" <<'EOF'
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
for i = 1, 10 do fib(18) jolt.mark("fib") end
EOF
	trace stable --csv -- "$JOLT" "$WORK/fib.lua"
	if grep -q '^fn_stable_calls,1,' "$WORK/stable.out"; then ok fn_stable
	else notok fn_stable; diag <"$WORK/stable.err"; fi
}

# A jump-started run: the loader's phases in order, no compilation, the shipped code's samples
# counted as JIT code.
test_jump_start() {
	if [ ! -x "$WORK/jolt-load" ]; then skip jump_start "jolt-load is not built"; return; fi
	cat >"$WORK/hot.lua" <<'EOF'
local function work(n) local s = 0 for i = 1, n do s = s + (i * 3) % 7 end return s end
local t = 0
for i = 1, 40 do t = t + work(400000) jolt.mark("iteration") end
print(t)
EOF
	"$JOLT" --snapshot-out="$WORK/hot.jsnap" "$WORK/hot.lua" >/dev/null 2>&1
	trace jump -- "$WORK/jolt-load" "$WORK/hot.jsnap" -- "$WORK/hot.lua"
	if grep -qE '^jump-start: validate at [0-9.]+ ms, reserve at .*, stream at .*, verify at .*, bind at .*, first_lua at [0-9.]+ ms' "$WORK/jump.out" &&
		grep -q '^jit: 0 compilations' "$WORK/jump.out" &&
		grep -qE 'jit [1-9][0-9.]*%' "$WORK/jump.out"; then ok jump_start
	else notok jump_start; diag <"$WORK/jump.out"; diag <"$WORK/jump.err"; fi
}

# Cold and jump-started side by side in one picture, from their CSV reports (after jump_start).
test_compare_plot() {
	if [ ! -s "$WORK/hot.jsnap" ]; then skip compare_plot "no snapshot from jump_start"; return; fi
	trace coldcsv --csv -o "$WORK/cold.csv" -- "$JOLT" "$WORK/hot.lua"
	trace jumpcsv --csv -o "$WORK/jump.csv" -- "$WORK/jolt-load" "$WORK/hot.jsnap" -- "$WORK/hot.lua"
	if "$WARMUP" --plot "$WORK/both.svg" --compare "$WORK/cold.csv" "$WORK/jump.csv" 2>"$WORK/cmp.err" &&
		[ "$(grep -c '<polyline' "$WORK/both.svg")" = 2 ] && grep -q '>cold.csv<' "$WORK/both.svg" &&
		grep -q '>jump.csv<' "$WORK/both.svg"; then ok compare_plot
	else notok compare_plot; diag <"$WORK/cmp.err"; fi
}

echo "TAP version 13"
echo "1..${#TESTS[@]}"
for t in "${TESTS[@]}"; do
	case $t in
	probes_documented|analysis_verdicts|unprivileged_skip) ;;
	*)
		if [ -n "$why_not" ]; then skip "$t" "$why_not"; continue; fi
		case $t in interpreter_share|jit_share|json_output|svg_plot|attach_pid)
			if [ -z "$have_python" ]; then skip "$t" "python3 is missing (to check the output)"; continue; fi
		esac ;;
	esac
	"test_$t"
done
echo "$npass passed, $nfail failed, $nskip skipped"
[ $nfail = 0 ] && rm -rf "$WORK"
[ $nfail -gt 0 ] && exit 1
[ $npass = 0 ] && exit 4
exit 0
