#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fetch and unpack the Debian linux-image package matching the headers we
# build against (same release, so our modules' vermagic matches) into the
# cache: Debian 12's from the host's apt sources for KVER=6.1, Debian 13's
# from the private trixie lists for KVER=6.12.
# Prints the unpacked directory: DIR/boot/vmlinuz-$KV, DIR/lib/modules/$KV.
set -euo pipefail
# shellcheck source=scripts/harness-lib.sh
. "$(dirname "$0")/../../../scripts/harness-lib.sh"

KV=$(aa_kver)

# download_6.1 - apt-get download ARGS from the host's sources, updating
# its lists once if the package is not found.
download_6.1() {
	aa_apt download -q "$@" </dev/null && return
	rm -f /var/lib/apt/periodic/aio_attr-update-stamp
	aa_apt_update
	aa_apt download -q "$@" </dev/null
}

# download_6.12 - apt-get download ARGS from trixie.
download_6.12() {
	aa_trixie_apt
	aa_apt "${AA_APT_OPTS[@]}" download -q "$@" </dev/null
}

# unpack_image DIR - download linux-image-$KV, unpack it, run depmod.
unpack_image() {
	local dir=$1
	aa_step "vm: downloading linux-image-$KV (Debian's $AA_KVER)"
	(cd "$dir" && "download_$AA_KVER" "linux-image-$KV") ||
		aa_die "linux-image-$KV is not downloadable (headers too old? for 6.1:" \
			"apt-get upgrade linux-headers-amd64; for 6.12: rebuild the trixie build root)"
	aa_step "vm: unpacking linux-image-$KV"
	dpkg-deb -x "$dir"/linux-image-*.deb "$dir" || return
	rm -f "$dir"/linux-image-*.deb
	# Debian 13 has merged /usr: its modules are in usr/lib/modules.
	if [[ ! -e $dir/lib && -d $dir/usr/lib/modules ]]; then
		ln -s usr/lib "$dir/lib"
	fi
	depmod -b "$dir" "$KV" || return
	[[ -f $dir/boot/vmlinuz-$KV ]] || aa_die "no vmlinuz in linux-image-$KV"
}

dir=$AA_CACHE/kernel/$KV
aa_cache_get "$dir" unpack_image
echo "$dir"
