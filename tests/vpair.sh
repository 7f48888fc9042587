#!/bin/bash
# vpair: the veth-style pair, driven with the unmodified iproute2 `ip` and the link_vpair.so plugin.
. "$(dirname "$0")/lib.sh"

require_module vpair

# pair NAME PEER [NS]: a pair of this test's own (PEER in namespace NS if given); deleted at the end
pair() {
	ip link add "$1" type vpair peer name "$2" ${3:+netns "$3"}
	defer "ip link del $1"
}
# the user's block from the README: vp0 here, vp1 in NS, 10.9.0.1 <-> 10.9.0.2, both up
pair_up() {
	local ns=$1
	netns_add "$ns"
	pair vp0 vp1 "$ns"
	ip addr add 10.9.0.1/24 dev vp0
	ip addr add fd09::1/64 dev vp0 nodad
	ip link set vp0 up
	ip -n "$ns" addr add 10.9.0.2/24 dev vp1
	ip -n "$ns" addr add fd09::2/64 dev vp1 nodad
	ip -n "$ns" link set vp1 up
	# the qdisc starts (and operstate turns UP) when linkwatch sees the carrier: asynchronously
	wait_link vp0 "state UP"
	wait_link vp1 -n "$ns" "state UP"
}
# no IPv6 chatter (router solicitations, MLD) and no ARP (permanent neighbours) on either end of
# pair_up's link: the counters move only for the test's own frames
quiet() {
	sysctl -qw net.ipv6.conf.vp0.disable_ipv6=1
	ip netns exec "$1" sysctl -qw net.ipv6.conf.vp1.disable_ipv6=1
	ip neigh replace 10.9.0.2 dev vp0 nud permanent \
		lladdr "$(ip netns exec "$1" cat /sys/class/net/vp1/address)"
	ip -n "$1" neigh replace 10.9.0.1 dev vp1 nud permanent lladdr "$(cat /sys/class/net/vp0/address)"
}
nsstat() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3"; }
nsestat() { ip netns exec "$1" ethtool -S "$2" | awk -v n="$3" -F': *' '{ gsub(/^ +/, "", $1) } $1 == n { print $2 }'; }
count_links() { ip -o link show | wc -l; }
# counted by the NAPI poll, after the frames it received
napi_packets_ge() { [ "$(nsestat "$1" vp1 rx_napi_packets)" -ge "$2" ]; }
# iperf3_server NS ADDR: a one-test iperf3 server in NS, listening when this returns
iperf3_server() {
	local pidfile=/tmp/iperf3-$1.pid
	ip netns exec "$1" iperf3 -s -1 -D -B "$2" -I "$pidfile" >/dev/null
	defer "kill \$(cat $pidfile 2>/dev/null) 2>/dev/null || true; rm -f $pidfile"
	wait_until 10 sh -c "ip netns exec $1 ss -Hltn 'sport = :5201' | grep -q ."
}
# settle SECONDS CMD...: poll until CMD succeeds or the time is up, and go on either way; for state
# the kernel updates asynchronously, when the checks that follow say best what differs
settle() {
	local i
	for ((i = 0; i < $1 * 10; i++)); do
		"${@:2}" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 0
}
# the pair's frames of pair_up's link, as each end counts them: what one sends, the other received
counters_match() {
	[ "$(devstat vp0 tx_packets)" = "$(nsstat "$1" vp1 rx_packets)" ] &&
		[ "$(devstat vp0 tx_bytes)" = "$(nsstat "$1" vp1 rx_bytes)" ] &&
		[ "$(nsstat "$1" vp1 tx_packets)" = "$(devstat vp0 rx_packets)" ] &&
		[ "$(nsstat "$1" vp1 tx_bytes)" = "$(devstat vp0 rx_bytes)" ]
}

# check_counters_agree NS: each end has counted what the other sent, read as one snapshot. The
# counters are read one after another: a late frame (a TCP FIN, an ACK) between two reads is not
# a disagreement, so this polls (5 s) for a snapshot that agrees; a pair that loses or invents a
# frame never gives one.
check_counters_agree() {
	local i
	for ((i = 0; i < 50; i++)); do
		counters_match "$1" && return 0
		sleep 0.1
	done
	fail "the pair's counters disagree: vp0 tx $(devstat vp0 tx_packets) packets" \
		"$(devstat vp0 tx_bytes) bytes, vp1 rx $(nsstat "$1" vp1 rx_packets) packets" \
		"$(nsstat "$1" vp1 rx_bytes) bytes; vp1 tx $(nsstat "$1" vp1 tx_packets)" \
		"$(nsstat "$1" vp1 tx_bytes), vp0 rx $(devstat vp0 rx_packets) $(devstat vp0 rx_bytes)"
}

