#!/bin/bash
# run.sh: jolt's test runner. Runs every test group and prints TAP 13, ending with one line
# "N passed, N failed, N skipped"; exits 1 if anything failed. How it works: docs/testing.md.
#
#   tests/run.sh [group...]     groups: lua lua_off lua_stress snap snap_nocode asan_snap jolt gen gen_off gen_stress genjit
#                               genjit_stress bad unit
#                               asan stress fuzz cli warmup (default: all, in that order)
#   tests/run.sh --transcript FILE.lua    FILE's masked transcript under jolt (for .expected files)
#
# Environment (defaults in brackets):
#   JOLT       binary under test [build/bin/jolt]      LUA   reference [/usr/bin/lua5.4]
#   JOLT_ASAN  sanitizer build [build/asan/bin/jolt]   FUZZ  libFuzzer target [build/fuzz/fuzz_parse]
#   FUZZ_UNDUMP, FUZZ_SNAP  the other two [build/fuzz/fuzz_undump, build/fuzz/fuzz_snap]
#   TIMEOUT    seconds per program [30]                SEED  generator seed [1]
#   GEN_COUNT  generated programs [300]                FUZZ_TIME  seconds of fuzzing [20]
#   VERBOSE=1  print the whole difference of a failed test, not only its head
set -u
cd "$(dirname "$0")/.." || exit 1

JOLT=${JOLT:-build/bin/jolt}
LUA=${LUA:-/usr/bin/lua5.4}
JOLT_ASAN=${JOLT_ASAN:-build/asan/bin/jolt}
FUZZ=${FUZZ:-build/fuzz/fuzz_parse}
TIMEOUT=${TIMEOUT:-30}
SEED=${SEED:-1}
GEN_COUNT=${GEN_COUNT:-300}
GEN_BATCH=50
FUZZ_TIME=${FUZZ_TIME:-20}
# A private work directory, since several people may run tests at once; kept when a test failed.
mkdir -p build/test
WORK=$(mktemp -d build/test/run.XXXXXX) || exit 1

groups=("$@")
[ ${#groups[@]} -eq 0 ] && groups=(lua lua_off lua_stress snap snap_nocode jolt gen gen_off gen_stress genjit genjit_stress bad unit asan asan_snap stress fuzz cli warmup)

npass=0 nfail=0 nskip=0 ntest=0

# -- TAP output ------------------------------------------------------------------------------

pass() { ntest=$((ntest + 1)); npass=$((npass + 1)); echo "ok $ntest $1"; }
fail() { ntest=$((ntest + 1)); nfail=$((nfail + 1)); echo "not ok $ntest $1"; }
skip() { ntest=$((ntest + 1)); nskip=$((nskip + 1)); echo "ok $ntest $1 # SKIP $2"; }
# Diagnostics: each line of stdin as a TAP comment, at most 30 lines unless VERBOSE.
diag() {
	if [ -n "${VERBOSE:-}" ]; then sed 's/^/# /'; else head -n 30 | sed 's/^/# /'; fi
}

# -- Running programs ------------------------------------------------------------------------

# Addresses and the program name are the only things allowed to differ between the two. An
# address has at least 6 hex digits, so short hex text ("0x1F", "%a" output) is still compared.
mask() {
	sed -E 's/0x[0-9a-f]{6,}/ADDR/g; s#^([^ :]*/)?(jolt|lua5\.4):#PROG:#'
}

# Sanitizer runtimes warn about stack switching (coroutines run on their own C stacks).
unasan() {
	grep -Ev '^==[0-9]+==WARNING: ASan (doesn.t fully support|is ignoring requested)|^False positive error reports may follow|^For details see https://github.com/google/sanitizers/issues/189'
}

# why RC: a word on how a program ended, for diagnostics.
why() {
	case $1 in
	124) echo "timed out after ${TIMEOUT}s" ;;
	13[0-9] | 1[4-9][0-9]) echo "killed by signal $(($1 - 128))" ;;
	*) echo "exit status $1" ;;
	esac
}

