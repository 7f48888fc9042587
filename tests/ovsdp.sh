#!/bin/bash
# ovsdp: vswitch driven through the Open vSwitch datapath netlink families (ovs_datapath, ovs_vport,
# ovs_flow, ovs_packet) by Debian's unmodified ovs-dpctl (openvswitch-switch 3.1). A datapath and its
# ports are the same objects `ip link` shows: made or deleted by either tool, seen by both.
. "$(dirname "$0")/lib.sh"

require_module vswitch
require_module vpair
command -v ovs-dpctl >/dev/null || skip "no ovs-dpctl in the image"
[ -d /sys/module/openvswitch ] && skip "openvswitch.ko holds the ovs_* families"

# dpctl ARGS...: ovs-dpctl that must succeed and log nothing at WARN or above; prints its output
# without the one INFO line every run logs (this datapath has no meters, as ovs-dpctl probes)
dpctl() {
	local out
	out=$(ovs-dpctl "$@" 2>&1) || fail "ovs-dpctl $*: exit $?: $out"
	case $out in *'|WARN|'* | *'|ERR|'* | *'|EMER|'*) fail "ovs-dpctl $*: logged: $out" ;; esac
	printf '%s\n' "$out" | grep -v 'dpif_netlink|INFO|The kernel module does not support meters' || true
}
# the port list of `ovs-dpctl show DP`: "NUMBER NAME" lines, sorted by number
dp_ports() { dpctl show "$1" | sed -n 's/^  port \([0-9]*\): \([^ ]*\).*/\1 \2/p'; }
dp_missed() { dpctl show "$1" | sed -n 's/.*lookups: hit:[0-9]* missed:\([0-9]*\).*/\1/p'; }
missed_ge() { [ "$(dp_missed "$1")" -ge "$2" ]; }
a0_counters_agree() { [ "$(port_rx_packets dp0 a0)" = "$(devstat a0 rx_packets)" ]; }
master_of() { ip -o link show "$1" | sed -n 's/.* master \([^ ]*\) .*/\1/p'; }
# pair DEV PEER: a vpair whose DEV end goes into a datapath, without IPv6 chatter
pair() {
	ip link add "$1" type vpair peer name "$2"
	defer "ip link del $1"
	sysctl -qw "net.ipv6.conf.$1.disable_ipv6=1" "net.ipv6.conf.$2.disable_ipv6=1"
}
add_dp() {
	dpctl add-dp "$1" >/dev/null
	defer "ip link del $1"
}
# the `port N: NAME` block of `ovs-dpctl show -s DP` for NAME: its "RX packets:" count
port_rx_packets() {
	dpctl show -s "$1" | awk -v p="$2" '/^  port / { inp = ($3 == p) } inp && /RX packets:/ {
		sub(/.*RX packets:/, ""); print $1; exit }'
}

test_datapath_both_tools() {
	add_dp dp0
	check_contains "dump-dps" "$(dpctl dump-dps)" "system@dp0"
	check_contains "ip -d link show dp0" "$(ip -d link show dp0)" "vswitch"
	check_fail "add-dp of an existing datapath" --msg "File exists" ovs-dpctl add-dp dp0
	# a datapath made by ip, listed and deleted by ovs-dpctl
	ip link add sw1 type vswitch
	defer "ip link del sw1"
	check_contains "dump-dps lists the ip-made switch" "$(dpctl dump-dps)" "system@sw1"
	check_eq "its local port" "0 sw1" "$(dp_ports sw1)"
	dpctl del-dp sw1
	[ ! -e /sys/class/net/sw1 ] || fail "sw1 survived ovs-dpctl del-dp"
	case $(dpctl dump-dps) in *sw1*) fail "dump-dps still lists sw1" ;; esac
	# and one made by ovs-dpctl, deleted by ip
	ip link del dp0
	check_fail "show of the deleted datapath" --msg "No such device" ovs-dpctl show dp0
	check_fail "del-dp of a missing datapath" --msg "No such device" ovs-dpctl del-dp dp0
}

test_ports_both_tools() {
	add_dp dp0
	pair a0 a1
	pair b0 b1
	pair c0 c1
	dpctl add-if dp0 a0
	dpctl add-if dp0 b0,port_no=7
	ip link set c0 master dp0
	check_eq "ports (ovs-dpctl show)" "0 dp0
1 a0
2 c0
7 b0" "$(dp_ports dp0)"
	check_eq "a0's master" dp0 "$(master_of a0)"
	check_eq "b0's master" dp0 "$(master_of b0)"
	check_contains "ip link show master dp0" "$(ip link show master dp0)" "c0@c1"
	# a port number in use, a device that is already a port, the local port
	check_fail "add-if with a taken port number" --msg "Device or resource busy" \
		ovs-dpctl add-if dp0 a1,port_no=7
	[ -z "$(master_of a1)" ] || fail "a1 was attached by a refused add-if"
	check_fail "add-if of a port already in the datapath" ovs-dpctl add-if dp0 a0
	check_fail "add-if of a missing device" --msg "No such device" ovs-dpctl add-if dp0 nosuch0
	check_fail "del-if of a missing port" --msg "no port named nosuch0" ovs-dpctl del-if dp0 nosuch0
	# removed by the other tool each time
	dpctl del-if dp0 c0
	[ -z "$(master_of c0)" ] || fail "c0 still has a master after del-if"
	ip link set b0 nomaster
	check_eq "ports after del-if c0 and ip nomaster b0" "0 dp0
1 a0" "$(dp_ports dp0)"
	# a freed number is used again, on request
	dpctl add-if dp0 c0,port_no=7
	check_eq "c0 on port 7 again" "0 dp0
1 a0
7 c0" "$(dp_ports dp0)"
	dpctl del-dp dp0
	[ -z "$(master_of a0)$(master_of c0)" ] || fail "a port kept its master after del-dp"
	[ ! -e /sys/class/net/dp0 ] || fail "dp0 survived del-dp"
}

