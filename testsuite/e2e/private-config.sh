#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# private-config.sh DIR: run inside a private mount namespace (unshare -m),
# before an initramfs builder.  Mounts DIR/modprobe.d and DIR/depmod.d over
# every modprobe.d and depmod.d directory of this machine, so that the builder,
# the tools and libkmod it runs read (and copy into the image) the test's
# configuration only: packages such as mdadm, udev or systemd add files of
# their own there, which would change what a test sees from one machine to
# the next.  A directory the machine does not have is left alone: nothing can
# leak from it.

set -eu
if [ $# != 1 ] || [ ! -d "$1/modprobe.d" ] || [ ! -d "$1/depmod.d" ]; then
	echo "usage: private-config.sh DIR (with DIR/modprobe.d and DIR/depmod.d)" >&2
	exit 2
fi
seen=' '
for d in /etc/modprobe.d /run/modprobe.d /usr/local/lib/modprobe.d /usr/lib/modprobe.d \
	/lib/modprobe.d /etc/depmod.d /run/depmod.d /usr/local/lib/depmod.d \
	/usr/lib/depmod.d /lib/depmod.d; do
	[ -d "$d" ] || continue
	# /lib is /usr/lib on a merged-/usr system: one mount each.
	real=$(readlink -f "$d")
	case $seen in *" $real "*) continue ;; esac
	seen="$seen$real "
	mount --bind "$1/${d##*/}" "$real"
done
