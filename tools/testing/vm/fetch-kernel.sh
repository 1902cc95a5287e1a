#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fetch and unpack the Debian linux-image package matching the installed
# headers (same release, so our modules' vermagic matches) into the cache.
# Prints the unpacked directory: DIR/boot/vmlinuz-$KV, DIR/lib/modules/$KV.
set -euo pipefail
# shellcheck source=scripts/harness-lib.sh
. "$(dirname "$0")/../../../scripts/harness-lib.sh"

KV=$(aa_kver)

# unpack_image DIR - download linux-image-$KV, unpack it, run depmod.
unpack_image() {
	local dir=$1
	aa_step "vm: downloading linux-image-$KV"
	if ! (cd "$dir" && aa_apt download -q "linux-image-$KV" </dev/null); then
		rm -f /var/lib/apt/periodic/aio_attr-update-stamp
		aa_apt_update
		(cd "$dir" && aa_apt download -q "linux-image-$KV" </dev/null) ||
			aa_die "linux-image-$KV is not downloadable (headers too old? apt-get upgrade linux-headers-amd64)"
	fi
	aa_step "vm: unpacking linux-image-$KV"
	dpkg-deb -x "$dir"/linux-image-*.deb "$dir"
	rm -f "$dir"/linux-image-*.deb
	depmod -b "$dir" "$KV"
	[[ -f $dir/boot/vmlinuz-$KV ]] || aa_die "no vmlinuz in linux-image-$KV"
}

dir=$AA_CACHE/kernel/$KV
aa_cache_get "$dir" unpack_image
echo "$dir"