# the ovs_vport multicast group tells of ports coming and going by either tool, with their upcall
# PIDs (ovs-vswitchd follows its ports by it)
test_port_notifications() {
	local w out
	add_dp dp0
	pair a0 a1
	pair b0 b1
	pair c0 c1
	out=$(mktemp)
	defer "rm -f $out"
	ovsupcall watch dp0 5 60 >"$out" 2>&1 &
	w=$!
	defer "kill $w"
	wait_until 10 grep -q watching "$out"
	ovsupcall addport dp0 a0 4242
	dpctl add-if dp0 b0
	ip link set c0 master dp0
	ovsupcall setpid dp0 1 77
	dpctl del-if dp0 b0
	wait "$w" || fail "ovsupcall watch: $(cat "$out")"
	check_eq "notifications" "watching
new 1 a0 pid 4242
new 2 b0 pid 0
new 3 c0 pid 0
set 1 a0 pid 77
del 2 b0 pid 0" "$(cat "$out")"
}

test_port_counters_and_lookups() {
	add_dp dp0
	sysctl -qw net.ipv6.conf.dp0.disable_ipv6=1
	netns_add A
	netns_add B
	ip link add a0 type vpair peer name a1 netns A
	ip link add b0 type vpair peer name b1 netns B
	defer "ip link del a0; ip link del b0"
	sysctl -qw net.ipv6.conf.a0.disable_ipv6=1 net.ipv6.conf.b0.disable_ipv6=1
	dpctl add-if dp0 a0
	dpctl add-if dp0 b0
	ip link set a0 up
	ip link set b0 up
	ip -n A addr add 10.5.0.1/24 dev a1
	ip -n B addr add 10.5.0.2/24 dev b1
	ip -n A link set a1 up
	ip -n B link set b1 up
	local missed0 rx0
	missed0=$(dp_missed dp0)
	check_contains "ping through the datapath" "$(ip netns exec A ping -c 3 -i 0.2 -W 2 10.5.0.2)" \
		"3 received"
	# every frame in is a lookup; with no flows every lookup is a miss, handed to the learning
	# switch: at least 3 requests and 3 replies, and ARP
	wait_until 5 missed_ge dp0 $((missed0 + 6))
	rx0=$(port_rx_packets dp0 a0)
	check_ge "a0's RX packets in show -s" 3 "$rx0"
	# the two counters are read one after the other, while a late frame may still come in (an
	# ARP probe): they agree once the port is quiet
	wait_until 5 a0_counters_agree
	check_contains "flows" "$(dpctl show dp0)" "flows: 0"
}

test_outside_the_subset_refused() {
	add_dp dp0
	pair a0 a1
	dpctl add-if dp0 a0
	# never ignored: refused with an error
	check_fail "a tunnel port" ovs-dpctl add-if dp0 vx0,type=geneve
	[ ! -e /sys/class/net/vx0 ] || fail "vx0 was made by a refused add-if"
	# as upstream: an L4 match needs its IP protocol in the key
	check_fail "tcp() without ipv4(proto=6)" --msg "Invalid argument" \
		ovs-dpctl add-flow dp0 'in_port(1),eth(),eth_type(0x0800),ipv4(),tcp(dst=80)' 2
	# and what the EtherType and IP protocol call for must be there (match_validate's "Missing key")
	check_fail "eth_type(0x0800) without ipv4()" --msg "Invalid argument" \
		ovs-dpctl add-flow dp0 'in_port(1),eth(),eth_type(0x0800)' 2
	check_fail "ipv4(proto=6) without tcp()" --msg "Invalid argument" \
		ovs-dpctl add-flow dp0 'in_port(1),eth(),eth_type(0x0800),ipv4(proto=6)' 2
	check_fail "tcp() without tcp_flags()" --msg "Invalid argument" \
		ovs-dpctl add-flow dp0 'in_port(1),eth(),eth_type(0x0800),ipv4(proto=6),tcp(dst=80)' 2
	check_fail "an MPLS EtherType" --msg "Invalid argument" \
		ovs-dpctl add-flow dp0 'in_port(1),eth(),eth_type(0x8847)' 2
	dpctl add-flow dp0 'in_port(1),eth(),eth_type(0x0800),ipv4(proto=6),tcp(dst=80),tcp_flags(0/0)' 2
	dpctl del-flows dp0
	check_fail "a tunnel key" --msg "Invalid argument" \
		ovs-dpctl add-flow dp0 'in_port(1),eth(),tunnel(tun_id=1)' 2
	check_fail "conntrack" --msg "Invalid argument" ovs-dpctl add-flow dp0 'in_port(1),eth()' 'ct(),2'
	check_eq "dump-flows after the refusals" "" "$(dpctl dump-flows dp0)"
	check_eq "ports after the refusals" "0 dp0
1 a0" "$(dp_ports dp0)"
}

# dp0 with namespaces A, B, C behind ports 1 a0, 2 b0, 3 c0 (10.5.0.1, .2, .3), no IPv6 chatter
dp_abc() {
	add_dp dp0
	sysctl -qw net.ipv6.conf.dp0.disable_ipv6=1
	local n
	for n in A B C; do
		netns_add $n
		ip link add ${n,}0 type vpair peer name ${n,}1 netns $n
		defer "ip link del ${n,}0"
		sysctl -qw net.ipv6.conf.${n,}0.disable_ipv6=1
		ip netns exec $n sysctl -qw net.ipv6.conf.${n,}1.disable_ipv6=1
		dpctl add-if dp0 ${n,}0
		ip link set ${n,}0 up
		ip -n $n link set ${n,}1 up
	done
	ip -n A addr add 10.5.0.1/24 dev a1
	ip -n B addr add 10.5.0.2/24 dev b1
	ip -n C addr add 10.5.0.3/24 dev c1
}
# the packets: count of the dump-flows line that starts with FLOW
flow_packets() { dpctl dump-flows dp0 | awk -v f="$1" 'index($0, f ", ") == 1 {
	sub(/.*packets:/, ""); sub(/,.*/, ""); print; n++ } END { exit n != 1 }'; }

