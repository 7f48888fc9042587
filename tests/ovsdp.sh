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
	# every frame in is a lookup; with no flow table yet every lookup is a miss (handled by the
	# learning switch): at least 3 requests and 3 replies, and ARP
	wait_until 5 missed_ge dp0 $((missed0 + 6))
	rx0=$(port_rx_packets dp0 a0)
	check_ge "a0's RX packets in show -s" 3 "$rx0"
	check_eq "show -s and ip -s agree on a0" "$(devstat a0 rx_packets)" "$rx0"
	check_contains "flows" "$(dpctl show dp0)" "flows: 0"
}

test_outside_the_subset_refused() {
	add_dp dp0
	pair a0 a1
	dpctl add-if dp0 a0
	# internal ports, flows and packet execution are not there yet: refused, never ignored
	check_fail "an internal port" --msg "Operation not supported" ovs-dpctl add-if dp0 int0,type=internal
	[ ! -e /sys/class/net/int0 ] || fail "int0 was made by a refused add-if"
	check_fail "add-flow" --msg "Operation not supported" \
		ovs-dpctl add-flow dp0 'in_port(1),eth(),eth_type(0x0806),arp()' 2
	check_eq "dump-flows" "" "$(dpctl dump-flows dp0)"
	dpctl del-flows dp0 >/dev/null
	check_eq "ports after the refusals" "0 dp0
1 a0" "$(dp_ports dp0)"
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
