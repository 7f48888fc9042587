#!/bin/bash
# make deb-test: the package of `make deb`, built by DKMS as on a user's machine, for the default
# kernel (Debian 6.1) and the newest Debian 6.12, then the whole suite in the guest on the modules
# DKMS built. Nothing on the host changes: the DKMS tree is under build/dkms/, the headers are the
# unpacked ones of build/kernel/ (dkms --kernelsourcedir). DEB_TEST_SUITE=0 stops after the builds.
set -euo pipefail
. "$(dirname "$0")/common.sh"

"$TOP/scripts/deps.sh" build btf deb
deb=$("$TOP/scripts/deb.sh")
version=$(dpkg-deb -f "$deb" Version)
tree=$BUILD/dkms
rm -rf "$tree"
mkdir -p "$tree/root" "$tree/dkms"
dpkg-deb -x "$deb" "$tree/root"
dpkg-deb -e "$deb" "$tree/DEBIAN"
for s in postinst prerm; do sh -n "$tree/DEBIAN/$s" || die "$s: not valid sh"; done
dkms add --sourcetree "$tree/root/usr/src" --dkmstree "$tree/dkms" -m vdev -v "$version" >/dev/null

for kv in "${KVER:-}" 6.12; do
	(
		KVER=$kv
		unset KDIR
		resolve_kver
		"$TOP/scripts/headers.sh" >/dev/null
		log=$BUILD/log/dkms-$KVER.log
		mkdir -p "$BUILD/log"
		say "DKMS build of vdev $version for $KVER"
		dkms build --sourcetree "$tree/root/usr/src" --dkmstree "$tree/dkms" -m vdev -v "$version" \
			-k "$KVER" --kernelsourcedir "$KDIR" >"$log" 2>&1 || die "dkms build failed: $log"
		mods=$tree/dkms/vdev/$version/$KVER/x86_64/module
		for m in vnet vpair vswitch; do
			[ -r "$mods/$m.ko" ] || die "DKMS built no $m.ko for $KVER ($log)"
			magic=$(modinfo -F vermagic "$mods/$m.ko")
			[ "${magic%% *}" = "$KVER" ] || die "$m.ko is for ${magic%% *}, not $KVER"
		done
		say "DKMS built vnet.ko, vpair.ko, vswitch.ko for $KVER"
		if [ "${DEB_TEST_SUITE:-1}" != 0 ]; then
			VDEV_MODULES_DIR=$mods KVER=$KVER make -C "$TOP" --no-print-directory qemu-test
		fi
	)
done