test_flows_forward_and_count() {
	dp_abc
	dpctl add-flow dp0 'in_port(1),eth(),eth_type(0x0800),ipv4(dst=10.5.0.2/255.255.255.255)' 2
	dpctl add-flow dp0 'in_port(1),eth(),eth_type(0x0806),arp()' 2
	dpctl add-flow dp0 'in_port(2),eth(),eth_type(0x0800),ipv4()' 1
	dpctl add-flow dp0 'in_port(2),eth(),eth_type(0x0806),arp()' 1
	check_fail "the same flow again" --msg "File exists" \
		ovs-dpctl add-flow dp0 'in_port(1),eth(),eth_type(0x0806),arp()' 3
	check_eq "flows dumped" 4 "$(dpctl dump-flows dp0 | grep -c 'actions:')"
	local c_tx0 out
	c_tx0=$(devstat c0 tx_packets)
	check_contains "ping A -> B through the flows" \
		"$(ip netns exec A ping -c 3 -i 0.2 -W 2 10.5.0.2)" "3 received"
	# the flows, not the learning switch, carried them: its ARP broadcast would reach C
	check_eq "frames sent to c0" "$c_tx0" "$(devstat c0 tx_packets)"
	check_ge "packets of A's IPv4 flow" 3 \
		"$(flow_packets 'in_port(1),eth(),eth_type(0x0800),ipv4(dst=10.5.0.2)')"
	check_ge "packets of B's IPv4 flow" 3 "$(flow_packets 'in_port(2),eth(),eth_type(0x0800)')"
	# mod-flow --clear starts the counts over; the next frames count from zero
	dpctl mod-flow --clear dp0 'in_port(1),eth(),eth_type(0x0800),ipv4(dst=10.5.0.2/255.255.255.255)' 2
	check_eq "packets of A's IPv4 flow after --clear" 0 \
		"$(flow_packets 'in_port(1),eth(),eth_type(0x0800),ipv4(dst=10.5.0.2)')"
	check_contains "ping A -> B after the clear" \
		"$(ip netns exec A ping -c 2 -i 0.2 -W 2 10.5.0.2)" "2 received"
	check_eq "packets of A's IPv4 flow counted since" 2 \
		"$(flow_packets 'in_port(1),eth(),eth_type(0x0800),ipv4(dst=10.5.0.2)')"
	out=$(dpctl show dp0)
	check_contains "flows in show" "$out" "flows: 4"
	check_contains "masks in show" "$out" "total:2"
	case $out in *"lookups: hit:0 "*) fail "no lookup hit: $out" ;; esac
	# C has no flow: its ARP request misses and the learning switch floods it; A's answer
	# follows A's ARP flow to B, so C never hears it
	check_contains "ping C -> A (a miss; the answer taken by A's flow)" \
		"$(ip netns exec C ping -c 2 -i 0.2 -W 2 10.5.0.1)" " 0 received"
	dpctl del-flow dp0 'in_port(2),eth(),eth_type(0x0806),arp()'
	check_fail "del-flow of a flow that is gone" --msg "No such file or directory" \
		ovs-dpctl del-flow dp0 'in_port(2),eth(),eth_type(0x0806),arp()'
	check_eq "flows after del-flow" 3 "$(dpctl dump-flows dp0 | grep -c 'actions:')"
	dpctl del-flows dp0
	check_eq "flows after del-flows" "" "$(dpctl dump-flows dp0)"
	check_contains "ping A -> B by the learning switch again" \
		"$(ip netns exec A ping -c 2 -i 0.2 -W 2 10.5.0.2)" "2 received"
}

test_flow_rewrites_tos_and_vlan() {
	dp_abc
	dpctl add-flow dp0 'in_port(1),eth(),eth_type(0x0806),arp()' 2
	dpctl add-flow dp0 'in_port(2),eth(),eth_type(0x0806),arp()' 1
	dpctl add-flow dp0 'in_port(2),eth(),eth_type(0x0800),ipv4()' 1
	dpctl add-flow dp0 'in_port(1),eth(),eth_type(0x0800),ipv4(dst=10.5.0.2/255.255.255.255)' 2
	# mod-flow: new actions on the same flow, counters kept
	dpctl mod-flow dp0 'in_port(1),eth(),eth_type(0x0800),ipv4(dst=10.5.0.2/255.255.255.255)' \
		'set(ipv4(tos=0x20)),2'
	check_contains "the new actions" "$(dpctl dump-flows dp0)" "actions:set(ipv4(tos=0x20)),2"
	ip netns exec B tcpdump -l -c 1 -v -n -i b1 'icmp[icmptype] == icmp-echo' >/tmp/ovsdp-tos.$$ 2>&1 &
	local pid=$!
	defer "kill $pid 2>/dev/null; rm -f /tmp/ovsdp-tos.$$"
	wait_until 10 grep -q listening /tmp/ovsdp-tos.$$
	# B answers only a request whose IP checksum the rewrite fixed
	check_contains "ping with TOS rewritten" \
		"$(ip netns exec A ping -c 2 -i 0.2 -W 2 10.5.0.2)" "2 received"
	wait $pid || true
	check_contains "TOS on B's side" "$(cat /tmp/ovsdp-tos.$$)" "tos 0x20"

	# VLAN 10 between the datapath and B: pushed towards B, popped from B
	dpctl del-flows dp0
	ip -n B addr flush dev b1
	ip -n B link add link b1 name b1.10 type vlan id 10
	ip -n B addr add 10.5.0.2/24 dev b1.10
	ip -n B link set b1.10 up
	dpctl add-flow dp0 'in_port(1),eth()' 'push_vlan(vid=10,pcp=0),2'
	dpctl add-flow dp0 'in_port(2),eth(),eth_type(0x8100),vlan(vid=10),encap(eth_type(0x0800),ipv4())' \
		'pop_vlan,1'
	dpctl add-flow dp0 'in_port(2),eth(),eth_type(0x8100),vlan(vid=10),encap(eth_type(0x0806),arp())' \
		'pop_vlan,1'
	check_contains "ping A -> B's VLAN 10" "$(ip netns exec A ping -c 2 -i 0.2 -W 2 10.5.0.2)" \
		"2 received"
	check_ge "B's VLAN device received" 2 "$(ip netns exec B cat /sys/class/net/b1.10/statistics/rx_packets)"
}

