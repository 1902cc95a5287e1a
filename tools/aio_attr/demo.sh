#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`: boot the test guest with the one test fio_demo (fio with the
# aioattr engine on dm-iocrypt over an aiodemo disk with a cache model),
# take its attr_log off the console, print the attribute report and draw
# the latency breakdown and hit ratio into build/demo/demo.png.
# Expects the modules, build/user (make user) and the engine in
# build/user/guest (make fio-engine) to be built; the Makefile sees to it.
#   DEMO_OUT=DIR  where the log and the picture go (default build/demo)
set -euo pipefail
PROJ=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${DEMO_OUT:-$PROJ/build/demo}
CLI=$PROJ/build/user/aio_attr/aioattr
CONSOLE=$PROJ/build/vm/${KVER:-6.1}/console.log

die() {
	echo "demo: $*" >&2
	exit 1
}

[[ -x $CLI ]] || die "no $CLI: run 'make user' first"
[[ -f $PROJ/build/user/guest/aioattr.so ]] || die "no fio engine in build/user/guest: run 'make fio-engine'"
mkdir -p "$OUT"
rc=0
"$PROJ/tools/testing/vm/run.sh" fio_demo || rc=$?
tr -d '\r' <"$CONSOLE" >"$OUT/console.log"
sed -n '/^AADEMO-LOG-BEGIN$/,/^AADEMO-LOG-END$/p' "$OUT/console.log" | sed '1d;$d' |
	base64 -d 2>/dev/null | gunzip >"$OUT/demo.attr.log" 2>/dev/null ||
	die "no attr_log on the guest console (test status $rc); see $OUT/console.log"
[[ -s $OUT/demo.attr.log ]] || die "empty attr_log from the guest; see $OUT/console.log"
echo
grep -a '^aiodemo: ' "$OUT/console.log" || true
"$CLI" report "$OUT/demo.attr.log" --png "$OUT/demo.png"
echo
echo "demo: per-I/O log $OUT/demo.attr.log, picture $OUT/demo.png"
exit "$rc"
