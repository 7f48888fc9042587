#!/bin/bash
# fdb: the switch's forwarding database through the unmodified iproute2 `bridge`, on the switch
# device itself: bridge fdb show|get|add|replace|del ... dev sw0 [via PORT].
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/frames.sh"

require_module vswitch
require_module vpair

# port NS DEV PEER: a vpair DEV (up, a port of sw0) to PEER (up) in namespace NS; no IPv6 chatter
port() {
	ip link add "$2" type vpair peer name "$3" netns "$1"
	defer "ip link del $2"
	sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"
	ip netns exec "$1" sysctl -qw "net.ipv6.conf.$3.disable_ipv6=1"
	ip link set "$2" master sw0
	ip link set "$2" up
	ip -n "$1" link set "$3" up
}
# sw0 (created with the options "$@") with namespaces A, B, C behind ports a0, b0, c0
switch_abc() {
	ip link add sw0 type vswitch "$@"
	defer "ip link del sw0"
	sysctl -qw net.ipv6.conf.sw0.disable_ipv6=1
	ip link set sw0 up
	netns_add A
	netns_add B
	netns_add C
	port A a0 a1
	port B b0 b1
	port C c0 c1
}
swstat() { estat sw0 "$1"; }
fdb() { bridge fdb show dev sw0; }
# the line of MAC (on VLAN 0, or the VLAN given) in `bridge fdb show dev sw0`; empty when none
fdb_of() {
	if [ -n "${2:-}" ]; then
		fdb | grep "^$1 vlan $2 " || true
	else
		fdb | grep "^$1 via " || true
	fi
}
has_entry() { [ -n "$(fdb_of "$@")" ]; }
no_entry() { [ -z "$(fdb_of "$@")" ]; }
count_via() { [ "$(fdb | grep -c " via $1 ")" -eq "$2" ]; }
above() { [ "$(swstat "$1")" -gt "$2" ]; }
# from_ns NS DEV SRC [VLAN-TAGS-HEX]: a broadcast with source SRC from NS's DEV; waits until the
# switch has sent it on to the internal port, which it does after learning from it. A whole minimum
# frame: the receive path drops a tagged runt before the switch sees it.
from_ns() {
	local n0
	n0=$(swstat sw0_tx_packets)
	ip netns exec "$1" vnet-pkt send "$2" \
		"$(eth ff:ff:ff:ff:ff:ff "$3" 88b5 "${4:-}")$(printf '00%.0s' {1..46})"
	wait_until 5 above sw0_tx_packets "$n0"
}

test_show_learned() {
	switch_abc
	local i macs=() cmds=
	for ((i = 0; i < 100; i++)); do
		macs+=("$(printf '02:00:00:01:00:%02x' $i)")
		cmds+="vnet-pkt send a1 $(eth ff:ff:ff:ff:ff:ff "${macs[i]}" 88b5)00"$'\n'
	done
	ip netns exec A bash -e <<<"$cmds"
	from_ns B b1 02:00:00:02:00:01
	from_ns B b1 02:00:00:02:00:02 8100000a # tagged, VLAN 10
	wait_until 5 count_via a0 100
	local out
	for i in 0 1 63 64 65 99; do
		check_eq "learned ${macs[i]}" "${macs[i]} via a0 self " "$(fdb_of "${macs[i]}")"
	done
	check_eq "learned on b0" "02:00:00:02:00:01 via b0 self " "$(fdb_of 02:00:00:02:00:01)"
	check_eq "learned on VLAN 10" "02:00:00:02:00:02 vlan 10 via b0 self " \
		"$(fdb_of 02:00:00:02:00:02 10)"
	check_eq "entries listed" 102 "$(fdb | wc -l)"
	check_eq "entries listed = fdb_entries" 102 "$(swstat fdb_entries)"
	# the same lines among every device's entries, and as JSON
	check_contains "bridge fdb show" "$(bridge fdb show)" "${macs[0]} dev sw0 via a0 self "
	check_contains "bridge -j fdb show" "$(bridge -j fdb show dev sw0)" '"viaIf":"a0"'
	check_contains "bridge -s fdb show" "$(bridge -s fdb show dev sw0)" "${macs[0]} via a0 used "
	check_contains "bridge fdb get" "$(bridge fdb get "${macs[5]}" dev sw0 self)" \
		"${macs[5]} dev sw0 via a0 self"
	check_contains "bridge fdb get, VLAN 10" \
		"$(bridge fdb get 02:00:00:02:00:02 dev sw0 vlan 10 self)" "vlan 10 via b0 self"
	check_fail "bridge fdb get, an unknown MAC" --msg "no forwarding entry for that address and VLAN" \
		bridge fdb get 02:00:00:09:09:09 dev sw0 self
	# ip -d link show keeps only the summary
	out=$(ip -d link show sw0)
	check_contains "ip -d link show sw0" "$out" "vswitch ageing_time 300 ports 4 fdb 102/8192"
	case $out in *"fdb 02:"* | *"${macs[0]}"*) fail "ip -d link show sw0 lists entries: $out" ;; esac
	check_contains "ip -j -d link show sw0" "$(ip -j -d link show sw0)" '"fdb_count":102'
}

