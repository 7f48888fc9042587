#!/bin/bash
# Run kbuild for the project's modules against $KDIR:  kbuild.sh modules|modules_install|clean [VAR=...]
set -euo pipefail
. "$(dirname "$0")/common.sh"
resolve_kver
if [ ! -d "$KDIR" ] && [ "$KDIR" = "$KCACHE/headers/usr/src/linux-headers-$KVER" ]; then
	"$TOP/scripts/headers.sh" >/dev/null
fi
[ -d "$KDIR" ] || die "no kernel build tree at $KDIR"
# a kernel with BTF for modules (Debian's 6.12) runs pahole when it links them
if grep -qs '^CONFIG_DEBUG_INFO_BTF_MODULES=y' "$KDIR/.config" && ! command -v pahole >/dev/null; then
	"$TOP/scripts/deps.sh" btf
fi
target=$1
shift
if [ -n "$SYSROOT" ]; then
	# with the release's own gcc and kbuild tools: in its root, this tree mounted at /src there
	[ "$target" != modules_install ] || die "DIST=$DIST: install the package of make deb instead"
	mkdir -p "$SYSROOT/src"
	exec unshare -m sh -c 'mount --bind "$1" "$2/src" && shift 2 && exec chroot "$0" "$@"' \
		"$SYSROOT" "$TOP" "$SYSROOT" make --no-print-directory -C "${KDIR#"$SYSROOT"}" M=/src \
		"$target" "$@"
fi
case $target in
modules_install)
	as_root make -C "$KDIR" M="$TOP" INSTALL_MOD_DIR=extra modules_install "$@"
	as_root depmod -a "$KVER"
	;;
*) make --no-print-directory -C "$KDIR" M="$TOP" "$target" "$@" ;;
esac