# transcript BIN FILE [T]: run FILE under BIN with a timeout of T seconds (and the address-space
# limit $LIMIT KiB if set); print its masked stdout, stderr and exit status. The status is also left in $rc, stdout and stderr in $WORK/out and $WORK/err.
LIMIT=""
JARGS=${JARGS:-}   # extra options for jolt (the -off and -stress groups set -j off / -j stress)
JNAME=""
transcript() {
	local t=${3:-$TIMEOUT}
	(
		[ -n "$LIMIT" ] && ulimit -v "$LIMIT"
		args=$JARGS
		[ "$1" = "$LUA" ] && args=""
		# shellcheck disable=SC2086 # extra options for jolt, split into words on purpose
		exec timeout -k 2 "$t" "$1" $args "$2"
	) >"$WORK/out" 2>"$WORK/err" </dev/null
	rc=$?
	mask <"$WORK/out"
	echo "--- stderr"
	unasan <"$WORK/err" | mask
	echo "--- exit $rc"
}

# expect_differ FILE: the reason given by "-- expect-differ: reason" in its first 5 lines.
expect_differ() {
	head -n 5 "$1" | sed -n 's/^-- expect-differ: *//p' | head -n 1
}

# compare NAME BIN FILE [T]: run FILE under BIN and under lua5.4 (or against FILE's .expected
# transcript when it declares expect-differ) and report one TAP line.
compare() {
	local name=$1 bin=$2 file=$3 t=${4:-$TIMEOUT} reason expected
	reason=$(expect_differ "$file")
	if [ -n "$reason" ]; then
		expected=${file%.lua}.expected
		if [ ! -f "$expected" ]; then
			fail "$name"
			echo "$file declares expect-differ but $expected is missing" | diag
			return
		fi
		cp "$expected" "$WORK/ref.t"
	else
		transcript "$LUA" "$file" "$t" >"$WORK/ref.t"
	fi
	transcript "$bin" "$file" "$t" >"$WORK/got.t"
	if diff -u "$WORK/ref.t" "$WORK/got.t" >"$WORK/diff"; then
		pass "$name"
	else
		fail "$name"
		{
			echo "$file: $(why $rc)"
			[ -s "$WORK/err" ] && { echo "jolt's stderr begins:"; head -n 5 "$WORK/err"; }
			echo "differences (- expected, + jolt):"
			tail -n +3 "$WORK/diff"
		} | diag
	fi
}

# -- Groups ----------------------------------------------------------------------------------

