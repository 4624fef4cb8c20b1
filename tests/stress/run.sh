#!/bin/bash
# tests/stress/run.sh: the tests/lua corpus under the GC stress build (a full collection at every
# allocation point, `make stress`), compared with lua5.4 as tests/run.sh's lua group does: same
# masked stdout, stderr and exit status (or the program's .expected when it declares
# expect-differ). kselftest style: TAP 13, a last line "N passed, N failed, N skipped", exit 0,
# 1 if anything failed, 4 if the stress build is missing.
#
# Environment: STRESS [build/stress/bin/jolt], LUA [/usr/bin/lua5.4], STRESS_TIMEOUT [20] seconds
# per program. Programs too slow under a collection per allocation are listed in SLOW with why.
set -u
cd "$(dirname "$0")/../.." || exit 1
STRESS=${STRESS:-build/stress/bin/jolt}
LUA=${LUA:-/usr/bin/lua5.4}
STRESS_TIMEOUT=${STRESS_TIMEOUT:-20}

# name -> reason; each takes over 20 s here (a full collection per allocation over a big heap).
declare -A SLOW=(
	[compiler_manyconst]="compiles functions with 2^17 constants: minutes under stress"
	[jit_gc_barrier]="keeps 50,000 tables live so that marking is long: minutes under stress"
)

ntest=0 npass=0 nfail=0 nskip=0
ok()    { ntest=$((ntest + 1)); npass=$((npass + 1)); echo "ok $ntest $1"; }
notok() { ntest=$((ntest + 1)); nfail=$((nfail + 1)); echo "not ok $ntest $1"; }
skip()  { ntest=$((ntest + 1)); nskip=$((nskip + 1)); echo "ok $ntest $1 # SKIP $2"; }
diag()  { head -n 20 | sed 's/^/# /'; }

if [ ! -x "$STRESS" ]; then
	echo "TAP version 13"
	echo "1..0"
	echo "0 passed, 0 failed, 0 skipped"
	echo "$STRESS is not built (make stress)"
	exit 4
fi
mkdir -p build/test
WORK=$(mktemp -d build/test/stress.XXXXXX) || exit 1
# A private copy: others may relink build/stress/ while this runs.
cp "$STRESS" "$WORK/jolt" && STRESS=$WORK/jolt

# transcript BIN FILE: the masked transcript, made by tests/run.sh so the masking rules are one.
transcript() { JOLT=$1 TIMEOUT=$STRESS_TIMEOUT tests/run.sh --transcript "$2"; }

tests=(tests/lua/*.lua)
echo "TAP version 13"
echo "1..${#tests[@]}"
for f in "${tests[@]}"; do
	name=stress/$(basename "$f" .lua)
	if [ -n "${SLOW[$(basename "$f" .lua)]:-}" ]; then
		skip "$name" "${SLOW[$(basename "$f" .lua)]}"
		continue
	fi
	if head -n 5 "$f" | grep -q '^-- expect-differ:'; then
		cp "${f%.lua}.expected" "$WORK/ref.t" 2>/dev/null || : >"$WORK/ref.t"
	else
		transcript "$LUA" "$f" >"$WORK/ref.t"
	fi
	start=$SECONDS
	transcript "$STRESS" "$f" >"$WORK/got.t"
	if diff -u "$WORK/ref.t" "$WORK/got.t" >"$WORK/diff"; then
		ok "$name"
	else
		notok "$name"
		{ echo "$f under $STRESS, $((SECONDS - start)) s (- expected, + stress):"; tail -n +3 "$WORK/diff"; } | diag
	fi
done
if [ $nfail -eq 0 ]; then rm -rf "$WORK"; else echo "# files of failed tests kept in $WORK"; fi
echo "$npass passed, $nfail failed, $nskip skipped"
[ $nfail -eq 0 ]