test_readme_commands() {
	# verbatim from the README and the issue
	ip link add vp0 type vpair peer name vp1
	defer "ip link del vp0"
	ip netns add blue
	defer "ip netns del blue"
	ip link set vp1 netns blue
	ip addr add 10.9.0.1/24 dev vp0 && ip link set vp0 up
	ip -n blue addr add 10.9.0.2/24 dev vp1 && ip -n blue link set vp1 up
	wait_link vp0 "state UP"
	check_contains "ping 10.9.0.2" "$(ping -c 3 -i 0.2 -W 2 10.9.0.2)" "3 received"
}

test_ping_both_ways_v4_v6() {
	pair_up vp_ns
	check_contains "v4 there" "$(ping -c 2 -i 0.2 -W 2 10.9.0.2)" "2 received"
	check_contains "v4 back" "$(ip netns exec vp_ns ping -c 2 -i 0.2 -W 2 10.9.0.1)" "2 received"
	check_contains "v6 there" "$(ping -6 -c 2 -i 0.2 -W 2 fd09::2)" "2 received"
	check_contains "v6 back" "$(ip netns exec vp_ns ping -6 -c 2 -i 0.2 -W 2 fd09::1)" "2 received"
}

test_peer_without_name() {
	local before after
	before=$(ip -o link show type vpair | wc -l)
	ip link add vp0 type vpair
	defer "ip link del vp0"
	after=$(ip -o link show type vpair | wc -l)
	check_eq "vpair devices" $((before + 2)) "$after"
	# veth's convention: the peer is <kind>N and each shows the other after the @
	local peer
	peer=$(ip -o link show vp0 | sed -n 's/^[0-9]*: vp0@\([^:]*\):.*/\1/p')
	case $peer in vpair[0-9]*) ;; *) fail "peer got the name '$peer'" ;; esac
	check_contains "ip link show $peer" "$(ip -o link show "$peer")" "$peer@vp0"
}

test_link_display_across_namespaces() {
	netns_add vp_blue
	pair vp0 vp1
	check_contains "same namespace" "$(ip -o link show vp0)" "vp0@vp1"
	ip link set vp1 netns vp_blue
	local idx
	idx=$(ip -n vp_blue -o link show vp1 | cut -d: -f1)
	check_contains "peer moved" "$(ip -o link show vp0)" "vp0@if$idx"
	check_contains "link-netns" "$(ip -o link show vp0)" "link-netns vp_blue"
	check_contains "from inside" "$(ip -n vp_blue -o link show vp1)" "link-netnsid"
	# created straight into a namespace, and moved back
	ip link add vp2 type vpair peer name vp3 netns vp_blue
	defer "ip link del vp2"
	[ -d /sys/class/net/vp3 ] && fail "vp3 created in the wrong namespace"
	ip -n vp_blue link set vp3 netns 1
	check_contains "moved back" "$(ip -o link show vp2)" "vp2@vp3"
}

test_plugin_details_and_help() {
	pair vp0 vp1
	local d idx
	idx=$(cat /sys/class/net/vp1/ifindex)
	d=$(ip -d link show vp0)
	check_contains "ip -d link" "$d" "vpair peer_ifindex $idx gro off"
	check_contains "ip -j -d link" "$(ip -j -d link show vp0)" "\"peer_ifindex\":$idx"
	check_contains "ip link help vpair" "$(ip link help vpair 2>&1)" "type vpair [peer <options>]"
	check_fail "garbage after the kind" ip link add vp2 type vpair bogus
	check_fail "a second type for the peer" --msg duplicate ip link add vp2 type vpair peer name vp3 type veth
	check_eq "links named vp2/vp3" 0 "$(ip -o link show | grep -c -E ': vp[23][@:]' || true)"
}

