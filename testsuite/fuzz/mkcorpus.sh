#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# mkcorpus.sh OUTDIR FIXTURES DEPMOD [TREE_ROOT...]
#
# Seed corpora for the fuzz targets, OUTDIR/<target>/, made at test time and
# never committed: a few dozen inputs each from the fixtures (mkfixtures.sh's
# output directory), from the Debian kernel trees given (debian-kernels.sh
# extract's roots, modules under <root>/lib/modules/<kver>/) and from small
# hand-written configuration files.  DEPMOD writes the index seeds.
# The file-* targets take the compressed file without its magic.
set -euo pipefail
export LC_ALL=C

out=${1:?usage: mkcorpus.sh OUTDIR FIXTURES DEPMOD [TREE_ROOT...]}
fixtures=${2:?}
depmod=${3:?}
shift 3
trees=("$@")

targets=(elf index modprobe-config depmod-config kcmdline signature file-zstd file-xz file-zlib)
for t in "${targets[@]}"; do
	rm -rf "${out:?}/$t"
	mkdir -p "$out/$t"
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mkcorpus.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# pick N: N lines spread evenly over stdin (all of them when fewer).
pick() {
	awk -v k="$1" '{ l[NR] = $0 } END {
		if (NR <= k) { for (i = 1; i <= NR; i++) print l[i]; exit }
		for (i = 0; i < k; i++) print l[int(i * NR / k) + 1] }'
}

# seed TARGET NAME: stdin into OUTDIR/TARGET/NAME.
seed() {
	cat > "$out/$1/$2"
}

# strip_magic N FILE: FILE without its first N bytes.
strip_magic() {
	tail -c +$(($1 + 1)) "$2"
}

size() {
	stat -c %s "$1"
}

# be32_at FILE OFFSET
be32_at() {
	od -An -tu1 -j "$2" -N 4 "$1" | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }'
}

# trailer_of IMAGE: the signature trailer at the end of a signed image, if any.
trailer_of() {
	local f=$1 n siglen
	n=$(size "$f")
	[ "$n" -gt 40 ] || return 0
	[ "$(tail -c 28 "$f")" = "~Module signature appended~" ] || return 0
	siglen=$(be32_at "$f" $((n - 32)))
	[ "$siglen" -gt 0 ] && [ $((siglen + 40)) -le "$n" ] || return 0
	tail -c $((siglen + 40)) "$f"
}

# ---- fixtures ------------------------------------------------------------------
for ko in "$fixtures"/*.ko; do
	seed elf "fixture-$(basename "$ko")" < "$ko"
done
for f in "$fixtures"/*.p7s "$fixtures"/*.trailer; do
	seed signature "fixture-$(basename "$f")" < "$f"
done
for f in "$fixtures"/badsig/*.sig; do
	# the oversized one only raises the fuzzers' input size
	[ "$(basename "$f")" = oversized.sig ] && continue
	seed signature "fixture-badsig-$(basename "$f")" < "$f"
done
[ -f "$fixtures/dummy.ko.zst" ] && strip_magic 4 "$fixtures/dummy.ko.zst" | seed file-zstd fixture
[ -f "$fixtures/dummy.ko.xz" ] && strip_magic 6 "$fixtures/dummy.ko.xz" | seed file-xz fixture
[ -f "$fixtures/dummy-signed.ko.xz" ] &&
	strip_magic 6 "$fixtures/dummy-signed.ko.xz" | seed file-xz fixture-signed
strip_magic 2 "$fixtures/dummy.ko.gz" | seed file-zlib fixture
# concatenated members and frames
cat "$fixtures/dummy.ko.gz" "$fixtures/dummy.ko.gz" | strip_magic 2 /dev/stdin |
	seed file-zlib fixture-concat
if [ -f "$fixtures/dummy.ko.zst" ]; then
	cat "$fixtures/dummy.ko.zst" "$fixtures/dummy.ko.zst" | strip_magic 4 /dev/stdin |
		seed file-zstd fixture-concat
fi

# index: what DEPMOD writes for a module directory; seeds stay small.
index_seeds() {
	local label=$1 base=$2 kver=$3 f
	"$depmod" -b "$base" "$kver" 2> /dev/null || return 0
	for f in "$base/lib/modules/$kver"/modules.*.bin; do
		[ -f "$f" ] && [ "$(size "$f")" -le 65536 ] || continue
		seed index "$label-$(basename "$f")" < "$f"
	done
	[ -s "$base/lib/modules/$kver/modules.softdep" ] &&
		seed modprobe-config "$label-modules.softdep" < "$base/lib/modules/$kver/modules.softdep"
	return 0
}
mkdir -p "$tmp/fixtures/lib/modules/0.0.0/kernel"
cp "$fixtures"/*.ko "$tmp/fixtures/lib/modules/0.0.0/kernel/"
index_seeds fixture "$tmp/fixtures" 0.0.0

# ---- Debian's kernels ------------------------------------------------------------
for root in "${trees[@]}"; do
	[ -n "$root" ] || continue
	for moddir in "$root"/lib/modules/*/; do
		kver=$(basename "$moddir")
		sub="$tmp/$kver/lib/modules/$kver"
		mkdir -p "$sub/kernel" "$tmp/$kver/x"
		find "$moddir" -name '*.ko' -size -48k | sort | pick 20 > "$tmp/ko"
		find "$moddir" -name '*.ko.xz' -size -24k | sort | pick 20 > "$tmp/koxz"
		i=0
		while read -r ko; do
			i=$((i + 1))
			seed elf "$kver-$(basename "$ko")" < "$ko"
			trailer_of "$ko" | seed signature "$kver-$(basename "$ko").trailer"
			cp "$ko" "$sub/kernel/"
			if [ $i -le 10 ]; then
				zstd -q -19 -c "$ko" | strip_magic 4 /dev/stdin |
					seed file-zstd "$kver-$(basename "$ko")"
				gzip -n -9 -c "$ko" | strip_magic 2 /dev/stdin |
					seed file-zlib "$kver-$(basename "$ko")"
			fi
		done < "$tmp/ko"
		i=0
		while read -r koxz; do
			i=$((i + 1))
			name=$(basename "$koxz" .xz)
			strip_magic 6 "$koxz" | seed file-xz "$kver-$name"
			[ $i -le 10 ] || continue
			xz -dc "$koxz" > "$tmp/$kver/x/$name"
			seed elf "$kver-$name" < "$tmp/$kver/x/$name"
			trailer_of "$tmp/$kver/x/$name" | seed signature "$kver-$name.trailer"
			cp "$tmp/$kver/x/$name" "$sub/kernel/"
		done < "$tmp/koxz"
		index_seeds "$kver" "$tmp/$kver" "$kver"
	done
