#!/bin/bash
# switch: the vport/flow datapath (vswitch.ko), driven with the unmodified iproute2 `ip` and link_vswitch.so.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/frames.sh"

require_module vswitch
require_module vpair
require_module vnet

# port NS DEV PEER IP: a vpair DEV (here, up, a port of sw0) to PEER in namespace NS with address IP
port() {
	ip link add "$2" type vpair peer name "$3" netns "$1"
	defer "ip link del $2"
	# no IPv6 chatter (MLD, router solicitations): the port counters move only for the test
	sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"
	ip netns exec "$1" sysctl -qw "net.ipv6.conf.$3.disable_ipv6=1"
	ip link set "$2" master sw0
	ip link set "$2" up
	ip -n "$1" addr add "$4/24" dev "$3"
	ip -n "$1" link set "$3" up
}
# sw0 with namespaces A, B, C behind ports a0, b0, c0 (10.5.0.1, .2, .3)
switch_abc() {
	ip link add sw0 type vswitch "$@"
	defer "ip link del sw0"
	sysctl -qw net.ipv6.conf.sw0.disable_ipv6=1
	ip link set sw0 up
	netns_add A
	netns_add B
	netns_add C
	port A a0 a1 10.5.0.1
	port B b0 b1 10.5.0.2
	port C c0 c1 10.5.0.3
}
swstat() { ethtool -S sw0 | awk -v n="$1" -F': *' '{ gsub(/^ +/, "", $1) } $1 == n { print $2; f = 1 } END { exit !f }'; }
# wait_eq WHAT EXPECTED CMD...: poll (5 s) until CMD prints EXPECTED. A frame put on a port is switched in
# softirq, which may run after the command that sent it returned: counters are polled, not read once.
wait_eq() {
	local what=$1 want=$2 got= i
	shift 2
	for ((i = 0; i < 50; i++)); do
		got=$("$@" 2>&1) && [ "$got" = "$want" ] && return 0
		sleep 0.1
	done
	fail "$what: expected '$want', got '$got'"
}
mtu() { cat "/sys/class/net/$1/mtu"; }
in_ns() { ip netns exec "$@"; }
mac_in() { ip netns exec "$1" cat "/sys/class/net/$2/address"; }
promisc() { ip -d link show "$1" | sed -n 's/.*promiscuity \([0-9]*\).*/\1/p'; }
# a port's device given back as it was: no master, promiscuity 0, receive handler free
check_restored() {
	check_eq "$1 promiscuity" 0 "$(promisc "$1")"
	case $(ip -o link show "$1") in *master*) fail "$1 still has a master" ;; esac
	ip link add vsw_probe type bridge
	ip link set "$1" master vsw_probe || { ip link del vsw_probe; fail "$1's receive handler not released"; }
	ip link set "$1" nomaster
	ip link del vsw_probe
}

