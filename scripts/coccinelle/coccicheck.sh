#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# coccicheck.sh [DIR...] - report struct kiocb member accesses under DIR
# (default: the project's drivers/) and check that kiocb_to_iodesc.cocci
# still turns examples/legacy_attr_driver.c into legacy_attr_driver.iodesc.c.
# Prints one line per finding and "coccicheck: N passed, M failed" last;
# exits nonzero on any finding or a failed self-check.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
PROJ=$(cd "$HERE/../.." && pwd)
SPFLAGS="--very-quiet --no-includes --include-headers"
passed=0 failed=0

command -v spatch >/dev/null 2>&1 || { echo "coccicheck: spatch not found (apt-get install coccinelle)" >&2; exit 1; }
[ $# -gt 0 ] || set -- "$PROJ/drivers"

for dir in "$@"; do
	# shellcheck disable=SC2086
	out=$(spatch $SPFLAGS -D report --sp-file "$HERE/api/kiocb_access.cocci" --dir "$dir" 2>&1)
	if [ -n "$out" ]; then
		echo "$out"
		echo "FAIL kiocb_access $dir"
		failed=$((failed + 1))
	else
		echo "PASS kiocb_access $dir"
		passed=$((passed + 1))
	fi
done

# Self-check of the report: it must flag the unconverted example.
# shellcheck disable=SC2086
out=$(spatch $SPFLAGS -D report --sp-file "$HERE/api/kiocb_access.cocci" \
	"$HERE/examples/legacy_attr_driver.c" 2>&1)
if [ -n "$out" ]; then
	echo "PASS kiocb_access flags the legacy example"
	passed=$((passed + 1))
else
	echo "FAIL kiocb_access does not flag the legacy example"
	failed=$((failed + 1))
fi

# Self-check of the rewrite: the example converts to the expected file,
# and the converted file has no kiocb access left.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2086
spatch $SPFLAGS -D patch --sp-file "$HERE/api/kiocb_to_iodesc.cocci" \
	"$HERE/examples/legacy_attr_driver.c" -o "$tmp/out.c" >/dev/null 2>&1
# Compare the code after the header comment.
sed '1,/^ \*\/$/d' "$HERE/examples/legacy_attr_driver.iodesc.c" >"$tmp/want.c"
sed '1,/^ \*\/$/d' "$tmp/out.c" >"$tmp/got.c" 2>/dev/null
if [ -s "$tmp/got.c" ] && cmp -s "$tmp/want.c" "$tmp/got.c"; then
	echo "PASS kiocb_to_iodesc example"
	passed=$((passed + 1))
else
	diff -u "$tmp/want.c" "$tmp/got.c"
	echo "FAIL kiocb_to_iodesc example"
	failed=$((failed + 1))
fi
cp "$tmp/out.c" "$tmp/converted.c" 2>/dev/null
# shellcheck disable=SC2086
out=$(spatch $SPFLAGS -D report --sp-file "$HERE/api/kiocb_access.cocci" "$tmp/converted.c" 2>&1)
if [ -z "$out" ]; then
	echo "PASS kiocb_to_iodesc leaves no kiocb access"
	passed=$((passed + 1))
else
	echo "$out"
	echo "FAIL kiocb_to_iodesc leaves kiocb accesses"
	failed=$((failed + 1))
fi
echo "coccicheck: $passed passed, $failed failed"
[ "$failed" = 0 ]