test_given_addresses_and_mtu() {
	ip link add vp0 address 02:00:00:00:aa:01 mtu 9000 type vpair \
		peer name vp1 address 02:00:00:00:aa:02 mtu 1400
	defer "ip link del vp0"
	check_eq "vp0 address" 02:00:00:00:aa:01 "$(cat /sys/class/net/vp0/address)"
	check_eq "vp1 address" 02:00:00:00:aa:02 "$(cat /sys/class/net/vp1/address)"
	check_eq "vp0 mtu" 9000 "$(cat /sys/class/net/vp0/mtu)"
	check_eq "vp1 mtu" 1400 "$(cat /sys/class/net/vp1/mtu)"
	pair vp2 vp3
	local m
	for m in "$(cat /sys/class/net/vp2/address)" "$(cat /sys/class/net/vp3/address)"; do
		check_eq "random $m is local unicast" 2 $((0x${m:0:2} & 3))
	done
	ip link set vp2 mtu 68
	ip link set vp2 mtu 65535
	check_fail "mtu 67" ip link set vp2 mtu 67
	check_fail "mtu 65536" ip link set vp2 mtu 65536
}

test_creation_errors_leave_nothing() {
	pair vp0 vp1
	local n0
	n0=$(count_links)
	check_fail "existing name" --msg "File exists" ip link add vp0 type vpair peer name vp9
	check_fail "peer name exists" --msg "peer name is already in use" ip link add vp8 type vpair peer name vp1
	check_fail "peer name = own name" --msg "peer name is already in use" ip link add vp8 type vpair peer name vp8
	check_fail "peer name exists (lo)" --msg "already in use" ip link add vp8 type vpair peer name lo
	check_fail "multicast address" --msg "unicast" ip link add vp8 address 01:00:5e:00:00:01 type vpair peer name vp9
	check_fail "multicast peer address" --msg "peer address must be unicast" \
		ip link add vp8 type vpair peer name vp9 address 03:00:00:00:00:01
	check_fail "zero peer address" --msg "peer address" ip link add vp8 type vpair peer name vp9 address 00:00:00:00:00:00
	check_fail "mtu 67" --msg "MTU" ip link add vp8 mtu 67 type vpair peer name vp9
	check_fail "peer mtu 70000" --msg "peer MTU" ip link add vp8 type vpair peer name vp9 mtu 70000
	check_fail "peer in a missing namespace" ip link add vp8 type vpair peer name vp9 netns nosuchns
	check_eq "links after the refusals" "$n0" "$(count_links)"
}

test_carrier_follows_both_ends() {
	pair vp0 vp1
	ip link set vp0 up
	# operstate (and so IFF_RUNNING, shown as NO-CARRIER) is set by linkwatch, asynchronously
	wait_link vp0 "vp0@vp1: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN>" "state LOWERLAYERDOWN"
	check_eq "vp0 carrier with vp1 down" 0 "$(cat /sys/class/net/vp0/carrier)"
	ip link set vp1 up
	wait_link vp0 "LOWER_UP" "state UP"
	check_eq "vp1 carrier" 1 "$(cat /sys/class/net/vp1/carrier)"
	ip link set vp0 down
	wait_link vp1 "NO-CARRIER" "state LOWERLAYERDOWN"
	check_eq "vp1 carrier with vp0 down" 0 "$(cat /sys/class/net/vp1/carrier)"
	ip link set vp0 up
	wait_link vp1 "LOWER_UP" "state UP"
	check_eq "carrier back" 1 "$(cat /sys/class/net/vp1/carrier)"
}

test_counters_consistent_across_pair() {
	pair_up vp_ns
	quiet vp_ns
	ping -c 20 -i 0.05 -W 2 10.9.0.2 >/dev/null
	ip netns exec vp_ns ping -c 5 -i 0.05 -W 2 -s 1000 10.9.0.1 >/dev/null
	check_counters_agree vp_ns
	check_ge "vp0 tx_packets" 25 "$(devstat vp0 tx_packets)"
	check_eq "vp0 dropped" 0 "$(devstat vp0 tx_dropped)"
}

test_mtu_drop_counted() {
	pair_up vp_ns
	quiet vp_ns
	ip link set vp0 mtu 9000
	local tx0 rx0 d0 out
	tx0=$(devstat vp0 tx_packets)
	rx0=$(nsstat vp_ns vp1 rx_packets)
	d0=$(nsestat vp_ns vp1 rx_drop_mtu)
	# one 3028-byte IP packet (no fragmentation): fits vp0's MTU, not vp1's
	out=$(ping -c 3 -i 0.2 -W 1 -s 3000 -M do 10.9.0.2 || true)
	check_contains "too big for the receiver" "$out" "0 received"
	check_eq "rx_drop_mtu on vp1" $((d0 + 3)) "$(nsestat vp_ns vp1 rx_drop_mtu)"
	check_ge "vp1 rx_dropped" 3 "$(nsstat vp_ns vp1 rx_dropped)"
	check_eq "vp1 received none of them" "$rx0" "$(nsstat vp_ns vp1 rx_packets)"
	check_eq "vp0 sent them" $((tx0 + 3)) "$(devstat vp0 tx_packets)"
	check_contains "fits after raising vp1's MTU" \
		"$(ip -n vp_ns link set vp1 mtu 9000 && ping -c 2 -i 0.2 -W 2 -s 3000 -M do 10.9.0.2)" "2 received"
}

