#!/bin/bash
# The guest's test suite: every test file tests/*.sh (one that ends with ktap_main, and is not marked
# `# suite: opt-in`), or those named in $TESTS, as a KTAP subtest of this one.
cd "$(dirname "$0")" || exit 1
files=()
for f in ${TESTS:-$(ls *.sh | sed 's/\.sh$//')}; do
	[ -r "$f.sh" ] || { echo "no test file $f.sh" >&2; exit 2; }
	grep -q '^ktap_main "$@"' "$f.sh" || continue   # a library, not a test file
	# a file marked opt-in runs only when TESTS names it (not yet part of the default suite)
	[ -z "${TESTS:-}" ] && grep -q '^# suite: opt-in' "$f.sh" && continue
	files+=("$f")
done
# On a kernel with kmemleak (KERNEL=debug) a last test unloads our modules and scans for leaks.
kmemleak=/sys/kernel/debug/kmemleak
[ -z "${TESTS:-}${TEST_FILTER:-}" ] && [ -w $kmemleak ] && leakcheck=1 || leakcheck=
# receive timestamps wanted for the whole run: the static key behind them stays put (tstamp-hold.c)
tstamp-hold &
tstamp_pid=$!
# The kernel's XDP dispatcher (a direct call to each of up to 48 attached programs, rewritten and
# switched to by patching kernel text at every attach and detach) held full for the whole run: an
# XDP program on the loopback of each of 48 namespaces of their own, so the tests' attaches and
# detaches leave it alone (the programs they attach are called through its indirect fallback), and
# generic XDP's static key stays on. The same QEMU bug as above, when a program was attached while
# frames went through the dispatcher on the other vCPU: "Oops: int3" in bpf_dispatcher_xdp_func
# (6.12, tests/xdp.sh).
# The first of them also holds RPS on (its loopback steered to CPU 0, with a sysfs of its own):
# the rps_needed static key does not flip when a test sets a device's rps_cpus.
hold_pids=()
if [ -r /bpf/xdp_pass.o ]; then
	unshare -n -m bash -c 'ip link set dev lo xdpgeneric obj /bpf/xdp_pass.o sec xdp &&
		mount -t sysfs sysfs /sys && echo 1 >/sys/class/net/lo/queues/rx-0/rps_cpus &&
		exec sleep 2147483647' &
	hold_pids+=($!)
	for ((i = 1; i < 48; i++)); do
		unshare -n bash -c 'ip link set dev lo xdpgeneric obj /bpf/xdp_pass.o sec xdp &&
			exec sleep 2147483647' &
		hold_pids+=($!)
	done
	for ((i = 0; i < 600; i++)); do
		[ "$(bpftool prog show 2>/dev/null | grep -c ' name xdp_pass_prog ')" -ge 48 ] && break
		sleep 0.1
	done
	[ $i -lt 600 ] || echo "run.sh: the XDP dispatcher is not held: $(bpftool prog show | grep -c xdp_pass_prog) of 48 programs" >&2
fi
trap 'kill $tstamp_pid ${hold_pids[*]} 2>/dev/null' EXIT
echo "KTAP version 1"
echo "1..$((${#files[@]} + ${leakcheck:-0}))"
i=0 failed=0
for f in "${files[@]}"; do
	i=$((i + 1))
	echo "    # Subtest: $f"
	start=$SECONDS
	bash "./$f.sh" 2>&1 | while IFS= read -r line; do printf '    %s\n' "$line"; done
	if [ "${PIPESTATUS[0]}" -eq 0 ]; then
		echo "ok $i $f"
	else
		echo "not ok $i $f"
		failed=$((failed + 1))
	fi
	echo "# $f took $((SECONDS - start)) s"
done

# Objects the scan finds unreferenced whose allocation backtrace runs through our modules: by name
# while they are loaded, as an unresolved module address once they are gone.
leaks_of_ours() {
	echo scan >$kmemleak && sleep 6 && echo scan >$kmemleak
	awk '/^unreferenced object/ { if (rec != "" && ours) print rec; rec = $0; ours = 0; next }
	     { rec = rec "\n" $0 }
	     /\[(vnet|vpair|vswitch)\]$/ || /\] 0xffffffff[a-f][0-9a-f]+$/ { ours = 1 }
	     END { if (rec != "" && ours) print rec }' $kmemleak
}
if [ -n "$leakcheck" ]; then
	i=$((i + 1))
	echo "    # Subtest: kmemleak"
	leaks=$(leaks_of_ours)
	for m in vswitch vpair vnet; do
		[ -d /sys/module/$m ] || continue
		rmmod $m || leaks="$leaks
rmmod $m failed"
	done
	leaks="$leaks$(leaks_of_ours)"
	total=$(grep -c '^unreferenced object' $kmemleak)
	echo "    KTAP version 1"
	echo "    1..1"
	echo "    # kmemleak: $total unreferenced objects in the kernel, of which from our modules:"
	if [ -z "$leaks" ]; then
		echo "    # none"
		echo "    ok 1 no_leak_from_our_modules"
		echo "ok $i kmemleak"
	else
		printf '%s\n' "$leaks" | sed 's/^/    # /'
		echo "    not ok 1 no_leak_from_our_modules"
		echo "not ok $i kmemleak"
		failed=$((failed + 1))
	fi
fi
[ $failed -eq 0 ]
