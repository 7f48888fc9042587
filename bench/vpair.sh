# shellcheck shell=bash
# vpair rows: vpair against the kernel's veth, the same two-namespace topology for each.

# two namespaces $1 and $2 joined by a pair of kind $3 named $4/$5, addresses $6.1 and $6.2
bench_link() {
	ip netns add "$1"
	ip netns add "$2"
	ip -n "$1" link add "$4" type "$3" peer name "$5" netns "$2"
	ip -n "$1" addr add "$6.1/24" dev "$4"
	ip -n "$2" addr add "$6.2/24" dev "$5"
	ip -n "$1" link set "$4" up
	ip -n "$2" link set "$5" up
	ip -n "$1" link set lo up
	ip -n "$2" link set lo up
	iperf_server "$2" "$6.2"
	ip netns exec "$1" ping -c 1 -W 2 "$6.2" >/dev/null
}

bench_vpair() {
	modprobe vpair
	modprobe veth
	modprobe pktgen
	bench_link bvA bvB vpair bvp0 bvp1 10.210.0
	bench_link bvC bvD veth bve0 bve1 10.211.0

	vpair_tcp() { iperf_tcp bvA 10.210.0.2; }
	veth_tcp() { iperf_tcp bvC 10.211.0.2; }
	vpair_udp() { pktgen_udp bvA bvp0 bvB bvp1 10.210.0.2; }
	veth_udp() { pktgen_udp bvC bve0 bvD bve1 10.211.0.2; }
	bench_compare "vpair vs veth: TCP (iperf3)" Mbit/s 1.0 vpair_tcp veth_tcp
	bench_compare "vpair vs veth: UDP 64B (pktgen)" pkt/s 1.0 vpair_udp veth_udp

	# GRO on the receivers; TSO off on the senders so that every frame takes the NAPI ring
	ip netns exec bvB ethtool -K bvp1 gro on
	ip netns exec bvD ethtool -K bve1 gro on
	ip netns exec bvA ethtool -K bvp0 tso off
	ip netns exec bvC ethtool -K bve0 tso off
	bench_compare "vpair vs veth: TCP, GRO on (sender TSO off)" Mbit/s 1.0 vpair_tcp veth_tcp
	bench_compare "vpair vs veth: UDP 64B, GRO on" pkt/s 1.0 vpair_udp veth_udp

	ip netns del bvA
	ip netns del bvB
	ip netns del bvC
	ip netns del bvD
	bench_vpair_xdp
}

