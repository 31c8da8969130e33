#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# kmod-detached-sig: put the detached signature of every kernel module in the
# initramfs next to the module, where kmod-ds's libkmod looks for it:
#
#   /lib/modules/<kver>/kernel/fs/ext4/ext4.ko     ->  ext4.ko.sig
#   /lib/modules/<kver>/kernel/fs/ext4/ext4.ko.xz  ->  ext4.ko.xz.sig
#
# dracut-install copies only the file libkmod names as the module's path, so
# without this module a kernel booted with module.sig_enforce=1 (or lockdown)
# refuses every module loaded from the initramfs whose signature is detached.
#
# When the copying runs.  dracut calls install() and installkernel() of each
# dracut module in the order of the module directories (…, 90kernel-modules,
# 90kmod-detached-sig, 90lvm, …, 95nvmf, …), and after that loop it installs
# the kernel modules of --drivers, --add-drivers, --force-drivers and
# --filesystems.  Kernel modules therefore keep arriving long after this
# module's turn; the first moment all of them are in the image is
# dracut_kernel_post(), which dracut calls once every module is installed
# (it copies modules.builtin*, modules.order and runs depmod on the image;
# the squash module calls it again after adding its own modules).  dracut has
# no hook of its own for that moment, so installkernel() (called in every
# mode that installs kernel modules, --kernel-only included) wraps
# dracut_kernel_post: the original runs first, then the signatures of
# whatever modules the image holds at that point are copied.  depmod ignores
# .sig files, so running after it changes nothing in the indexes.
#
# Stripping.  With do_strip=yes (dracut's default) dracut later strips every
# plain .ko in the image that does not end in an appended signature, which is
# the case of every module whose signature is detached: any byte strip changes
# makes the .sig stale and the kernel reject the module.  When plain .ko
# modules with a .sig are in the image, stripping is turned off for this run
# (compressed modules are never stripped by dracut).

# srcmods, initdir, kernel, dracutsysrootdir, loginstall, do_strip and
# DRACUT_INSTALL are dracut's.
# shellcheck disable=SC2154

# The image's kernel has detached signatures: include this module by default;
# otherwise only when asked for (--add kmod-detached-sig).
check() {
    local _sig
    [[ -d $srcmods ]] || return 255
    _sig=$(find "$srcmods/" \( -name '*.ko.sig' -o -name '*.ko.*.sig' \) -print -quit 2> /dev/null)
    [[ -n $_sig ]] && return 0
    return 255
}

depends() {
    return 0
}

# libcrypto.  Under "detached_sig require" libkmod checks that each signature
# is a complete PKCS#7 block with libcrypto, which it loads with dlopen when it
# first needs it: dracut installs kmod's libraries by ldd and never sees it,
# and without it every module of the image is refused.  The policy that
# counts is the one the image's libkmod will read: what our modprobe -c makes
# of the image's modprobe.d directories, which 90kernel-modules (before this
# module) filled.  Only then is libcrypto installed (4.7 MB, 1.8 MB compressed).
# (The decompressors, also loaded with dlopen, come with the signatures:
# _kmod_ds_install_dlopened.)
install() {
    local _crypto
    [[ $(_kmod_ds_image_policy) == require ]] || return 0
    if ! _crypto=$(_kmod_ds_dlopened libcrypto); then
        derror "kmod-detached-sig: detached_sig require is configured, but the libcrypto" \
            "libkmod loads was not found: every module would be refused"
        return 1
    fi
    inst_library "$_crypto" || return 1
    dinfo "kmod-detached-sig: detached_sig require: installed $_crypto"
}