test_flow_ufid_and_learning_handoff() {
	dp_abc
	local ufid=12345678-9abc-def0-1234-56789abcdef0 out
	# every frame from C to the built-in learning switch: output to port 4294967294
	dpctl add-flow dp0 "ufid:$ufid in_port(3),eth()" 4294967294
	out=$(dpctl get-flow dp0 "ufid:$ufid")
	check_contains "get-flow by UFID" "$out" "actions:4294967294"
	check_contains "dump-flows -m shows the UFID" "$(dpctl dump-flows -m dp0)" "ufid:$ufid"
	check_contains "ping C -> A, C's frames through the flow" \
		"$(ip netns exec C ping -c 2 -i 0.2 -W 2 10.5.0.1)" "2 received"
	check_ge "packets of C's flow" 2 "$(flow_packets "in_port(3),eth()")"
	dpctl del-flow dp0 "ufid:$ufid"
	check_fail "get-flow of the deleted UFID" ovs-dpctl get-flow dp0 "ufid:$ufid"
}

test_flow_trunc_recirc_sample_clone() {
	dp_abc
	dpctl add-flow dp0 'in_port(1),eth(),eth_type(0x0806),arp()' 2
	dpctl add-flow dp0 'in_port(2),eth(),eth_type(0x0806),arp()' 1
	# A -> B: a copy cut to 60 bytes to C, then twice round the table, then a 100% sample to B
	# (ovs-dpctl 3.1 prints the hash action but cannot parse it: not tested here)
	dpctl add-flow dp0 'recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4()' 'trunc(60),3,recirc(7)'
	dpctl add-flow dp0 'recirc_id(7),in_port(1),eth(),eth_type(0x0800),ipv4()' 'recirc(8)'
	dpctl add-flow dp0 'recirc_id(8),in_port(1),eth(),eth_type(0x0800),ipv4()' \
		'sample(sample=100.0%,actions(2))'
	# B -> A: through a clone only (the original is dropped when the list ends)
	dpctl add-flow dp0 'recirc_id(0),in_port(2),eth(),eth_type(0x0800),ipv4()' 'clone(1)'
	ip netns exec C tcpdump -l -c 2 -n -e -i c1 icmp >/tmp/ovsdp-trunc.$$ 2>&1 &
	local pid=$! f
	defer "kill $pid 2>/dev/null; rm -f /tmp/ovsdp-trunc.$$"
	wait_until 10 grep -q listening /tmp/ovsdp-trunc.$$
	check_contains "ping A -> B through trunc, recirc, sample and clone" \
		"$(ip netns exec A ping -c 2 -i 0.2 -W 2 10.5.0.2)" "2 received"
	wait $pid || true
	check_contains "C's copies, cut to 60 bytes" "$(cat /tmp/ovsdp-trunc.$$)" "length 60:"
	for f in 'recirc_id(0),in_port(1),eth(),eth_type(0x0800)' \
		'recirc_id(0x7),in_port(1),eth(),eth_type(0x0800)' \
		'recirc_id(0x8),in_port(1),eth(),eth_type(0x0800)' \
		'recirc_id(0),in_port(2),eth(),eth_type(0x0800)'; do
		check_ge "packets of $f" 2 "$(flow_packets "$f")"
	done
	# a flow that recirculates to itself ends, counted as a loop
	dpctl add-flow dp0 'recirc_id(0x9),in_port(3),eth()' 'recirc(9)'
	dpctl add-flow dp0 'recirc_id(0),in_port(3),eth()' 'recirc(9)'
	local loops0
	loops0=$(ethtool -S dp0 | awk '/drop_loop:/ { print $2 }')
	ip netns exec C ping -c 1 -W 1 10.5.0.1 >/dev/null 2>&1 || true
	wait_until 5 sh -c "[ \$(ethtool -S dp0 | awk '/drop_loop:/ { print \$2 }') -gt $loops0 ]"
}

# trunc cuts a copy of a GSO frame, not the frame: A's TCP goes to B whole (GSO) while C gets the
# first 200 bytes (a clone's GSO fields are its siblings' too, until it has its own head)
test_flow_trunc_copy_of_gso_frame() {
	dp_abc
	dpctl add-flow dp0 'in_port(1),eth(),eth_type(0x0806),arp()' 2
	dpctl add-flow dp0 'in_port(2),eth(),eth_type(0x0806),arp()' 1
	dpctl add-flow dp0 'in_port(2),eth(),eth_type(0x0800),ipv4()' 1
	dpctl add-flow dp0 'in_port(1),eth(),eth_type(0x0800),ipv4()' 'trunc(200),3,2'
	local spid mtu0 rx0 c0 out
	ip netns exec B iperf3 -s -1 -B 10.5.0.2 >/dev/null 2>&1 &
	spid=$!
	defer "kill $spid"
	wait_until 10 sh -c "ip netns exec B ss -Hltn 'sport = :5201' | grep -q ."
	mtu0=$(estat dp0 drop_mtu)
	rx0=$(ip netns exec B cat /sys/class/net/b1/statistics/rx_bytes)
	c0=$(devstat c0 tx_packets)
	# two megabytes, however long it takes (the debug kernel moves a few Mbit/s): an amount, not
	# a time. iperf3 ends when it has written them and the server has answered on its control
	# connection, while the data connection's last window may still be on its way: B's count is
	# polled for the first megabyte.
	out=$(ip netns exec A timeout 120 iperf3 -c 10.5.0.2 -n 2M -f m 2>&1) || fail "iperf3: $out"
	figure "iperf3 A -> B with truncated copies to C: $(printf '%s\n' "$out" |
		awk '/receiver/ { print $(NF - 2), $(NF - 1) }')"
	check_eq "frames dropped for the MTU" "$mtu0" "$(estat dp0 drop_mtu)"
	wait_until 20 sh -c "[ \$(ip netns exec B cat /sys/class/net/b1/statistics/rx_bytes) -ge \
		$((rx0 + 1000000)) ]"
	check_ge "copies sent to C" $((c0 + 10)) "$(devstat c0 tx_packets)"
	check_le "bytes per copy to C" 200 \
		"$(awk -v p="$(devstat c0 tx_packets)" -v b="$(devstat c0 tx_bytes)" \
			'BEGIN { print int(b / p) }')"
}

