# shellcheck shell=bash
# vnet rows: the in-driver responder against the kernel stack answering behind a veth peer.

bench_vnet() {
	modprobe vnet
	modprobe veth
	ip link add bv0 type vnet
	ip addr add 10.201.0.1/24 dev bv0
	ip link set bv0 up
	ip netns add bench_peer
	ip link add bv1 type veth peer name bv1p netns bench_peer
	ip addr add 10.202.0.1/24 dev bv1
	ip link set bv1 up
	ip -n bench_peer addr add 10.202.0.2/24 dev bv1p
	ip -n bench_peer link set bv1p up
	ip -n bench_peer link set lo up
	ping -c 1 -W 2 10.201.0.2 >/dev/null
	ping -c 1 -W 2 10.202.0.2 >/dev/null

	vnet_pps() { flood_ping pps 10.201.0.2; }
	veth_pps() { flood_ping pps 10.202.0.2; }
	vnet_rtt() { flood_ping rtt 10.201.0.2; }
	veth_rtt() { flood_ping rtt 10.202.0.2; }
	bench_compare "vnet flood ping vs stack behind veth" replies/s 1.5 vnet_pps veth_pps
	bench_compare "vnet flood ping RTT vs stack behind veth" us 1.0 vnet_rtt veth_rtt lower

	ip link del bv0
	ip link del bv1
	ip netns del bench_peer
}
