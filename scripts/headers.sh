#!/bin/bash
# Debian's kernel headers for $KVER, unpacked under build/kernel/$KVER/headers when the host has none
# installed: apt-get download + dpkg-deb -x of linux-headers-$KVER, its -common package and its
# linux-kbuild. Nothing is installed on the host (the 6.12 headers packages would pull in a kernel
# image for /boot). Prints the resulting KDIR.
set -euo pipefail
. "$(dirname "$0")/common.sh"
resolve_kver

hdr=$KCACHE/headers
kdir=$hdr/usr/src/linux-headers-$KVER
if [ ! -e "$hdr/.complete" ]; then
	rm -rf "$hdr"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	cd "$tmp"
	say "Fetching Debian's headers for $KVER"
	apt_download "linux-headers-$KVER" >&2 || {
		apt_update
		apt_download "linux-headers-$KVER" >&2
	} || die "linux-headers-$KVER is not in Debian's archive"
	deps=$(dpkg-deb -f ./linux-headers-*.deb Depends | tr ',|' '\n\n' |
		sed -n 's/^ *\(linux-headers-[^ ]*-common[^ ]*\|linux-kbuild-[^ ]*\).*/\1/p' | sort -u)
	# shellcheck disable=SC2086
	apt_download $deps >&2
	mkdir -p "$hdr"
	for deb in ./*.deb; do dpkg-deb -x "$deb" "$hdr"; done
	# the package's Makefile includes the -common tree by its installed, absolute path
	sed -i "s|^include /usr/src/|include $hdr/usr/src/|" "$kdir/Makefile"
	[ -e "$kdir/scripts/basic/fixdep" ] || die "headers for $KVER unpacked without kbuild's tools"
	touch "$hdr/.complete"
fi
echo "$kdir"
