#!/bin/bash
# vswitchd: Debian's unmodified ovs-vswitchd 3.1 (openvswitch-switch) runs on vswitch as on
# openvswitch.ko: a NORMAL bridge learns through miss upcalls and installs megaflows, an OpenFlow rule
# that rewrites becomes a datapath flow with a set action, and its log has no WARN or ERR line.
. "$(dirname "$0")/lib.sh"

require_module vswitch
require_module vpair
[ -x /usr/lib/openvswitch-switch/ovs-vswitchd ] || skip "no ovs-vswitchd in the image"
[ -d /sys/module/openvswitch ] && skip "openvswitch.ko holds the ovs_* families"

export OVS_RUNDIR=/tmp/ovs OVS_LOGDIR=/tmp/ovs OVS_DBDIR=/tmp/ovs OVS_SYSCONFDIR=/tmp/ovs
export OVS_PKGDATADIR=/usr/share/openvswitch
vsctl() { ovs-vsctl --timeout=30 "$@"; }

# ovsdb-server and ovs-vswitchd started as Open vSwitch's own test suite starts them
# (OVS_VSWITCHD_START), stopped by the test's cleanup with the datapath deleted (--cleanup)
ovs_start() {
	rm -rf $OVS_RUNDIR
	mkdir -p $OVS_RUNDIR
	# vswitchd opens a NETLINK_NETFILTER socket for conntrack timeouts at start: without nfnetlink
	# (not in the debug kernel) it logs an ERR that is not about the datapath, as on openvswitch.ko
	modprobe nfnetlink_cttimeout 2>/dev/null && defer "modprobe -r nfnetlink_cttimeout" ||
		nf_missing=1
	ovsdb-tool create $OVS_DBDIR/conf.db $OVS_PKGDATADIR/vswitch.ovsschema
	ovsdb-server --detach --no-chdir --pidfile --log-file --remote=punix:$OVS_RUNDIR/db.sock 2>/dev/null
	defer "ovs-appctl -t ovsdb-server exit"
	vsctl --no-wait init
	vswitchd
	defer "ovs-appctl -t ovs-vswitchd exit --cleanup"
}

vswitchd() {
	/usr/lib/openvswitch-switch/ovs-vswitchd --detach --no-chdir --pidfile --log-file \
		-vconsole:off -vfile:info 2>/dev/null # "opened log file": the log is in $OVS_LOGDIR
}

# the WARN/ERR/EMER lines of vswitchd's log, but for those Open vSwitch's own test suite ignores
# (check_logs in tests/ofproto-macros.at: slow polls under emulation, rate-limit notices ...) and
# for PATTERN (a line the test expects)
ovs_log_bad() {
	sed -n '/reset by peer/d
/Broken pipe/d
/is not connected/d
/timeval.*Unreasonably long [0-9]*ms poll interval/d
/timeval.*faults: [0-9]* minor, [0-9]* major/d
/timeval.*disk: [0-9]* reads, [0-9]* writes/d
/timeval.*context switches: [0-9]* voluntary, [0-9]* involuntary/d
/ovs_rcu.*blocked [0-9]* ms waiting for .* to quiesce/d
/Dropped [0-9]* log messages/d
/setting extended ack support failed/d
/|WARN|/p
/|ERR|/p
/|EMER|/p' $OVS_LOGDIR/ovs-vswitchd.log |
		{ if [ -n "${nf_missing:-}" ]; then grep -v 'netlink_socket|ERR|fcntl: Protocol not supported'; else cat; fi; } |
		grep -v -F -e "${1:-no such line}" || true
}

# port NAME NS ADDR: a vpair whose NAME end is a port of br0, its peer in namespace NS with ADDR. As
# in Open vSwitch's suite (ADD_VETH), the far end comes up once vswitchd has configured the port: a
# frame that came earlier would meet a bridge that does not know the port yet, and vswitchd says so.
port() {
	netns_add "$2"
	ip link add "$1" type vpair peer name "${1%0}1" netns "$2"
	defer "ip link del $1"
	ip link set "$1" up
	vsctl add-port br0 "$1"
	ip -n "$2" addr add "$3/24" dev "${1%0}1"
	ip -n "$2" link set "${1%0}1" up
}

# the packets count of the first dumped megaflow that contains TEXT
flow_packets() {
	ovs-appctl dpctl/dump-flows | awk -v f="$1" 'index($0, f) {
		sub(/.*packets:/, ""); sub(/,.*/, ""); print; exit }'
}

