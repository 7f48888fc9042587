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
}