# XDP rows: the tests' programs (tests/bpf, in /bpf), the same setup on both kinds; frames that XDP
# sends on are counted where they arrive. A veth end receives redirected frames only with NAPI on
# (GRO or a program), and XDP_TX frames only with a program: with GRO alone they stay in its ring
# (6.1's veth_xdp_flush() kicks the peer's NAPI only when it has a program). So the ends that
# receive them have a program (XDP_TX) or GRO on (redirect), for both kinds; vpair needs neither.
bench_vpair_xdp() {
	local m
	xdp_on() { ip -n "$1" link set dev "$2" xdp obj "/bpf/$3.o" sec xdp; }
	xdp_off() { ip -n "$1" link set dev "$2" xdp off; }

	bench_link bvA bvB vpair bvp0 bvp1 10.210.0
	bench_link bvC bvD veth bve0 bve1 10.211.0
	vpair_udp() { pktgen_udp bvA bvp0 bvB bvp1 10.210.0.2; }
	veth_udp() { pktgen_udp bvC bve0 bvD bve1 10.211.0.2; }

	xdp_on bvB bvp1 xdp_drop
	xdp_on bvD bve1 xdp_drop
	bench_compare "vpair vs veth: XDP_DROP 64B (pktgen)" pkt/s 1.0 vpair_udp veth_udp

	xdp_on bvA bvp0 xdp_pass
	xdp_on bvC bve0 xdp_pass
	xdp_off bvB bvp1
	xdp_off bvD bve1
	xdp_on bvB bvp1 xdp_tx
	xdp_on bvD bve1 xdp_tx
	vpair_tx() { PKTGEN_COUNT="bvA bvp0" vpair_udp; }
	veth_tx() { PKTGEN_COUNT="bvC bve0" veth_udp; }
	bench_compare "vpair vs veth: XDP_TX 64B, back to the sender" pkt/s 1.0 vpair_tx veth_tx
	xdp_off bvA bvp0
	xdp_off bvC bve0
	xdp_off bvB bvp1
	xdp_off bvD bve1

	# A (namespace) -> B (root, redirects through the device map) -> C (root) -> D (namespace).
	# Both kinds' B run the one program (loaded and pinned once: libbpf cannot reuse a pinned
	# device map, whose flags the kernel changes), so they share its map: each measurement puts
	# its own C in slot 0.
	local prog=/sys/fs/bpf/bench_redirect map
	bpftool prog load /bpf/xdp_redirect_map.o $prog type xdp
	map=$(bpftool prog show pinned $prog | sed -n 's/.*map_ids \([0-9]*\).*/\1/p')
	for m in "vpair bxA bxp0 bxp1 bxp2 bxD bxp3 10.212.0" "veth bxE bxe0 bxe1 bxe2 bxH bxe3 10.213.0"; do
		set -- $m
		ip netns add "$2"
		ip netns add "$6"
		ip link add "$4" type "$1" peer name "$3" netns "$2"
		ip link add "$5" type "$1" peer name "$7" netns "$6"
		ip -n "$2" addr add "$8.1/24" dev "$3"
		ip addr add "$8.2/24" dev "$4"
		ip -n "$2" link set "$3" up
		ip link set "$4" up
		ip link set "$5" up
		ip -n "$6" link set "$7" up
		ip netns exec "$6" ethtool -K "$7" gro on
		ip link set dev "$4" xdp pinned $prog
	done
	tx_port() {
		local i
		i=$(cat "/sys/class/net/$1/ifindex")
		bpftool map update id "$map" key 0 0 0 0 \
			value $((i & 255)) $((i >> 8 & 255)) $((i >> 16 & 255)) $((i >> 24 & 255))
	}
	vpair_redirect() { tx_port bxp2 && PKTGEN_COUNT="bxD bxp3" pktgen_udp bxA bxp0 "" bxp1 10.212.0.2; }
	veth_redirect() { tx_port bxe2 && PKTGEN_COUNT="bxH bxe3" pktgen_udp bxE bxe0 "" bxe1 10.213.0.2; }
	bench_compare "vpair vs veth: XDP_REDIRECT 64B, pair to pair" pkt/s 1.0 vpair_redirect veth_redirect
	ip link del bxp1
	ip link del bxp2
	ip link del bxe1
	ip link del bxe2
	rm -f $prog /sys/fs/bpf/tx_port
	ip netns del bxA
	ip netns del bxD
	ip netns del bxE
	ip netns del bxH
	ip netns del bvA
	ip netns del bvB
	ip netns del bvC
	ip netns del bvD

	# four queues a side, four TCP streams
	ip netns add bqA
	ip netns add bqB
	ip netns add bqC
	ip netns add bqD
	ip -n bqA link add bqp0 numtxqueues 4 numrxqueues 4 type vpair \
		peer name bqp1 netns bqB numtxqueues 4 numrxqueues 4
	ip -n bqC link add bqe0 numtxqueues 4 numrxqueues 4 type veth \
		peer name bqe1 netns bqD numtxqueues 4 numrxqueues 4
	for m in "bqA bqp0 10.214.0.1" "bqB bqp1 10.214.0.2" "bqC bqe0 10.215.0.1" "bqD bqe1 10.215.0.2"; do
		set -- $m
		ip -n "$1" addr add "$3/24" dev "$2"
		ip -n "$1" link set "$2" up
		ip -n "$1" link set lo up
	done
	iperf_server bqB 10.214.0.2
	iperf_server bqD 10.215.0.2
	ip netns exec bqA ping -c 1 -W 2 10.214.0.2 >/dev/null
	ip netns exec bqC ping -c 1 -W 2 10.215.0.2 >/dev/null
	vpair_tcp4() { IPERF_STREAMS=4 iperf_tcp bqA 10.214.0.2; }
	veth_tcp4() { IPERF_STREAMS=4 iperf_tcp bqC 10.215.0.2; }
	bench_compare "vpair vs veth: TCP, 4 streams, 4 queues" Mbit/s 1.0 vpair_tcp4 veth_tcp4
	ip netns del bqA
	ip netns del bqB
	ip netns del bqC
	ip netns del bqD
}