test_normal_bridge_ping_and_rewrite() {
	local out cap
	ovs_start
	vsctl add-br br0
	check_contains "the datapath is vswitch's" "$(ip -d link show ovs-system)" "vswitch"
	[ ! -d /sys/module/openvswitch ] || fail "openvswitch.ko was loaded"
	port a0 A 10.5.0.1
	port b0 B 10.5.0.2
	check_contains "ovs-dpctl show" "$(ovs-dpctl show 2>&1)" "port 3: b0"

	# NORMAL: the first frames miss, go up as upcalls, and come back as megaflows
	out=$(ip netns exec A ping -c 3 -i 0.3 -W 3 10.5.0.2) || true
	check_contains "ping A -> B through the NORMAL bridge" "$out" "3 received"
	out=$(ovs-appctl dpif/show)
	check_ge "upcalls (missed)" 1 "$(sed -n 's/.*missed:\([0-9]*\).*/\1/p' <<<"$out")"
	! grep 'does not support meters' $OVS_LOGDIR/ovs-vswitchd.log || fail "vswitchd found no meters"
	out=$(ovs-appctl dpctl/dump-flows)
	check_contains "a megaflow from a0 (datapath port 2)" "$out" "in_port(2),eth(src="
	check_contains "its actions" "$out" "actions:"
	figure "megaflows installed by vswitchd: $(grep -c 'actions:' <<<"$out")"

	# an OpenFlow rule that rewrites the TOS: a datapath set action, seen by the receiver
	ovs-ofctl add-flow br0 'ip,nw_dst=10.5.0.2,actions=mod_nw_tos:32,output:2'
	cap=$(mktemp)
	defer "rm -f $cap $cap.err"
	ip netns exec B timeout 30 tcpdump -l -n -v -c 2 -i b1 'icmp[icmptype] = icmp-echo' \
		>"$cap" 2>"$cap.err" &
	defer "kill $! 2>/dev/null"
	wait_until 20 grep -q 'listening on' "$cap.err"
	out=$(ip netns exec A ping -c 3 -i 0.3 -W 3 10.5.0.2) || true
	check_contains "ping after the rewrite rule" "$out" "3 received"
	wait_until 20 grep -q 'tos 0x20' "$cap"
	check_contains "what B receives" "$(cat "$cap")" "tos 0x20"
	out=$(ovs-appctl dpctl/dump-flows)
	check_contains "the rewrite megaflow" "$out" "actions:set(ipv4(tos=0x20/0xfc)),3"
	check_ge "packets through the rewrite megaflow" 2 "$(flow_packets 'set(ipv4(tos=0x20')"

	# the log as Open vSwitch's suite checks it: before the bridge goes (while ports are deleted, an
	# upcall queued for one of them meets a bridge that no longer knows it, on openvswitch.ko alike)
	out=$(ovs_log_bad)
	[ -z "$out" ] || fail "ovs-vswitchd logged: $out"

	# del-br: the internal port and the datapath's ports go, the devices stay
	vsctl del-br br0
	wait_until 10 sh -c '! ip link show br0'
	case $(ip -o link show a0) in *master*) fail "a0 kept a master after del-br" ;; esac
}

# ping_ok NS ADDR [ARGS...]: three echoes from namespace NS to ADDR, all answered
ping_ok() {
	local ns=$1 addr=$2 out
	shift 2
	out=$(ip netns exec "$ns" ping -c 3 -i 0.3 -W 3 "$@" "$addr") || true
	check_contains "ping $* $addr from $ns" "$out" "3 received"
}

