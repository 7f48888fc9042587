#!/bin/bash
# make qemu-test: boot the guest, run tests/run.sh (nested KTAP), then judge the whole run here:
# every leaf result, the guest's exit, and the kernel log. The last line is the summary.
#   TESTS="vnet ..." limits the run to those test files; TEST_FILTER=REGEX to the test functions matching it.
set -uo pipefail
. "$(dirname "$0")/common.sh"

# the debug kernel runs the same tests an order of magnitude slower: the bounds grow, the checks do not
if [ "${KERNEL:-}" = debug ]; then
	timeout=${TEST_TIMEOUT:-14400} per_test=${GUEST_TEST_TIMEOUT:-1800}
else
	timeout=${TEST_TIMEOUT:-2400} per_test=${GUEST_TEST_TIMEOUT:-180}
fi
console=$BUILD/log/qemu-test.console
# A kernel that dies while booting, before the suite printed anything and with none of our modules
# loaded, says nothing about our code: QEMU's multi-threaded TCG can run a stale copy of kernel text
# that the kernel is patching with int3 on another vCPU (seen once on 6.12: "Oops: int3" in
# sched_clock_cpu from an initcall). Such a boot is kept in qemu-test-boot.console and retried once;
# any crash after the first test line fails the run as before.
#
# The same emulator bug can strike later too, when a static key flips mid-suite (seen once on 6.12,
# under three guests on two cores: "Oops: int3" in netif_rx_internal). It has a signature no real
# CPU can produce: the oops reports an int3 at an address whose code, as it prints it ("Code: ...
# <7f> ..."), is no longer int3 (0xcc): the vCPU ran a stale translation of text patched meanwhile.
# Such a run is kept in qemu-test-int3.console and the suite runs once more, from the start.
stale_int3() {
	tr -d '\r' <"$console" | awk '
		/Oops: int3/ { oops = 1 }
		oops && !seen && /Code: / && match($0, /<[0-9a-f][0-9a-f]>/) {
			seen = 1; stale = substr($0, RSTART + 1, 2) != "cc"
		}
		END { exit !(oops && seen && stale) }'
}
# boot LOG TESTS FILTER: one guest running tests/run.sh; its console is $BUILD/log/LOG.console and
# its status is judged into $failed (leaf results are counted from every console afterwards)
consoles=()
failed=0
boot() {
	local log=$1 tests=$2 filter=$3 attempt rc
	console=$BUILD/log/$log.console
	consoles+=("$console")
	for attempt in 1 2; do
		"$TOP/scripts/qemu.sh" --log "$log" --timeout "$timeout" -- \
			"TESTS='$tests' TEST_FILTER='$filter' TEST_TIMEOUT=$per_test VDEV_KERNEL=${KERNEL:-production} /tests/run.sh"
		rc=$?
		[ $rc -eq 125 ] && [ $attempt -eq 1 ] || break
		if stale_int3; then
			cp "$console" "$BUILD/log/$log-int3.console"
			echo "# the guest ran a stale copy of kernel text patched with int3 (a QEMU TCG bug):"
			tr -d '\r' <"$console" | grep -E 'Oops: int3|RIP:' | head -n 2 | sed 's/^/#   /'
			echo "# kept in build/log/$log-int3.console; running the suite once more"
			continue
		fi
		tr -d '\r' <"$console" | grep -q '^KTAP version' && break
		tr -d '\r' <"$console" | grep -Eq '^\[ *[0-9.]+\] Modules linked in:.*(vnet|vpair|vswitch)' && break
		tr -d '\r' <"$console" | grep -Eq 'Kernel panic|Oops|BUG:' || break
		cp "$console" "$BUILD/log/$log-boot.console"
		echo "# the guest kernel crashed while booting, before any test (none of our modules loaded):"
		tr -d '\r' <"$console" | grep -E 'Oops|RIP:|Kernel panic' | head -n 3 | sed 's/^/#   /'
		echo "# kept in build/log/$log-boot.console; booting once more"
	done
	case $rc in
	0) ;;
	1) tr -d '\r' <"$console" | grep -Eq '^ +not ok [0-9]+ ' ||
		{ echo "not ok - the suite reported a failure it did not print ($log)"; failed=$((failed + 1)); } ;;
	126) echo "not ok - the guest kernel log is clean (see above; $log)"; failed=$((failed + 1)) ;;
	*) echo "not ok - the guest ran the suite to its end (exit $rc; see above; $log)"; failed=$((failed + 1)) ;;
	esac
}

boot qemu-test "${TESTS:-}" "${TEST_FILTER:-}"

# Tests whose race needs a fully preemptible kernel to come up run once more, in a second boot with
# preempt=full (a sender preempted between the core's check and the driver). Debian's kernels boot
# voluntary, which the suite runs as users have it; the model cannot be switched at run time here
# (PREEMPT_DYNAMIC patches kernel text, and QEMU's multi-threaded TCG hangs on it: README, "QEMU's
# own bug"). The debug kernel is preemptible throughout.
preempt_full=(vnet:test_teardown_races_bypass_xmit)
if [ "${KERNEL:-}" != debug ]; then
	for t in "${preempt_full[@]}"; do
		file=${t%%:*} fn=${t#*:}
		[ -z "${TESTS:-}" ] || printf '%s\n' ${TESTS} | grep -qx -- "$file" || continue
		[ -z "${TEST_FILTER:-}" ] || printf '%s\n' "$fn" | grep -Eq -- "$TEST_FILTER" || continue
		echo "# $file $fn once more, in a boot with preempt=full"
		QEMU_APPEND="${QEMU_APPEND:-} preempt=full" boot "qemu-test-preempt-$fn" "$file" "^$fn\$"
	done
fi

# leaf results are the indented ones: "    ok 3 name", "    not ok 4 name", "... # SKIP why"
results=$(cat "${consoles[@]}" | tr -d '\r' | grep -E '^ +(not )?ok [0-9]+ ')
skipped=$(printf '%s\n' "$results" | grep -Eic '^ +ok [0-9]+ .*# SKIP')
failed=$((failed + $(printf '%s\n' "$results" | grep -Ec '^ +not ok [0-9]+ ')))
passed=$(( $(printf '%s\n' "$results" | grep -Ec '^ +ok [0-9]+ ') - skipped ))
[ $((passed + failed)) -gt 0 ] || { echo "not ok - no test ran"; failed=$((failed + 1)); }

echo "qemu-test: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
