#!/bin/bash
# The debug guest kernel (KERNEL=debug): Debian's own linux-source-6.1 (the same version as the
# headers the production modules build against), built with the sanitizers of
# scripts/kernel-debug.config, once, into a cache outside the clone that a second clone reuses:
#   ${VDEV_CACHE:-~/.cache/vdev}/kernel-debug-<source version>-<hash of the config and this script>/
#     src/    the unpacked source       build/  the object tree (KDIR for our modules)
#     root/   boot/vmlinuz-<release> and lib/modules/<release>, as scripts/kernel.sh leaves a Debian one
# The build runs at low priority (nice) and takes about half an hour on two cores; see the README.
set -euo pipefail
. "$(dirname "$0")/common.sh"

"$TOP/scripts/deps.sh" debug-kernel
dir=$(debug_kernel_dir)
[ -e "$dir/.complete" ] && exit 0

say "Building the debug kernel in $dir (once; about 20 minutes on two cores)"
mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9
[ -e "$dir/.complete" ] && exit 0

if [ ! -e "$dir/src/.unpacked" ]; then
	rm -rf "$dir/src"
	mkdir -p "$dir/src"
	tar -xJf /usr/src/linux-source-6.1.tar.xz -C "$dir/src" --strip-components=1
	touch "$dir/src/.unpacked"
fi

src=$dir/src
out=$dir/build
mkdir -p "$out"
kmake() { nice -n "${DEBUG_KERNEL_NICE:-10}" make -C "$src" O="$out" -s "$@"; }

if [ ! -e "$out/.config.done" ]; then
	kmake x86_64_defconfig
	"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" \
		"$src/kernel/configs/kvm_guest.config" "$TOP/scripts/kernel-debug.config" >/dev/null
	kmake olddefconfig
	# every option asked for must have survived olddefconfig (dependencies, renames)
	missing=$(grep -E '^CONFIG_[A-Z0-9_]+=' "$TOP/scripts/kernel-debug.config" | while IFS= read -r line; do
		opt=${line%%=*}
		val=${line#*=}
		if [ "$val" = n ]; then
			grep -qx "$opt=[ym]" "$out/.config" && echo "$line"
		else
			grep -qx "$line" "$out/.config" || echo "$line"
		fi
	done || true)
	[ -z "$missing" ] || die "the debug kernel config dropped: $(echo $missing)"
	touch "$out/.config.done"
fi

kmake -j"$(nproc)" bzImage modules
release=$(cat "$out/include/config/kernel.release")
rm -rf "$dir/root"
mkdir -p "$dir/root/boot"
kmake INSTALL_MOD_PATH="$dir/root" INSTALL_MOD_STRIP=1 modules_install
rm -f "$dir/root/lib/modules/$release/build" "$dir/root/lib/modules/$release/source"
cp "$out/arch/x86/boot/bzImage" "$dir/root/boot/vmlinuz-$release"
depmod -b "$dir/root" "$release"
touch "$dir/.complete"
say "Debug kernel $release ready"