# VLAN tags, IPv6 with neighbour discovery, fragments; then vswitchd restarts on the datapath it left
# (the open path: GET, feature SET, port dump) and a port's device is deleted under it
test_vlan_ipv6_fragments_and_restart() {
	local out n
	ovs_start
	vsctl add-br br0
	port a0 A 10.5.0.1
	port b0 B 10.5.0.2
	for n in A:a1:1 B:b1:2; do   # namespace:device:host number
		set -- ${n//:/ }
		ip -n $1 addr add fc00::$3/64 dev $2 nodad
		ip -n $1 link add link $2 name $2.100 type vlan id 100
		ip -n $1 addr add 10.6.0.$3/24 dev $2.100
		ip -n $1 link set $2.100 up
	done
	ping_ok A 10.5.0.2 -s 3200
	# a rule on TCP makes the megaflows match the IP protocol: a later fragment's is the fragment
	# header's, 44, as openvswitch.ko and Open vSwitch's userspace key it (OVS's own ping6 test)
	ovs-ofctl add-flow br0 'priority=2,tcp6,actions=drop'
	ping_ok A fc00::2
	ping_ok A fc00::2 -s 3200
	out=$(ovs-appctl dpctl/dump-flows -m | grep 'frag=later')
	check_contains "a later fragment's megaflow" "$out" "proto=44"
	case $(grep -v 'proto=44' <<<"$out") in *ipv6*) fail "a later fragment keyed otherwise: $out" ;; esac
	ping_ok A 10.6.0.2
	out=$(ovs-appctl dpctl/dump-flows)
	check_contains "a megaflow for the VLAN" "$out" "vlan(vid=100),encap(eth_type(0x0800),ipv4("
	check_contains "IPv6 megaflows" "$out" "eth_type(0x86dd),ipv6("

	# vswitchd goes (without --cleanup: the datapath and its flows stay) and comes back
	ovs-appctl -t ovs-vswitchd exit
	check_contains "the datapath outlives vswitchd" "$(ovs-dpctl show 2>&1)" "port 3: b0"
	vswitchd
	wait_until 60 sh -c 'ovs-appctl dpif/show | grep -q "b0 2/3"'
	ping_ok A 10.5.0.2
	ping_ok A 10.6.0.2

	# a port's device deleted under vswitchd: its vport goes (a DEL notification), the rest forwards
	ip link del a0
	wait_until 30 sh -c '! ovs-appctl dpif/show | grep -q "a0 "'
	check_contains "ovs-dpctl show" "$(ovs-dpctl show 2>&1)" "port 3: b0"
	# vswitchd says so of the deleted device on either datapath (openvswitch.ko alike)
	out=$(ovs_log_bad 'bridge|WARN|could not open network device a0 (No such device)')
	[ -z "$out" ] || fail "ovs-vswitchd logged: $out"
	vsctl del-br br0
}

# An OpenFlow 1.3 meter: vswitchd finds the datapath's (ovs_meter), sets one and puts a flow with the
# meter action; frames over its rate are dropped in the datapath, and counted on both sides.
test_openflow_meter_limits_rate() {
	local out rx band
	ovs_start
	vsctl add-br br0 -- set bridge br0 protocols=OpenFlow10,OpenFlow13
	port a0 A 10.5.0.1
	port b0 B 10.5.0.2
	! grep 'does not support meters\|broken meter' $OVS_LOGDIR/ovs-vswitchd.log ||
		fail "vswitchd found no working meters"
	ovs-ofctl -O OpenFlow13 add-meter br0 'meter=1 pktps burst stats bands=type=drop rate=1 burst_size=1'
	ovs-ofctl -O OpenFlow13 add-flow br0 'priority=100,icmp,in_port=1,actions=meter:1,output:2'
	ovs-ofctl -O OpenFlow13 add-flow br0 'priority=0,actions=NORMAL'
	# 20 echoes in about a second through a meter of 1 packet/s (a burst of 1)
	out=$(ip netns exec A ping -c 20 -i 0.05 -W 2 10.5.0.2) || true
	rx=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' <<<"$out")
	check_ge "echoes through the meter" 1 "$rx"
	check_le "echoes through the meter (1/s)" 10 "$rx"
	check_contains "the flow calls the meter" "$(ovs-appctl dpctl/dump-flows)" "actions:meter("
	out=$(ovs-ofctl -O OpenFlow13 meter-stats br0)
	check_contains "meter stats" "$out" "packet_in_count:20"
	band=$(sed -n 's/.*0: packet_count:\([0-9]*\).*/\1/p' <<<"$out")
	check_ge "frames over the band's rate" $((20 - rx)) "$band"
	check_ge "drop_meter of the datapath" $((20 - rx)) "$(estat ovs-system drop_meter)"
	figure "meter 1 pkt/s: $rx of 20 echoes through, band drops $band"
	ovs-ofctl -O OpenFlow13 del-meters br0
	out=$(ovs_log_bad)
	[ -z "$out" ] || fail "ovs-vswitchd logged: $out"
}

ktap_main "$@"