test_flow_matches_nd_target() {
	dp_abc
	local n
	for n in A B; do
		ip netns exec $n sysctl -qw net.ipv6.conf.${n,}1.disable_ipv6=0
	done
	ip -n A addr add fd00::1/64 dev a1 nodad
	ip -n B addr add fd00::2/64 dev b1 nodad
	# A's neighbour solicitations by their target, its echo requests, and all of B's IPv6 back
	dpctl add-flow dp0 'in_port(1),eth(),eth_type(0x86dd),ipv6(proto=58),icmpv6(type=135,code=0),nd(target=fd00::2)' 2
	dpctl add-flow dp0 'in_port(1),eth(),eth_type(0x86dd),ipv6(proto=58),icmpv6(type=135,code=0),nd(target=fd00::99)' 2
	dpctl add-flow dp0 'in_port(1),eth(),eth_type(0x86dd),ipv6(proto=58),icmpv6(type=128,code=0)' 2
	dpctl add-flow dp0 'in_port(2),eth(),eth_type(0x86dd),ipv6()' 1
	check_contains "ping6 A -> B" "$(ip netns exec A ping -6 -c 2 -i 0.2 -W 2 fd00::2)" "2 received"
	check_ge "solicitations for fd00::2" 1 \
		"$(flow_packets 'in_port(1),eth(),eth_type(0x86dd),ipv6(proto=58),icmpv6(type=135,code=0),nd(target=fd00::2)')"
	check_eq "solicitations for fd00::99" 0 \
		"$(flow_packets 'in_port(1),eth(),eth_type(0x86dd),ipv6(proto=58),icmpv6(type=135,code=0),nd(target=fd00::99)')"
	# as upstream, a solicitation's key has nd() whatever its code (the fields are 0 with a code)
	dpctl add-flow dp0 'in_port(3),eth(),eth_type(0x86dd),ipv6(proto=58),icmpv6(type=135,code=1),nd()' 1
	check_fail "a solicitation's key without nd()" --msg "Invalid argument" \
		ovs-dpctl add-flow dp0 'in_port(3),eth(),eth_type(0x86dd),ipv6(proto=58),icmpv6(type=136,code=1)' 1
}

test_miss_upcall_and_execute() {
	dp_abc
	local log=/tmp/ovsdp-upcall.$$ pid lpid out
	defer "rm -f $log"
	# A's frames miss (no flows) and go to the listener on port 1, which sends each back down
	# to be output on port 2: A reaches B only through userspace. B's own frames go to the
	# learning switch (no listener on port 2).
	ovsupcall listen dp0 1 2 5 30 >$log 2>&1 &
	lpid=$!
	defer "kill $lpid 2>/dev/null"
	wait_until 10 grep -q "^listening pid" $log
	check_contains "ping A -> B through misses and executes" \
		"$(ip netns exec A ping -c 4 -i 0.2 -W 2 10.5.0.2)" "4 received"
	wait $lpid || fail "the listener: $(cat $log)"
	out=$(tail -n 1 $log)
	figure "listener: $out"
	check_contains "misses taken and executed" "$out" "executed 5 refused 0"
	check_contains "every miss's key named port 1" "$out" "bad-keys 0"
	check_contains "nothing lost" "$(dpctl show dp0)" "lost:0"

	# the userspace action: a copy of C's frames to a listener, with its userdata, besides the
	# output. The listener is on an internal port kept down, where nothing can miss (B may send
	# an ARP probe to A meanwhile); ovs-dpctl brings a port up: down again, without IPv6.
	dpctl add-if dp0 idle0,type=internal
	sysctl -qw net.ipv6.conf.idle0.disable_ipv6=1
	ip link set idle0 down
	ovsupcall listen dp0 4 1 3 30 >$log 2>&1 &
	lpid=$!
	wait_until 10 grep -q "^listening pid" $log
	pid=$(sed -n 's/^listening pid //p' $log)
	dpctl add-flow dp0 'in_port(3),eth()' "userspace(pid=$pid,userdata(0102030405060708),actions),1"
	check_contains "ping C -> A with copies to userspace" \
		"$(ip netns exec C ping -c 2 -i 0.2 -W 2 10.5.0.1)" "2 received"
	wait $lpid || fail "the listener: $(cat $log)"
	out=$(tail -n 1 $log)
	figure "listener: $out"
	check_contains "three copies (ARP and two echo requests)" "$out" "misses 0 actions 3"
	check_contains "the userdata echoed" "$out" "last-userdata 0102030405060708"
	# its actions flag: the copy carries the list it is in (userspace = 2, output = 1)
	check_contains "the action list sent with the copy" "$out" "last-actions 2,1"

	# a port whose listener is gone: its misses are lost, and counted
	dpctl del-flows dp0
	ovsupcall setpid dp0 1 4000000000
	check_contains "ping A -> B with nobody listening" \
		"$(ip netns exec A ping -c 2 -i 0.2 -W 1 10.5.0.2 || true)" " 0 received"
	case $(dpctl show dp0) in *"lost:0"*) fail "no upcall counted lost: $(dpctl show dp0)" ;; esac
	ovsupcall setpid dp0 1 0
	check_contains "ping A -> B by the learning switch again" \
		"$(ip netns exec A ping -c 2 -i 0.2 -W 2 10.5.0.2)" "2 received"
}