LUA_TESTS=(tests/lua/*.lua)
[ -e "${LUA_TESTS[0]}" ] || LUA_TESTS=()
BAD_TESTS=(tests/bad/*.lua)
[ -e "${BAD_TESTS[0]}" ] || BAD_TESTS=()
JOLT_TESTS=(tests/jolt/*.lua)
[ -e "${JOLT_TESTS[0]}" ] || JOLT_TESTS=()
UNIT_TESTS=(tests/unit/*.c)
[ -e "${UNIT_TESTS[0]}" ] || UNIT_TESTS=()
CLI_TESTS=(tests/cli/*.sh)
[ -e "${CLI_TESTS[0]}" ] || CLI_TESTS=()
GEN_BATCHES=$(((GEN_COUNT + GEN_BATCH - 1) / GEN_BATCH))

count() {
	case $1 in
	lua | asan | lua_off | lua_stress | snap | snap_nocode | asan_snap) echo ${#LUA_TESTS[@]} ;;
	gen | gen_off | gen_stress | genjit | genjit_stress) echo "$GEN_BATCHES" ;;
	bad) echo ${#BAD_TESTS[@]} ;;
	fuzz) echo 3 ;;
	cli) echo ${#CLI_TESTS[@]} ;;
	unit) echo ${#UNIT_TESTS[@]} ;;
	jolt) echo ${#JOLT_TESTS[@]} ;;
	warmup | stress) echo 1 ;;
	*) echo "run.sh: unknown group '$1'" >&2; exit 2 ;;
	esac
}

# 1. Each tests/lua program under jolt and lua5.4: same output, errors and status.
group_lua() {
	local f
	for f in "${LUA_TESTS[@]}"; do compare "lua$JNAME/$(basename "$f" .lua)" "$JOLT" "$f"; done
}
# The same under the interpreter alone and under the JIT's stress mode (every function compiled
# at its first call, every 7th guard failing), so that all three print the same.
group_lua_off() { JARGS="-j off" JNAME="-off" group_lua; }
group_lua_stress() { JARGS="-j stress" JNAME="-stress" group_lua; }
group_gen_off() { JARGS="-j off" JNAME="-off" group_gen; }
group_gen_stress() { JARGS="-j stress" JNAME="-stress" group_gen; }
# Programs of tests/gen/genjit.lua: hot loops whose types, shapes and callees change after
# warm-up, under the JIT's defaults and under stress.
group_genjit() { GEN_SCRIPT=genjit GEN_FILE=jit JNAME="jit" group_gen; }
group_genjit_stress() { GEN_SCRIPT=genjit GEN_FILE=jit JARGS="-j stress" JNAME="jit-stress" group_gen; }

# 2. Random programs from tests/gen/gen.lua, compared in batches.
group_gen() {
	local dir="$WORK/gen" b i first last bad
	rm -rf "$dir" && mkdir -p "$dir"
	if ! "$LUA" "tests/gen/${GEN_SCRIPT:-gen}.lua" "$SEED" "$GEN_COUNT" "$dir" 2>"$WORK/err"; then
		for ((b = 1; b <= GEN_BATCHES; b++)); do fail "gen/batch$b"; done
		diag <"$WORK/err"
		return
	fi
	for ((b = 0; b < GEN_BATCHES; b++)); do
		first=$((b * GEN_BATCH)) last=$(((b + 1) * GEN_BATCH - 1)) bad=""
		[ $last -ge "$GEN_COUNT" ] && last=$((GEN_COUNT - 1))
		for ((i = first; i <= last; i++)); do
			f=$(printf '%s/%s%04d.lua' "$dir" "${GEN_FILE:-gen}" $i)
			transcript "$LUA" "$f" >"$WORK/ref.t"
			transcript "$JOLT" "$f" >"$WORK/got.t"
			if ! diff -u "$WORK/ref.t" "$WORK/got.t" >"$WORK/diff"; then
				[ -z "$bad" ] && cp "$WORK/diff" "$WORK/gen.diff"
				bad="$bad $f"
			fi
		done
		if [ -z "$bad" ]; then
			pass "gen$JNAME/batch$((b + 1)) programs $first-$last seed $SEED"
		else
			fail "gen$JNAME/batch$((b + 1)) programs $first-$last seed $SEED"
			{
				echo "differ:$bad"
				echo "reproduce: $LUA tests/gen/gen.lua $SEED $GEN_COUNT $dir (SEED=$SEED tests/run.sh gen$JNAME)"
				tail -n +3 "$WORK/gen.diff"
			} | diag
		fi
	done
}

# bad_check FILE: one tests/bad case; its "-- bad: KIND [ERE]" line says what must happen:
#   same        stdout, stderr and status equal to lua5.4's (syntax errors)
#   traceback   exit 1, first stderr line equal to lua5.4's, then "stack traceback:"
#   error ERE   exit 1 (not a crash or a timeout), first stderr line matches ERE
# "-- ulimit-v: KiB" runs both under that address-space limit.
bad_check() {
	local f=$1 name kind ere msg
	name="bad/$(basename "$f" .lua)"
	kind=$(sed -n 's/^-- bad: *\([a-z]*\).*/\1/p' "$f" | head -n 1)
	ere=$(sed -n 's/^-- bad: *error *//p' "$f" | head -n 1)
	LIMIT=$(sed -n 's/^-- ulimit-v: *//p' "$f" | head -n 1)
	case $kind in
	same)
		transcript "$LUA" "$f" >"$WORK/ref.t"
		transcript "$JOLT" "$f" >"$WORK/got.t"
		if diff -u "$WORK/ref.t" "$WORK/got.t" >"$WORK/diff"; then pass "$name"; return; fi
		msg=$(tail -n +3 "$WORK/diff")
		;;
	traceback)
		transcript "$LUA" "$f" >/dev/null
		mask <"$WORK/err" | head -n 1 >"$WORK/ref1"
		transcript "$JOLT" "$f" >/dev/null
		mask <"$WORK/err" | head -n 1 >"$WORK/got1"
		if [ $rc -ne 1 ]; then
			msg="$(why $rc), expected exit status 1"
		elif ! cmp -s "$WORK/ref1" "$WORK/got1"; then
			msg="message '$(cat "$WORK/got1")', expected '$(cat "$WORK/ref1")'"
		elif [ "$(sed -n 2p "$WORK/err")" != "stack traceback:" ]; then
			msg="no 'stack traceback:' after the message"
		else
			pass "$name"; return
		fi
		;;
	error)
		transcript "$JOLT" "$f" >/dev/null
		if [ $rc -ne 1 ]; then
			msg="$(why $rc), expected exit status 1"
		elif ! head -n 1 "$WORK/err" | grep -Eq -- "$ere"; then
			msg="message '$(head -n 1 "$WORK/err")' does not match /$ere/"
		else
			pass "$name"; return
		fi
		;;
	*)
		msg="$f has no valid '-- bad: same|traceback|error ERE' line"
		;;
	esac
	fail "$name"
	echo "$msg" | diag
}