test_readme_commands() {
	# verbatim from the README and the issue
	ip link add sw0 type vswitch                  # a datapath, with its own internal port sw0
	defer "ip link del sw0"
	ip link add a0 type vpair peer name a1 ; netns_add A ; ip link set a1 netns A
	defer "ip link del a0"
	ip link add b0 type vpair peer name b1 ; netns_add B ; ip link set b1 netns B
	defer "ip link del b0"
	defer "ip link set vnet0 down; ip link set vnet0 nomaster"
	ip link set a0 master sw0 ; ip link set b0 master sw0 ; ip link set vnet0 master sw0
	ip link set sw0 up ; ip link set a0 up ; ip link set b0 up ; ip link set vnet0 up
	ip -n A addr add 10.5.0.1/24 dev a1 ; ip -n A link set a1 up
	ip -n B addr add 10.5.0.2/24 dev b1 ; ip -n B link set b1 up
	check_contains "A -> switch -> B" "$(ip netns exec A ping -c 2 -i 0.2 -W 2 10.5.0.2)" "2 received"
	check_contains "A -> switch -> vnet0" "$(ip netns exec A ping -c 2 -i 0.2 -W 2 10.5.0.99)" "2 received"
	# vnet0's far end answers ARP for any address, but last: B's own answer is the one A keeps
	local b1mac n2 n99
	b1mac=$(ip netns exec B cat /sys/class/net/b1/address)
	n2=$(ip -n A neigh show 10.5.0.2 | sed -n 's/.* lladdr \([^ ]*\).*/\1/p')
	n99=$(ip -n A neigh show 10.5.0.99 | sed -n 's/.* lladdr \([^ ]*\).*/\1/p')
	check_eq "A's neighbour 10.5.0.2 is B" "$b1mac" "$n2"
	[ -n "$n99" ] && [ "$n99" != "$b1mac" ] || fail "10.5.0.99 resolved to '$n99'"
	ip addr add 10.5.0.254/24 dev sw0
	check_contains "host via sw0 -> A" "$(ping -c 2 -i 0.2 -W 2 10.5.0.1)" "2 received"
	local m
	m=$(ip link show master sw0)
	check_contains "master sw0 lists a0" "$m" "a0@"
	check_contains "master sw0 lists b0" "$m" "b0@"
	check_contains "master sw0 lists vnet0" "$m" "vnet0:"
	ip link set a0 nomaster
	case $(ip link show master sw0) in *a0@*) fail "a0 still listed after nomaster" ;; esac
	ip link del sw0
	check_restored b0
	check_restored vnet0
}

test_ipv6_through_switch() {
	switch_abc
	in_ns A sysctl -qw net.ipv6.conf.a1.disable_ipv6=0
	in_ns B sysctl -qw net.ipv6.conf.b1.disable_ipv6=0
	ip -n A addr add fd05::1/64 dev a1 nodad
	ip -n B addr add fd05::2/64 dev b1 nodad
	check_contains "ping -6 A -> B" "$(in_ns A ping -6 -c 2 -i 0.2 -W 2 fd05::2)" "2 received"
}

test_learning_stops_flooding() {
	switch_abc
	in_ns A ping -c 2 -i 0.2 -W 2 10.5.0.2 >/dev/null   # A and B learned, ARP resolved
	local c0 out
	c0=$(swstat c0_tx_packets)
	out=$(in_ns A ping -c 20 -i 0.05 -W 2 10.5.0.2)
	check_contains "A -> B" "$out" "20 received"
	check_eq "frames out of c0 during 40 unicast frames" "$c0" "$(swstat c0_tx_packets)"
	check_ge "fdb_learned" 2 "$(swstat fdb_learned)"
	local fdb
	fdb=$(bridge fdb show dev sw0)
	check_contains "fdb has A on a0" "$fdb" "$(mac_in A a1) via a0 self"
	check_contains "fdb has B on b0" "$fdb" "$(mac_in B b1) via b0 self"
	check_contains "bridge -j fdb" "$(bridge -j fdb show dev sw0)" "\"viaIf\":\"a0\""
}

test_broadcast_floods() {
	switch_abc
	local b0 c0 s0 f0 me
	b0=$(swstat b0_tx_packets) c0=$(swstat c0_tx_packets) s0=$(swstat sw0_tx_packets)
	f0=$(swstat flooded)
	me=$(mac_in A a1)
	in_ns A vnet-pkt send a1 "$(eth ff:ff:ff:ff:ff:ff "$me" 88b5)0102030405060708" 5
	wait_eq "broadcasts out of b0" $((b0 + 5)) swstat b0_tx_packets
	wait_eq "broadcasts out of c0" $((c0 + 5)) swstat c0_tx_packets
	wait_eq "broadcasts to the internal port" $((s0 + 5)) swstat sw0_tx_packets
	check_ge "flooded" $((f0 + 5)) "$(swstat flooded)"
	check_eq "a0 (ingress) sent nothing back" 0 "$(swstat a0_tx_packets)"
}