test_dump_in_parts() {
	ip link add sw0 type vswitch
	defer "ip link del sw0"
	local i n=2000 f
	f=$(mktemp)
	defer "rm -f $f"
	# far more than one netlink message holds: the dump goes on where the previous part stopped
	for ((i = 0; i < n; i++)); do
		printf 'fdb add 02:00:00:03:%02x:%02x dev sw0 static\n' $((i / 256)) $((i % 256))
	done >"$f"
	bridge -batch "$f"
	check_eq "entries listed" $n "$(fdb | wc -l)"
	check_eq "distinct entries listed" $n "$(fdb | awk '{ print $1 }' | sort -u | wc -l)"
	check_eq "static entries on the internal port" $n "$(fdb | grep -c ' via sw0 self static$')"
	check_eq "fdb_entries" $n "$(swstat fdb_entries)"
	sed -i 's/^fdb add \(.*\) static$/fdb del \1/' "$f"
	bridge -batch "$f"
	check_eq "entries left after deleting them" 0 "$(fdb | wc -l)"
	check_eq "fdb_entries after deleting them" 0 "$(swstat fdb_entries)"
	check_contains "ip -d link show sw0" "$(ip -d link show sw0)" "fdb 0/8192"
}

test_static_never_ages() {
	switch_abc ageing_time 10
	local s=02:00:00:04:00:01 d=02:00:00:04:00:02 l=02:00:00:04:00:03
	bridge fdb add $s dev sw0 via a0 static
	bridge fdb add $d dev sw0 via b0 dynamic
	from_ns C c1 $l
	check_contains "static" "$(fdb_of $s)" "$s via a0 self static"
	check_eq "added as dynamic" "$d via b0 self " "$(fdb_of $d)"
	check_eq "learned" "$l via c0 self " "$(fdb_of $l)"
	# 10 s of ageing, collected within a second after
	wait_until 15 no_entry $l
	wait_until 5 no_entry $d
	check_contains "static after the ageing time" "$(fdb_of $s)" "$s via a0 self static"
	# and it still steers frames: to a0 only, no flooding
	local a0 b0
	a0=$(swstat a0_tx_packets) b0=$(swstat b0_tx_packets)
	ip netns exec C vnet-pkt send c1 "$(eth $s 02:00:00:04:00:04 88b5)00" 3
	wait_until 5 above a0_tx_packets $((a0 + 2))
	check_eq "frames for the static MAC out of b0" "$b0" "$(swstat b0_tx_packets)"
}

test_learning_moves_static_unless_sticky() {
	switch_abc
	local s=02:00:00:05:00:01 t=02:00:00:05:00:02 p=02:00:00:05:00:03 m0
	bridge fdb add $s dev sw0 via a0 static
	bridge fdb add $t dev sw0 via a0 static sticky
	bridge fdb add $p dev sw0 via a0 # bridge's default state: permanent
	check_eq "sticky" "$t via a0 self sticky static" "$(fdb_of $t)"
	check_eq "permanent" "$p via a0 self permanent" "$(fdb_of $p)"
	m0=$(swstat fdb_moved)
	from_ns B b1 $s
	from_ns B b1 $t
	from_ns B b1 $p
	# as the bridge does: a static entry follows its MAC, a sticky or permanent one stays
	check_eq "static, seen on b0" "$s via b0 self static" "$(fdb_of $s)"
	check_eq "sticky, seen on b0" "$t via a0 self sticky static" "$(fdb_of $t)"
	check_eq "permanent, seen on b0" "$p via a0 self permanent" "$(fdb_of $p)"
	check_eq "fdb_moved" $((m0 + 1)) "$(swstat fdb_moved)"
	# frames for the sticky MAC still go to a0
	local a0
	a0=$(swstat a0_tx_packets)
	ip netns exec C vnet-pkt send c1 "$(eth $t 02:00:00:05:00:04 88b5)00"
	wait_until 5 above a0_tx_packets "$a0"
}