# 3. Bad input: syntax errors, runtime errors, resource exhaustion.
group_bad() {
	local f
	for f in "${BAD_TESTS[@]}"; do bad_check "$f"; LIMIT=""; done
}

# 4a. The tests/lua corpus under the sanitizer build.
group_asan() {
	local f name
	for f in "${LUA_TESTS[@]}"; do
		name="asan/$(basename "$f" .lua)"
		if [ ! -x "$JOLT_ASAN" ]; then skip "$name" "$JOLT_ASAN not built (make asan)"; continue; fi
		compare "$name" "$JOLT_ASAN" "$f" $((TIMEOUT * 4))
	done
}

# 4b. libFuzzer on the parser (seeded with tests/lua), the binary chunk loader and the snapshot
#     reader (seeded with what jolt writes), FUZZ_TIME seconds each.
# fuzz_one NAME BINARY SEEDCMD [MAXLEN]: run one libFuzzer target for FUZZ_TIME seconds from
# seeds that SEEDCMD writes into the corpus directory given as its argument; inputs are at most
# MAXLEN bytes (8192).
fuzz_one() {
	local name=$1 bin=$2 seed=$3 maxlen=${4:-8192} corpus="$WORK/fuzz-$1" art="$WORK/fuzz-$1-artifacts/"
	if [ ! -x "$bin" ]; then
		if command -v clang >/dev/null 2>&1; then skip "fuzz/$name" "$bin not built (make fuzz)"
		else skip "fuzz/$name" "clang with libFuzzer is not installed"; fi
		return
	fi
	rm -rf "$corpus" "$art" && mkdir -p "$corpus" "$art"
	$seed "$corpus" >/dev/null 2>&1
	if timeout -k 5 $((FUZZ_TIME + 60)) "$bin" -max_total_time="$FUZZ_TIME" -timeout=10 \
		-rss_limit_mb=2048 -max_len="$maxlen" -artifact_prefix="$art" "$corpus" \
		>"$WORK/fuzz-$name.log" 2>&1; then
		pass "fuzz/$name $FUZZ_TIME s"
	else
		fail "fuzz/$name $FUZZ_TIME s"
		{ echo "artifacts: $(ls "$art")"; grep -E 'ERROR|SUMMARY|#0 |#1 |#2 |#3 ' "$WORK/fuzz-$name.log";
		  echo "log: $WORK/fuzz-$name.log"; } | diag
	fi
}
seed_parse() { [ ${#LUA_TESTS[@]} -gt 0 ] && cp "${LUA_TESTS[@]}" "$1/"; }
seed_undump() { "$JOLT" tests/fuzz/undump_seeds.lua "$1" "${LUA_TESTS[@]}"; }
# Snapshots of a few tests/lua programs seeded with low thresholds, so that most of them hold
# code, and two without; all under the 64 KiB the snapshot fuzzer's inputs may have.
SNAP_SEEDS=(jit_shapes_meta jit_typechange_upvalue vm_closures gc_churn tab_model coroutine_basic)
seed_snap() {
	local f
	for f in "${SNAP_SEEDS[@]}"; do
		[ -f "tests/lua/$f.lua" ] || continue
		timeout -k 2 "$TIMEOUT" "$JOLT" -j hot=2,hotloop=20 --snapshot-out="$1/$f.jsnap" \
			"tests/lua/$f.lua" >/dev/null 2>&1 </dev/null
	done
}
group_fuzz() {
	fuzz_one parse "$FUZZ" seed_parse
	fuzz_one undump "${FUZZ_UNDUMP:-build/fuzz/fuzz_undump}" seed_undump
	fuzz_one snap "${FUZZ_SNAP:-build/fuzz/fuzz_snap}" seed_snap 65536
}

# 5. CLI tests: each script gets JOLT; exit 0 pass, 4 skip (last line says why), else fail.
group_cli() {
	local f name r
	for f in "${CLI_TESTS[@]}"; do
		name="cli/$(basename "$f" .sh)"
		JOLT="$JOLT" timeout -k 2 "$TIMEOUT" bash "$f" >"$WORK/out" 2>&1 </dev/null
		r=$?
		case $r in
		0) pass "$name" ;;
		4) skip "$name" "$(tail -n 1 "$WORK/out")" ;;
		*) fail "$name"; { why $r; cat "$WORK/out"; } | diag ;;
		esac
	done
}