test_mac_move() {
	switch_abc
	local x=02:00:00:00:77:01 m0
	in_ns A vnet-pkt send a1 "$(eth ff:ff:ff:ff:ff:ff $x 88b5)00"
	wait_until 5 sh -c "bridge fdb show dev sw0 | grep -q '$x via a0 self'"
	m0=$(swstat fdb_moved)
	in_ns B vnet-pkt send b1 "$(eth ff:ff:ff:ff:ff:ff $x 88b5)00"
	wait_until 5 sh -c "bridge fdb show dev sw0 | grep -q '$x via b0 self'"
	wait_eq "fdb_moved" $((m0 + 1)) swstat fdb_moved
	# and frames for it now go to b0 only
	local a0 b0
	a0=$(swstat a0_tx_packets) b0=$(swstat b0_tx_packets)
	in_ns C vnet-pkt send c1 "$(eth $x "$(mac_in C c1)" 88b5)00" 3
	wait_eq "to the moved MAC via b0" $((b0 + 3)) swstat b0_tx_packets
	check_eq "not via a0" "$a0" "$(swstat a0_tx_packets)"
}

test_vlan_keyed_fdb() {
	switch_abc
	ip -n A link add link a1 name a1.10 type vlan id 10
	ip -n B link add link b1 name b1.10 type vlan id 10
	ip -n A addr add 10.50.0.1/24 dev a1.10
	ip -n B addr add 10.50.0.2/24 dev b1.10
	ip -n A link set a1.10 up
	ip -n B link set b1.10 up
	check_contains "ping over VLAN 10" "$(in_ns A ping -c 2 -i 0.2 -W 2 10.50.0.2)" "2 received"
	check_contains "fdb keyed by VLAN" "$(bridge fdb show dev sw0)" "$(mac_in A a1) vlan 10 via a0 self"
}

test_ageing() {
	# the attribute's policy holds the range (10..1000000): the kernel's own message
	check_fail "ageing_time 5" --msg "integer out of range" ip link add sw0 type vswitch ageing_time 5
	switch_abc ageing_time 60
	check_contains "ageing_time at creation" "$(ip -d link show sw0)" "ageing_time 60"
	ip link set sw0 type vswitch ageing_time 10
	check_contains "ageing_time changed" "$(ip -d link show sw0)" "ageing_time 10"
	check_fail "ageing_time 2000000" --msg "integer out of range" \
		ip link set sw0 type vswitch ageing_time 2000000
	local x=02:00:00:00:77:02
	in_ns A vnet-pkt send a1 "$(eth ff:ff:ff:ff:ff:ff $x 88b5)00"
	wait_until 5 sh -c "bridge fdb show dev sw0 | grep -q '$x via a0'"
	sleep 6
	check_contains "still there after 6 s" "$(bridge fdb show dev sw0)" "$x via a0"
	wait_until 8 sh -c "! bridge fdb show dev sw0 | grep -q '$x'"
}

test_mtu_drop_on_egress() {
	switch_abc
	ip link set b0 mtu 1000
	ip -n A link set a1 mtu 1500
	in_ns A ping -c 1 -W 2 10.5.0.2 >/dev/null
	local d0 bd0
	d0=$(swstat drop_mtu) bd0=$(swstat b0_tx_dropped)
	check_contains "too big for b0" "$(in_ns A ping -c 3 -i 0.2 -W 1 -s 1200 -M do 10.5.0.2 || true)" "0 received"
	wait_eq "drop_mtu" $((d0 + 3)) swstat drop_mtu
	wait_eq "b0_tx_dropped" $((bd0 + 3)) swstat b0_tx_dropped
	check_contains "small ones pass" "$(in_ns A ping -c 2 -i 0.2 -W 2 -s 900 10.5.0.2)" "2 received"
}

test_internal_port_counters() {
	switch_abc
	ip addr add 10.5.0.254/24 dev sw0
	local tx0 rx0
	tx0=$(devstat sw0 tx_packets) rx0=$(devstat sw0 rx_packets)
	check_contains "host -> A" "$(ping -c 5 -i 0.1 -W 2 10.5.0.1)" "5 received"
	check_ge "sw0 tx_packets" $((tx0 + 5)) "$(devstat sw0 tx_packets)"
	check_ge "sw0 rx_packets" $((rx0 + 5)) "$(devstat sw0 rx_packets)"
	# seen from the host, what sw0 sent is what entered the switch from it
	check_ge "ethtool sw0_rx_packets" $((tx0 + 5)) "$(swstat sw0_rx_packets)"
	check_contains "ethtool -i" "$(ethtool -i sw0)" "driver: vswitch"
}

