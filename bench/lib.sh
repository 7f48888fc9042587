# shellcheck shell=bash
# Benchmark harness (guest side). A bench file defines setup/teardown and measure functions and calls
#   bench_compare NAME UNIT GOAL MEASURE_OURS MEASURE_REFERENCE [lower]
# Each MEASURE_* prints one number, higher is better (or lower, with `lower`, e.g. a latency). The two
# run alternately, BENCH_ROUNDS times each, in this one boot; the row shows the medians and the median
# of the per-round ratios, taken so that a ratio above 1 always means ours is better.

BENCH_ROUNDS=${BENCH_ROUNDS:-5}
BENCH_SECONDS=${BENCH_SECONDS:-3}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

bench_header() {
	printf '%-44s %-10s %12s %12s %7s  %s\n' benchmark unit ours reference ratio goal
	printf '%-44s %-10s %12s %12s %7s  %s\n' -------------------------------------------- ---------- \
		------------ ------------ ------- ----
}

bench_compare() {
	local name=$1 unit=$2 goal=$3 ours=$4 ref=$5 lower=${6:-} i i_ a b as=() bs=() rs=()
	for ((i = 0; i < BENCH_ROUNDS; i++)); do
		a=$($ours) b=$($ref)
		as+=("$a") bs+=("$b")
		[ -n "$lower" ] && { i_=$a; a=$b; b=$i_; }
		rs+=("$(awk -v a="$a" -v b="$b" 'BEGIN { print (b > 0 ? a / b : 0) }')")
		[ -n "$lower" ] && { i_=$a; a=$b; b=$i_; }
	done
	local ma mb mr verdict
	ma=$(printf '%s\n' "${as[@]}" | median)
	mb=$(printf '%s\n' "${bs[@]}" | median)
	mr=$(printf '%s\n' "${rs[@]}" | median)
	verdict=$(awk -v r="$mr" -v g="$goal" 'BEGIN { print (r >= g ? "ok" : "BELOW") }')
	printf '%-44s %-10s %12.1f %12.1f %7.2f  >= %s %s\n' "$name" "$unit" "$ma" "$mb" "$mr" "$goal" "$verdict"
	echo "# $name: ours ${as[*]} | reference ${bs[*]}" >&2
}

# flood ping for BENCH_SECONDS: replies per second, or with "rtt" the average RTT in microseconds
flood_ping() {
	local what=$1
	shift
	ping -f -q -w "$BENCH_SECONDS" "$@" 2>/dev/null | awk -v what="$what" '
		/received/ { for (i = 1; i <= NF; i++) { if ($(i + 1) ~ /^received/) rx = $i; if ($i == "time") t = $(i + 1) } }
		/^rtt/ { split($4, r, "/"); avg = r[2] }
		END { t += 0; if (what == "rtt") print avg * 1000; else print (t > 0 ? rx * 1000 / t : 0) }'
}
