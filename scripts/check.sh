#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make check`: every test layer, each on its own (one failing layer does not
# stop the others), the kernel-dependent ones for each series in KVERS
# (default "6.1 6.12"), then one closing line "N passed, M failed" summing
# them all.  Each layer records its counts in build/results/<layer>.res
# (<layer>/<kver>.res per kernel); a layer that dies without recording
# counts as one failure.
set -euo pipefail
# shellcheck source=scripts/harness-lib.sh
. "$(dirname "$0")/harness-lib.sh"

MAKE=${MAKE:-make}
# The kernel series to test: each runs the per-kernel layers.
KVERS=${KVERS:-6.1 6.12}
# Layers that do not depend on the kernel, or go through KVERS themselves
# (debtest), run once; the others once per kernel series, as LAYER/KVER
# (the build of the modules and sparse count too: the modules layer records
# its result as build/KVER).
ONCE_LAYERS=(utest coccicheck debtest)
KERNEL_LAYERS=(modules sparse kunit vmtest)
declare -A RESFILE=([modules]=build)
# The guest suite's stress and fuzz loops (aa_stress_len in
# tools/testing/vm/lib.sh) run at full length on the first kernel of KVERS
# and at this percentage on the others, which still run every test and
# assertion: the two guest suites are most of make check's time.
STRESS_PCT=${AA_CHECK_STRESS_PCT:-25}

# On the debug kernel `make check` runs the guest tests about completion
# contexts, races, teardown and limits - what KASAN, lockdep and the
# atomic-sleep check are for - so that a cached run stays near 20 minutes;
# `make vmtest-debug` runs every test.  AA_DEBUG_TESTS overrides the list.
AA_DEBUG_TESTS=${AA_DEBUG_TESTS:-smoke api_hardirq api_killed api_nullb api_syncstall \
api_unpriv api_bdev_rules api_worker iocrypt_async race_close race_kill race_rmmod}

# debug_layer - run the vmtest-debug layer, or record why it is skipped.
# Building the debug kernel (~17 min on two idle cores) would take a
# fresh machine's `make check` past 45 minutes, so it is built here only
# with AA_DEBUG=1; otherwise the layer runs when the kernel is already
# cached (`make vmtest-debug` builds it), as on a CI machine that keeps
# its cache.
debug_layer() {
	if [[ ${AA_DEBUG:-} == 1 ]] ||
		"$AA_PROJ/tools/testing/vm/debug-kernel.sh" --cached; then
		$MAKE --no-print-directory -C "$AA_PROJ" AA_DEPS_DONE=1 KVER=6.1 vmtest-debug \
			TESTS="$AA_DEBUG_TESTS"
		return
	fi
	echo "vmtest-debug: skipped: no debug kernel cached; 'make vmtest-debug' builds it" \
		"(or AA_DEBUG=1 make check)"
	aa_result vmtest-debug 0 0 1
}

# layer_setup LAYER KVER - what running LAYER (KVER empty for the layers
# that do not depend on the kernel) takes: its name, result file, note,
# guest environment and make arguments (L_NAME, L_RES, L_NOTE, L_ENV,
# L_ARGS); starts its clock (L_T0).
layer_setup() {
	local layer=$1 kver=$2

	L_NAME=$layer L_NOTE='' L_T0=$SECONDS L_ENV=${AA_GUEST_ENV:-}
	L_ARGS=(--no-print-directory -C "$AA_PROJ" AA_DEPS_DONE=1)
	L_RES=$AA_RESULTS/${RESFILE[$layer]:-$layer}
	if [[ -n $kver ]]; then
		L_NAME=$layer/$kver L_RES=$L_RES/$kver
		L_ARGS+=(KVER="$kver")
	fi
	if [[ $layer == vmtest && $kver != "$FIRST_KVER" ]]; then
		L_ENV+=${L_ENV:+,}AA_STRESS_PCT=$STRESS_PCT
		L_NOTE=", stress loops at ${STRESS_PCT}%"
	fi
}