test_vnet_behind_switch() {
	switch_abc
	ip link add vt0 type vnet
	defer "ip link del vt0"
	ip link set vt0 master sw0
	ip link set vt0 up
	check_contains "ping the vnet responder from C" "$(in_ns C ping -c 3 -i 0.2 -W 2 10.5.0.77)" "3 received"
	check_ge "vt0 echo replies" 3 "$(estat vt0 echo_replies_v4)"
}

test_refusals() {
	ip link add sw0 type vswitch
	defer "ip link del sw0"
	ip link add sw1 type vswitch
	defer "ip link del sw1"
	check_fail "itself" --msg "cannot be a port of a switch" ip link set sw0 master sw0
	check_fail "another switch" --msg "cannot be a port of a switch" ip link set sw1 master sw0
	check_fail "loopback" --msg "loopback" ip link set lo master sw0
	check_fail "a multicast MAC for a switch" --msg "unicast" \
		ip link add vsw_bad address 01:00:5e:00:00:01 type vswitch
	modprobe tun
	ip tuntap add dev vswtun0 mode tun
	defer "ip link del vswtun0"
	check_fail "not Ethernet" --msg "only Ethernet devices" ip link set vswtun0 master sw0
	ip link add vsw_x0 type vpair peer name vsw_x1
	defer "ip link del vsw_x0"
	ip link add link vsw_x0 name vsw_mv0 type macvlan
	check_fail "busy receive handler" --msg "another receive handler" ip link set vsw_x0 master sw0
	ip link del vsw_mv0
	ip link set vsw_x0 master sw0
	# a port moves from one switch to the other, as between bridges
	ip link set vsw_x0 master sw1
	check_contains "moved to sw1" "$(ip -o link show vsw_x0)" "master sw1"
	check_eq "sw0 ports" 1 "$(swstat ports)"
	ip link add link sw0 name sw0.5 type vlan id 5
	check_fail "a VLAN of the switch on itself" ip link set sw0.5 master sw0
	check_eq "promiscuity of refused devices" 0 "$(promisc vswtun0)"
}

test_detach_under_traffic() {
	switch_abc
	in_ns A ping -f -W 1 10.5.0.2 >/dev/null 2>&1 &
	local pid=$!
	defer "kill $pid"
	sleep 1
	ip link set b0 nomaster
	ip link set b0 master sw0
	ip link set b0 nomaster
	kill $pid
	wait $pid || true
	check_restored b0
	check_eq "ports left" 3 "$(swstat ports)"
}

test_delete_attached_port_and_namespace() {
	switch_abc
	ip link del a0
	case $(ip link show master sw0) in *a0@*) fail "a deleted device is still a port" ;; esac
	check_eq "ports after deleting a0" 3 "$(swstat ports)"
	ip netns del B
	# b0 leaves the device list before its unregistration notifier detaches it
	wait_until 10 sh -c "! ip link show b0"
	wait_eq "ports after deleting namespace B" 2 swstat ports
	check_contains "C still reaches the host" \
		"$(ip addr add 10.5.0.254/24 dev sw0 && ping -c 2 -i 0.2 -W 2 10.5.0.3)" "2 received"
}

test_delete_switch_under_traffic() {
	ip link add sw0 type vswitch
	ip link set sw0 up
	netns_add A
	netns_add B
	ip link add a0 type vpair peer name a1 netns A
	defer "ip link del a0"
	ip link add b0 type vpair peer name b1 netns B
	defer "ip link del b0"
	local d
	for d in a0 b0; do ip link set $d master sw0; ip link set $d up; done
	ip -n A addr add 10.5.0.1/24 dev a1 && ip -n A link set a1 up
	ip -n B addr add 10.5.0.2/24 dev b1 && ip -n B link set b1 up
	in_ns A ping -f -W 1 10.5.0.2 >/dev/null 2>&1 &
	local pid=$!
	defer "kill $pid"
	sleep 1
	ip link del sw0
	kill $pid
	wait $pid || true
	check_restored a0
	check_restored b0
}

