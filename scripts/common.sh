# Sourced by every script under scripts/: paths, the kernel version, and small helpers.
# shellcheck shell=bash

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}

say() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Root or sudo for apt-get; nothing else needs privileges.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		die "need root (or sudo) to run: $*"
	fi
}

# apt-get as root, one at a time: two makes at once (a soak beside a debug run) would otherwise see
# "Could not get lock /var/lib/apt/lists/lock" in one of them, and stop. apt_update: its lists.
apt_get() {
	as_root flock /tmp/vdev-apt.lock env DEBIAN_FRONTEND=noninteractive \
		apt-get -o DPkg::Lock::Timeout=300 "$@"
}
apt_update() { apt_get update -qq >&2; }

# apt-get download into the current folder. As root, apt's sandbox user cannot write here: say so
# to apt instead of letting it warn about it.
apt_download() {
	if [ "$(id -u)" -eq 0 ]; then
		apt-get -q -o APT::Sandbox::User=root download "$@"
	else
		apt-get -q download "$@"
	fi
}

# The kernel the modules are built for and the guest boots.
#   KDIR given           -> its kernelrelease
#   KVER given           -> that Debian kernel (e.g. 6.12.57+deb12-amd64)
#   neither              -> the version linux-headers-amd64 points at (installed or in the archive)
kver_default() {
	local dep
	# dpkg-query answers "" and 0 for a package it knows of but has not installed
	dep=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null) || true
	[ -n "$dep" ] || dep=$(apt-cache depends linux-headers-amd64 2>/dev/null | sed -n 's/^ *Depends: //p')
	dep=$(printf '%s\n' "$dep" | tr ',' '\n' | sed -n 's/^ *linux-headers-\([^ ]*-amd64\).*/\1/p' | head -n1)
	[ -n "$dep" ] && { echo "$dep"; return; }
	[ "$(id -u)" -eq 0 ] || command -v sudo >/dev/null || return 1
	apt_update && kver_default_noupdate
}
kver_default_noupdate() {
	apt-cache depends linux-headers-amd64 2>/dev/null |
		sed -n 's/^ *Depends: linux-headers-\([^ ]*-amd64\).*/\1/p' | head -n1
}

# KVER=6.12: the newest Debian kernel of that series (flavour amd64) that apt knows.
kver_newest() {
	kver_newest_known "$1" || { apt_update && kver_newest_known "$1"; }
}
kver_newest_known() {
	apt-cache pkgnames "linux-image-$1." 2>/dev/null |
		sed -n "s/^linux-image-\\($1\\.[0-9][^ ]*-amd64\\)$/\\1/p" | grep -v -e '-rt-' -e '-cloud-' |
		sort -V | tail -n1 | grep .
}

# KERNEL=debug: where scripts/debug-kernel.sh builds (or has built) the debug kernel. The key is the
# source's Debian version and a hash of the config, so a changed config builds anew.
debug_kernel_dir() {
	local ver key
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null) || ver=none
	key=$(sha256sum <"$TOP/scripts/kernel-debug.config" | cut -c1-12)
	echo "${VDEV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vdev}/kernel-debug-$ver-$key"
}

# DIST=trixie (any release but the host's bookworm): the kernel, its build and the guest's userland
# come from that release's root, made by scripts/dist.sh; SYSROOT names it.
resolve_dist() {
	SYSROOT=
	case ${DIST:-bookworm} in
	bookworm) return ;;
	*[!a-z]*) die "DIST=$DIST: a Debian release name, such as trixie" ;;
	esac
	[ "${KERNEL:-}" != debug ] || die "KERNEL=debug is built for bookworm only"
	SYSROOT=$BUILD/dist/$DIST
	[ -e "$SYSROOT/.complete" ] || "$TOP/scripts/dist.sh" >/dev/null
	export SYSROOT
}
# a path of the guest's userland, as a file here: in SYSROOT (its links resolved there), else the host's
sys_path() {
	if [ -n "${SYSROOT:-}" ]; then
		echo "$SYSROOT$(chroot "$SYSROOT" readlink -f "$1")"
	else
		readlink -f "$1"
	fi
}
# ldd of a tool of the guest's userland: the loader and libraries it needs, one path a line
sys_libs() {
	if [ -n "${SYSROOT:-}" ]; then chroot "$SYSROOT" ldd "$1"; else ldd "$1"; fi 2>/dev/null |
		awk '/not found/ { bad = 1 } /=> \// { print $3 } /^\t\/[^ ]*ld-linux/ { print $1 } END { exit bad }'
}

resolve_kver() {
	resolve_dist
	if [ -n "$SYSROOT" ]; then
		# the release's own kernel: the one its linux-headers-amd64 brought
		KVER=${KVER:-$(cd "$SYSROOT/usr/src" && ls -d linux-headers-*-amd64 | sed 's/^linux-headers-//' |
			sort -V | tail -n1)}
		KCACHE=$BUILD/kernel/$KVER
		KDIR=$SYSROOT/usr/src/linux-headers-$KVER
		[ -d "$KDIR" ] || die "Debian $DIST's root has no headers for $KVER"
		export KVER KDIR KCACHE
		return
	fi
	if [ "${KERNEL:-}" = debug ]; then
		# built by scripts/debug-kernel.sh; until then the release is not known yet
		KCACHE=$(debug_kernel_dir)
		KDIR=$KCACHE/build
		KVER=$(cat "$KDIR/include/config/kernel.release" 2>/dev/null) || KVER=debug-not-built
		export KVER KDIR KCACHE
		return
	fi
	if [ -z "${KVER:-}" ] && [ -n "${KDIR:-}" ] && [ -r "$KDIR/include/config/kernel.release" ]; then
		KVER=$(cat "$KDIR/include/config/kernel.release")
	fi
	case ${KVER:-} in
	[0-9]*.[0-9]*.*) ;;
	[0-9]*.[0-9]*) KVER=$(kver_newest "$KVER") || die "no Debian kernel $KVER in the archive" ;;
	esac
	[ -n "${KVER:-}" ] || KVER=$(kver_default) || true
	[ -n "${KVER:-}" ] || die "cannot tell which kernel to use: install linux-headers-amd64 or set KVER="
	KCACHE=$BUILD/kernel/$KVER
	# a KDIR of your own, else the host's installed headers, else Debian's unpacked by headers.sh
	if [ -z "${KDIR:-}" ]; then
		KDIR=/lib/modules/$KVER/build
		[ -d "$KDIR" ] || KDIR=$KCACHE/headers/usr/src/linux-headers-$KVER
	fi
	export KVER KDIR KCACHE
}
