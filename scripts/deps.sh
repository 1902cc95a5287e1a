#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian 12 packages the build and every test layer need.
# A machine that has them all does nothing (checked with dpkg first).
set -euo pipefail
# shellcheck source=scripts/harness-lib.sh
. "$(dirname "$0")/harness-lib.sh"

# Build of the modules, sparse, coccinelle.
PKGS=(linux-headers-amd64 make gcc sparse coccinelle dkms)
# The Debian 13 build root for 6.12 (scripts/trixie-root.sh) and the copy
# of the sources that is built in it.
PKGS+=(mmdebstrap rsync)
# VM harness: guest kernel download, initramfs, tests, fio from source.
PKGS+=(qemu-system-x86 busybox-static kmod cpio lz4 fio dmsetup cryptsetup-bin
	dpkg-dev libaio-dev zlib1g-dev keyutils e2fsprogs)
# KUnit under UML, and the debug guest kernel (vmtest-debug): both are
# built from linux-source-6.1; objtool needs libelf, certs/ needs libssl.
PKGS+=(linux-source-6.1 flex bison bc python3 xz-utils libelf-dev libssl-dev)
# User-space library and its tests (ccache keeps their objects in the
# cache across clones); plots for the demo; the man pages check (man
# --warnings); make lint.
PKGS+=(cmake g++ ccache libgtest-dev googletest pkgconf gnuplot-nox man-db groff-base
	shellcheck)
# make deb: the build dependencies in debian/control, and lintian (make
# debtest's build roots come from mmdebstrap, above).
PKGS+=(debhelper dh-dkms lintian)

# missing_pkgs - print the packages of PKGS that are not installed.
missing_pkgs() {
	local p
	for p in "${PKGS[@]}"; do
		if [[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null) != ii* ]]; then
			echo "$p"
		fi
	done
}

mapfile -t missing < <(missing_pkgs)
if ((${#missing[@]} == 0)); then
	exit 0
fi
((EUID == 0)) || aa_die "missing packages (${missing[*]}); run 'make deps' as root"
aa_apt_update
aa_step "installing ${#missing[@]} packages: ${missing[*]}"
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	-o Dpkg::Use-Pty=0 "${missing[@]}" </dev/null | grep -E '^(Setting up|E:)' || true
mapfile -t missing < <(missing_pkgs)
((${#missing[@]} == 0)) || aa_die "still missing after apt-get: ${missing[*]}"
aa_step "packages installed"