test_unload_with_ports() {
	switch_abc
	in_ns A ping -c 2 -i 0.2 -W 2 10.5.0.2 >/dev/null
	rmmod vswitch
	defer modprobe vswitch
	[ ! -d /sys/class/net/sw0 ] || fail "sw0 survived the unload"
	check_restored a0
	check_restored b0
	check_restored c0
}

test_loop_between_two_switches() {
	ip link add sw1 type vswitch
	defer "ip link del sw1"
	ip link add sw2 type vswitch
	defer "ip link del sw2"
	ip link add l0 type vpair peer name l1
	defer "ip link del l0"
	ip link add m0 type vpair peer name m1
	defer "ip link del m0"
	local d
	for d in sw1 sw2 l0 l1 m0 m1; do sysctl -qw "net.ipv6.conf.$d.disable_ipv6=1"; done
	for d in l0 m0; do ip link set $d master sw1; done
	for d in l1 m1; do ip link set $d master sw2; done
	for d in sw1 sw2 l0 l1 m0 m1; do ip link set $d up; done
	local mem0 mem1
	mem0=$(awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo)
	# broadcasts now circle sw1 -> l -> sw2 -> m -> sw1 ... with no spanning tree to stop them
	vnet-pkt send sw1 "$(eth ff:ff:ff:ff:ff:ff 02:00:00:00:88:01 88b5)00" 3
	sleep 3
	mem1=$(awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo)
	check_ge "switch frames processed in the loop" 100 "$(estat sw1 processed)"
	# breaking the loop ends the storm, once the frames already queued have drained
	ip link set m0 nomaster
	local p0 p1 i
	for ((i = 0; i < 10; i++)); do
		p0=$(estat sw1 processed)
		sleep 1
		p1=$(estat sw1 processed)
		[ $((p1 - p0)) -gt 20 ] || break
	done
	check_le "frames processed in a second once the loop is gone" 20 $((p1 - p0))
	check_ge "MemAvailable (kB) during the storm vs before, %" 80 $((mem1 * 100 / mem0))
	# and a frame crosses once
	local n0
	n0=$(estat sw2 sw2_tx_packets)
	vnet-pkt send sw1 "$(eth ff:ff:ff:ff:ff:ff 02:00:00:00:88:02 88b5)00"
	wait_eq "copies of one broadcast reaching sw2's host" $((n0 + 1)) estat sw2 sw2_tx_packets
	sleep 0.5
	check_eq "copies of it half a second later" $((n0 + 1)) "$(estat sw2 sw2_tx_packets)"
}

test_malformed_frames() {
	switch_abc
	local me t=()
	me=$(mac_in A a1)
	t+=("$(eth ff:ff:ff:ff:ff:ff "$me" 0806)$(arp_req "$me" 10.5.0.1 10.5.0.9)")
	t+=("$(eth 02:00:00:00:00:99 "$me" 0800 88a8006481000a00)$(ipv4 10.5.0.1 10.5.0.9 6 \
		"$(printf '00%.0s' {1..20})" 01010100)")
	t+=("$(eth 02:00:00:00:00:99 "$me" 86dd)$(ipv6 fd00::1 fd00::9 44 \
		"3a000001123456788000000000000000")")
	t+=("$(eth 02:00:00:00:00:99 "$me" 0800)$(ipv4 10.5.0.1 10.5.0.9 17 0035003500080000)")
	in_ns A vnet-pkt fuzz a1 7 5000 "${t[@]}"
	# some may overflow a0's receive backlog; what got in was processed, once
	wait_until 10 eval '[ "$(swstat a0_rx_packets)" -ge 4000 ]'
	wait_eq "processed - the ports' rx" 0 eval 'echo $(($(swstat processed) - $(swstat sw0_rx_packets) -
		$(swstat a0_rx_packets) - $(swstat b0_rx_packets) - $(swstat c0_rx_packets)))'
	check_contains "A -> B after the junk" "$(in_ns A ping -c 2 -i 0.2 -W 2 10.5.0.2)" "2 received"
}