test_replace_and_del() {
	switch_abc
	local s=02:00:00:06:00:01 l=02:00:00:06:00:02
	bridge fdb add $s dev sw0 via a0 static
	check_fail "adding it twice" --msg "bridge fdb replace changes it" \
		bridge fdb add $s dev sw0 via b0 static
	bridge fdb replace $s dev sw0 via b0 dynamic
	check_eq "replaced" "$s via b0 self " "$(fdb_of $s)"
	# the same MAC on another VLAN is another entry
	bridge fdb add $s dev sw0 via c0 static vlan 5
	check_eq "VLAN 5" "$s vlan 5 via c0 self static" "$(fdb_of $s 5)"
	check_fail "del on the wrong port" --msg "is on another port" bridge fdb del $s dev sw0 via a0
	bridge fdb del $s dev sw0 via b0
	check_eq "deleted" "" "$(fdb_of $s)"
	check_eq "VLAN 5 kept" "$s vlan 5 via c0 self static" "$(fdb_of $s 5)"
	bridge fdb del $s dev sw0 vlan 5
	check_fail "del of a missing entry" --msg "no forwarding entry for that address and VLAN" \
		bridge fdb del $s dev sw0
	# learned entries can go too
	from_ns A a1 $l
	bridge fdb del $l dev sw0
	check_eq "entries left" "" "$(fdb)"
	check_eq "fdb_entries" 0 "$(swstat fdb_entries)"
}

test_refusals() {
	switch_abc
	ip link add sw1 type vswitch
	defer "ip link del sw1"
	ip link add x0 type vpair peer name x1
	defer "ip link del x0"
	ip link set x0 master sw1
	local m=02:00:00:07:00:01
	check_fail "unknown via device" --msg "no such via device" \
		bridge fdb add $m dev sw0 via if99999 static
	check_fail "via a device that is no port" --msg "not a port of this switch" \
		bridge fdb add $m dev sw0 via x1 static
	check_fail "via a port of another switch" --msg "not a port of this switch" \
		bridge fdb add $m dev sw0 via x0 static
	check_fail "multicast MAC" --msg "a multicast address is flooded" \
		bridge fdb add 01:00:5e:00:00:01 dev sw0 via a0 static
	check_fail "broadcast MAC" --msg "a multicast address is flooded" \
		bridge fdb add ff:ff:ff:ff:ff:ff dev sw0 via a0 static
	check_fail "all-zero MAC" --msg "the all-zero address" \
		bridge fdb add 00:00:00:00:00:00 dev sw0 via a0 static
	check_fail "VLAN 4095" --msg "invalid vlan id" bridge fdb add $m dev sw0 via a0 static vlan 4095
	check_fail "VLAN 0" --msg "invalid vlan id" bridge fdb add $m dev sw0 via a0 static vlan 0
	check_fail "flag use" --msg "takes no flag but sticky" bridge fdb add $m dev sw0 via a0 use
	check_fail "a VXLAN-style remote" --msg "no dst, port, vni or nhid" \
		bridge fdb add $m dev sw0 via a0 static dst 10.0.0.1
	check_fail "del via an unknown device" --msg "no such via device" \
		bridge fdb del $m dev sw0 via if99999
	# the ports are no bridge ports: the master form does not reach the switch
	check_fail "master form on a port" bridge fdb add $m dev a0 master static
	check_eq "entries after the refusals" "" "$(fdb)"
}

test_port_leaves() {
	switch_abc
	local a=02:00:00:08:00:01 b=02:00:00:08:00:02 s=02:00:00:08:00:03 t=02:00:00:08:00:04
	local c=02:00:00:08:00:05
	from_ns A a1 $a
	from_ns B b1 $b
	from_ns C c1 $c
	bridge fdb add $s dev sw0 via b0 static
	bridge fdb add $t dev sw0 via b0 static sticky vlan 7
	check_eq "entries" 5 "$(fdb | wc -l)"
	ip link set b0 nomaster
	check_eq "entries on b0 after it left" "" "$(fdb | grep ' via b0 ' || true)"
	ip link del c0
	check_eq "entries left" "$a via a0 self " "$(fdb)"
	check_eq "fdb_entries" 1 "$(swstat fdb_entries)"
	# the internal port's entries go with the switch
	bridge fdb add $s dev sw0 static
	check_eq "on the internal port" "$s via sw0 self static" "$(fdb_of $s)"
	ip link del sw0
	case $(bridge fdb show) in *"dev sw0"*) fail "entries of a deleted switch" ;; esac
}

ktap_main "$@"