done
# A signature trailer that came out empty (unsigned module) is no seed.
find "$out/signature" -type f -empty -delete

# ---- configuration files and command lines -------------------------------------
for f in /etc/modprobe.d/*.conf /usr/lib/modprobe.d/*.conf /lib/modprobe.d/*.conf; do
	[ -f "$f" ] && seed modprobe-config "system-$(basename "$f")" < "$f"
done
seed modprobe-config all-directives.conf <<'CONF'
# every directive
alias pci:v00008086d*sv*sd*bc*sc*i* e1000e
alias net-pf-10 ipv6
alias sym-[ab]c-*x mod-foo
blacklist pcspkr
blacklist mod-[a-b]-x
options snd-hda-intel model=auto	power_save=1 "quoted=a b"
options e1000e InterruptThrottleRate=3000,3000
install mod-foo /sbin/modprobe --ignore-install mod-foo && echo done
remove mod-foo /sbin/modprobe -r --ignore-remove mod-foo
softdep mod-foo pre: mod-foo-a mod-foo-b post: dummy
softdep mod_bar post: x pre: y z
weakdep mod-foo mod-foo-a mod-foo-b
deny algif_aead mod-foo-b bad*name
include /etc/modprobe.d/other.conf
config something
CONF
seed modprobe-config continuation.conf <<'CONF'
options dummy a=1 \
	b=2 \
	c=3
alias \
	x y
bogus line here
alias onlyone
options
softdep
weakdep nothing
deny
deny \
	x
CONF
seed depmod-config all-directives.conf <<'CONF'
# depmod.d
search updates extra built-in weak-updates external
override mod-foo * kernel/drivers
override mod-foo-a 6\.1\..* updates
override mod-foo-b ^5\. updates
external * /usr/lib/modules/extra
external 6.* /opt/modules
exclude .git build
make_map_files yes
include other.conf
bogus
CONF
seed depmod-config continuation.conf <<'CONF'
search \
	updates \
	built-in
override x
external onlyone
exclude
CONF
seed kcmdline proc-cmdline < /proc/cmdline
seed kcmdline debian <<'LINE'
BOOT_IMAGE=/boot/vmlinuz-6.1.0-57-amd64 root=UUID=1234 ro quiet e1000e.InterruptThrottleRate=3000,3000 modprobe.blacklist=pcspkr,nouveau
LINE
seed kcmdline quotes <<'LINE'
"snd_hda_intel.model=a b" mod.param="x y" "bad quote.x=1 a"b.c=d mod.p.q=1 a=b.c dummy.flag
LINE
printf 'a.b=1\tc.d="e\tf"\nmodprobe.blacklist=,x,,y\n' | seed kcmdline tabs