_kmod_ds_image_policy() {
    local _d
    local -a _args=()
    for _d in etc run usr/local/lib usr/lib lib; do
        [[ -d $initdir/$_d/modprobe.d ]] && _args+=(-C "$initdir/$_d/modprobe.d")
    done
    ((${#_args[@]} > 0)) || return 0
    env -u KMOD_DETACHED_SIG -u MODPROBE_OPTIONS modprobe -c "${_args[@]}" 2> /dev/null |
        sed -n 's/^detached_sig //p'
}

# _kmod_ds_dlopened NAME: the library NAME (libcrypto, liblzma, libzstd, libz)
# that the image's libkmod loads: the soname it was built with (in
# libkmod.so.2, or in kmod when linked statically: its .note.dlopen names it),
# from the directory of the libkmod.so.2 (else the libc) that modprobe uses here.
_kmod_ds_dlopened() {
    local _mp _lib _soname
    _mp=$(command -v modprobe) || return 1
    _mp=$(readlink -f "$_mp")
    _lib=$(env -u LD_PRELOAD ldd "$_mp" 2> /dev/null | sed -n 's/.*libkmod\.so\.2 => \([^ ]*\) .*/\1/p')
    _soname=$(grep -a -o -h "$1\\.so\\.[0-9][0-9]*" ${_lib:+"$_lib"} "$_mp" 2> /dev/null | head -n1)
    [[ -n $_lib ]] ||
        _lib=$(env -u LD_PRELOAD ldd "$_mp" 2> /dev/null | sed -n 's/.*libc\.so\.6 => \([^ ]*\) .*/\1/p')
    [[ -n $_soname && -n $_lib && -e ${_lib%/*}/$_soname ]] || return 1
    echo "${_lib%/*}/$_soname"
}

# _kmod_ds_install_dlopened SIG...: for each format of the compressed modules
# that have a .sig (module.ko.xz.sig: liblzma, .zst: libzstd, .gz: zlib), the
# library libkmod decompresses them with.  The signed image is assembled in
# userspace, so libkmod decompresses such a module itself, with a library it
# loads with dlopen, which dracut's ldd never sees.
_kmod_ds_install_dlopened() {
    local _f _ext _name _path _sigs=" $* "
    for _f in xz:liblzma zst:libzstd gz:libz; do
        _ext=${_f%%:*} _name=${_f#*:}
        [[ $_sigs == *".ko.$_ext.sig "* ]] || continue
        if ! _path=$(_kmod_ds_dlopened "$_name"); then
            derror "kmod-detached-sig: the image has .ko.$_ext modules with a .sig, but the" \
                "$_name libkmod loads to read them was not found: they would be refused"
            return 1
        fi
        inst_library "$_path" || return 1
        dinfo "kmod-detached-sig: .ko.$_ext modules with a .sig: installed $_path"
    done
}

installkernel() {
    if declare -F dracut_kernel_post > /dev/null; then
        _kmod_ds_wrap_kernel_post
    else
        # Not the dracut this was written for: do what can be done now.
        dwarn "kmod-detached-sig: no dracut_kernel_post; signatures of kernel modules" \
            "installed after this module are left out"
        _kmod_ds_install_sigs
    fi
    return 0
}

# Once per dracut run: dracut_kernel_post becomes "the original, then the
# signatures".
_kmod_ds_wrap_kernel_post() {
    declare -F _kmod_ds_orig_kernel_post > /dev/null && return 0
    eval "$(declare -f dracut_kernel_post | sed '1s/^dracut_kernel_post\b/_kmod_ds_orig_kernel_post/')"
    # shellcheck disable=SC2317 # called by dracut
    dracut_kernel_post() {
        _kmod_ds_orig_kernel_post "$@"
        local _ret=$?
        _kmod_ds_install_sigs
        return "$_ret"
    }
}

# Copy <srcmods>/<path>.sig for every module file <path> in the image.
_kmod_ds_install_sigs() {
    local _dst=/lib/modules/$kernel _src=${srcmods%/} _root _rel _n=0 _plain=0
    local -a _sigs=()

    [[ -d $initdir$_dst ]] || return 0
    while IFS= read -r -d '' _rel; do
        [[ -f $_src/$_rel.sig ]] || continue
        _sigs+=("$_rel.sig")
        [[ $_rel == *.ko ]] && _plain=$((_plain + 1))
    done < <(find "$initdir$_dst/" \( -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.gz' \
        -o -name '*.ko.zst' \) -printf '%P\0')
    ((${#_sigs[@]} > 0)) || return 0

    _root=${_src%"$_dst"}
    if [[ $_root != "$_src" ]]; then
        # <root>/lib/modules/<kver>, the usual layout (<root> is the sysroot,
        # or the prefix of --kmoddir): dracut-install takes the source path
        # below <root> as the destination path, many files a run.
        _kmod_ds_install_batches "$_root" "$_dst" "${_sigs[@]}" || return 1
        _n=${#_sigs[@]}
    else
        for _rel in "${_sigs[@]}"; do
            inst_simple "$_src/$_rel" "$_dst/$_rel" && _n=$((_n + 1))
        done
    fi
    dinfo "kmod-detached-sig: $_n detached module signatures installed"
    _kmod_ds_install_dlopened "${_sigs[@]}" || return 1
    _kmod_ds_keep_modules_unstripped "$_plain"
}

# _kmod_ds_install_batches ROOT DIR REL...: install ROOT/DIR/REL as DIR/REL for
# each REL, 500 a run.
_kmod_ds_install_batches() {
    local _root=$1 _dir=$2 _i
    local -a _paths=()
    shift 2
    for ((_i = 1; _i <= $#; _i++)); do
        _paths+=("$_dir/${!_i}")
        ((${#_paths[@]} == 500 || _i == $#)) || continue
        # shellcheck disable=SC2086 # DRACUT_INSTALL may hold options, as dracut uses it
        if ! $DRACUT_INSTALL ${_root:+-r "$_root"} ${initdir:+-D "$initdir"} \
            ${loginstall:+-L "$loginstall"} -a "${_paths[@]}"; then
            derror "kmod-detached-sig: FAILED: $DRACUT_INSTALL ${_root:+-r $_root} -a ${_paths[*]}"
            return 1
        fi
        _paths=()
    done
}

# dracut's strip pass would alter the plain modules whose signature is detached.
_kmod_ds_keep_modules_unstripped() {
    [[ $do_strip == yes && -z $DRACUT_FIPS_MODE ]] && (($1 > 0)) || return 0
    dinfo "kmod-detached-sig: not stripping: it would invalidate the detached" \
        "signatures of $1 modules"
    do_strip=no
}