test_genl_fuzz() {
	dp_abc
	dpctl add-flow dp0 'in_port(1),eth(),eth_type(0x0806),arp()' 2
	dpctl add-flow dp0 'in_port(2),eth(),eth_type(0x0806),arp()' 1
	local out ping
	# traffic through the datapath while the fuzzer changes its ports, flows and listeners
	ip netns exec A ping -i 0.05 -W 1 -w 80 10.5.0.2 >/dev/null 2>&1 &
	ping=$!
	defer "kill $ping 2>/dev/null"
	out=$(genlfuzz dp0 20000 60 ${GENLFUZZ_SEED:-}) || fail "genlfuzz: $out"
	printf '%s\n' "$out" | while IFS= read -r l; do figure "$l"; done
	kill $ping 2>/dev/null || true
	case $(ip -o link show) in *gfz* | *nosuch*) fail "a fuzzer's datapath left: $(ip -o link show)" ;; esac
	# the datapath still answers, and forwards by flows
	dpctl del-flows dp0
	check_contains "dp0 after the fuzzer" "$(dpctl dump-dps)" "system@dp0"
}

test_internal_port() {
	add_dp dp0
	sysctl -qw net.ipv6.conf.dp0.disable_ipv6=1
	netns_add A
	ip link add a0 type vpair peer name a1 netns A
	defer "ip link del a0"
	sysctl -qw net.ipv6.conf.a0.disable_ipv6=1
	dpctl add-if dp0 a0
	dpctl add-if dp0 int1,type=internal
	check_contains "show lists it" "$(dpctl show dp0)" "port 2: int1 (internal)"
	check_eq "int1's master" dp0 "$(master_of int1)"
	check_fail "an internal port of a taken name" --msg "File exists" \
		ovs-dpctl add-if dp0 a0,type=internal
	# the host on int1: what it sends enters the datapath, what the datapath sends it goes up
	sysctl -qw net.ipv6.conf.int1.disable_ipv6=1
	ip addr add 10.5.0.254/24 dev int1
	ip link set int1 up
	ip link set a0 up
	ip -n A addr add 10.5.0.1/24 dev a1
	ip -n A link set a1 up
	check_contains "ping A -> the host's int1" "$(ip netns exec A ping -c 2 -i 0.2 -W 2 10.5.0.254)" \
		"2 received"
	check_ge "int1 rx_packets" 2 "$(devstat int1 rx_packets)"
	check_ge "int1 tx_packets" 2 "$(devstat int1 tx_packets)"
	# it is the port's: not deleted or moved by ip, gone with del-if or the datapath
	check_fail "ip link del of an internal port" ip link del int1
	check_fail "ip link set netns of an internal port" ip link set int1 netns A
	dpctl del-if dp0 int1
	[ ! -e /sys/class/net/int1 ] || fail "int1 survived del-if"
	dpctl add-if dp0 int2,type=internal
	dpctl del-dp dp0
	[ ! -e /sys/class/net/int2 ] || fail "int2 survived del-dp"
	# and with the module
	dpctl add-dp dp1
	defer "ip link del dp1"
	dpctl add-if dp1 int3,type=internal
	rmmod vswitch
	defer modprobe vswitch
	[ ! -e /sys/class/net/int3 ] || fail "int3 survived rmmod"
}

# masks: hit:N and lookups: hit:N of ovs-dpctl show, as "MASK_HITS LOOKUP_HITS"
# a namespace with a datapath, internal ports and a device port goes away: its exit queues the
# internal ports' devices before the datapath's dellink deletes its ports
test_namespace_exit_with_internal_ports() {
	ip netns add dpns
	defer "ip netns del dpns"
	ip netns exec dpns ovs-dpctl add-dp dp0 2>/dev/null
	ip netns exec dpns ovs-dpctl add-if dp0 int1,type=internal 2>/dev/null
	ip netns exec dpns ovs-dpctl add-if dp0 int2,type=internal 2>/dev/null
	# v0 in dpns, its peer v1 here: v1 goes in the same batch of the namespace's exit
	ip link add v1 type vpair peer name v0 netns dpns
	defer "ip link del v1"
	ip netns exec dpns ovs-dpctl add-if dp0 v0 2>/dev/null
	check_contains "the ports in dpns" "$(ip netns exec dpns ovs-dpctl show dp0 2>/dev/null)" \
		"port 3: v0"
	ip netns del dpns
	# the namespace's exit runs in a workqueue; v1 goes in the batch that deletes dp0's ports
	wait_until 30 sh -c '! ip link show v1'
	check_fail "dp0 after its namespace" ovs-dpctl show dp0
}

dp_hits() { dpctl show "$1" | awk '/lookups:/ { sub(/.*hit:/, "", $2); l = $2 }
	/masks:/ { sub(/hit:/, "", $2); m = $2 } END { print m, l }'; }

test_100000_flows() {
	dp_abc
	local out t0
	out=$(ovsflow add dp0 100000) || fail "ovsflow: $out"
	figure "ovsflow: $out"
	out=$(dpctl show dp0)
	check_contains "flows in show" "$out" "flows: 100000"
	check_contains "one mask for them all" "$out" "total:1"
	# a dump of them all, in many parts, each resumed where the last stopped
	t0=$EPOCHREALTIME
	check_eq "flows dumped" 100000 "$(ovs-dpctl dump-flows dp0 2>/dev/null | grep -c 'actions:2')"
	figure "dump-flows of 100000 flows: $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"
	# the ping's own flows beside them, looked up among 100 000
	dpctl add-flow dp0 'in_port(1),eth(),eth_type(0x0806),arp()' 2
	dpctl add-flow dp0 'in_port(2),eth(),eth_type(0x0806),arp()' 1
	dpctl add-flow dp0 'in_port(1),eth(),eth_type(0x0800),ipv4(dst=10.5.0.2/255.255.255.255)' 2
	dpctl add-flow dp0 'in_port(2),eth(),eth_type(0x0800),ipv4(dst=10.5.0.1/255.255.255.255)' 1
	check_contains "ping A -> B among 100 000 flows" \
		"$(ip netns exec A ping -c 3 -i 0.2 -W 2 10.5.0.2)" "3 received"
	check_ge "packets of A's IPv4 flow" 3 \
		"$(flow_packets 'in_port(1),eth(),eth_type(0x0800),ipv4(dst=10.5.0.2)' 2>/dev/null ||
		   dpctl get-flow dp0 'in_port(1),eth(),eth_type(0x0800),ipv4(dst=10.5.0.2)' |
		   sed -n 's/.*packets:\([0-9]*\).*/\1/p')"
}

