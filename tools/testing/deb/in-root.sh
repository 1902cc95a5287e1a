#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs as root inside a throw-away Debian build root (scripts/deb-test.sh
# overlays the cached root and mounts the packages at /debs): installs the
# packages of `make deb` with apt-get, as a user would, and checks that DKMS
# built and installed the modules for the root's kernel headers, that the
# tools run, that pkg-config and the C compiler find libaioattr, and that
# purging the DKMS package takes the modules away.  Prints one
# "AATEST: PASS|FAIL <id> [why]" line per check; the id ends in the kernel.
set -uo pipefail
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8

# The kernel release of the root's linux-headers-amd64.
KV=$(dpkg-query -W -f '${Depends}' linux-headers-amd64 | sed -n 's/^linux-headers-\([^ ,]*\).*/\1/p')
SFX=${KV%%.*}.$(echo "$KV" | cut -d. -f2)
failed=0

pass() { echo "AATEST: PASS $1-$SFX"; }
fail() {
	echo "AATEST: FAIL $1-$SFX ${*:2}"
	failed=1
}

echo "deb-test: $(. /etc/os-release && echo "$PRETTY_NAME"), headers $KV, $(gcc --version | head -n1)"
[[ -n $KV && -d /usr/src/linux-headers-$KV ]] || { fail setup "no linux-headers in the root"; exit 1; }

# Everything but the debug symbols, in one apt-get call, nothing downloaded:
# the root holds the dependencies already.
debs=()
for p in aio-attr-dkms aioattr-tools libaioattr1 libaioattr-posix1 libaioattr-dev; do
	debs+=(/debs/"$p"_*.deb)
done
if apt-get install -y -q --no-install-recommends -o Dpkg::Use-Pty=0 "${debs[@]}" \
	>/tmp/install.log 2>&1; then
	pass apt_install
else
	tail -n 30 /tmp/install.log
	fail apt_install "apt-get install ./*.deb failed"
fi
# What DKMS said while the package was configured.
sed -n '/^Setting up aio-attr-dkms/,/^Setting up [^a]/p' /tmp/install.log | grep -v '^Setting up [^a]'

status=$(dkms status aio_attr -k "$KV" 2>&1)
echo "dkms status: $status"
if [[ $status == *"$KV"*": installed"* ]]; then
	pass dkms_installed
else
	fail dkms_installed "dkms status says '$status'"
	for f in /var/lib/dkms/aio_attr/*/build/make.log; do
		[[ -f $f ]] && tail -n 30 "$f"
	done
fi

# The three modules, built for this kernel and found by modprobe's index.
bad=
for m in aio_attr aiodemo dm-iocrypt; do
	vm=$(modinfo -k "$KV" -F vermagic "$m" 2>/dev/null)
	fn=$(modinfo -k "$KV" -F filename "$m" 2>/dev/null)
	[[ $vm == "$KV "* && $fn == /lib/modules/$KV/updates/dkms/* ]] || bad+=" $m($fn: $vm)"
done
if [[ -z $bad ]]; then
	pass modules_vermagic
else
	fail modules_vermagic "not built for $KV or not indexed:$bad"
fi

out=$(aioattr --version 2>&1)
if [[ $out == "aioattr "* ]]; then
	pass aioattr_version
else
	fail aioattr_version "'aioattr --version' said '$out'"
fi
if out=$(iocryptsetup --help 2>&1) && [[ $out == *create* ]]; then
	pass iocryptsetup_help
else
	fail iocryptsetup_help "'iocryptsetup --help' said '$out'"
fi

# A program built the way the -dev package says (pkg-config), linked with
# the shared library, looks an attribute up by name.
cat >/tmp/t.c <<'C'
#include <aio_attr/aio_attr.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	int id = aa_attr_lookup("service_ns", strlen("service_ns"));

	if (id < 0)
		return 1;
	printf("%s %u\n", aa_attr_name(id), aa_attr_nr());
	return 0;
}
C
# (ldd's output in a variable, not piped to grep -q: under pipefail, a
# grep that quits at its match can end ldd with SIGPIPE and fail the check.)
out='' libs='' flags=()
if read -ra flags < <(pkg-config --cflags --libs aio_attr) &&
	gcc -Wall -Werror -o /tmp/t /tmp/t.c "${flags[@]}" &&
	out=$(/tmp/t) && [[ $out == "service_ns "* ]] && libs=$(ldd /tmp/t) &&
	[[ $libs =~ libaioattr\.so\.1\ =\>\ /[^[:space:]]*/x86_64-linux-gnu/libaioattr\.so\.1\  ]]; then
	pass pkgconfig_link
else
	fail pkgconfig_link "pkg-config aio_attr: '${flags[*]}', program said '$out'," \
		"ldd: $(echo "$libs" | tr '\n\t' '  ')"
fi
if pkg-config --exists aio_attr_posix; then
	pass pkgconfig_posix
else
	fail pkgconfig_posix "pkg-config does not know aio_attr_posix"
fi

# Purging the DKMS package removes the modules from the kernel's tree.
if [[ $(dpkg-query -W -f '${db:Status-Abbrev}' aio-attr-dkms 2>/dev/null) != ii* ]]; then
	fail dkms_purge "aio-attr-dkms is not installed: nothing to purge"
	exit 1
fi
apt-get purge -y -q -o Dpkg::Use-Pty=0 aio-attr-dkms >/tmp/purge.log 2>&1
status=$(dkms status aio_attr 2>&1)
left=$(find "/lib/modules/$KV" -name 'aio_attr.ko*' -o -name 'dm-iocrypt.ko*' -o -name 'aiodemo.ko*')
if [[ -z $status && -z $left ]]; then
	pass dkms_purge
else
	fail dkms_purge "after purge: dkms status '$status', files: $left"
fi
exit $failed
