#!/bin/bash
# Assemble the guest's initramfs from initramfs/image.list into build/image-$KVER.cpio.
set -euo pipefail
. "$(dirname "$0")/common.sh"
resolve_kver

list=$TOP/initramfs/image.list
kroot=$KCACHE/root
root=$BUILD/root-$KVER
image=$BUILD/image-$KVER.cpio
[ -d "$kroot/lib/modules/$KVER" ] || die "kernel $KVER not fetched (scripts/kernel.sh)"

rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,etc,proc,sys,dev,run,tmp,root,mnt/share,var}
ln -s ../run "$root/var/run"
mkdir -p "$root/lib/modules/$KVER/extra"

libs=$(mktemp)
real_tools=()
trap 'rm -f "$libs"' EXIT

copy_bin() {
	local path=$1 file
	file=$(sys_path "$path")
	[ -x "$file" ] || die "$path missing ${SYSROOT:+in $SYSROOT }(scripts/deps.sh image installs it)"
	install -D -m 0755 "$file" "$root$path"
	real_tools+=("$(basename "$path")")
	sys_libs "$path" >>"$libs" || die "$path: a library is missing (scripts/deps.sh image)"
}

# a tool from a package unpacked under build/debs/PACKAGE (never installed on the host); with a
# SYSROOT, the release's root has it installed (no service starts there)
copy_pkg_bin() {
	local pkg=$1 path=$2 dir=$BUILD/debs/$1 tmp
	[ -z "${SYSROOT:-}" ] || dir=$SYSROOT
	if [ ! -e "$dir$path" ]; then
		tmp=$(mktemp -d)
		(cd "$tmp" && apt_download "$pkg" >&2) || die "apt-get download $pkg failed"
		rm -rf "$dir"
		mkdir -p "$dir"
		dpkg-deb -x "$tmp"/*.deb "$dir"
		rm -rf "$tmp"
	fi
	[ -e "$dir$path" ] || die "$pkg has no $path"
	if [ "$(head -c 4 "$dir$path" | od -An -c | tr -d ' ')" != '177ELF' ]; then
		install -D -m 0644 "$dir$path" "$root$path" # data, such as an OVSDB schema
		return
	fi
	if [ -n "${SYSROOT:-}" ]; then
		copy_bin "$path"
		return
	fi
	install -D -m 0755 "$dir$path" "$root$path"
	real_tools+=("$(basename "$path")")
	sys_libs "$dir$path" >>"$libs" || die "$path: a library is missing on the host (scripts/deps.sh image)"
}

add_kmods() {
	local mod line
	for mod in "$@"; do
		modprobe -d "$kroot" -S "$KVER" --show-depends "$mod" >/dev/null ||
			die "module $mod not in kernel $KVER"
		modprobe -d "$kroot" -S "$KVER" --show-depends "$mod" | while read -r line; do
			case $line in
			insmod\ *)
				line=${line#insmod }
				line=${line%% *}
				install -D -m 0644 "$line" "$root${line#"$kroot"}"
				;;
			esac
		done
	done
}

add_busybox() {
	install -D -m 0755 "$(sys_path /bin/busybox)" "$root/bin/busybox"
	local applet skip
	for applet in $("$root/bin/busybox" --list); do
		case " sh ash hush ip ipneigh ping ping6 tc arp arping route ifconfig nameif tunctl vconfig brctl
		      traceroute traceroute6 modprobe insmod rmmod lsmod modinfo depmod busybox linuxrc init " in
		*" $applet "*) continue ;;
		esac
		skip=
		for t in "${real_tools[@]}"; do [ "$t" = "$applet" ] && skip=1; done
		[ -n "$skip" ] && continue
		[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
	done
}

while read -r kind a b rest; do
	case $kind in
	''|'#'*) continue ;;
	bin) copy_bin "$b" ;;
	pkg) copy_pkg_bin "$a" "$b" ;;
	kmod) add_kmods $a $b $rest ;;
	kmodopt)
		for m in $a $b $rest; do
			modprobe -d "$kroot" -S "$KVER" --show-depends "$m" >/dev/null 2>&1 && add_kmods "$m"
		done
		;;
	ours)
		# VDEV_MODULES_DIR: the same modules built elsewhere (make deb-test: by DKMS)
		for m in $a $b $rest; do
			[ -z "${VDEV_MODULES_DIR:-}" ] || m=${VDEV_MODULES_DIR#"$TOP/"}/$(basename "$m")
			# trixie's DKMS compresses the modules it builds as the kernel's are (.ko.xz)
			[ -r "$TOP/$m" ] || [ ! -r "$TOP/$m.xz" ] || m=$m.xz
			[ -r "$TOP/$m" ] || die "$m not built (run make)"
			install -m 0644 "$TOP/$m" "$root/lib/modules/$KVER/extra/"
		done
		;;
	link) mkdir -p "$root$(dirname "$a")"; ln -sfn "$b" "$root$a" ;;
	file)
		for f in $TOP/$a; do
			[ -e "$f" ] || die "$a: no such file"
			case $b in
			*/) install -D -m "$( [ -x "$f" ] && echo 0755 || echo 0644)" "$f" "$root$b$(basename "$f")" ;;
			*) install -D -m "$( [ -x "$f" ] && echo 0755 || echo 0644)" "$f" "$root$b" ;;
			esac
		done
		;;
	busybox) want_busybox=1 ;;
	*) die "image.list: unknown entry '$kind'" ;;
	esac
done <"$list"
[ -n "${want_busybox:-}" ] && add_busybox

# shared libraries of the real tools, at the paths the loader looks for them; and libgcc_s, which
# glibc dlopen()s for pthread_cancel() (trixie's iperf3 3.18 runs a thread per stream) and ldd
# does not show
echo /lib/x86_64-linux-gnu/libgcc_s.so.1 >>"$libs"
sort -u "$libs" | while read -r lib; do
	install -D -m 0755 "$(sys_path "$lib")" "$root$lib"
done
for f in /etc/protocols /etc/services; do [ -r "${SYSROOT:-}$f" ] && cp "${SYSROOT:-}$f" "$root/etc/"; done

# no busybox applet may stand in for a real tool: the tests must run iproute2 and iputils
for t in "${real_tools[@]}"; do
	for d in bin sbin usr/bin usr/sbin; do
		if [ "$(readlink "$root/$d/$t" 2>/dev/null)" = busybox ]; then
			die "busybox would shadow the real $t at /$d/$t"
		fi
	done
done

cp "$kroot/lib/modules/$KVER"/modules.{builtin,builtin.modinfo,order} "$root/lib/modules/$KVER/" 2>/dev/null || true
depmod -b "$root" "$KVER"

(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) >"$image.tmp"
mv "$image.tmp" "$image"
