#!/bin/bash
# make bench (guest side): every bench/*.sh defines bench_<name>; all rows go in one table.
cd "$(dirname "$0")" || exit 1
. ./lib.sh
echo "make bench: ${BENCH_ROUNDS} alternating rounds of ${BENCH_SECONDS}s each, median ratio ours/reference"
bench_header
# BENCH_FILES="vpair ovs": only those files' rows
for f in ${BENCH_FILES:-*}; do
	f=${f%.sh}.sh
	case $f in lib.sh | run.sh) continue ;; esac
	. "./$f"
	"bench_${f%.sh}"
done
