# shellcheck shell=bash
# Benchmark harness (guest side). A bench file defines setup/teardown and measure functions and calls
#   bench_compare NAME UNIT GOAL MEASURE_OURS MEASURE_REFERENCE [lower]
# Each MEASURE_* prints one number, higher is better (or lower, with `lower`, e.g. a latency). The two
# run alternately (ABBA order, so that a drift in the machine's speed favours neither), BENCH_ROUNDS
# times each, in this one boot; the row shows the medians and the median of the per-round ratios, taken
# so that a ratio above 1 always means ours is better.

BENCH_ROUNDS=${BENCH_ROUNDS:-7}
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
		if ((i % 2)); then b=$($ref) a=$($ours); else a=$($ours) b=$($ref); fi
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

# TCP throughput in Mbit/s from namespace $1 to the iperf3 server at $2 (started with iperf_server)
iperf_server() { ip netns exec "$1" iperf3 -s -D -B "$2" >/dev/null; sleep 0.3; }
# IPERF_STREAMS=N: N parallel streams (-P), their sum
iperf_tcp() {
	ip netns exec "$1" iperf3 -c "$2" -t "$BENCH_SECONDS" -P "${IPERF_STREAMS:-1}" -f m 2>/dev/null |
		awk '/receiver/ { for (i = 1; i <= NF; i++) if ($(i + 1) == "Mbits/sec") v = $i } END { print v + 0 }'
}

# bench_in NS CMD...: CMD in namespace NS, or in the root namespace when NS is ""
bench_in() {
	local ns=$1
	shift
	if [ -n "$ns" ]; then ip netns exec "$ns" "$@"; else "$@"; fi
}

# UDP packets per second received by device $4 in namespace $3, sent by pktgen from device $2 in
# namespace $1 to IP $5 (MAC of $4) for BENCH_SECONDS: the kernel's own generator, so the figure is the
# devices' and the stack's, not a userspace sender's. Frames of BENCH_PKT_SIZE bytes (64 by default),
# UDP source ports PKTGEN_UDP_SRC_MIN..MAX in turn (9 by default), destination port 9.
# PKTGEN_COUNT="NS DEV": count the packets received there instead ("" for the root namespace), for
# frames that an XDP program sends on (XDP_TX, XDP_REDIRECT).
pktgen_udp() {
	local ns=$1 dev=$2 rns=$3 rdev=$4 ip=$5 mac rx0 rx1 t0 t1 cns cdev
	read -r cns cdev <<<"${PKTGEN_COUNT:-$rns $rdev}"
	[ -n "$cdev" ] || { cdev=$cns cns=; }
	mac=$(bench_in "$rns" cat "/sys/class/net/$rdev/address")
	ip netns exec "$ns" sh -c "
		echo rem_device_all > /proc/net/pktgen/kpktgend_0
		echo add_device $dev > /proc/net/pktgen/kpktgend_0
		for c in 'count 0' 'clone_skb 0' 'burst 1' 'delay 0' 'pkt_size ${BENCH_PKT_SIZE:-64}' \
			'dst $ip' 'dst_mac $mac' 'udp_dst_min 9' 'udp_dst_max 9' \
			'udp_src_min ${PKTGEN_UDP_SRC_MIN:-9}' 'udp_src_max ${PKTGEN_UDP_SRC_MAX:-9}'; do
			echo \"\$c\" > /proc/net/pktgen/$dev
		done"
	rx0=$(bench_in "$cns" cat "/sys/class/net/$cdev/statistics/rx_packets")
	t0=$EPOCHREALTIME
	ip netns exec "$ns" sh -c 'echo start > /proc/net/pktgen/pgctrl' &
	sleep "$BENCH_SECONDS"
	ip netns exec "$ns" sh -c 'echo stop > /proc/net/pktgen/pgctrl'
	wait
	t1=$EPOCHREALTIME
	rx1=$(bench_in "$cns" cat "/sys/class/net/$cdev/statistics/rx_packets")
	ip netns exec "$ns" sh -c 'echo rem_device_all > /proc/net/pktgen/kpktgend_0'
	awk -v n=$((rx1 - rx0)) -v t0="$t0" -v t1="$t1" 'BEGIN { print n / (t1 - t0) }'
}

# bench_dp_module MOD: MOD (vswitch or openvswitch) loaded alone. The two register the same generic
# netlink families, and ovs-dpctl and vswitchd keep the family ids they found, so a measurement of one
# unloads the other first.
bench_dp_module() {
	local other=vswitch
	[ "$1" = vswitch ] && other=openvswitch
	rmmod "$other" 2>/dev/null || true
	modprobe "$1"
}

# bench_vpair_ports P NET: the ports P1 and P2 (up, in this namespace) of two vpairs whose other ends
# are eth0 in namespaces PA (NET.1/24) and PB (NET.2/24), IPv6 off on all four (no stray frames)
bench_vpair_ports() {
	local p=$1 net=$2 i ns
	for i in 1 2; do
		ns=${p}A
		[ $i = 2 ] && ns=${p}B
		ip netns add "$ns"
		ip -n "$ns" link set lo up
		ip link add "$p$i" type vpair peer name eth0 netns "$ns"
		sysctl -qw "net.ipv6.conf.$p$i.disable_ipv6=1"
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
		ip -n "$ns" addr add "$net.$i/24" dev eth0
		ip -n "$ns" link set eth0 up
		ip link set "$p$i" up
	done
}
