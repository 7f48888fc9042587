# shellcheck shell=bash
# vswitchd rows: Debian's ovs-vswitchd with a NORMAL bridge of two vpair ports, on vswitch against
# the same on openvswitch.ko. The two modules register the same generic netlink families and
# vswitchd keeps the family ids it found, so each measurement loads its module alone and starts
# ovsdb-server and vswitchd afresh: bridge vb0, ports vd1 (from namespace vdA) and vd2 (to vdB).
VD_ENV="OVS_RUNDIR=/tmp/vdb OVS_LOGDIR=/tmp/vdb OVS_DBDIR=/tmp/vdb OVS_SYSCONFDIR=/tmp/vdb"

vd_start() {
	bench_dp_module "$1"
	rm -rf /tmp/vdb
	mkdir -p /tmp/vdb
	env $VD_ENV sh -c '
		ovsdb-tool create /tmp/vdb/conf.db /usr/share/openvswitch/vswitch.ovsschema
		ovsdb-server --detach --pidfile --log-file --remote=punix:/tmp/vdb/db.sock
		ovs-vsctl --no-wait init
		/usr/lib/openvswitch-switch/ovs-vswitchd --detach --pidfile --log-file -vconsole:off
		ovs-vsctl --timeout=60 add-br vb0 -- add-port vb0 vd1 -- add-port vb0 vd2' >/dev/null 2>&1
	# the NORMAL bridge learns both MACs, so that the measured frames go to one port
	ip netns exec vdA ping -c 2 -i 0.2 -W 2 10.223.0.2 >/dev/null 2>&1 || true
}
vd_stop() {
	env $VD_ENV sh -c 'ovs-appctl -t ovs-vswitchd exit --cleanup; ovs-appctl -t ovsdb-server exit' \
		>/dev/null 2>&1
	# the datapath's devices go after an RCU grace period, and the module with the last one
	local i
	for ((i = 0; i < 100; i++)); do
		rmmod "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	rmmod "$1"
}
vd_udp() { vd_start "$1"; pktgen_udp vdA eth0 vdB eth0 10.223.0.2; vd_stop "$1"; }
vd_tcp() { vd_start "$1"; iperf_tcp vdA 10.223.0.2; vd_stop "$1"; }
# flow setup: vswitchd installs exact-match flows only (upcall/disable-megaflows), and pktgen sends
# from 10 000 UDP source ports in turn: each port is a new flow, through a miss upcall and a flow put
vd_setup() {
	vd_start "$1"
	env $VD_ENV ovs-appctl upcall/disable-megaflows >/dev/null
	PKTGEN_UDP_SRC_MIN=1 PKTGEN_UDP_SRC_MAX=10000 pktgen_udp vdA eth0 vdB eth0 10.223.0.2
	vd_stop "$1"
}

bench_vswitchd() {
	local ns
	if ! modprobe -n openvswitch 2>/dev/null || [ ! -x /usr/lib/openvswitch-switch/ovs-vswitchd ]; then
		echo "# vswitchd rows skipped: no openvswitch.ko or ovs-vswitchd in the image"
		return 0
	fi
	modprobe vpair
	modprobe pktgen
	modprobe nfnetlink_cttimeout 2>/dev/null || true
	bench_vpair_ports vd 10.223.0
	iperf_server vdB 10.223.0.2

	vdudp_ours() { vd_udp vswitch; }
	vdudp_ref() { vd_udp openvswitch; }
	vdtcp_ours() { vd_tcp vswitch; }
	vdtcp_ref() { vd_tcp openvswitch; }
	vdset_ours() { vd_setup vswitch; }
	vdset_ref() { vd_setup openvswitch; }
	bench_compare "vswitchd NORMAL, vswitch vs ovs.ko: UDP 64B" pkt/s 1.0 vdudp_ours vdudp_ref
	bench_compare "vswitchd NORMAL, vswitch vs ovs.ko: TCP" Mbit/s 1.0 vdtcp_ours vdtcp_ref
	bench_compare "vswitchd, vswitch vs ovs.ko: flow setup" pkt/s 1.2 vdset_ours vdset_ref

	ip netns exec vdB pkill iperf3 2>/dev/null || true
	for ns in vdA vdB; do ip netns del $ns; done
	modprobe -r nfnetlink_cttimeout 2>/dev/null || true
	modprobe vswitch
}
