#!/bin/bash
# make deb-test: the package of `make deb`, built by DKMS as on a user's machine, for the default
# kernel (Debian 6.1), the newest Debian 6.12 of bookworm and Debian 13 trixie's kernel (built there
# by trixie's DKMS and gcc, DIST=trixie), then the whole suite in the guest on the modules DKMS
# built. Nothing on the host changes: the DKMS tree is under build/dkms/, the headers are the
# unpacked ones of build/kernel/ or trixie's root (dkms --kernelsourcedir). DEB_TEST_SUITE=0 stops after the builds.
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

# dkms_build KVER KDIR TREE: DKMS's build of the package's sources (TREE/root/usr/src) in TREE/dkms
dkms_build() {
	{ [ -e "$3/dkms/vdev/$version" ] ||
		dkms add --sourcetree "$3/root/usr/src" --dkmstree "$3/dkms" -m vdev -v "$version" >/dev/null; } &&
		dkms build --sourcetree "$3/root/usr/src" --dkmstree "$3/dkms" -m vdev -v "$version" \
			-k "$1" --kernelsourcedir "$2"
}

# bookworm's default kernel and newest 6.12, then trixie's kernel with trixie's gcc and dkms, in
# its root (scripts/dist.sh) with the tree mounted at /dkms-test there
for target in "bookworm:${KVER:-}" bookworm:6.12 trixie:; do
	(
		DIST=${target%%:*} KVER=${target#*:}
		[ -n "$KVER" ] || unset KVER
		unset KDIR
		resolve_kver
		log=$BUILD/log/dkms-$KVER.log
		mkdir -p "$BUILD/log"
		say "DKMS build of vdev $version for $KVER (Debian $DIST)"
		if [ -z "$SYSROOT" ]; then
			"$TOP/scripts/headers.sh" >/dev/null
			dkms_build "$KVER" "$KDIR" "$tree" >"$log" 2>&1 || die "dkms build failed: $log"
			mods=$tree/dkms/vdev/$version/$KVER/x86_64/module
		else
			chroot "$SYSROOT" sh -c 'command -v dkms >/dev/null ||
				DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends dkms' \
				>"$log" 2>&1 || die "installing dkms in $SYSROOT failed: $log"
			mkdir -p "$SYSROOT/dkms-test" "$BUILD/dkms-$DIST"
			rm -rf "$BUILD/dkms-$DIST"/*
			mkdir -p "$BUILD/dkms-$DIST/dkms"
			cp -a "$tree/root" "$BUILD/dkms-$DIST/"
			unshare -m sh -c 'mount --bind "$1" "$0/dkms-test" && shift && exec chroot "$0" "$@"' \
				"$SYSROOT" "$BUILD/dkms-$DIST" bash -c "$(declare -f dkms_build)
				version=$version; dkms_build $KVER ${KDIR#"$SYSROOT"} /dkms-test" >>"$log" 2>&1 ||
				die "dkms build failed: $log"
			mods=$BUILD/dkms-$DIST/dkms/vdev/$version/$KVER/x86_64/module
		fi
		for m in vnet vpair vswitch; do
			[ -r "$mods/$m.ko" ] || [ -r "$mods/$m.ko.xz" ] || die "DKMS built no $m.ko for $KVER ($log)"
		done
		for m in vnet vpair vswitch; do
			magic=$(modinfo -F vermagic "$mods/$m.ko"* | head -n1)
			[ "${magic%% *}" = "$KVER" ] || die "$m.ko is for ${magic%% *}, not $KVER"
		done
		say "DKMS built vnet.ko, vpair.ko, vswitch.ko for $KVER"
		if [ "${DEB_TEST_SUITE:-1}" != 0 ]; then
			VDEV_MODULES_DIR=$mods DIST=$DIST KVER=$KVER make -C "$TOP" --no-print-directory qemu-test
		fi
	)
done
