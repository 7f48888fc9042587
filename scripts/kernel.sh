#!/bin/bash
# Fetch Debian's kernel image for $KVER into build/kernel/$KVER (never into the host's /boot),
# or with KERNEL=debug build the debug kernel (scripts/debug-kernel.sh):
# apt-get download + dpkg-deb -x, then depmod so the image builder can resolve module dependencies.
set -euo pipefail
. "$(dirname "$0")/common.sh"
[ "${KERNEL:-}" = debug ] && exec "$TOP/scripts/debug-kernel.sh"
resolve_kver

stamp=$KCACHE/.complete
[ -e "$stamp" ] && exit 0
if [ -n "$SYSROOT" ]; then
	# the release's root has the kernel installed, modules and depmod included
	[ -r "$SYSROOT/boot/vmlinuz-$KVER" ] || die "Debian $DIST's root has no vmlinuz-$KVER"
	mkdir -p "$KCACHE"
	ln -sfn "$SYSROOT" "$KCACHE/root"
	touch "$stamp"
	exit 0
fi

# only what this script makes: headers.sh may have unpacked the headers next to it already
rm -rf "$KCACHE/root" "$KCACHE/deb"
mkdir -p "$KCACHE/deb"
cd "$KCACHE/deb"
say "Fetching Debian kernel linux-image-$KVER"
# The signed and unsigned packages carry the same vmlinuz for QEMU's purposes.
apt_download "linux-image-$KVER" >&2 || apt_download "linux-image-$KVER-unsigned" >&2 || {
	apt_update
	apt_download "linux-image-$KVER" >&2 || apt_download "linux-image-$KVER-unsigned" >&2
} || die "linux-image-$KVER is not in Debian's archive (set KVER= to a version apt-cache knows)"
dpkg-deb -x ./*.deb "$KCACHE/root"
rm -rf "$KCACHE/deb"
[ -r "$KCACHE/root/boot/vmlinuz-$KVER" ] || die "no vmlinuz-$KVER in the package"
depmod -b "$KCACHE/root" "$KVER"
touch "$stamp"