test_tcp_iperf3_offloads_pass_through() {
	pair_up vp_ns
	iperf3_server vp_ns 10.9.0.2
	local tx0 txb0 out segs
	# TCP sizes its GSO frames by rate and RTT (tcp_tso_autosize): on a slow kernel (debug, TCG) a
	# 1 ms share of the rate is under two segments. At least 16 per frame, whatever the speed:
	segs=$(sysctl -n net.ipv4.tcp_min_tso_segs)
	defer "sysctl -qw net.ipv4.tcp_min_tso_segs=$segs"
	sysctl -qw net.ipv4.tcp_min_tso_segs=16
	tx0=$(devstat vp0 tx_packets) txb0=$(devstat vp0 tx_bytes)
	out=$(iperf3 -c 10.9.0.2 -t 2 -f m)
	check_contains "iperf3" "$out" "sender"
	local pkts bytes
	pkts=$(($(devstat vp0 tx_packets) - tx0))
	bytes=$(($(devstat vp0 tx_bytes) - txb0))
	note "$pkts frames, $bytes bytes: $((bytes / pkts)) bytes per frame on a 1500 MTU"
	# GSO frames cross whole: a stream segmented in software would average under the MTU
	check_ge "average frame size (bytes)" 3000 $((bytes / pkts))
	check_counters_agree vp_ns
}

test_gro_napi_path() {
	pair_up vp_ns
	check_contains "GRO off by default" "$(ip netns exec vp_ns ethtool -k vp1)" "generic-receive-offload: off"
	ip netns exec vp_ns ethtool -K vp1 gro on
	check_contains "ip -d link" "$(ip -n vp_ns -d link show vp1)" "gro on"
	# with TSO off on the sender every frame is worth merging, so all take the NAPI ring
	ethtool -K vp0 tso off
	local n0
	n0=$(nsestat vp_ns vp1 rx_napi_packets)
	check_contains "ping with GRO on" "$(ping -c 5 -i 0.1 -W 2 10.9.0.2)" "5 received"
	settle 5 napi_packets_ge vp_ns $((n0 + 5))
	check_ge "rx_napi_packets" $((n0 + 5)) "$(nsestat vp_ns vp1 rx_napi_packets)"
	iperf3_server vp_ns 10.9.0.2
	check_contains "TCP with GRO on" "$(iperf3 -c 10.9.0.2 -t 1)" "receiver"
	# down and up again with GRO on, then off under traffic
	ip -n vp_ns link set vp1 down
	ip -n vp_ns link set vp1 up
	ping -f -c 2000 -W 1 10.9.0.2 >/dev/null 2>&1 &
	local pid=$!
	defer "kill $pid"
	sleep 0.3
	ip netns exec vp_ns ethtool -K vp1 gro off
	wait $pid || true
	n0=$(nsestat vp_ns vp1 rx_napi_packets)
	check_contains "ping with GRO off" "$(ping -c 3 -i 0.1 -W 2 10.9.0.2)" "3 received"
	check_eq "rx_napi_packets after GRO off" "$n0" "$(nsestat vp_ns vp1 rx_napi_packets)"
}

# GRO merges frames by rewriting skb_shinfo(), which a clone shares with its other holders: TCP's
# retransmit queue, and a packet tap on the sender. A tap that reads what it holds only after the
# stream must find every frame as it was sent (before the fix, most reads failed with EFAULT).
test_gro_leaves_cloned_frames_intact() {
	pair_up vp_ns
	# one TCP segment per frame, all through vp1's GRO ring
	ethtool -K vp0 tso off gso off
	ip netns exec vp_ns ethtool -K vp1 gro on
	iperf3_server vp_ns 10.9.0.2
	local n0 out res frames efault errors short drops
	n0=$(nsestat vp_ns vp1 rx_napi_packets)
	# two seconds of stream; on the debug kernel (about 300 frames/s) a byte count instead: 3 MB are
	# over 2000 segments
	local amount=(-t 2)
	[ "${VDEV_KERNEL:-production}" != debug ] || amount=(-n 3M)
	out=$(tap-hold vp0 64 -- iperf3 -c 10.9.0.2 "${amount[@]}" -f m) || fail "iperf3 under the tap: $out"
	res=$(printf '%s\n' "$out" | tail -n 1)
	note "tap-hold: $res"
	read -r _ frames _ efault _ errors _ short _ drops <<<"$res"
	check_eq "tap reads that failed with EFAULT" 0 "$efault"
	check_eq "tap reads that failed otherwise" 0 "$errors"
	check_eq "tap frames shorter than their IP header says" 0 "$short"
	check_ge "frames the tap held and read" 1000 "$frames"
	check_ge "frames through vp1's GRO ring" $((n0 + 1000)) "$(nsestat vp_ns vp1 rx_napi_packets)"
}

