#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host-side C++ tests: configure and build tools/ into build/user with cmake,
# then run ctest.  Every GoogleTest case counts (from ctest's JUnit
# report).  `utest.sh build` only builds (the VM harness needs the static
# guest programs from build/user/guest/).
set -euo pipefail
# shellcheck source=scripts/harness-lib.sh
. "$(dirname "$0")/harness-lib.sh"

SRC=$AA_PROJ/tools
OUT=$AA_BUILD/user
JUNIT=$AA_BUILD/user-ctest.xml
LOG=$AA_BUILD/logs/utest.log
FAILS=$AA_BUILD/logs/utest.failures

# build_user - configure and build; returns nonzero on failure.  The fio
# engine's host tests run the fio of the configured fio source tree of the
# VM harness, so that tree is built first (cached after the first time,
# about a minute): on a fresh machine they run instead of being skipped,
# and AIOATTR_REQUIRE_ENGINE turns a missing engine into a failure.
# With "tests" only: `make user` and `make install` need no fio.
build_user() {
	local -a fio_opts=() launcher=()
	if [[ ${1:-} == tests ]]; then
		aa_step "utest: fio source tree for the engine's host tests"
		fio_opts=(-DAIOATTR_FIO_SRC="$("$AA_PROJ/tools/testing/vm/build-fio.sh" \
			--print-src)" -DAIOATTR_REQUIRE_ENGINE=ON) || return 1
	fi
	# A fresh clone compiles all of it, about 70 s on two cores: ccache
	# keeps the objects in the cache directory, shared by every clone
	# (paths under the clone are hashed relative to it).
	if command -v ccache >/dev/null; then
		launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
		export CCACHE_DIR=$AA_CACHE/ccache CCACHE_BASEDIR=$AA_PROJ CCACHE_NOHASHDIR=1
	fi
	if [[ ! -f $OUT/CMakeCache.txt ]]; then
		aa_step "utest: cmake configure"
		cmake -S "$SRC" -B "$OUT" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" \
			"${fio_opts[@]}" || return 1
	elif ((${#fio_opts[@]})); then
		cmake -S "$SRC" -B "$OUT" "${fio_opts[@]}" >/dev/null || return 1
	fi
	aa_step "utest: cmake build"
	cmake --build "$OUT" -j "$(nproc)"
}

# count - print "passed failed skipped" from ctest's JUnit report, and the
# names of the failed tests into $FAILS.  Every
# GoogleTest case is its own ctest test (gtest_discover_tests), so this counts
# cases; a crashed or non-gtest test counts as one.  (gtest's own XML output
# is not used: parallel ctest processes of one binary overwrite its file.)
count() {
	python3 - "$JUNIT" "$FAILS" <<'PY'
import sys, xml.etree.ElementTree as ET
p = f = s = 0
fails = open(sys.argv[2], "w")
try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError) as e:
    print("utest: no usable ctest report:", e, file=sys.stderr)
    print(0, 1, 0)
    sys.exit()
for case in root.iter("testcase"):
    if case.find("failure") is not None or case.find("error") is not None:
        f += 1
        print(case.get("name"), file=fails)
    elif case.find("skipped") is not None or case.get("status") in ("notrun", "disabled"):
        s += 1
    else:
        p += 1
print(p, f, s)
PY
}

if [[ ! -f $SRC/CMakeLists.txt ]]; then
	echo "utest: no tools/CMakeLists.txt yet"
	[[ ${1:-} == build ]] || aa_result utest 0 0
	exit 0
fi
if ! build_user "$([[ ${1:-} == build ]] || echo tests)"; then
	[[ ${1:-} == build ]] && exit 1
	echo "utest: build FAILED"
	aa_result utest 0 1
	exit 1
fi
[[ ${1:-} == build ]] && exit 0

rm -f "$JUNIT"
mkdir -p "$(dirname "$LOG")"
aa_step "utest: ctest"
rc=0
ctest --test-dir "$OUT" --output-on-failure --output-junit "$JUNIT" -j "$(nproc)" \
	2>&1 | tee "$LOG" || rc=$?
read -r passed failed skipped < <(count)
((rc != 0 && failed == 0)) && failed=1
aa_result utest "$passed" "$failed" "$skipped"
aa_failures utest "$FAILS"
((failed == 0))
