#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build a slim fio from Debian's source package into the cache (Debian's
# binary drags 80 MB of libraries; this one needs libz, libaio, libm).
# Prints the fio binary's path; with --print-src the configured source tree
# (for building external ioengines against it).
set -euo pipefail
# shellcheck source=scripts/harness-lib.sh
. "$(dirname "$0")/../../../scripts/harness-lib.sh"

# make_src_list DIR - a private apt state in DIR whose sources are the
# system's deb entries (deb822 .sources files or a one-line sources.list)
# as deb-src; sets AA_APT_OPTS.
make_src_list() {
	local dir=$1 f
	aa_private_apt "$dir"
	for f in /etc/apt/sources.list.d/*.sources; do
		[[ -f $f ]] || continue
		sed 's/^Types:.*/Types: deb-src/' "$f" >>"$dir/parts/debian-src.sources"
		echo >>"$dir/parts/debian-src.sources"
	done
	if [[ -f /etc/apt/sources.list ]]; then
		sed -n 's/^deb /deb-src /p' /etc/apt/sources.list >"$dir/parts/debian-src.list"
	fi
}

# build DIR - fetch fio's source into DIR/src and build it.
build() {
	local dir=$1
	make_src_list "$dir/apt"
	aa_step "vm: fetching fio source"
	apt-get "${AA_APT_OPTS[@]}" update -q >/dev/null
	mkdir -p "$dir/src"
	(cd "$dir/src" && aa_apt "${AA_APT_OPTS[@]}" source -q fio </dev/null >/dev/null)
	rm -rf "$dir/apt"
	local tree
	tree=$(find "$dir/src" -maxdepth 1 -type d -name 'fio-*' | head -n1)
	[[ -n $tree ]] || aa_die "apt-get source fio gave no fio-* tree"
	ln -s "$(basename "$tree")" "$dir/src/fio"
	aa_step "vm: building fio ($(basename "$tree"))"
	if ! (cd "$tree" && ./configure --disable-native --prefix=/usr &&
		make -j"$(nproc)" fio) >"$dir/build.log" 2>&1; then
		tail -n 30 "$dir/build.log"
		aa_die "fio build failed"
	fi
	cp "$tree/fio" "$dir/fio"
}

dir=$AA_CACHE/fio
aa_cache_get "$dir" build
if [[ ${1:-} == --print-src ]]; then
	readlink -f "$dir/src/fio"
else
	echo "$dir/fio"
fi