# 7. Jump-starts: each tests/lua program seeds a snapshot (with low tier-up thresholds, so much
#    of it is compiled), then runs from it through jolt-load, with the shipped code and with
#    --no-code (compiled from the records), and must still print exactly what lua5.4 prints.
JOLT_LOAD=${JOLT_LOAD:-build/bin/jolt-load}
SEED_JARGS=${SEED_JARGS:--j hot=2,hotloop=20}
group_snap() {
	local f name wrap="$WORK/jump.sh" snap="$WORK/seed.jsnap"
	printf '#!/bin/sh\nexec %s %s %s -- "$@"\n' "$(realpath "$JOLT_LOAD")" "${SNAPARGS:-}" "$snap" >"$wrap"
	chmod +x "$wrap"
	for f in "${LUA_TESTS[@]}"; do
		name="snap$JNAME/$(basename "$f" .lua)"
		rm -f "$snap"
		# shellcheck disable=SC2086 # options, split on purpose
		timeout -k 2 "$TIMEOUT" "$JOLT" $SEED_JARGS --snapshot-out="$snap" "$f" >/dev/null 2>"$WORK/seed.err" </dev/null
		if [ ! -s "$snap" ]; then
			fail "$name"
			{ echo "the seeding run wrote no snapshot:"; head -n 5 "$WORK/seed.err"; } | diag
			continue
		fi
		compare "$name" "$wrap" "$f"
	done
}
group_snap_nocode() { SNAPARGS="--no-code" JNAME="-nocode" group_snap; }
# The same jump-starts under the sanitizer builds (binding, shipped code, the loader's paths).
group_asan_snap() {
	local f
	if [ ! -x "$JOLT_ASAN" ] || [ ! -x "$(dirname "$JOLT_ASAN")/jolt-load" ]; then
		for f in "${LUA_TESTS[@]}"; do skip "snap-asan/$(basename "$f" .lua)" "$JOLT_ASAN or its jolt-load not built (make asan)"; done
		return
	fi
	JOLT=$JOLT_ASAN JOLT_LOAD=$(dirname "$JOLT_ASAN")/jolt-load JNAME="-asan" TIMEOUT=$((TIMEOUT * 4)) group_snap
}

