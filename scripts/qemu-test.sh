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
"$TOP/scripts/qemu.sh" --log qemu-test --timeout "$timeout" -- \
	"TESTS='${TESTS:-}' TEST_FILTER='${TEST_FILTER:-}' TEST_TIMEOUT=$per_test VDEV_KERNEL=${KERNEL:-production} /tests/run.sh"
rc=$?
console=$BUILD/log/qemu-test.console

# leaf results are the indented ones: "    ok 3 name", "    not ok 4 name", "... # SKIP why"
results=$(tr -d '\r' <"$console" | grep -E '^ +(not )?ok [0-9]+ ')
skipped=$(printf '%s\n' "$results" | grep -Eic '^ +ok [0-9]+ .*# SKIP')
failed=$(printf '%s\n' "$results" | grep -Ec '^ +not ok [0-9]+ ')
passed=$(( $(printf '%s\n' "$results" | grep -Ec '^ +ok [0-9]+ ') - skipped ))

case $rc in
0) ;;
1) [ "$failed" -gt 0 ] || { echo "not ok - the suite reported a failure it did not print"; failed=1; } ;;
126) echo "not ok - the guest kernel log is clean (see above)"; failed=$((failed + 1)) ;;
*) echo "not ok - the guest ran the suite to its end (exit $rc; see above)"; failed=$((failed + 1)) ;;
esac
[ $((passed + failed)) -gt 0 ] || { echo "not ok - no test ran"; failed=$((failed + 1)); }

echo "qemu-test: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