test_failed_registration() {
	# an index free here but taken in X: register_netdevice() fails there after the switch's ndo_init
	local idx=54321 i before
	! ip -o link show | grep -q "^$idx:" || skip "index $idx is taken here"
	netns_add X
	ip -n X link add vsw_br index $idx type bridge
	# a new namespace has lo and the kernel's fallback tunnels (sit0 where SIT is built in)
	before=$(ip -n X -o link show | awk -F': ' '{ print $2 }' | xargs)
	check_contains "devices in X" "$before" "vsw_br"
	for i in 1 2 3; do
		check_fail "a switch on an index taken in X" --msg "busy" \
			ip link add sw0 index $idx netns X type vswitch
	done
	check_eq "devices in X" "$before" "$(ip -n X -o link show | awk -F': ' '{ print $2 }' | xargs)"
	# what the failed attempts left to RCU runs now: unregistering a device waits for every callback
	ip link add vsw_t0 type vpair peer name vsw_t1
	ip link del vsw_t0
	ip link add sw0 netns X type vswitch
	check_contains "a switch at a free index in X" "$(ip -n X -d link show sw0)" "vswitch"
	ip -n X link del sw0
}

test_forward_clears_timestamp() {
	switch_abc
	# fq schedules by skb->tstamp: a receive timestamp left on a forwarded frame reads as a departure
	# time far beyond its horizon, and fq drops the frame
	tc qdisc replace dev b0 root fq
	tc qdisc replace dev a0 root fq
	check_contains "A -> B through fq on both ports" "$(in_ns A ping -c 3 -i 0.2 -W 2 10.5.0.2 || true)" \
		"3 received"
}

test_reserved_multicast_not_forwarded() {
	switch_abc
	local me b0 c0 s0 n0 r0
	me=$(mac_in A a1)
	b0=$(swstat b0_tx_packets) c0=$(swstat c0_tx_packets) s0=$(swstat sw0_tx_packets)
	n0=$(swstat link_local_not_forwarded) r0=$(devstat a0 rx_dropped)
	# LLDP (01:80:c2:00:00:0e) and 802.1X EAPOL (:03) are for the link, never forwarded (802.1D)
	in_ns A vnet-pkt send a1 "$(eth 01:80:c2:00:00:0e "$me" 88cc)020704$(mac_hex "$me")0402070300" 3
	in_ns A vnet-pkt send a1 "$(eth 01:80:c2:00:00:03 "$me" 888e)01010000" 2
	# MAC Control pause (:01): dropped
	in_ns A vnet-pkt send a1 "$(eth 01:80:c2:00:00:01 "$me" 8808)0001ffff"
	# the bridge group address (:00, STP BPDUs): flooded, as no spanning tree runs here
	in_ns A vnet-pkt send a1 "$(eth 01:80:c2:00:00:00 "$me" 0026)424203000000000080000200000000000000" 2
	wait_eq "frames out of b0 (2 BPDUs only)" $((b0 + 2)) swstat b0_tx_packets
	wait_eq "frames out of c0 (2 BPDUs only)" $((c0 + 2)) swstat c0_tx_packets
	wait_eq "frames to sw0 (2 BPDUs only)" $((s0 + 2)) swstat sw0_tx_packets
	wait_eq "link_local_not_forwarded" $((n0 + 6)) swstat link_local_not_forwarded
	# LLDP and EAPOL went up a0's own stack, where no protocol takes them; pause frames did not
	wait_eq "a0 rx_dropped (no handler on a0 for LLDP, EAPOL)" $((r0 + 5)) devstat a0 rx_dropped
}