# 6. jolt's own features (profiles, the jolt library): each tests/jolt/X.lua must print what
#    tests/jolt/X.expected holds (masked like the rest), lua5.4 has nothing to compare with.
group_jolt() {
	local f name
	for f in "${JOLT_TESTS[@]}"; do
		name="jolt/$(basename "$f" .lua)"
		JARGS=$(head -n 5 "$f" | sed -n 's/^-- jolt-args: *//p' | head -n 1)
		transcript "$JOLT" "$f" >"$WORK/got"
		JARGS=""
		if [ ! -f "${f%.lua}.expected" ]; then
			fail "$name"; echo "missing ${f%.lua}.expected" | diag
		elif diff -u "${f%.lua}.expected" "$WORK/got" >"$WORK/diff"; then
			pass "$name"
		else
			fail "$name"; diag <"$WORK/diff"
		fi
	done
}

# 7. Test programs of their own (kselftest style, exit 0 pass / 4 skip / else fail): one line
#    here each, their own TAP lines kept as comments. stress: the corpus under a collection at
#    every allocation; warmup: the eBPF warm-up tracer.
external() {
	local name=$1 script=$2 r
	if [ ! -x "$script" ]; then
		skip "$name" "$script is not there"
		return
	fi
	JOLT="$JOLT" LUA="$LUA" timeout -k 2 600 "$script" >"$WORK/out" 2>&1 </dev/null
	r=$?
	case $r in
	0) pass "$name"; VERBOSE=1 diag <"$WORK/out" ;;
	4) skip "$name" "$(sed -n 's/.*# SKIP //p' "$WORK/out" | head -n 1)" ;;
	*) fail "$name"; { why $r; cat "$WORK/out"; } | VERBOSE=1 diag ;;
	esac
}
group_unit() {
	local f
	for f in "${UNIT_TESTS[@]}"; do
		f=$(basename "$f" .c)
		external "unit/$f" "build/unit/$f"
	done
}
group_stress() { external stress tests/stress/run.sh; }
group_warmup() { external warmup tests/warmup/run.sh; }

# -- Main ------------------------------------------------------------------------------------

# "--transcript FILE": print FILE's masked transcript under $JOLT, e.g. to write the .expected of
# a program that declares expect-differ (check it by hand first).
if [ "${1:-}" = --transcript ]; then
	[ $# -eq 2 ] || { echo "usage: tests/run.sh --transcript FILE.lua" >&2; exit 2; }
	transcript "$JOLT" "$2"
	rm -rf "$WORK"
	exit 0
fi

total=0
for g in "${groups[@]}"; do total=$((total + $(count "$g"))); done
echo "TAP version 13"
echo "1..$total"
if [ ! -x "$JOLT" ]; then echo "# warning: $JOLT is not built: its tests fail (make)"; fi
for g in "${groups[@]}"; do "group_$g"; done
if [ $nfail -eq 0 ]; then rm -rf "$WORK"; else echo "# files of failed tests kept in $WORK"; fi
echo "$npass passed, $nfail failed, $nskip skipped"
[ $nfail -eq 0 ]
