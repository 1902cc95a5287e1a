#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Print the kernel release we build and test against for a kernel series:
#   kver.sh [6.1|6.12]   (default: $KVER, else 6.1)
# 6.1: the installed Debian 12 linux-headers-amd64 (e.g. 6.1.0-56-amd64);
# the host's running kernel does not matter.
# 6.12: the headers in the Debian 13 build root ($AA_TRIXIE_ROOT); before
# that exists, the release trixie's linux-headers-amd64 would bring.
set -euo pipefail
KVER=${1:-${KVER:-6.1}}
# shellcheck source=scripts/harness-lib.sh
. "$(dirname "$0")/harness-lib.sh"

# newest_headers ROOT - the newest linux-headers-*-amd64 under ROOT/usr/src.
newest_headers() {
	find "$1/usr/src" -maxdepth 1 -name 'linux-headers-*-amd64' -printf '%f\n' 2>/dev/null |
		sed 's/^linux-headers-//' | sort -V | tail -n1 || true
}

kv=
case $AA_KVER in
6.1)
	kv=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null |
		grep -o 'linux-headers-[^ ,]*' | head -n1 | sed 's/^linux-headers-//') || true
	# Not the meta package: take the newest installed amd64 headers.
	[[ -n $kv ]] || kv=$(newest_headers "")
	if [[ -z $kv || ! -d /usr/src/linux-headers-$kv ]]; then
		aa_die "no Debian kernel headers installed; run 'make deps'"
	fi
	;;
6.12)
	kv=$(newest_headers "$AA_TRIXIE_ROOT")
	if [[ -z $kv ]]; then
		aa_trixie_apt
		kv=$(apt-cache "${AA_APT_OPTS[@]}" show --no-all-versions linux-headers-amd64 |
			sed -n 's/^Depends:.*linux-headers-\(6\.12[^ ,]*-amd64\).*/\1/p' | head -n1)
	fi
	[[ -n $kv ]] || aa_die "no 6.12 kernel release: no build root at $AA_TRIXIE_ROOT" \
		"and no linux-headers-amd64 in the trixie lists"
	;;
esac
echo "$kv"