test_mtu_follows_ports() {
	switch_abc
	check_eq "sw0 MTU with 1500-byte ports" 1500 "$(mtu sw0)"
	ip link set b0 mtu 1400
	check_eq "sw0 MTU after b0 went to 1400" 1400 "$(mtu sw0)"
	ip link set b0 nomaster
	check_eq "sw0 MTU after b0 left" 1500 "$(mtu sw0)"
	ip link set b0 master sw0
	check_eq "sw0 MTU after b0 came back" 1400 "$(mtu sw0)"
	ip link set c0 mtu 1300
	check_eq "sw0 MTU: the smallest port's" 1300 "$(mtu sw0)"
	ip link del c0
	check_eq "sw0 MTU after c0 was deleted" 1400 "$(mtu sw0)"
	ip link set b0 mtu 1500
	check_eq "sw0 MTU after b0 went back to 1500" 1500 "$(mtu sw0)"
	# an MTU the user set stays until then
	ip link set sw0 mtu 1450
	ip link set b0 mtu 1400
	check_eq "sw0 MTU set by the user, b0 at 1400" 1450 "$(mtu sw0)"
	ip link set b0 nomaster
	check_eq "sw0 MTU set by the user, b0 gone" 1450 "$(mtu sw0)"
}

test_gso_checked_against_port_mtu() {
	switch_abc
	# A and B are at 1500, b0 at 1400: A's TCP (MSS 1460) segments do not fit b0, whole or as GSO
	ip link set b0 mtu 1400
	local td=/tmp/vsw_td.$$ spid tpid d0
	defer "rm -f $td"
	# not through in_ns: $! must be the process itself
	ip netns exec B iperf3 -s -1 -B 10.5.0.2 >/dev/null 2>&1 &
	spid=$!
	defer "kill $spid"
	ip netns exec B tcpdump -n -i b1 -l -c 5 greater 1415 >$td 2>&1 &
	tpid=$!
	defer "kill $tpid"
	wait_until 5 grep -q "listening on b1" $td
	wait_until 5 eval 'in_ns B ss -Hltn | grep -q 10.5.0.2:5201'
	d0=$(swstat b0_tx_dropped)
	in_ns A timeout 10 iperf3 -c 10.5.0.2 -t 2 >/dev/null 2>&1 || true
	kill $tpid 2>/dev/null || true   # it exits by itself after 5 big frames
	wait $tpid || true
	check_eq "frames over 1414 bytes that reached B" "" "$(grep ' IP ' $td || true)"
	check_ge "b0_tx_dropped" $((d0 + 1)) "$(swstat b0_tx_dropped)"
}

test_port_lro_off() {
	require_module bonding max_bonds=0
	ip link add sw0 type vswitch
	defer "ip link del sw0"
	# a bond offers LRO (it passes it on to its slaves) and has it on when created
	ip link add vsw_bond0 type bond
	defer "ip link del vsw_bond0"
	case $(ethtool -k vsw_bond0) in
	*"large-receive-offload: on"*) ;;
	*) skip "no device with LRO on here (a bond had it off)" ;;
	esac
	ip link set vsw_bond0 master sw0
	check_contains "LRO of a port" "$(ethtool -k vsw_bond0)" "large-receive-offload: off"
	ethtool -K vsw_bond0 lro on >/dev/null 2>&1 || true
	check_contains "LRO of a port turned on again" "$(ethtool -k vsw_bond0)" "large-receive-offload: off"
}

test_port_type_change_refused() {
	require_module bonding max_bonds=0
	modprobe tun
	ip link add sw0 type vswitch
	defer "ip link del sw0"
	# active-backup: the mode that takes a slave whose MAC address cannot be set, as a tun device's
	ip link add vsw_bond0 type bond mode active-backup
	defer "ip link del vsw_bond0"
	ip link set vsw_bond0 master sw0
	# a bond takes the type of its first slave: a tun device would make the port non-Ethernet
	ip tuntap add dev vswtun0 mode tun
	defer "ip link del vswtun0"
	check_fail "a port's type change" --msg "busy" ip link set vswtun0 master vsw_bond0
	check_contains "the port is still Ethernet" "$(ip link show vsw_bond0)" "link/ether"
	check_contains "and still a port" "$(ip link show vsw_bond0)" "master sw0"
}

ktap_main "$@"
