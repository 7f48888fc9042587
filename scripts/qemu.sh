#!/bin/bash
# Boot the image under QEMU and run one command in the guest.
#   qemu.sh [--interactive] [--share DIR] [--timeout SECONDS] [--log NAME] -- COMMAND
# Exit status: the command's, from the guest. 125 when the guest did not finish cleanly (timeout, panic,
# oops, no result marker) and 126 when its kernel log shows a warning; the console log says which.
set -euo pipefail
. "$(dirname "$0")/common.sh"
resolve_kver

interactive= share= timeout=${QEMU_TIMEOUT:-900} name=run
while [ $# -gt 0 ]; do
	case $1 in
	--interactive) interactive=1 ;;
	--share) share=$(cd "$2" && pwd); shift ;;
	--timeout) timeout=$2; shift ;;
	--log) name=$2; shift ;;
	--) shift; break ;;
	*) break ;;
	esac
	shift
done
cmd=$*

image=$BUILD/image-$KVER.cpio
kernel=$KCACHE/root/boot/vmlinuz-$KVER
[ -r "$image" ] && [ -r "$kernel" ] || die "no image for $KVER: run make image"

logdir=$BUILD/log
mkdir -p "$logdir"
console=$logdir/$name.console
kmsg=$logdir/$name.kmsg
rm -f "$console" "$kmsg"

# A second, per-run archive appended to the image carries the command: no quoting through the kernel
# command line, and the image itself stays untouched.
run=$(mktemp -d)
trap 'rm -rf "$run"' EXIT
mkdir -p "$run/etc/run"
printf '%s\n' "$cmd" >"$run/etc/run/cmd"
printf '%s\n' "$share" >"$run/etc/run/share"
[ -n "$interactive" ] && touch "$run/etc/run/interactive"
(cd "$run" && find etc | cpio --quiet -o -H newc -R 0:0) >"$run/run.cpio"
cat "$image" "$run/run.cpio" >"$run/initrd"

accel=${QEMU_ACCEL:-tcg}
cpu=max mem=1024
# No CMPXCHG16B under TCG: QEMU 7.2 (bookworm's) computes the flags around it from a stale state,
# RFLAGS' VM and reserved bits included ("double fault" after SLUB's cmpxchg16b; tests/cx16.c,
# the README's Reliability section). The kernel falls back to its emulation and locks.
[ "$accel" != tcg ] || cpu=max,cx16=off
# KASAN's shadow needs memory, and its early checks fail under TCG's five-level paging
[ "${KERNEL:-}" = debug ] && cpu=$cpu,la57=off mem=2048
args=(-accel "$accel" -M pc -cpu "$cpu" -smp "${QEMU_SMP:-2}" -m "${QEMU_MEM:-$mem}"
	-nodefaults -no-user-config -display none -no-reboot
	-kernel "$kernel" -initrd "$run/initrd"
	-append "console=ttyS0 rdinit=/init quiet loglevel=3 panic=-1 oops=panic mitigations=off tsc=reliable no_timer_check random.trust_cpu=on log_buf_len=4M trace_event=net:net_dev_xmit_timeout ${QEMU_APPEND:-}"
	-chardev "stdio,id=con,mux=on,signal=off,logfile=$console"
	-serial chardev:con -mon chardev=con,mode=readline
	-serial "file:$kmsg"
	-device isa-debug-exit,iobase=0xf4,iosize=0x04)
[ -r /usr/share/qemu/qboot.rom ] && args+=(-bios /usr/share/qemu/qboot.rom)
[ -n "$share" ] && args+=(-virtfs "local,path=$share,mount_tag=share,security_model=none,id=share")

set +e
if [ -n "$interactive" ]; then
	qemu-system-x86_64 "${args[@]}"
	qrc=$?
	stty sane 2>/dev/null
else
	timeout -k 10 "$timeout" qemu-system-x86_64 "${args[@]}" </dev/null
	qrc=$?
fi
set -e

rc=$(tr -d '\r' <"$console" | sed -n 's/^GUEST-EXIT: \([0-9]*\)$/\1/p' | tail -n1)
bad='WARNING:|BUG:|Oops|refcount_t|unregister_netdevice: waiting|KASAN|UBSAN|ODEBUG|list_del corruption|Kernel panic|general protection fault|Call Trace|detected stall|blocked for more than|soft lockup'
warn=$(cat "$console" "$kmsg" 2>/dev/null | tr -d '\r' | grep -E "$bad" | sort -u | head -n 20 || true)

if [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; then
	say "qemu: the guest did not finish within ${timeout}s; console log: $console"
	exit 125
fi
if [ -z "$rc" ] || [ $qrc -ne $(((rc << 1) | 1)) ]; then
	say "qemu: the guest did not report a result (qemu exit $qrc); it crashed or powered off. Console log: $console"
	[ -n "$warn" ] && printf '%s\n' "$warn" >&2
	exit 125
fi
if [ -n "$warn" ]; then
	# the first report whole, with the lines before it that say what it is (an RCU stall's or a
	# hung task's heading): a CI log keeps only the end of what is printed
	first=$(tr -d '\r' <"$kmsg" | grep -n -m1 -E "$bad" | cut -d: -f1 || true)
	if [ -n "$first" ]; then
		say "qemu: the guest kernel log's first report ($kmsg, line $first):"
		tr -d '\r' <"$kmsg" | sed -n "$((first > 8 ? first - 8 : 1)),$((first + 24))p" | sed 's/^/  | /' >&2
	fi
	say "qemu: the guest kernel log has warnings (full log: $kmsg):"
	printf '  %s\n' "$warn" >&2
	exit 126
fi
exit "$rc"
