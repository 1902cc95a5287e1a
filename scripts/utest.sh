#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host-side C++ tests: configure and build tools/ into build/user with cmake,
# then run ctest.  Every GoogleTest case counts (read from gtest's XML
# reports).  `utest.sh build` only builds (the VM harness needs the static
# guest programs from build/user/guest/).
set -euo pipefail
# shellcheck source=scripts/harness-lib.sh
. "$(dirname "$0")/harness-lib.sh"

SRC=$AA_PROJ/tools
OUT=$AA_BUILD/user
XML=$AA_BUILD/user-gtest-xml
LOG=$AA_BUILD/logs/utest.log

# build_user - configure (once) and build; returns nonzero on failure.
build_user() {
	if [[ ! -f $OUT/CMakeCache.txt ]]; then
		aa_step "utest: cmake configure"
		cmake -S "$SRC" -B "$OUT" -DCMAKE_BUILD_TYPE=RelWithDebInfo || return 1
	fi
	aa_step "utest: cmake build"
	cmake --build "$OUT" -j "$(nproc)"
}

# count - print "passed failed skipped": every GoogleTest case from the XML
# reports, plus the ctest tests that wrote no report (not gtest, or crashed).
count() {
	python3 - "$XML" "$LOG" <<'PY'
import glob, re, sys, xml.etree.ElementTree as ET
p = f = s = files = files_failed = 0
for name in glob.glob(sys.argv[1] + "/*.xml"):
    files += 1
    failed_here = 0
    for case in ET.parse(name).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed_here += 1
        elif case.get("result") == "skipped" or case.find("skipped") is not None \
                or case.get("status") == "notrun":
            s += 1
        else:
            p += 1
    f += failed_here
    files_failed += failed_here > 0
m = re.search(r"(\d+) tests failed out of (\d+)", open(sys.argv[2]).read())
ctest_failed, ctest_total = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
other_total = max(0, ctest_total - files)
other_failed = max(0, ctest_failed - files_failed)
print(p + other_total - other_failed, f + other_failed, s)
PY
}

if [[ ! -f $SRC/CMakeLists.txt ]]; then
	echo "utest: no tools/CMakeLists.txt yet"
	[[ ${1:-} == build ]] || aa_result utest 0 0
	exit 0
fi
if ! build_user; then
	[[ ${1:-} == build ]] && exit 1
	echo "utest: build FAILED"
	aa_result utest 0 1
	exit 1
fi
[[ ${1:-} == build ]] && exit 0

rm -rf "$XML"
mkdir -p "$XML" "$(dirname "$LOG")"
aa_step "utest: ctest"
rc=0
GTEST_OUTPUT=xml:$XML/ ctest --test-dir "$OUT" --output-on-failure -j "$(nproc)" \
	2>&1 | tee "$LOG" || rc=$?
read -r passed failed skipped < <(count)
((rc != 0 && failed == 0)) && failed=1
aa_result utest "$passed" "$failed" "$skipped"
((failed == 0))