test_lookup_cost_with_many_masks() {
	dp_abc
	local out h0 h1
	# 16 masks of flows first, then the ping's flows on two masks more, at the end of the list
	out=$(ovsflow add dp0 1600 16) || fail "ovsflow: $out"
	dpctl add-flow dp0 'in_port(1),eth(),eth_type(0x0806),arp()' 2
	dpctl add-flow dp0 'in_port(2),eth(),eth_type(0x0806),arp()' 1
	dpctl add-flow dp0 'in_port(1),eth(),eth_type(0x0800),ipv4(dst=10.5.0.2/255.255.255.255)' 2
	dpctl add-flow dp0 'in_port(2),eth(),eth_type(0x0800),ipv4(dst=10.5.0.1/255.255.255.255)' 1
	check_contains "18 masks" "$(dpctl show dp0)" "total:18"
	check_contains "warm-up ping" "$(ip netns exec A ping -c 3 -i 0.1 -W 2 10.5.0.2)" "3 received"
	read -r -a h0 <<<"$(dp_hits dp0)"
	check_contains "200 pings" "$(ip netns exec A ping -f -c 200 -W 2 10.5.0.2)" "200 received"
	read -r -a h1 <<<"$(dp_hits dp0)"
	local masks=$((h1[0] - h0[0])) hits=$((h1[1] - h0[1]))
	figure "200 pings with 18 masks: $hits lookups hit, $masks masks probed"
	check_ge "lookups that hit" 400 "$hits"
	# a walk of the masks would be about 17 probes a frame: the per-CPU cache makes it one
	check_le "masks probed per hit (x100)" 150 $((masks * 100 / hits))

	# the cache's size, as ovs-dpctl sets it (OVS_DP_ATTR_MASKS_CACHE_SIZE): 256 entries per CPU by
	# default, 0 for none, powers of two up to 4096 (the largest per-CPU unit), as upstream
	check_eq "the default size" "masks-cache:size:256" \
		"$(dpctl cache-get-size dp0 | grep masks-cache | tr -d '[:blank:]')"
	check_fail "a size over 4096" --msg "Numerical result out of range" \
		ovs-dpctl cache-set-size dp0 masks-cache 8192
	# ovs-dpctl rounds up to a power of two itself; the kernel refuses others (EINVAL)
	check_contains "100 entries" "$(dpctl cache-set-size dp0 masks-cache 100)" "new size 128"
	check_contains "no cache" "$(dpctl cache-set-size dp0 masks-cache 0)" "new size 0"
	check_eq "its size" "masks-cache:size:0" \
		"$(dpctl cache-get-size dp0 | grep masks-cache | tr -d '[:blank:]')"
	read -r -a h0 <<<"$(dp_hits dp0)"
	check_contains "200 pings, no cache" "$(ip netns exec A ping -f -c 200 -W 2 10.5.0.2)" "200 received"
	read -r -a h1 <<<"$(dp_hits dp0)"
	masks=$((h1[0] - h0[0])) hits=$((h1[1] - h0[1]))
	figure "200 pings with 18 masks, no cache: $hits lookups hit, $masks masks probed"
	check_ge "masks probed per hit without the cache (x100)" 500 $((masks * 100 / hits))
	check_contains "a cache again" "$(dpctl cache-set-size dp0 masks-cache 4096)" "new size 4096"
	check_contains "ping with 4096 entries" "$(ip netns exec A ping -c 3 -i 0.1 -W 2 10.5.0.2)" \
		"3 received"
}

# add-flow refuses a flow that an existing one would take the place of, looking its key up as given
# (as openvswitch.ko does): a frame with that key would hit the existing flow
test_flow_overlap_by_the_key_as_given() {
	add_dp dp0
	pair a0 a1
	pair b0 b1
	dpctl add-if dp0 a0
	dpctl add-if dp0 b0
	dpctl add-flow dp0 'in_port(1),eth(),eth_type(0x0800),ipv4(dst=0.0.0.0)' 2
	# dst 10.9.9.9, wildcarded: no frame of this key hits the flow above, so it is no overlap
	dpctl add-flow dp0 'in_port(1),eth(),eth_type(0x0800),ipv4(dst=10.9.9.9/0.0.0.0)' 2
	# the first flow's mask and key, a wildcarded field aside: a frame of this key hits it
	check_fail "a key the first flow takes" --msg "File exists" \
		ovs-dpctl add-flow dp0 'in_port(1),eth(),eth_type(0x0800),ipv4(dst=0.0.0.0,tos=0x10/0)' 2
	check_eq "flows" 2 "$(dpctl dump-flows dp0 | grep -c 'actions:')"
}

