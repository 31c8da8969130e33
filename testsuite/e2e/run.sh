#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# One boot of a real signed Debian kernel with our tools, for people (the test
# itself is testsuite/test-e2e.sh):
#
#   run.sh --demo   [--kernel 6.1|6.12] [--no-enforce] [--keep DIR]
#       the demo transcript: a module shipped unsigned loaded with its .sig on a
#       kernel that enforces signatures, and what the kernel refuses (default:
#       6.12 with module.sig_enforce=1)
#   run.sh --cases  [--kernel 6.1|6.12] [--no-enforce] [--keep DIR]
#       the raw result lines of the test cases from one boot
#
# Environment: top_builddir (default: the current directory) holds tools/kmod;
# top_srcdir defaults to this script's tree.  Exit status 0 when the guest
# finished and everything went as expected.

set -uo pipefail

top_srcdir=${top_srcdir:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
# shellcheck source=testsuite/e2e/host.sh
. "$top_srcdir/testsuite/e2e/host.sh"

usage() {
	sed -n '4,15s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
	exit 2
}

what='' series=6.12 enforce=1 keep=''
while [ $# -gt 0 ]; do
	case $1 in
	--demo) what=demo ;;
	--cases) what=cases ;;
	--kernel)
		series=${2:-}
		shift
		;;
	--no-enforce) enforce=0 ;;
	--keep)
		keep=${2:-}
		shift
		;;
	*) usage ;;
	esac
	shift
done
[ -n "$what" ] || usage
case $series in 6.1 | 6.12) ;; *) usage ;; esac

die() {
	echo "e2e: $*" >&2
	exit 1
}

missing=$(e2e_missing)
[ -z "$missing" ] || die "missing $missing; install: apt-get install $E2E_PACKAGES"
[ -x "$top_builddir/tools/kmod" ] || die "$top_builddir/tools/kmod not built (run make first)"

if [ -n "$keep" ]; then
	work=$keep
	mkdir -p "$work" || exit 1
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/kmod-e2e.XXXXXX") || exit 1
	trap 'rm -rf "$work"' EXIT
fi

t0=$(e2e_now)
echo "e2e: Debian's signed kernels (downloaded once into $E2E_CACHE) ..."
trees=$(e2e_kernels) || die "cannot get the Debian kernels (see above)"
kver='' root=''
while read -r k r; do
	if [ "$(e2e_series "$k")" = "$series" ]; then
		kver=$k root=$r
	fi
done <<< "$trees"
[ -n "$kver" ] || die "no $series kernel among: $trees"
vmlinux=$(e2e_vmlinux "$root" "$kver") || die "cannot extract vmlinux from $root"
e2e_pci=$(e2e_pciutils) || die "cannot get Debian's $E2E_PCI_DEBS"
e2e_initramfs "$root" "$kver" "$work/initramfs.cpio" || die "cannot build the initramfs"

append=
[ "$enforce" = 1 ] && append=module.sig_enforce=1
[ "$what" = demo ] && append="$append kmodds_e2e=demo"
echo "e2e: $kver ready after $(e2e_elapsed "$t0") s; booting it in qemu (TCG), kernel" \
	"command line: $E2E_CMDLINE $append"
echo
e2e_boot "$vmlinux" "$work/initramfs.cpio" "$append" "$work"
grep -v '^E2E-END ' "$work/results.txt"
end=$(grep -m1 '^E2E-END ' "$work/results.txt")
echo
echo "e2e: boot and run took $e2e_secs s (qemu exit $e2e_rc); total $(e2e_elapsed "$t0") s"
if [ "$e2e_rc" != 0 ] || [ "$end" != "E2E-END status=0" ]; then
	echo "e2e: the guest did not finish cleanly (${end:-no end marker}); kernel console:" >&2
	tr -d '\r' < "$work/console.log" | tail -n 40 | sed 's/^/  /' >&2
	exit 1
fi
[ "$what" = cases ] && grep -q '^not ok ' "$work/results.txt" && exit 1
exit 0
