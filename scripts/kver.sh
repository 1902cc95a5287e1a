#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Print the kernel release of the installed Debian linux-headers-amd64
# package (e.g. 6.1.0-56-amd64).  This is what we build and test against;
# the host's running kernel does not matter.
set -euo pipefail

kv=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null |
	grep -o 'linux-headers-[^ ,]*' | head -n1 | sed 's/^linux-headers-//') || true
if [[ -z $kv ]]; then
	# Not the meta package: take the newest installed amd64 headers.
	kv=$(find /usr/src -maxdepth 1 -name 'linux-headers-*-amd64' -printf '%f\n' |
		sed 's/^linux-headers-//' | sort -V | tail -n1)
fi
if [[ -z $kv || ! -d /usr/src/linux-headers-$kv ]]; then
	echo "error: no Debian kernel headers installed; run 'make deps'" >&2
	exit 1
fi
echo "$kv"
