#!/bin/bash
# make deb: build/vdev-dkms_<version>_all.deb, with dpkg-deb and no network. It holds the modules'
# sources under /usr/src/vdev-<version>/ with dkms.conf (DKMS rebuilds them for every kernel) and the
# ip plugins' sources, which its postinst builds for the installed iproute2; see packaging/.
# The version: packaging/VERSION, then the commit count and hash (0.1+412.g67e767c).
set -euo pipefail
. "$(dirname "$0")/common.sh"

base=$(cat "$TOP/packaging/VERSION")
if git -C "$TOP" rev-parse HEAD >/dev/null 2>&1; then
	version=$base+$(git -C "$TOP" rev-list --count HEAD).g$(git -C "$TOP" rev-parse --short HEAD)
else
	version=$base
fi
stage=$BUILD/deb/vdev-dkms
src=$stage/usr/src/vdev-$version
rm -rf "$stage"
mkdir -p "$src" "$stage/DEBIAN"

# what kbuild needs (the top Kbuild, each directory's Kbuild and sources) and the plugins' sources
(cd "$TOP" && git ls-files -- Kbuild 'drivers/*' 'switch/*' 'include/*' 2>/dev/null ||
	find Kbuild drivers switch include -type f) | while read -r f; do
	install -D -m 0644 "$TOP/$f" "$src/$f"
done
[ -r "$src/Kbuild" ] && [ -r "$src/switch/Kbuild" ] || die "the module sources were not found"
sed "s/@VERSION@/$version/" "$TOP/packaging/dkms.conf" >"$src/dkms.conf"

for s in postinst prerm; do
	sed "s/@VERSION@/$version/" "$TOP/packaging/$s" >"$stage/DEBIAN/$s"
	chmod 0755 "$stage/DEBIAN/$s"
done
cat >"$stage/DEBIAN/control" <<CONTROL
Package: vdev-dkms
Version: $version
Architecture: all
Section: kernel
Priority: optional
Depends: dkms (>= 2.8), gcc | c-compiler, make
Recommends: iproute2
Maintainer: vdev developers <vdev@localhost>
Installed-Size: $(du -sk "$stage/usr" | cut -f1)
Description: virtual network devices vnet, vpair and vswitch (DKMS)
 vnet, a virtual Ethernet NIC whose far end answers ARP, ICMP echo and IPv6
 neighbour discovery inside the driver; vpair, a veth-style pair; vswitch, an
 Open vSwitch-style datapath that the stock ovs-dpctl drives. DKMS builds the
 modules for every installed kernel; the ip link plugins (type vpair, vswitch)
 are built at install for iproute2 6.1.
CONTROL
mkdir -p "$BUILD"
out=$BUILD/vdev-dkms_${version}_all.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$out" >/dev/null
say "built $out"
echo "$out"
