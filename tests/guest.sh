#!/bin/bash
# guest: the emulated machine the rest of the suite runs on does what a real CPU does, where a
# QEMU bug has taken whole runs down.
. "$(dirname "$0")/lib.sh"

# QEMU 7.2's CMPXCHG16B (tests/cx16.c), turned off by scripts/qemu.sh: either the CPU has none,
# or it keeps the flags a million times in a row.
test_cmpxchg16b_keeps_flags_or_is_absent() {
	local out
	out=$(cx16) || fail "$out"
	figure "$out"
}

ktap_main "$@"
