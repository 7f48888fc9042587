# shellcheck shell=bash
# switch rows: the vswitch datapath against the kernel's Linux bridge, same topology for each: two
# namespaces, each joined to the switch by a vpair.

# bench_l2 KIND MASTER NS1 NS2 PREFIX: MASTER of KIND with ports MASTER-1/MASTER-2 to NS1/NS2
bench_l2() {
	local kind=$1 sw=$2 n1=$3 n2=$4 net=$5 i ns
	ip link add "$sw" type "$kind"
	ip link set "$sw" up
	for i in 1 2; do
		ns=$n1
		[ $i = 2 ] && ns=$n2
		ip netns add "$ns"
		ip -n "$ns" link set lo up
		ip link add "$sw-$i" type vpair peer name eth0 netns "$ns"
		ip link set "$sw-$i" master "$sw"
		ip link set "$sw-$i" up
		ip -n "$ns" addr add "$net.$i/24" dev eth0
		ip -n "$ns" link set eth0 up
	done
	iperf_server "$n2" "$net.2"
	ip netns exec "$n1" ping -c 1 -W 2 "$net.2" >/dev/null
}

bench_switch() {
	modprobe vswitch
	modprobe bridge
	modprobe vpair
	modprobe pktgen
	bench_l2 vswitch bsw bsA bsB 10.220.0
	bench_l2 bridge bbr bbA bbB 10.221.0

	switch_tcp() { iperf_tcp bsA 10.220.0.2; }
	bridge_tcp() { iperf_tcp bbA 10.221.0.2; }
	switch_udp() { pktgen_udp bsA eth0 bsB eth0 10.220.0.2; }
	bridge_udp() { pktgen_udp bbA eth0 bbB eth0 10.221.0.2; }
	bench_compare "vswitch vs bridge: TCP (iperf3)" Mbit/s 1.0 switch_tcp bridge_tcp
	bench_compare "vswitch vs bridge: UDP 64B (pktgen)" pkt/s 1.0 switch_udp bridge_udp

	ip link del bsw
	ip link del bbr
	local ns
	for ns in bsA bsB bbA bbB; do ip netns del $ns; done
}
