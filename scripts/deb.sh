#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make deb`: the Debian packages (debian/) with dpkg-buildpackage, from a
# copy of the tree as git sees it (tracked files and new files that are not
# ignored, as they are in the work tree: no build outputs), then lintian
# over the .changes, where any tag fails.  Everything lands in build/deb/;
# the last lines name the packages.  DEB_BUILD_OPTIONS is passed on
# (nocheck skips the host tests, which `make utest` runs anyway).
set -euo pipefail
# shellcheck source=scripts/harness-lib.sh
. "$(dirname "$0")/harness-lib.sh"

OUT=$AA_BUILD/deb
LOG=$OUT/build.log

version=$(dpkg-parsechangelog -l "$AA_PROJ/debian/changelog" -SVersion)
source=$(dpkg-parsechangelog -l "$AA_PROJ/debian/changelog" -SSource)
# The fio tree the engine is built against (built into the cache once).
fio_src=$("$AA_PROJ/tools/testing/vm/build-fio.sh" --print-src)

rm -rf "$OUT"
tree=$OUT/$source-$version
mkdir -p "$tree"
git -C "$AA_PROJ" ls-files -z --cached --others --exclude-standard |
	tar -C "$AA_PROJ" --null --files-from=- --ignore-failed-read -cf - |
	tar -C "$tree" -xf -

aa_step "deb: dpkg-buildpackage (log in $LOG)"
if ! (cd "$tree" && FIO_SRC=$fio_src dpkg-buildpackage --build=full -us -uc \
	-j"$(nproc)") >"$LOG" 2>&1; then
	tail -n 40 "$LOG"
	aa_die "dpkg-buildpackage failed; see $LOG"
fi
rm -rf "$tree"

changes=$OUT/${source}_${version}_$(dpkg --print-architecture).changes
aa_step "deb: lintian $changes"
# Every tag, down to pedantic ones, fails: fix it, or override it in
# debian/ with a comment that says why.
lintian --pedantic --display-info --fail-on error,warning,info,pedantic "$changes" |
	tee "$OUT/lintian.log"
ls "$OUT"/*.deb