# layer_exec LAYER - run the layer layer_setup set up last.
layer_exec() {
	aa_step "==== $L_NAME$L_NOTE"
	if [[ $1 == vmtest-debug ]]; then
		debug_layer || true
	else
		AA_GUEST_ENV=$L_ENV $MAKE "${L_ARGS[@]}" "$1" || true
	fi
}

# layer_account NAME RES T0 NOTE - add the counts of a layer that ran to
# the summary and the totals (one failure if it did not run to the end).
layer_account() {
	local name=$1 res=$2 t0=$3 note=$4 p f s

	if [[ -f $res.res ]]; then
		read -r p f s <"$res.res"
	else
		echo "$name: did not run to the end (see above)"
		p=0 f=1 s=0
	fi
	printf '%-14s %4d passed, %d failed, %d skipped (%ds%s)\n' \
		"$name:" "$p" "$f" "$s" $((SECONDS - t0)) "$note" >>"$AA_RESULTS/summary"
	total_p=$((total_p + p)) total_f=$((total_f + f)) total_s=$((total_s + s))
}

# run_layer LAYER KVER - run one layer and add its counts to the summary.
run_layer() {
	layer_setup "$1" "$2"
	layer_exec "$1"
	layer_account "$L_NAME" "$L_RES" "$L_T0" "$L_NOTE"
}

# A guest keeps about one of the two cores busy, so the debug kernel's
# guest suite runs beside the next kernel's layers instead of after them:
# started once the first kernel's layers are done (the user programs and
# the fio engine both need are built by then), its output kept in
# $AA_RESULTS/vmtest-debug.log and shown, with its counts, when it ends.
debug_bg_start() {
	layer_setup vmtest-debug ""
	DEBUG_LAYER=("$L_NAME" "$L_RES" "$L_T0" "$L_NOTE")
	layer_exec vmtest-debug >"$AA_RESULTS/vmtest-debug.log" 2>&1 &
	DEBUG_PID=$!
}

debug_bg_finish() {
	wait "$DEBUG_PID" || true
	cat "$AA_RESULTS/vmtest-debug.log"
	layer_account "${DEBUG_LAYER[@]}"
}

FIRST_KVER=
for kver in $KVERS; do
	[[ $kver == 6.1 || $kver == 6.12 ]] || aa_die "KVERS: '$kver' is not 6.1 or 6.12"
	FIRST_KVER=${FIRST_KVER:-$kver}
done
rm -rf "$AA_RESULTS"
mkdir -p "$AA_RESULTS"
total_p=0 total_f=0 total_s=0
start=$SECONDS
DEBUG_PID=
for layer in "${ONCE_LAYERS[@]}"; do
	run_layer "$layer" ""
done
for kver in $KVERS; do
	# The debug kernel is built from linux-source-6.1.
	if [[ $kver != 6.1 && -z $DEBUG_PID && " $KVERS " == *" 6.1 "* ]]; then
		debug_bg_start
	fi
	for layer in "${KERNEL_LAYERS[@]}"; do
		run_layer "$layer" "$kver"
	done
done
if [[ -n $DEBUG_PID ]]; then
	debug_bg_finish
elif [[ " $KVERS " == *" 6.1 "* ]]; then
	run_layer vmtest-debug ""
fi
echo
echo "==== summary ($((SECONDS - start))s)"
cat "$AA_RESULTS/summary"
echo "skipped: $total_s"
# What failed, by name: the layers' own output, far above, may be all
# that a CI log leaves out.
for fail in $(find "$AA_RESULTS" -name '*.fail' | sort); do
	layer=${fail#"$AA_RESULTS"/}
	echo "failed in ${layer%.fail}:"
	# head first: cut, left writing after head quit, would die of SIGPIPE;
	# pipefail and set -e would then end the run before its last line
	head -n 20 "$fail" | cut -c 1-300 | sed 's/^/  /'
	(($(wc -l <"$fail") <= 20)) || echo "  ... $(wc -l <"$fail") in all"
done
echo "$total_p passed, $total_f failed"
((total_f == 0))
