# shellcheck shell=bash
# flow rows: vswitch's flow layer against the kernel's openvswitch.ko, both driven by the same ovs-dpctl
# and the same bulk flow installer (tests/ovsflow.c). The two register the same generic netlink
# families, so each measurement loads its module alone, builds datapath ob0 with ports 1 (ob1, from
# namespace obA) and 2 (ob2, to namespace obB), installs the flows, measures, and unloads again.
# pktgen sends UDP from obA to 10.222.0.2 in obB; one flow carries it to port 2:
OVS_TRAFFIC_FLOW='in_port(1),eth(),eth_type(0x0800),ipv4(dst=10.222.0.2,proto=17),udp()'

# ovs_dp MODULE FLOWS MASKS: MODULE (vswitch or openvswitch) alone, ob0 with FLOWS - 1 TCP flows of
# ovsflow over MASKS - 1 masks (none when FLOWS is 1) and then the traffic flow, whose mask is one more
ovs_dp() {
	local flows=$2 masks=$3
	bench_dp_module "$1"
	ovs-dpctl add-dp ob0 2>/dev/null
	ovs-dpctl add-if ob0 ob1 2>/dev/null
	ovs-dpctl add-if ob0 ob2 2>/dev/null
	if [ "$flows" -gt 1 ]; then
		ovsflow add ob0 $((flows - 1)) $((masks > 1 ? masks - 1 : 1)) >/dev/null
	fi
	ovs-dpctl add-flow ob0 "$OVS_TRAFFIC_FLOW" 2 2>/dev/null
}
ovs_dp_del() {
	ovs-dpctl del-dp ob0 2>/dev/null
	rmmod "$1"
}

# UDP 64-byte pps from obA to obB through MODULE's datapath with FLOWS flows over MASKS masks
ovs_udp() {
	ovs_dp "$1" "$2" "$3"
	pktgen_udp obA eth0 obB eth0 10.222.0.2
	ovs_dp_del "$1"
}

# flows per second that ovsflow installs into an empty datapath of MODULE, 10 000 in one run
ovs_install() {
	local out
	ovs_dp "$1" 1 1
	out=$(ovsflow add ob0 10000)
	ovs_dp_del "$1"
	# "added N of COUNT in S.SSS s; ..."
	awk -v o="$out" 'BEGIN { split(o, w, " "); print (w[6] > 0 ? w[2] / w[6] : 0) }'
}

bench_ovs() {
	local ns
	modprobe vpair
	modprobe pktgen
	# openvswitch.ko must be in the image (initramfs/image.list) and loadable
	if ! modprobe -n openvswitch 2>/dev/null; then
		echo "# ovs rows skipped: no openvswitch.ko in this kernel"
		return 0
	fi
	bench_vpair_ports ob 10.222.0

	ovs1_ours() { ovs_udp vswitch 1 1; }
	ovs1_ref() { ovs_udp openvswitch 1 1; }
	ovs10k_ours() { ovs_udp vswitch 10000 2; }
	ovs10k_ref() { ovs_udp openvswitch 10000 2; }
	ovs32_ours() { ovs_udp vswitch 32 32; }
	ovs32_ref() { ovs_udp openvswitch 32 32; }
	ovsins_ours() { ovs_install vswitch; }
	ovsins_ref() { ovs_install openvswitch; }
	bench_compare "vswitch vs openvswitch.ko: UDP 64B, 1 flow" pkt/s 1.2 ovs1_ours ovs1_ref
	bench_compare "vswitch vs openvswitch.ko: UDP 64B, 10k flows" pkt/s 1.2 ovs10k_ours ovs10k_ref
	bench_compare "vswitch vs openvswitch.ko: UDP 64B, 32 masks" pkt/s 2.0 ovs32_ours ovs32_ref
	bench_compare "vswitch: UDP 64B, 10k flows vs 1 flow" pkt/s 0.9 ovs10k_ours ovs1_ours
	bench_compare "vswitch vs openvswitch.ko: flow install" flows/s 1.0 ovsins_ours ovsins_ref

	# the namespaces take the pairs with them
	for ns in obA obB; do ip netns del $ns; done
	rmmod openvswitch 2>/dev/null || true
	modprobe vswitch
}
