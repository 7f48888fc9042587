#!/bin/bash
# DIST=trixie: a root of that Debian release under build/dist/<release>/, made with debootstrap from
# the Debian mirror the host's apt uses, and apt-get inside it. It holds the release's kernel and
# headers, its compiler (the modules are built in it: the kernel and its kbuild tools are built
# with that gcc and glibc), and the guest's userland: the image takes the release's own ip, ping,
# ethtool, tcpdump, iperf3, busybox, Open vSwitch ... with their libraries from here, so that the
# guest is the same on any build machine. Nothing on the host changes but the debootstrap package.
# Prints the root. Made once; `rm -rf build/dist` to make it anew.
set -euo pipefail
. "$(dirname "$0")/common.sh"

dist=${DIST:?DIST is not set}
root=$BUILD/dist/$dist
[ -e "$root/.complete" ] && { echo "$root"; exit 0; }

command -v debootstrap >/dev/null ||
	apt_get install -y -qq --no-install-recommends debootstrap >&2 ||
	{ apt_update && apt_get install -y -qq --no-install-recommends debootstrap >&2; }
[ -r "/usr/share/debootstrap/scripts/$dist" ] || die "debootstrap does not know Debian $dist"
# the first Debian mirror of the host's apt sources (deb822 or one-line format)
mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
	awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) { print $i; exit } }')
[ -n "$mirror" ] || mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
	awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) { print $i; exit } }')
[ -n "$mirror" ] || die "no Debian mirror in the host's apt sources"

# what the root must hold: the build tools, the kernel, and each tool of the guest image
pkgs=(gcc make libc6-dev kmod linux-headers-amd64 linux-image-amd64 busybox-static)
pkgs+=($(awk '$1 == "bin" || $1 == "pkg" { print $2 }' "$TOP/initramfs/image.list" | sort -u))

# debootstrap mounts proc and sys in the root: it runs in a mount namespace of its own, which takes
# them away when it ends, killed or not (a make stopped mid-way left the host's proc mounted there,
# and rm -rf then walked into it). A root left so by an older run is unmounted first.
awk -v r="$(realpath -m "$root")/" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r |
	xargs -r -n1 umount -l || die "cannot unmount what is mounted under $root"
rm -rf "$root"
mkdir -p "$(dirname "$root")"
say "Making a Debian $dist root in $root from $mirror (a few minutes, once)"
unshare -m debootstrap --variant=minbase "$dist" "$root" "$mirror" >"$root.log" 2>&1 ||
	die "debootstrap failed: $root.log"
# no service starts in it (openvswitch-switch's postinst would try), and no initramfs is made
# for its kernel (INITRD=No: the guest boots an image of its own)
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"
# shellcheck disable=SC2086
unshare -m chroot "$root" env DEBIAN_FRONTEND=noninteractive INITRD=No apt-get install -y -q --no-install-recommends \
	"${pkgs[@]}" >>"$root.log" 2>&1 || die "apt-get install in the $dist root failed: $root.log"
chroot "$root" apt-get clean
touch "$root/.complete"
echo "$root"