# an action list of up to 32 KiB is taken, and dumped: a dump message too small for it carries the
# flow without its actions, which ovs-dpctl then GETs (as from openvswitch.ko); a longer one is refused
test_flow_with_32k_of_actions() {
	add_dp dp0
	pair a0 a1
	pair b0 b1
	dpctl add-if dp0 a0
	dpctl add-if dp0 b0
	local big out
	big=$(printf '2,%.0s' $(seq 3999))2	# 4000 outputs, 32000 bytes
	dpctl add-flow dp0 'in_port(1),eth(),eth_type(0x0806),arp()' "$big"
	dpctl add-flow dp0 'in_port(2),eth(),eth_type(0x0806),arp()' 1
	check_fail "an action list over 32 KiB" --msg "Message too long" \
		ovs-dpctl add-flow dp0 'in_port(2),eth(),eth_type(0x0800),ipv4()' "$big,$big"
	out=$(dpctl dump-flows dp0)
	check_eq "flows dumped" 2 "$(printf '%s\n' "$out" | grep -c 'actions:')"
	check_eq "outputs of the big flow, dumped" 4000 \
		"$(printf '%s\n' "$out" | grep '^in_port(1)' | sed 's/.*actions://' | tr ',' '\n' | grep -c '^2$')"
}

# megaflows shaped as ovs-vswitchd's: the upcall key as it came (recirc_id, dp_hash), a mask that
# also names the tunnel fields
test_vswitchd_shaped_flows() {
	dp_abc
	local out
	out=$(ovsflow add dp0 64 4 vswitchd) || fail "ovsflow: $out"
	check_eq "flows with their recirc_id" 64 "$(dpctl dump-flows dp0 | grep -c '^recirc_id(0),')"
	check_contains "masks" "$(dpctl show dp0)" "total:4"
	# vswitchd's masks name every field of the key, zeros where it wildcards: as upstream, a mask
	# attribute of zeros is as if absent (here the ICMP one under a wildcarded IP protocol)
	dpctl add-flow dp0 'in_port(1),eth(),eth_type(0x0800),ipv4(src=10.5.0.1/0.0.0.0,dst=10.5.0.2,proto=1/0,tos=0/0,ttl=64/0,frag=no),icmp(type=8/0,code=0/0)' 2
	check_contains "the flow with zero mask attributes" "$(dpctl dump-flows dp0)" \
		"ipv4(dst=10.5.0.2,frag=no), packets:0"
}

test_flow_limit() {
	rmmod vswitch
	defer "rmmod vswitch; modprobe vswitch"
	modprobe vswitch flow_limit=1000
	dp_abc
	local out rc=0
	out=$(ovsflow add dp0 1001) || rc=$?
	check_eq "ovsflow's exit status at the limit" 1 "$rc"
	check_contains "the 1001st flow refused" "$out" "added 1000 of 1001"
	check_contains "the reason" "$out" "first at flow 1000: No space left on device: the flow table is full"
	check_fail "ovs-dpctl add-flow at the limit" --msg "No space left on device" \
		ovs-dpctl add-flow dp0 'in_port(1),eth(),eth_type(0x0806),arp()' 2
	dpctl del-flows dp0
	dpctl add-flow dp0 'in_port(1),eth(),eth_type(0x0806),arp()' 2
}

# openvswitch.ko is in the image (for make bench) but never loaded behind vswitch's back: the image's
# modprobe.d blacklists it, so a family lookup does not pull it in. When it is loaded first it holds
# the ovs_* families; vswitch then loads without them, says so once, and ip link still drives it.
test_beside_openvswitch_ko() {
	local n
	rmmod vswitch
	# last, whatever happened: vswitch alone again, with the families
	defer "rmmod vswitch; modprobe -r openvswitch; modprobe vswitch"
	check_fail "ovs-dpctl with neither module" ovs-dpctl dump-dps
	[ ! -d /sys/module/openvswitch ] || fail "looking up ovs_datapath auto-loaded openvswitch.ko"
	modprobe openvswitch
	klog_mark beside-ovs
	modprobe vswitch
	check_eq "kernel log lines saying the families are taken" 1 \
		"$(klog_since beside-ovs | grep -c 'Open vSwitch families are taken' || true)"
	# ovs-dpctl drives openvswitch.ko now, ip link the learning switch
	dpctl add-dp ovs0 >/dev/null
	defer "ovs-dpctl del-dp ovs0"
	check_contains "ip -d link show ovs0" "$(ip -d link show ovs0)" "openvswitch"
	ip link add sw0 type vswitch
	defer "ip link del sw0"
	ip link set sw0 up
	for n in A B; do
		netns_add $n
		ip link add ${n,}0 type vpair peer name ${n,}1 netns $n
		defer "ip link del ${n,}0"
		ip link set ${n,}0 master sw0
		ip link set ${n,}0 up
		ip -n $n link set ${n,}1 up
	done
	ip -n A addr add 10.5.0.1/24 dev a1
	ip -n B addr add 10.5.0.2/24 dev b1
	check_contains "ping A -> B through sw0 (ip link's vswitch)" \
		"$(ip netns exec A ping -c 2 -i 0.2 -W 2 10.5.0.2)" "2 received"
	case $(dpctl dump-dps) in *sw0*) fail "openvswitch.ko's dump-dps lists vswitch's sw0" ;; esac
	# once openvswitch.ko is gone, a reloaded vswitch has the families again
	ovs-dpctl del-dp ovs0
	rmmod vswitch
	modprobe -r openvswitch
	modprobe vswitch
	add_dp dp1
	check_contains "dump-dps after openvswitch.ko left" "$(dpctl dump-dps)" "system@dp1"
}

test_unload_with_dpctl_datapaths() {
	add_dp dp0
	pair a0 a1
	dpctl add-if dp0 a0
	rmmod vswitch
	defer modprobe vswitch
	[ ! -e /sys/class/net/dp0 ] || fail "dp0 survived the unload"
	[ -z "$(master_of a0)" ] || fail "a0 kept its master"
	check_fail "ovs-dpctl without the module" ovs-dpctl dump-dps
	modprobe vswitch
	add_dp dp1
	check_contains "dump-dps after reload" "$(dpctl dump-dps)" "system@dp1"
}

ktap_main "$@"
