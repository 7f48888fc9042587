#!/bin/bash
# make soak N=10: the whole suite N times in a row (the image is built once), to show it does not flake.
# Each failed run's console log is kept as build/log/soak-<run>.console (its second boot's, with
# preempt=full, as soak-<run>-preempt-*.console). Last line: soak: P/N runs passed.
set -uo pipefail
. "$(dirname "$0")/common.sh"

n=${N:-10} passed=0
mkdir -p "$BUILD/log"
for ((run = 1; run <= n; run++)); do
	start=$(date +%s)
	# a second boot's console left by an earlier run is not this run's
	rm -f "$BUILD"/log/qemu-test-preempt-*.console
	if "$TOP/scripts/qemu-test.sh" >"$BUILD/log/soak.out" 2>&1; then
		passed=$((passed + 1))
		result=passed
	else
		cp "$BUILD/log/qemu-test.console" "$BUILD/log/soak-$run.console"
		# the second boot's (tests run with preempt=full), when there was one
		for c in "$BUILD"/log/qemu-test-preempt-*.console; do
			[ -e "$c" ] || continue
			cp "$c" "$BUILD/log/soak-$run-$(basename "$c" .console | sed 's/^qemu-test-//').console"
		done
		result="FAILED (build/log/soak-$run.console):"
	fi
	say "soak run $run/$n: $result $(tail -n1 "$BUILD/log/soak.out") in $(($(date +%s) - start)) s"
	[ "$result" = passed ] || grep -E '^ +not ok|^ +# FAIL' "$BUILD/log/soak.out" | head -n 20 >&2
done
echo "soak: $passed/$n runs passed"
[ "$passed" -eq "$n" ]