# The peer's namespace needs CAP_NET_ADMIN there, as the namespace of the device itself does: an
# ordinary user, root only in a user namespace of their own, cannot put the peer into the initial
# namespace; root can. The user names the initial namespace by a descriptor opened before leaving
# it (fd 3, `netns /proc/self/fd/3`): `netns 1` would be refused by ip itself since iproute2 6.8,
# which opens /proc/1/ns/net (not the user's to open) where 6.1 sent the PID for the kernel to judge.
test_peer_namespace_needs_cap_net_admin() {
	local user=(setpriv --reuid=65534 --regid=65534 --clear-groups) n0 out
	"${user[@]}" /usr/bin/unshare -r -n true || skip "no user namespaces for an unprivileged user"
	n0=$(ip -o link show type vpair | wc -l)
	defer "[ ! -e /sys/class/net/evil ] || ip link del evil"
	local try='ip link add p0 type vpair peer name evil netns /proc/self/fd/3; rc=$?
		echo "vpair devices in the user namespace: $(ip -o link show type vpair | wc -l)"
		exit $rc'
	if out=$("${user[@]}" bash -c 'exec 3</proc/self/ns/net; exec /usr/bin/unshare -r -n bash -c "$0"' \
		"$try" 2>&1); then
		fail "an unprivileged user created a peer in the initial namespace: $out"
	fi
	note "$out"
	check_contains "refused" "$out" "Error: vpair: no CAP_NET_ADMIN in the peer's network namespace."
	check_contains "nothing left behind" "$out" "vpair devices in the user namespace: 0"
	[ ! -e /sys/class/net/evil ] || fail "evil exists in the initial namespace"
	check_eq "vpair devices in the initial namespace" "$n0" "$(ip -o link show type vpair | wc -l)"

	# within the user's own namespaces: a pair, and a peer in a second namespace the user owns
	out=$("${user[@]}" /usr/bin/unshare -r -n bash -c '
		ip link add p0 type vpair peer name p1 && ip -o link show p1' 2>&1) ||
		fail "a pair inside the user namespace: $out"
	check_contains "a pair inside the user namespace" "$out" "p1@p0"
	out=$("${user[@]}" /usr/bin/unshare -r -n bash -c '
		unshare -n sleep 30 & pid=$!
		for i in $(seq 50); do
			[ "$(readlink /proc/$pid/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break
			sleep 0.1
		done
		ip link add p0 type vpair peer name p1 netns $pid && ip -o link show p0; rc=$?
		kill $pid; exit $rc' 2>&1) || fail "a peer in the user's second namespace: $out"
	check_contains "a peer in the user's second namespace" "$out" "p0@if"
	check_contains "a peer in the user's second namespace" "$out" "link-netnsid"

	# root may put the peer anywhere
	netns_add vp_cap
	pair vp0 vp1 vp_cap
	check_contains "root: the peer in another namespace" "$(ip -n vp_cap -o link show vp1)" "vp1@if"
}

# Frames the GRO ring still holds when NAPI goes away (GRO turned off, the device stopped) were
# never received: each counts once, as rx_drop_ring and in rx_dropped. They are counted from
# process context, where the per-CPU counters need BH off (a kernel with DEBUG_PREEMPT says "BUG:
# using smp_processor_id() in preemptible" otherwise; a production kernel shows nothing).
test_gro_ring_leftovers_dropped_with_bh_off() {
	pair_up vp_ns
	quiet vp_ns
	ethtool -K vp0 tso off	# every frame worth merging: all take the ring
	# after a poll that received something, NAPI stays scheduled until a 20 s timer fires
	# (deferred interrupts): the frames that follow the first one wait in the ring
	ip netns exec vp_ns sh -c 'echo 1 >/sys/class/net/vp1/napi_defer_hard_irqs &&
		echo 20000000000 >/sys/class/net/vp1/gro_flush_timeout'
	# 50 UDP datagrams 10.9.0.1:1024 -> 10.9.0.2:9 (no listener: vp1's stack drops them silently,
	# counting no device drop); IPv4 header checksum 0x26b9, no UDP checksum
	local frame how tx0 rx0 n0 d0 rd0 napi drops
	frame="$(ip netns exec vp_ns cat /sys/class/net/vp1/address) $(cat /sys/class/net/vp0/address) 0800"
	frame+=" 45000020 00004000 401126b9 0a090001 0a090002  04000009 000c0000 deadbeef"
	for how in "ethtool -K vp1 gro off" "ip link set vp1 down"; do
		ip netns exec vp_ns ethtool -K vp1 gro on
		ip -n vp_ns link set vp1 up
		wait_link vp0 "state UP"
		tx0=$(devstat vp0 tx_packets) rx0=$(nsstat vp_ns vp1 rx_packets)
		n0=$(nsestat vp_ns vp1 rx_napi_packets) d0=$(nsestat vp_ns vp1 rx_drop_ring)
		rd0=$(nsstat vp_ns vp1 rx_dropped)
		vnet-pkt send vp0 "$frame" 50
		ip netns exec vp_ns $how
		napi=$(($(nsestat vp_ns vp1 rx_napi_packets) - n0))
		drops=$(($(nsestat vp_ns vp1 rx_drop_ring) - d0))
		note "$how: $napi received, $drops left in the ring"
		check_eq "vp0 sent" 50 $(($(devstat vp0 tx_packets) - tx0))
		check_eq "received + dropped ($how)" 50 $((napi + drops))
		check_eq "rx_packets ($how)" "$napi" $(($(nsstat vp_ns vp1 rx_packets) - rx0))
		check_eq "rx_dropped ($how)" "$drops" $(($(nsstat vp_ns vp1 rx_dropped) - rd0))
		check_ge "frames left in the ring ($how)" 25 "$drops"
	done
}

# Frames the receiver's backlog refuses are counted once: by the kernel in the receiver's rx_dropped,
# by vpair as rx_drop_backlog (ethtool -S) and in the sender's tx, so that tx(vp0) = rx(vp1) +
# rx_dropped(vp1). A backlog of one frame, filled from CPU 0 and drained on CPU 1 (RPS), overflows
# under a flood.
test_backlog_drops_counted_once() {
	pair_up vp_ns
	quiet vp_ns
	local max0 frame tx0 rx0 rd0 d0 tx rx rd d
	max0=$(sysctl -n net.core.netdev_max_backlog)
	defer "sysctl -qw net.core.netdev_max_backlog=$max0"
	sysctl -qw net.core.netdev_max_backlog=1
	ip netns exec vp_ns sh -c 'echo 2 >/sys/class/net/vp1/queues/rx-0/rps_cpus'
	frame="$(ip netns exec vp_ns cat /sys/class/net/vp1/address) $(cat /sys/class/net/vp0/address) 0800"
	frame+=" 45000020 00004000 401126b9 0a090001 0a090002  04000009 000c0000 deadbeef"
	tx0=$(devstat vp0 tx_packets) rx0=$(nsstat vp_ns vp1 rx_packets)
	rd0=$(nsstat vp_ns vp1 rx_dropped) d0=$(nsestat vp_ns vp1 rx_drop_backlog)
	taskset -c 0 vnet-pkt send vp0 "$frame" 20000
	# the backlog drains on CPU 1 after the flood: poll (5 s) for the last frames' counts
	counted() {
		tx=$(($(devstat vp0 tx_packets) - tx0)) rx=$(($(nsstat vp_ns vp1 rx_packets) - rx0))
		rd=$(($(nsstat vp_ns vp1 rx_dropped) - rd0)) d=$(($(nsestat vp_ns vp1 rx_drop_backlog) - d0))
		[ "$tx" -eq $((rx + rd)) ] && [ "$rd" -eq "$d" ]
	}
	settle 5 counted
	counted || true
	figure "flood with a backlog of one: vp0 sent $tx, vp1 received $rx, dropped $rd (rx_drop_backlog $d)"
	check_ge "frames the backlog refused" 1 "$d"
	check_eq "vp1 rx_dropped" "$d" "$rd"
	check_eq "vp0 tx = vp1 rx + rx_dropped" "$tx" $((rx + rd))
}

# ethtool -L under a flood on every queue, with the rings (GRO on) and without: a receive queue goes
# only once no frame can still carry it (get_rps_cpu() warns of a frame on a queue the device no
# longer has), and every frame vp0 sent is received or dropped by vp1 with a reason (ethtool -S
# rx_drop_*). Not rx_dropped: with RPS on, the kernel may drop a frame vp1 received into a full
# backlog of another CPU, and counts it there as a real NIC's would be, received and dropped.
test_channels_change_under_flood() {
	netns_add vp_ns
	ip link add vp0 numtxqueues 4 numrxqueues 4 type vpair \
		peer name vp1 numtxqueues 4 numrxqueues 4 netns vp_ns
	defer "ip link del vp0"
	sysctl -qw net.ipv6.conf.vp0.disable_ipv6=1
	ethtool -K vp0 tso off	# with GRO on, every frame takes a ring
	ip link set vp0 up
	ip -n vp_ns link set vp1 up
	wait_link vp0 "state UP"
	# RPS on: the kernel reads each frame's receive queue
	ip netns exec vp_ns sh -c 'echo 3 >/sys/class/net/vp1/queues/rx-0/rps_cpus'
	modprobe pktgen
	local c gro i tx0 rx0 rd0 tx rx rd
	vp1_drops() {
		ip netns exec vp_ns ethtool -S vp1 |
			awk -F': *' '$1 ~ /^ *rx_drop_/ { n += $2 } END { print n + 0 }'
	}
	defer "echo stop >/proc/net/pktgen/pgctrl 2>/dev/null; echo rem_device_all >/proc/net/pktgen/kpktgend_0"
	echo rem_device_all >/proc/net/pktgen/kpktgend_0
	echo add_device vp0 >/proc/net/pktgen/kpktgend_0
	# forever (count 0), on vp0's transmit queues 0, 1, 2, 3 in turn
	for c in 'count 0' 'clone_skb 0' 'burst 1' 'delay 0' 'pkt_size 64' 'dst 10.9.0.2' \
		"dst_mac $(ip netns exec vp_ns cat /sys/class/net/vp1/address)" 'udp_dst_min 9' \
		'udp_dst_max 9' 'queue_map_min 0' 'queue_map_max 3'; do
		echo "$c" >/proc/net/pktgen/vp0
	done
	tx0=$(devstat vp0 tx_packets) rx0=$(nsstat vp_ns vp1 rx_packets) rd0=$(vp1_drops)
	(echo start >/proc/net/pktgen/pgctrl) &
	for gro in on off; do
		ip netns exec vp_ns ethtool -K vp1 gro $gro
		for ((i = 0; i < 40; i++)); do
			ip netns exec vp_ns ethtool -L vp1 rx $((i % 3 + 1))
			ip netns exec vp_ns ethtool -L vp1 rx 4
		done
		c=$(nsstat vp_ns vp1 rx_packets)
		poll 10 ge "vp1 rx_packets with GRO $gro after the changes" $((c + 100)) nsstat vp_ns vp1 rx_packets
	done
	echo stop >/proc/net/pktgen/pgctrl
	wait
	# the backlog drains after the flood: poll (5 s) for the last frames' counts
	counted() {
		tx=$(($(devstat vp0 tx_packets) - tx0)) rx=$(($(nsstat vp_ns vp1 rx_packets) - rx0))
		rd=$(($(vp1_drops) - rd0))
		[ "$tx" -eq $((rx + rd)) ]
	}
	settle 5 counted
	figure "flood through 80 ethtool -L: vp0 sent $tx, vp1 received $rx, dropped $rd"
	check_eq "vp0 tx = vp1 rx + rx_drop_*" "$tx" $((rx + rd))
	check_contains "ethtool -l vp1" "$(ip netns exec vp_ns ethtool -l vp1)" "RX:		4"
}

test_ethtool() {
	pair vp0 vp1
	check_contains "ethtool -i" "$(ethtool -i vp0)" "driver: vpair"
	check_eq "peer_ifindex" "$(cat /sys/class/net/vp1/ifindex)" "$(estat vp0 peer_ifindex)"
	check_contains "speed" "$(ethtool vp0)" "Speed: 10000Mb/s"
	check_contains "duplex" "$(ethtool vp0)" "Duplex: Full"
	local s
	for s in tx_drop_no_peer tx_drop_runt rx_drop_mtu rx_drop_nomem rx_drop_ring rx_drop_backlog \
		rx_napi_packets; do
		estat vp0 $s >/dev/null
	done
}

test_delete_either_end() {
	ip link add vp0 type vpair peer name vp1
	ip link del vp1
	[ ! -d /sys/class/net/vp0 ] || fail "vp0 survived the deletion of vp1"
	ip link add vp0 type vpair peer name vp1
	ip link del vp0
	[ ! -d /sys/class/net/vp1 ] || fail "vp1 survived the deletion of vp0"
}

test_delete_namespace_of_peer() {
	ip netns add vp_gone
	ip link add vp0 type vpair peer name vp1 netns vp_gone
	defer "ip link del vp0"
	ip -n vp_gone link set vp1 up
	ip link set vp0 up
	ip netns del vp_gone
	wait_until 10 sh -c '! test -d /sys/class/net/vp0'
	# and the namespace of this end: the peer in init_net goes with it
	ip netns add vp_gone2
	ip -n vp_gone2 link add vp2 type vpair peer name vp3 netns 1
	defer "ip link del vp3"
	ip netns del vp_gone2
	wait_until 10 sh -c '! test -d /sys/class/net/vp3'
}

test_delete_under_traffic() {
	pair_up vp_ns
	ping -f -W 1 10.9.0.2 >/dev/null 2>&1 &
	local pid=$!
	defer "kill $pid"
	sleep 1
	ip -n vp_ns link del vp1
	[ ! -d /sys/class/net/vp0 ] || fail "vp0 left after deleting vp1 under traffic"
	kill $pid
	wait $pid || true
}

test_unload_with_pairs_and_traffic() {
	netns_add vp_unload
	ip link add vp0 type vpair peer name vp1 netns vp_unload
	ip link add vp2 type vpair peer name vp3
	ip link add vp4 type vpair
	ip addr add 10.9.0.1/24 dev vp0
	ip link set vp0 up
	ip -n vp_unload addr add 10.9.0.2/24 dev vp1
	ip -n vp_unload link set vp1 up
	ping -f -W 1 10.9.0.2 >/dev/null 2>&1 &
	local pid=$!
	defer "kill $pid"
	sleep 1
	rmmod vpair
	defer modprobe vpair
	check_eq "pairs left" 0 "$(ip -o link show type vpair | wc -l)"
	check_eq "pairs left in the namespace" 0 "$(ip -n vp_unload -o link show type vpair | wc -l)"
	kill $pid
	wait $pid || true
}

# What a pair allocates: a net_device takes four kmalloc-cg-4k and five kmalloc-cg-2k objects (struct,
# queues, names), measured on this kernel; other caches move on their own (sysfs, vmap areas), with veth
# as much as with vpair. A kernel without memory cgroups (the debug one) has no kmalloc-cg-* caches:
# there the same objects come from kmalloc-2k/4k.
pair_caches() { grep -q '^kmalloc-cg-4k ' /proc/slabinfo && echo 'kmalloc-cg-[24]k' || echo 'kmalloc-[24]k'; }
pair_memory() {
	local caches
	caches=$(pair_caches)
	slab_shrink "$caches"
	awk -v re="^$caches\$" 'NR > 2 && $1 ~ re { n += $2; f = 1 } END { if (f) print n }' /proc/slabinfo
}

memory_grew_at_most() { [ $(($(pair_memory) - $1)) -le "$2" ]; }

test_create_delete_100_cycles() {
	netns_add vp_cycle
	local n0 i m0 m1
	n0=$(count_links)
	ip link add vp0 type vpair peer name vp1 netns vp_cycle && ip link del vp0
	sleep 1
	m0=$(pair_memory)
	[ -n "$m0" ] || fail "no $(pair_caches) caches in /proc/slabinfo"
	for ((i = 0; i < 100; i++)); do
		ip link add vp0 type vpair peer name vp1 netns vp_cycle
		ip link set vp0 up
		ip -n vp_cycle link set vp1 up
		ip link del vp0
	done
	check_eq "links after 100 cycles" "$n0" "$(count_links)"
	check_eq "vpair module users" 0 "$(awk '$1 == "vpair" { print $3 }' /proc/modules)"
	# the last devices are freed after an RCU grace period: poll (10 s) until the caches settle;
	# a pair leaked per cycle would be 1800 objects
	settle 10 memory_grew_at_most "$m0" 100
	m1=$(pair_memory)
	check_le "$(pair_caches) objects grew by" 100 $((m1 - m0))
}

ktap_main "$@"
