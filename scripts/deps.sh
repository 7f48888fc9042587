#!/bin/bash
# Install, from Debian's archive, whatever the given steps need and the machine lacks.
#   deps.sh build|btf|bpf|debug-kernel|check|image|qemu|autotest ...
# Quiet and quick when everything is already there: one dpkg-query, no apt-get.
set -euo pipefail
. "$(dirname "$0")/common.sh"
resolve_kver

want=()
for step in "$@"; do
	case $step in
	build)
		# kbuild's tools from Debian's linux-kbuild need libelf and libssl at run time
		want+=(make gcc libc6-dev kmod libelf1 libssl3)
		;;
	btf)
		want+=(pahole) ;;
	bpf)
		# the XDP programs of tests/bpf/: clang's BPF target, libbpf's headers (bpf_helpers.h)
		want+=(clang libbpf-dev) ;;
	debug-kernel)
		want+=(make gcc libc6-dev flex bison bc libelf-dev libssl-dev xz-utils cpio kmod linux-source-6.1) ;;
	check)
		want+=(sparse linux-source-6.1 xz-utils) ;;
	image)
		want+=(busybox-static cpio kmod)
		want+=($(awk '$1 == "bin" { print $2 }' "$TOP/initramfs/image.list"))
		# a `pkg` tool is not installed, its libraries are
		for pkg in $(awk '$1 == "pkg" { print $2 }' "$TOP/initramfs/image.list"); do
			apt-cache show "$pkg" >/dev/null 2>&1 || apt_update
			want+=($(apt-cache show --no-all-versions "$pkg" | sed -n 's/^Depends: //p' |
				tr ',' '\n' | sed -n 's/^ *\(lib[^ ]*\).*/\1/p'))
		done
		;;
	qemu)
		want+=(qemu-system-x86 qemu-system-data) ;;
	autotest)
		# autom4te, should an openvswitch-source come without its generated system-kmod-testsuite
		want+=(autoconf) ;;
	deb)
		want+=(dkms) ;;
	*) die "deps.sh: unknown step $step" ;;
	esac
done

missing=()
for pkg in $(printf '%s\n' "${want[@]}" | sort -u); do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

say "Installing from Debian's archive: ${missing[*]}"
install() {
	apt_get install -y -qq --no-install-recommends "${missing[@]}" >&2
}
# apt-get update only when the lists are missing, do not know a package, or are out of date
if ! apt-cache show "${missing[@]}" >/dev/null 2>&1 || ! install; then
	apt_update
	install
fi
