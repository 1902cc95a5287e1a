#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run our KUnit suites under UML: the linux-source of the kernel series
# KVER (6.1 or 6.12, see aa_linux_source) extracted once into the cache, our
# code grafted in (graft.manifest), kunit.py builds and runs it.  Layer
# kunit/$KVER; outputs in build/kunit/$KVER/, one UML build dir per series
# and kunitconfig in the cache.
# Prints every case and "kunit/KVER: N passed, M failed"; a build failure counts
# as one failure, with the compiler output shown, and so does any kernel
# report (lockdep, KASAN, ...; the kunitconfig turns those debug options on).
# Environment: KUNITCONFIG (default aio_attr.kunitconfig beside this file),
# KUNIT_ARGS (extra kunit.py arguments, e.g. --kernel_args=...).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/harness-lib.sh
. "$HERE/../../../scripts/harness-lib.sh"

KUNITCONFIG=$(readlink -f "${KUNITCONFIG:-$HERE/aio_attr.kunitconfig}")
LAYER=kunit/$AA_KVER
OUT=$AA_BUILD/kunit/$AA_KVER

# extract DIR - unpack the linux-source tarball into DIR.
extract() {
	aa_step "kunit: extracting $(basename "$AA_KSRC_TARBALL")"
	tar -xf "$AA_KSRC_TARBALL" -C "$1"
}

# summarize JSON - print each case and "passed failed skipped" last.
summarize() {
	python3 - "$1" <<'PY'
import json, sys
counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
def walk(group, prefix):
    name = group.get("name", "")
    path = prefix + [name] if name and name != "KUnit Test Group" else prefix
    for case in group.get("test_cases", []):
        status = case["status"] if case["status"] in counts else "FAIL"
        counts[status] += 1
        print(f"  {status} {'.'.join(path + [case['name']])}")
    for sub in group.get("sub_groups", []):
        walk(sub, path)
walk(json.load(open(sys.argv[1])), [])
print(counts["PASS"], counts["FAIL"], counts["SKIP"])
PY
}

main() {
	local ksrc build rc=0
	aa_linux_source
	ksrc=$AA_CACHE/linux-source-$AA_KSRC_VERSION
	build=$AA_CACHE/kunit-um-$AA_KVER-$(basename "$KUNITCONFIG" .kunitconfig)
	aa_cache_get "$ksrc" extract
	ksrc=$ksrc/linux-source-$AA_KVER
	mkdir -p "$OUT" "$build"

	# One run at a time per tree: its links point at this clone.
	exec {lock}>"$AA_CACHE/kunit-$AA_KVER.lock"
	flock "$lock"
	"$HERE/graft.sh" "$ksrc" "$build"

	aa_step "kunit: build and run (UML $AA_KSRC_VERSION, build dir $build)"
	rm -f "$OUT/results.json"
	aa_heartbeat_start "kunit: building/running"
	trap aa_heartbeat_stop EXIT
	# shellcheck disable=SC2086 # KUNIT_ARGS is a list of arguments
	python3 -u "$ksrc/tools/testing/kunit/kunit.py" run --arch=um --jobs="$(nproc)" \
		--build_dir="$build" --kunitconfig="$KUNITCONFIG" \
		--json="$OUT/results.json" ${KUNIT_ARGS:-} </dev/null 2>&1 | tee "$OUT/kunit.log" || rc=$?
	aa_heartbeat_stop

	if [[ ! -s $OUT/results.json ]] || ! summarize "$OUT/results.json" >"$OUT/summary.txt"; then
		echo "$LAYER: no results (build or config failure, exit $rc); see $OUT/kunit.log" >&2
		aa_result "$LAYER" 0 1
		exit 1
	fi
	local passed failed skipped
	head -n -1 "$OUT/summary.txt"
	read -r passed failed skipped < <(tail -n1 "$OUT/summary.txt")
	((rc != 0 && failed == 0)) && failed=1
	# No case at all is a failure too: the suites did not get built in.
	((passed + failed + skipped == 0)) && failed=1
	# The failed cases by name, for make check's summary.
	sed -n 's/^  FAIL //p' "$OUT/summary.txt" >"$OUT/failures.txt"
	# A kernel report (lockdep, KASAN, atomic sleep, debug objects) during
	# the run fails it even when every case passed.
	if aa_kernel_reports "$build/test.log" "$OUT/kernel-bad.log"; then
		echo "$LAYER: FAIL kernel log: $(wc -l <"$OUT/kernel-bad.log") bad lines" \
			"(full log $build/test.log):"
		head -n 40 "$OUT/kernel-bad.log" | sed 's/^/    /'
		echo "kernel log: $(head -n 1 "$OUT/kernel-bad.log")" >>"$OUT/failures.txt"
		failed=$((failed + 1))
	fi
	aa_result "$LAYER" "$passed" "$failed" "$skipped"
	aa_failures "$LAYER" "$OUT/failures.txt"
	((failed == 0))
}

main "$@"
