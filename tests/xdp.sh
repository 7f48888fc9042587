#!/bin/bash
# xdp: native XDP on a pair, every test run on the kernel's own veth (the reference) and on vpair with
# the same body: programs attached by the stock `ip ... xdpdrv obj /bpf/NAME.o` (tests/bpf/), the
# verdicts counted per queue in `ethtool -S` under veth's names (rx_queue_N_xdp_packets ...), a device
# map filled by bpftool, multi-queue pairs sized by `ethtool -L`.
#
# The programs are attached in native (driver) mode on purpose: plain `xdp` falls back to generic XDP
# when the driver has no ndo_bpf, and would prove nothing about the driver.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/frames.sh"

# --- helpers --------------------------------------------------------------------------------------

# in_ns NS CMD...: CMD in namespace NS, or in the initial one when NS is ""
in_ns() {
	local ns=$1
	shift
	if [ -n "$ns" ]; then ip netns exec "$ns" "$@"; else "$@"; fi
}
ipn() {
	local ns=$1
	shift
	if [ -n "$ns" ]; then ip -n "$ns" "$@"; else ip "$@"; fi
}
mac_of() { in_ns "$1" cat "/sys/class/net/$2/address"; }
ifindex_of() { in_ns "$1" cat "/sys/class/net/$2/ifindex"; }

# xnetns NAME: a namespace without IPv6 (no router solicitations, MLD or DAD on the devices made in
# it): what its devices count is the test's own frames
xnetns() {
	netns_add "$1"
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

# pair KIND A NS_A B NS_B [ARG...]: a KIND (veth or vpair) pair, A in namespace NS_A and B in NS_B
# ("" for the initial one), each end given the ARGs (numtxqueues 4 numrxqueues 4 ...): the same
# command line for both kinds. Deleted when the test ends; an end in the initial namespace has
# IPv6 off, as the namespaces' devices have.
pair() {
	local kind=$1 a=$2 nsa=$3 b=$4 nsb=$5
	shift 5
	ip link add "$a" ${nsa:+netns "$nsa"} "$@" type "$kind" peer name "$b" ${nsb:+netns "$nsb"} "$@"
	defer "ip ${nsa:+-n $nsa} link del $a"
	[ -n "$nsa" ] || sysctl -qw "net.ipv6.conf.$a.disable_ipv6=1"
	[ -n "$nsb" ] || sysctl -qw "net.ipv6.conf.$b.disable_ipv6=1"
}

# world KIND [ARG...]: the two-namespace setup most tests use: xa in xdp_a (10.9.0.1) and xb in
# xdp_b (10.9.0.2), a KIND pair, both up, each with the other as a permanent neighbour (no ARP)
world() {
	local kind=$1
	shift
	require_module "$kind"
	xnetns xdp_a
	xnetns xdp_b
	pair "$kind" xa xdp_a xb xdp_b "$@"
	ip -n xdp_a addr add 10.9.0.1/24 dev xa
	ip -n xdp_b addr add 10.9.0.2/24 dev xb
	ip -n xdp_a neigh replace 10.9.0.2 dev xa nud permanent lladdr "$(mac_of xdp_b xb)"
	ip -n xdp_b neigh replace 10.9.0.1 dev xb nud permanent lladdr "$(mac_of xdp_a xa)"
	ip -n xdp_a link set xa up
	ip -n xdp_b link set xb up
	wait_link xa -n xdp_a "state UP"
	wait_link xb -n xdp_b "state UP"
}

# xdp_attach NS DEV PROG [SECTION]: /bpf/PROG.o on DEV in native mode (no program there before)
xdp_attach() {
	local out
	out=$(ipn "$1" link set dev "$2" xdpdrv obj "/bpf/$3.o" sec "${4:-xdp}" 2>&1) ||
		fail "attaching $3 to $2 in native mode: $out"
	check_contains "$2 after attaching $3" "$(ipn "$1" link show dev "$2")" "prog/xdp id"
}
# xdp_replace NS DEV PROG: swap the attached program for PROG (ip's -force: no UPDATE_IF_NOEXIST)
xdp_replace() {
	local out
	out=$(ipn "$1" -force link set dev "$2" xdpdrv obj "/bpf/$3.o" sec xdp 2>&1) ||
		fail "replacing $2's program by $3: $out"
}
xdp_detach() { ipn "$1" link set dev "$2" xdpdrv off; }
# the id of the XDP program on DEV (empty when none)
xdp_prog_id() { ipn "$1" link show dev "$2" | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p'; }
# a program that nothing holds any more is freed after an RCU grace period
prog_gone() { ! bpftool prog show id "$1" >/dev/null 2>&1; }

# qstat NS DEV NAME: one `ethtool -S` counter (rx_queue_0_xdp_drops ...)
qstat() {
	local v
	v=$(in_ns "$1" ethtool -S "$2" 2>&1 |
		awk -v n="$3" -F': *' '{ gsub(/^ +/, "", $1) } $1 == n { print $2; f = 1 } END { exit !f }') || {
		echo "FAIL: ethtool -S $2 has no counter $3" >&2
		return 1
	}
	echo "$v"
}
# wait_qstat NS DEV NAME VALUE: poll (5 s) until a counter of DEV reads VALUE
wait_qstat() { poll 5 eq "$2 $3" "$4" qstat "$1" "$2" "$3"; }
# qsum NS DEV STAT: STAT (xdp_packets ...) summed over every rx_queue_N_STAT of DEV
qsum() {
	in_ns "$1" ethtool -S "$2" |
		awk -v s="$3" -F': *' '{ gsub(/^ +/, "", $1) } $1 ~ "^rx_queue_[0-9]+_" s "$" { n += $2 } END { print n + 0 }'
}

# snmp NS PROTO FIELD: a counter of the namespace's IP stack, from /proc/net/snmp (Ip InReceives,
# Icmp InEchos, Udp NoPorts): what reached the stack past the driver and its XDP program
snmp() {
	in_ns "$1" cat /proc/net/snmp |
		awk -v p="$2:" -v f="$3" '$1 == p { if (!h) { for (i = 2; i <= NF; i++) if ($i == f) c = i; h = 1 } else print $c }'
}

# udp_frame SRC-MAC DST-MAC: 10.9.0.1:1024 -> 10.9.0.2:9, 4 bytes of payload, no UDP checksum
udp_frame() { echo "$(eth "$2" "$1" 0800)$(ipv4 10.9.0.1 10.9.0.2 17 04000009000c0000deadbeef)"; }

# iperf3_server NS ADDR: a one-test iperf3 server in NS, listening when this returns
iperf3_server() {
	local pidfile=/tmp/iperf3-$1.pid
	ip netns exec "$1" iperf3 -s -1 -D -B "$2" -I "$pidfile" >/dev/null
	defer "kill \$(cat $pidfile 2>/dev/null) 2>/dev/null || true; rm -f $pidfile"
	wait_until 10 sh -c "ip netns exec $1 ss -Hltn 'sport = :5201' | grep -q ."
}

# the device map of xdp_redirect_map.o: iproute2 pins maps under tc/globals, which /sys/fs/bpf/xdp
# is a symbolic link to (ip makes both)
TX_PORT=/sys/fs/bpf/xdp/globals/tx_port

# every counter veth has per queue, under its name: a driver that follows veth shows all of them
RXQ_STATS="xdp_packets xdp_bytes drops xdp_redirect xdp_drops xdp_tx xdp_tx_errors"
TXQ_STATS="xdp_xmit xdp_xmit_errors"
check_queue_counters() {
	local ns=$1 dev=$2 rxq=$3 txq=$4 q s names
	names=$(in_ns "$ns" ethtool -S "$dev" 2>&1 | awk -F': *' '/^ / { gsub(/^ +/, "", $1); print $1 }')
	# no pipe: grep -q leaving early would kill a printf still writing (SIGPIPE), and pipefail fail it
	has() { grep -qx -- "$1" <<<"$names"; }
	has peer_ifindex || fail "ethtool -S $dev has no counter peer_ifindex"
	for ((q = 0; q < rxq; q++)); do
		for s in $RXQ_STATS; do
			has "rx_queue_${q}_$s" || fail "ethtool -S $dev has no counter rx_queue_${q}_$s"
		done
	done
	for ((q = 0; q < txq; q++)); do
		for s in $TXQ_STATS; do
			has "tx_queue_${q}_$s" || fail "ethtool -S $dev has no counter tx_queue_${q}_$s"
		done
	done
	# and none for a queue beyond the real ones
	! has "rx_queue_${rxq}_xdp_packets" || fail "ethtool -S $dev counts rx queue $rxq of $rxq"
	! has "tx_queue_${txq}_xdp_xmit" || fail "ethtool -S $dev counts tx queue $txq of $txq"
}

# --- the tests' bodies, one per behaviour, each run for veth and for vpair -------------------------

xdp_counters() {
	world "$1"
	check_queue_counters xdp_b xb 1 1
	check_eq "peer_ifindex of xb" "$(ifindex_of xdp_a xa)" "$(qstat xdp_b xb peer_ifindex)"
	xdp_attach xdp_b xb xdp_pass
	check_queue_counters xdp_b xb 1 1
}

# DROP: the receiver's program drops every echo request; no reply, and its stack sees none of them
xdp_drop() {
	world "$1"
	xdp_attach xdp_b xb xdp_drop
	local p0 d0 in0 out
	p0=$(qstat xdp_b xb rx_queue_0_xdp_packets) d0=$(qstat xdp_b xb rx_queue_0_xdp_drops)
	in0=$(snmp xdp_b Ip InReceives)
	out=$(ip netns exec xdp_a ping -c 5 -i 0.2 -W 1 10.9.0.2 2>&1) && fail "ping got replies through xdp_drop: $out"
	check_contains "ping through xdp_drop" "$out" "5 packets transmitted, 0 received"
	wait_qstat xdp_b xb rx_queue_0_xdp_drops $((d0 + 5))
	check_eq "xb rx_queue_0_xdp_packets" $((p0 + 5)) "$(qstat xdp_b xb rx_queue_0_xdp_packets)"
	check_eq "IP packets xb's stack received" "$in0" "$(snmp xdp_b Ip InReceives)"
	check_eq "xb rx_queue_0_drops" 0 "$(qstat xdp_b xb rx_queue_0_drops)"
	# detached, the same pings are answered
	xdp_detach xdp_b xb
	check_contains "ping after detaching" "$(ip netns exec xdp_a ping -c 2 -i 0.2 -W 2 10.9.0.2)" "2 received"
}

# ABORTED: a program's error exit drops the frame as XDP_DROP does, counted with the XDP drops
xdp_aborted() {
	world "$1"
	xdp_attach xdp_b xb xdp_aborted
	local p0 d0 in0 out
	p0=$(qstat xdp_b xb rx_queue_0_xdp_packets) d0=$(qstat xdp_b xb rx_queue_0_xdp_drops)
	in0=$(snmp xdp_b Ip InReceives)
	out=$(ip netns exec xdp_a ping -c 5 -i 0.2 -W 1 10.9.0.2 2>&1) && fail "ping got replies through xdp_aborted: $out"
	check_contains "ping through xdp_aborted" "$out" "5 packets transmitted, 0 received"
	wait_qstat xdp_b xb rx_queue_0_xdp_drops $((d0 + 5))
	check_eq "xb rx_queue_0_xdp_packets" $((p0 + 5)) "$(qstat xdp_b xb rx_queue_0_xdp_packets)"
	check_eq "IP packets xb's stack received" "$in0" "$(snmp xdp_b Ip InReceives)"
	# and traced: xdp:xdp_exception names the program, the action and the device, once a frame
	local tr=/sys/kernel/debug/tracing ev
	ev="xdp_exception: prog_id=$(xdp_prog_id xdp_b xb) action=ABORTED ifindex=$(ifindex_of xdp_b xb)"
	echo >$tr/trace
	echo 1 >$tr/events/xdp/xdp_exception/enable
	defer "echo 0 >$tr/events/xdp/xdp_exception/enable"
	ip netns exec xdp_a ping -c 3 -i 0.2 -W 1 10.9.0.2 >/dev/null 2>&1 || true
	poll 5 eq "trace lines '$ev'" 3 grep -c "$ev" $tr/trace
}

# PASS: every frame goes through the program and on to the stack, with GRO off and on
xdp_pass() {
	world "$1"
	check_contains "xa's TSO before" "$(ip netns exec xdp_a ethtool -k xa)" "tcp-segmentation-offload: on"
	xdp_attach xdp_b xb xdp_pass
	# an XDP program sees one frame in one buffer: the peer stops building GSO frames (veth's rule)
	check_contains "xa's TSO with a program on xb" "$(ip netns exec xdp_a ethtool -k xa)" \
		"tcp-segmentation-offload: off"
	local gro p0 b0 e0
	iperf3_server xdp_b 10.9.0.2
	for gro in off on; do
		ip netns exec xdp_b ethtool -K xb gro $gro
		p0=$(qstat xdp_b xb rx_queue_0_xdp_packets) b0=$(qstat xdp_b xb rx_queue_0_xdp_bytes)
		e0=$(snmp xdp_b Icmp InEchos)
		check_contains "ping, GRO $gro" "$(ip netns exec xdp_a ping -c 5 -i 0.2 -W 2 10.9.0.2)" "5 received"
		wait_qstat xdp_b xb rx_queue_0_xdp_packets $((p0 + 5))
		check_eq "echo requests xb's stack received, GRO $gro" $((e0 + 5)) "$(snmp xdp_b Icmp InEchos)"
		# 84 bytes of IP each, and the Ethernet header when the driver counts it
		check_ge "xb rx_queue_0_xdp_bytes, GRO $gro" $((b0 + 5 * 84)) "$(qstat xdp_b xb rx_queue_0_xdp_bytes)"
		check_eq "xb rx_queue_0_xdp_drops, GRO $gro" 0 "$(qstat xdp_b xb rx_queue_0_xdp_drops)"
		check_eq "xb rx_queue_0_drops, GRO $gro" 0 "$(qstat xdp_b xb rx_queue_0_drops)"
	done
	# a TCP stream through the program into GRO (on)
	local out bytes
	p0=$(qstat xdp_b xb rx_queue_0_xdp_packets)
	out=$(ip netns exec xdp_a iperf3 -c 10.9.0.2 -n 1M -J) || fail "iperf3 through xdp_pass: $out"
	# what the server read (the client stops at 1 MB written, some of it may never be read); no frame
	# carries more than an MSS (1448 bytes), and every one went through xb's program
	bytes=$(awk '/"sum_received"/ { f = 1 } f && /"bytes"/ { gsub(/[^0-9]/, ""); print; exit }' <<<"$out")
	figure "$1: iperf3 through xdp_pass with GRO on: $bytes bytes received"
	check_ge "bytes received by iperf3 through xdp_pass" 65536 "$bytes"
	poll 10 ge "xb rx_queue_0_xdp_packets for $bytes bytes of TCP" $((p0 + (bytes + 1447) / 1448)) \
		qstat xdp_b xb rx_queue_0_xdp_packets
	xdp_detach xdp_b xb
	check_contains "xa's TSO after detaching" "$(ip netns exec xdp_a ethtool -k xa)" "tcp-segmentation-offload: on"
	check_contains "ping after detaching" "$(ip netns exec xdp_a ping -c 2 -i 0.2 -W 2 10.9.0.2)" "2 received"
}

# TX: xb's program sends every frame back where it came from, its MACs swapped; xa (with xdp_pass,
# which gives it the receive ring an XDP_TX frame needs: veth's rule) receives it
xdp_tx() {
	world "$1"
	xdp_attach xdp_a xa xdp_pass
	xdp_attach xdp_b xb xdp_tx
	local ma mb frame back want t0 p0 ina0 inb0
	ma=$(mac_of xdp_a xa) mb=$(mac_of xdp_b xb)
	frame=$(udp_frame "$ma" "$mb")
	want=$(udp_frame "$mb" "$ma")
	t0=$(qstat xdp_b xb rx_queue_0_xdp_tx) p0=$(qstat xdp_a xa rx_queue_0_xdp_packets)
	ina0=$(snmp xdp_a Ip InReceives) inb0=$(snmp xdp_b Ip InReceives)
	# a packet socket on xa sends the frame and reads what comes back in
	back=$(ip netns exec xdp_a vnet-pkt xchg xa "$frame" 3000) || fail "nothing came back to xa"
	check_eq "the frame back on xa" "$want" "$back"
	ip netns exec xdp_a vnet-pkt send xa "$frame" 20
	wait_qstat xdp_b xb rx_queue_0_xdp_tx $((t0 + 21))
	wait_qstat xdp_a xa rx_queue_0_xdp_packets $((p0 + 21))
	check_eq "xb rx_queue_0_xdp_tx_errors" 0 "$(qstat xdp_b xb rx_queue_0_xdp_tx_errors)"
	# xa's stack gets them (for 10.9.0.2, not its own address: it drops them), xb's none
	poll 5 eq "IP packets xa's stack received" $((ina0 + 21)) snmp xdp_a Ip InReceives
	check_eq "IP packets xb's stack received" "$inb0" "$(snmp xdp_b Ip InReceives)"
	[ "$1" = vpair ] || return 0
	# vpair: an XDP_TX frame needs no ring on the sender's end: without xa's program it goes to
	# xa's backlog, counted in xa's rx_packets
	xdp_detach xdp_a xa
	local rx0
	rx0=$(in_ns xdp_a cat /sys/class/net/xa/statistics/rx_packets) t0=$(qstat xdp_b xb rx_queue_0_xdp_tx)
	back=$(ip netns exec xdp_a vnet-pkt xchg xa "$frame" 3000) || fail "nothing came back to xa without its program"
	check_eq "the frame back on xa without its program" "$want" "$back"
	ip netns exec xdp_a vnet-pkt send xa "$frame" 20
	wait_qstat xdp_b xb rx_queue_0_xdp_tx $((t0 + 21))
	poll 5 eq "xa rx_packets without its program" $((rx0 + 21)) \
		in_ns xdp_a cat /sys/class/net/xa/statistics/rx_packets
	check_eq "xb rx_queue_0_xdp_tx_errors without xa's program" 0 "$(qstat xdp_b xb rx_queue_0_xdp_tx_errors)"
}

# REDIRECT through a device map: frames from xa arrive on xb, whose program sends them out of xc
# (another pair's end, its ndo_xdp_xmit), so they arrive on xd. xd runs xdp_pass: a veth end takes
# frames by ndo_xdp_xmit only while its peer has a receive ring (veth's rule). xb and xc are in the
# initial namespace: the map that ip pins there (not in an `ip -n` mount namespace) is the one
# bpftool fills.
redirect_world() {
	local src=$1 dst=$2
	require_module "$src"
	require_module "$dst"
	rm -f "$TX_PORT"
	defer "rm -f $TX_PORT"
	xnetns xdp_a
	xnetns xdp_d
	pair "$src" xa xdp_a xb ""
	pair "$dst" xc "" xd xdp_d
	ip -n xdp_a addr add 10.9.0.1/24 dev xa
	ip -n xdp_d addr add 10.9.0.2/24 dev xd
	ip -n xdp_d neigh replace 10.9.0.1 dev xd nud permanent lladdr "$(mac_of xdp_a xa)"
	ip -n xdp_a link set xa up
	ip link set xb up
	ip link set xc up
	ip -n xdp_d link set xd up
	wait_link xa -n xdp_a "state UP"
	wait_link xb "state UP"
	wait_link xc "state UP"
	wait_link xd -n xdp_d "state UP"
	xdp_attach xdp_d xd xdp_pass
	xdp_attach "" xb xdp_redirect_map
	[ -e "$TX_PORT" ] || fail "ip did not pin the device map at $TX_PORT: $(find /sys/fs/bpf)"
}
# fill_tx_port NS DEV: slot 0 of the device map is DEV (its ifindex, 4 bytes little-endian)
fill_tx_port() {
	local i
	i=$(ifindex_of "$1" "$2")
	bpftool map update pinned "$TX_PORT" key 0 0 0 0 \
		value $((i & 255)) $((i >> 8 & 255)) $((i >> 16 & 255)) $((i >> 24 & 255))
	check_contains "the device map" "$(bpftool map dump pinned "$TX_PORT")" \
		"$(printf 'value: %02x %02x %02x %02x' $((i & 255)) $((i >> 8 & 255)) $((i >> 16 & 255)) $((i >> 24 & 255)))"
}
xdp_redirect() {
	redirect_world "$1" "$2"
	local frame d0 r0 x0 p0 n0
	frame=$(udp_frame "$(mac_of xdp_a xa)" "$(mac_of xdp_d xd)")
	# an empty slot: bpf_redirect_map() returns XDP_ABORTED, the frames are dropped on xb
	d0=$(qstat "" xb rx_queue_0_xdp_drops) n0=$(snmp xdp_d Udp NoPorts)
	ip netns exec xdp_a vnet-pkt send xa "$frame" 5
	wait_qstat "" xb rx_queue_0_xdp_drops $((d0 + 5))
	check_eq "xb rx_queue_0_xdp_redirect with an empty map" 0 "$(qstat "" xb rx_queue_0_xdp_redirect)"
	fill_tx_port "" xc
	r0=$(qstat "" xb rx_queue_0_xdp_redirect) x0=$(qstat "" xc tx_queue_0_xdp_xmit)
	p0=$(qstat xdp_d xd rx_queue_0_xdp_packets)
	ip netns exec xdp_a vnet-pkt send xa "$frame" 20
	wait_qstat "" xb rx_queue_0_xdp_redirect $((r0 + 20))
	wait_qstat "" xc tx_queue_0_xdp_xmit $((x0 + 20))
	wait_qstat xdp_d xd rx_queue_0_xdp_packets $((p0 + 20))
	check_eq "xc tx_queue_0_xdp_xmit_errors" 0 "$(qstat "" xc tx_queue_0_xdp_xmit_errors)"
	check_eq "xb rx_queue_0_xdp_drops after filling the map" $((d0 + 5)) "$(qstat "" xb rx_queue_0_xdp_drops)"
	# they reach xd's stack: UDP to a port nobody listens on, only these 20 (none of the 5 dropped)
	poll 5 eq "UDP datagrams to no port in xdp_d" $((n0 + 20)) snmp xdp_d Udp NoPorts
	[ "$2" = vpair ] || return 0
	# vpair: a redirect target whose peer runs no program hands the frames to the peer's backlog
	xdp_detach xdp_d xd
	x0=$(qstat "" xc tx_queue_0_xdp_xmit) n0=$(snmp xdp_d Udp NoPorts)
	p0=$(in_ns xdp_d cat /sys/class/net/xd/statistics/rx_packets)
	ip netns exec xdp_a vnet-pkt send xa "$frame" 20
	wait_qstat "" xc tx_queue_0_xdp_xmit $((x0 + 20))
	poll 5 eq "xd rx_packets without its program" $((p0 + 20)) \
		in_ns xdp_d cat /sys/class/net/xd/statistics/rx_packets
	poll 5 eq "UDP datagrams to no port in xdp_d without xd's program" $((n0 + 20)) snmp xdp_d Udp NoPorts
	check_eq "xc tx_queue_0_xdp_xmit_errors without xd's program" 0 "$(qstat "" xc tx_queue_0_xdp_xmit_errors)"
}

# REDIRECT to a CPU map: xb's program sends every frame to CPU 1, whose kernel thread builds the
# skbs for xb's stack. xb is in the initial namespace, where the map that ip pins is the one
# bpftool fills (as redirect_world).
CPU_MAP=/sys/fs/bpf/xdp/globals/cpu_map
xdp_redirect_cpu() {
	local kind=$1 frame d0 r0 n0
	require_module "$kind"
	rm -f "$CPU_MAP"
	defer "rm -f $CPU_MAP"
	xnetns xdp_a
	pair "$kind" xa xdp_a xb ""
	ip -n xdp_a addr add 10.9.0.1/24 dev xa
	ip addr add 10.9.0.2/24 dev xb
	# (the port unreachable errors go back to xa without an ARP exchange, whose reply xb's
	# program would redirect too)
	ip neigh replace 10.9.0.1 dev xb nud permanent lladdr "$(mac_of xdp_a xa)"
	ip -n xdp_a link set xa up
	ip link set xb up
	wait_link xa -n xdp_a "state UP"
	wait_link xb "state UP"
	xdp_attach "" xb xdp_redirect_cpu
	[ -e "$CPU_MAP" ] || fail "ip did not pin the CPU map at $CPU_MAP: $(find /sys/fs/bpf)"
	frame=$(udp_frame "$(mac_of xdp_a xa)" "$(mac_of "" xb)")
	# no queue for CPU 1 yet: bpf_redirect_map() returns XDP_ABORTED, the frames are dropped
	d0=$(qstat "" xb rx_queue_0_xdp_drops)
	ip netns exec xdp_a vnet-pkt send xa "$frame" 5
	wait_qstat "" xb rx_queue_0_xdp_drops $((d0 + 5))
	# a queue of 192 frames for CPU 1, no program of its own
	bpftool map update pinned "$CPU_MAP" key 1 0 0 0 value 192 0 0 0 0 0 0 0
	r0=$(qstat "" xb rx_queue_0_xdp_redirect) n0=$(snmp "" Udp NoPorts)
	ip netns exec xdp_a vnet-pkt send xa "$frame" 20
	wait_qstat "" xb rx_queue_0_xdp_redirect $((r0 + 20))
	poll 5 ge "UDP datagrams to no port, through CPU 1's queue" $((n0 + 20)) snmp "" Udp NoPorts
	check_eq "xb rx_queue_0_drops" 0 "$(qstat "" xb rx_queue_0_drops)"
}

# MTU: a program on xb is refused while xa's MTU is above what one page holds; attached, it caps
# xa's MTU there; detached, the cap goes. An xdp.frags program takes any MTU.
xdp_mtu() {
	local kind=$1 max max0 msg
	require_module "$kind"
	case $kind in
	veth) msg="veth: Peer MTU is too large to set XDP" ;;
	vpair) msg="vpair: the peer's MTU is too large for XDP" ;;
	esac
	pair "$kind" xa "" xb ""
	ip link set xa up
	ip link set xb up
	max0=$(ip -d link show xa | sed -n 's/.*maxmtu \([0-9]*\).*/\1/p')
	ip link set xa mtu 9000
	check_fail "a program on xb with xa's MTU at 9000" --msg "$msg" \
		ip link set dev xb xdpdrv obj /bpf/xdp_pass.o sec xdp
	check_eq "program on xb after the refusal" "" "$(xdp_prog_id "" xb)"
	ip link set xa mtu 1500
	xdp_attach "" xb xdp_pass
	max=$(ip -d link show xa | sed -n 's/.*maxmtu \([0-9]*\).*/\1/p')
	figure "$kind: xa's maximum MTU with a program on xb: $max (without: $max0)"
	check_ge "xa's maximum MTU with a program on xb" 1500 "$max"
	check_le "xa's maximum MTU with a program on xb" 4096 "$max"
	check_fail "xa's MTU above $max" --msg "mtu greater than device maximum" ip link set xa mtu $((max + 1))
	ip link set xa mtu "$max"
	check_eq "xa's MTU" "$max" "$(cat /sys/class/net/xa/mtu)"
	xdp_detach "" xb
	check_contains "xa's maximum MTU after detaching" "$(ip -d link show xa)" "maxmtu $max0 "
	# the limit is exact: xa at max + 1 refuses the program, at max takes it
	ip link set xa mtu $((max + 1))
	check_fail "a program on xb with xa's MTU at $((max + 1))" --msg "$msg" \
		ip link set dev xb xdpdrv obj /bpf/xdp_pass.o sec xdp
	ip link set xa mtu "$max"
	xdp_attach "" xb xdp_pass
	xdp_detach "" xb
	# a program for multi-buffer frames (SEC "xdp.frags") is not bound by one page
	ip link set xa mtu 9000
	xdp_attach "" xb xdp_pass_frags xdp.frags
	ip link set xa mtu 1500
	xdp_detach "" xb
}

# xdp_pktgen_per_queue TXQ RXQ WHAT: pktgen in xdp_a sends 10 frames on each of xa's TXQ transmit
# queues in turn; xb (with a program) receives each on queue txq % RXQ
xdp_pktgen_per_queue() {
	local txq=$1 rxq=$2 q p=() want=()
	modprobe pktgen
	for ((q = 0; q < rxq; q++)); do p[q]=$(qstat xdp_b xb "rx_queue_${q}_xdp_packets") want[q]=0; done
	for ((q = 0; q < txq; q++)); do want[q % rxq]=$((want[q % rxq] + 10)); done
	defer "ip netns exec xdp_a sh -c 'echo rem_device_all >/proc/net/pktgen/kpktgend_0' 2>/dev/null"
	ip netns exec xdp_a sh -c "
		echo rem_device_all >/proc/net/pktgen/kpktgend_0
		echo add_device xa >/proc/net/pktgen/kpktgend_0
		for c in 'count $((10 * txq))' 'clone_skb 0' 'burst 1' 'delay 0' 'pkt_size 64' \
			'dst 10.9.0.2' 'dst_mac $(mac_of xdp_b xb)' 'udp_dst_min 9' 'udp_dst_max 9' \
			'queue_map_min 0' 'queue_map_max $((txq - 1))'; do
			echo \"\$c\" >/proc/net/pktgen/xa
		done
		echo start >/proc/net/pktgen/pgctrl
		echo rem_device_all >/proc/net/pktgen/kpktgend_0"
	for ((q = 0; q < rxq; q++)); do
		poll 5 eq "$3: xb rx_queue_${q}_xdp_packets" $((p[q] + want[q])) \
			qstat xdp_b xb "rx_queue_${q}_xdp_packets"
	done
}

# multi-queue: 4 queues each way, ethtool -l/-L, the rx queues a program needs, the traffic spread
# over the queues (a frame is received on the queue of the index it was sent on)
channels() { # NS DEV -> "max-rx max-tx rx tx"
	local out
	out=$(in_ns "$1" ethtool -l "$2" 2>&1) || { echo "ethtool -l $2: $out"; return; }
	printf '%s\n' "$out" | awk '/^Pre-set/ { s = "max" } /^Current/ { s = "cur" }
		/^RX:/ { v[s "rx"] = $2 } /^TX:/ { v[s "tx"] = $2 }
		END { print v["maxrx"], v["maxtx"], v["currx"], v["curtx"] }'
}
xdp_multiqueue() {
	world "$1" numtxqueues 4 numrxqueues 4
	check_eq "ethtool -l xa" "4 4 4 4" "$(channels xdp_a xa)"
	check_eq "ethtool -l xb" "4 4 4 4" "$(channels xdp_b xb)"
	ip netns exec xdp_b ethtool -L xb rx 2 tx 2
	check_eq "ethtool -l xb after -L rx 2 tx 2" "4 4 2 2" "$(channels xdp_b xb)"
	if [ "$1" = veth ]; then
		check_fail "a program on xb with 2 rx queues for xa's 4 tx queues" \
			--msg "XDP expects number of rx queues not less than peer tx queues" \
			ip -n xdp_b link set dev xb xdpdrv obj /bpf/xdp_pass.o sec xdp
	else
		# vpair takes it: a frame sent on tx queue N is received on rx queue N modulo the
		# receiver's count, so xa's queues 0-3 land on xb's 0, 1, 0, 1
		xdp_attach xdp_b xb xdp_pass
		check_queue_counters xdp_b xb 2 2
		xdp_pktgen_per_queue 4 2 "xb's 2 rx queues for xa's 4 tx queues"
		xdp_detach xdp_b xb
	fi
	ip netns exec xdp_b ethtool -L xb rx 4 tx 4
	check_eq "ethtool -l xb after -L rx 4 tx 4" "4 4 4 4" "$(channels xdp_b xb)"
	xdp_attach xdp_b xb xdp_pass
	if [ "$1" = veth ]; then
		check_fail "fewer rx queues on xb than xa's tx queues, under a program" \
			ip netns exec xdp_b ethtool -L xb rx 2
		check_eq "ethtool -l xb after the refusal" "4 4 4 4" "$(channels xdp_b xb)"
	fi
	check_queue_counters xdp_b xb 4 4
	check_contains "ping through 4 queues" "$(ip netns exec xdp_a ping -c 2 -i 0.2 -W 2 10.9.0.2)" "2 received"

	# pktgen puts its frames on xa's tx queues 0, 1, 2, 3 in turn: 10 arrive on each of xb's
	xdp_pktgen_per_queue 4 4 "xb's 4 rx queues for xa's 4 tx queues"
	local q p=() n=() before total spread

	# 64 UDP flows from the stack (each a socket of its own, so a port and a hash of its own): xa's
	# queue choice spreads them, and xb receives each on the queue it was sent on
	before=$(qsum xdp_b xb xdp_packets)
	for q in 0 1 2 3; do p[q]=$(qstat xdp_b xb "rx_queue_${q}_xdp_packets"); done
	ip netns exec xdp_a bash -c 'for i in $(seq 64); do echo flow$i >/dev/udp/10.9.0.2/9; done'
	poll 5 eq "xb rx_queue_N_xdp_packets, all N" $((before + 64)) qsum xdp_b xb xdp_packets
	total=$(($(qsum xdp_b xb xdp_packets) - before))
	check_eq "frames through xb's program" 64 "$total"
	spread=0
	for q in 0 1 2 3; do
		n[q]=$(($(qstat xdp_b xb "rx_queue_${q}_xdp_packets") - p[q]))
		[ "${n[q]}" -eq 0 ] || spread=$((spread + 1))
	done
	figure "64 UDP flows over xb's rx queues 0-3: ${n[*]}"
	check_ge "rx queues the 64 flows arrived on" 2 "$spread"
}

# flood_delete WHAT NS DEV PEER_NS PEER: under ping -f from xdp_a, once WHAT (an ethtool -S counter
# of xb) reached 100, DEV in NS is deleted: its peer goes with it, and the pair's programs are freed
flood_delete() {
	local ids pid id
	ids="$(xdp_prog_id xdp_a xa) $(xdp_prog_id xdp_b xb)"
	ip netns exec xdp_a ping -f -W 1 10.9.0.2 >/dev/null 2>&1 &
	pid=$!
	defer "kill $pid 2>/dev/null"
	poll 10 ge "xb $1 under ping -f" 100 qstat xdp_b xb "$1"
	ip -n "$2" link del "$3"
	! ip -n "$4" link show "$5" >/dev/null 2>&1 || fail "$5 left after deleting $3"
	kill $pid
	wait $pid || true
	for id in $ids; do wait_until 10 prog_gone "$id"; done
}
# either end deleted while programs are attached and traffic flows; the programs are freed
xdp_delete() {
	local kind=$1
	world "$kind"
	xdp_attach xdp_a xa xdp_pass
	xdp_attach xdp_b xb xdp_drop
	flood_delete rx_queue_0_xdp_drops xdp_b xb xdp_a xa

	# the other end, the sender, deleted
	pair "$kind" xa xdp_a xb xdp_b
	ip -n xdp_a addr add 10.9.0.1/24 dev xa
	ip -n xdp_b addr add 10.9.0.2/24 dev xb
	ip -n xdp_a link set xa up
	ip -n xdp_b link set xb up
	wait_link xa -n xdp_a "state UP"
	wait_link xb -n xdp_b "state UP"
	xdp_attach xdp_a xa xdp_pass
	xdp_attach xdp_b xb xdp_pass
	flood_delete rx_queue_0_xdp_packets xdp_a xa xdp_b xb
}

# the target of a redirect deleted while frames are redirected to it: the device map lets it go,
# the frames that follow find no target (dropped, counted on xb)
xdp_redirect_target_deleted() {
	local kind=$1 ids pid id frame d0
	redirect_world "$kind" "$kind"
	fill_tx_port "" xc
	ids="$(xdp_prog_id "" xb) $(xdp_prog_id xdp_d xd)"
	frame=$(udp_frame "$(mac_of xdp_a xa)" "$(mac_of xdp_d xd)")
	ip netns exec xdp_a vnet-pkt flood xa "$frame" 120 >/tmp/xdp-flood.out 2>&1 &
	pid=$!
	defer "kill $pid 2>/dev/null; rm -f /tmp/xdp-flood.out"
	poll 20 ge "xd rx_queue_0_xdp_packets under the flood" 100 qstat xdp_d xd rx_queue_0_xdp_packets
	ip link del xc
	! ip -n xdp_d link show xd >/dev/null 2>&1 || fail "xd left after deleting xc"
	wait_until 5 sh -c "bpftool map dump pinned $TX_PORT | grep -q 'Found 0 elements'"
	d0=$(qstat "" xb rx_queue_0_xdp_drops)
	poll 10 ge "xb rx_queue_0_xdp_drops with no target" $((d0 + 1)) qstat "" xb rx_queue_0_xdp_drops
	ip link del xb
	wait $pid || fail "vnet-pkt flood: $(cat /tmp/xdp-flood.out)"
	note "vnet-pkt flood: $(cat /tmp/xdp-flood.out)"
	for id in $ids; do wait_until 10 prog_gone "$id"; done
}

# attach, replace and detach in a loop while a flood ping runs, with GRO off then on
xdp_attach_loop() {
	world "$1"
	ip netns exec xdp_a ping -f -W 1 10.9.0.2 >/dev/null 2>&1 &
	local pid=$! i p0 gro other
	defer "kill $pid 2>/dev/null"
	poll 10 ge "xb rx_packets under ping -f" 100 in_ns xdp_b cat /sys/class/net/xb/statistics/rx_packets
	p0=$(qstat xdp_b xb rx_queue_0_xdp_packets)
	for ((i = 0; i < 20; i++)); do
		if [ $i -lt 10 ]; then gro=off other=on; else gro=on other=off; fi
		ip netns exec xdp_b ethtool -K xb gro $gro
		xdp_attach xdp_b xb xdp_pass
		[ $((i % 2)) -eq 0 ] || xdp_attach xdp_a xa xdp_pass
		xdp_replace xdp_b xb xdp_drop
		xdp_replace xdp_b xb xdp_pass
		if [ $((i % 5)) -eq 3 ]; then
			# GRO flipped under the program
			ip netns exec xdp_b ethtool -K xb gro $other
			ip netns exec xdp_b ethtool -K xb gro $gro
		fi
		xdp_detach xdp_b xb
		[ $((i % 2)) -eq 0 ] || xdp_detach xdp_a xa
	done
	kill $pid
	wait $pid || true
	check_ge "frames through xb's programs during the loop" $((p0 + 1)) "$(qstat xdp_b xb rx_queue_0_xdp_packets)"
	check_eq "program on xb after the loop" "" "$(xdp_prog_id xdp_b xb)"
	check_contains "ping without a program" "$(ip netns exec xdp_a ping -c 3 -i 0.2 -W 2 10.9.0.2)" "3 received"
	xdp_attach xdp_b xb xdp_pass
	check_contains "ping with xdp_pass" "$(ip netns exec xdp_a ping -c 3 -i 0.2 -W 2 10.9.0.2)" "3 received"
}

# ethtool -L under a flood ping through xb's program: xa's transmit queues 4, 3, 2, 1 and back; on
# vpair xb's receive queues too (veth refuses fewer than xa's transmit queues under a program)
xdp_channels_under_traffic() {
	world "$1" numtxqueues 4 numrxqueues 4
	xdp_attach xdp_b xb xdp_pass
	ip netns exec xdp_a ping -f -W 1 10.9.0.2 >/dev/null 2>&1 &
	local pid=$! i n p0
	defer "kill $pid 2>/dev/null"
	poll 10 ge "xb rx_queue_N_xdp_packets under ping -f" 100 qsum xdp_b xb xdp_packets
	for ((i = 0; i < 3; i++)); do
		for n in 3 2 1 2 3 4; do
			ip netns exec xdp_a ethtool -L xa tx $n
			[ "$1" = veth ] || ip netns exec xdp_b ethtool -L xb rx $((5 - n))
			# (ethtool -S shows the queues there are now: counted from here)
			p0=$(qsum xdp_b xb xdp_packets)
			poll 10 ge "frames through xb's program, xa at $n tx queues" $((p0 + 10)) \
				qsum xdp_b xb xdp_packets
		done
	done
	kill $pid
	wait $pid || true
	check_eq "ethtool -l xa after the loop" "4 4 4 4" "$(channels xdp_a xa)"
	[ "$1" = veth ] || check_eq "ethtool -l xb after the loop" "4 4 1 4" "$(channels xdp_b xb)"
	check_eq "xb rx_queue_N_drops" 0 "$(qsum xdp_b xb drops)"
	check_contains "ping after the loop" "$(ip netns exec xdp_a ping -c 3 -i 0.2 -W 2 10.9.0.2)" "3 received"
}

# What a pair's XDP state allocates (the rings of frame pointers, 2 kB for 256 entries; the queues'
# state; a page pool on newer kernels) comes from the larger kmalloc caches: their bytes in use,
# counted after a shrink (see tests/vpair.sh's memory checks). A cycle that leaked one end's ring
# would leave 2 kB behind.
xdp_slab_bytes() {
	slab_shrink 'kmalloc-*'
	awk 'NR > 2 && $1 ~ /^kmalloc-(cg-)?[1248]k$/ { n += $2 * $4 } END { print n + 0 }' /proc/slabinfo
}
xdp_cycles() {
	local kind=$1 i m0 m1= n=25 p
	require_module "$kind"
	# the programs loaded once and pinned (bpftool), attached by ip from the pin: a cycle costs no
	# verifier and no JIT
	for p in xdp_pass xdp_drop; do
		bpftool prog load "/bpf/$p.o" "/sys/fs/bpf/cycles_$p" type xdp
		defer "rm -f /sys/fs/bpf/cycles_$p"
	done
	cycle() {
		ip link add xa type "$kind" peer name xb
		ip link set xa up
		ip link set xb up
		ip link set dev xa xdpdrv pinned /sys/fs/bpf/cycles_xdp_pass
		ip link set dev xb xdpdrv pinned /sys/fs/bpf/cycles_xdp_drop
		ip link del xa
	}
	defer "ip link del xa"
	cycle
	m0=$(xdp_slab_bytes)
	for ((i = 0; i < n; i++)); do cycle; done
	# the last devices are freed after an RCU grace period: poll (10 s) for the caches to settle
	for ((i = 0; i < 100; i++)); do
		m1=$(xdp_slab_bytes)
		[ $((m1 - m0)) -gt $((32 * 1024)) ] || break
		sleep 0.1
	done
	figure "$kind: kmalloc-1k..8k bytes after $n pairs with programs on both ends: $((m1 - m0)) more than before"
	check_le "kmalloc-1k..8k bytes grown over $n cycles" $((32 * 1024)) $((m1 - m0))
}

# --- the tests ------------------------------------------------------------------------------------

test_xdp_counters_veth() { xdp_counters veth; }
test_xdp_counters_vpair() { xdp_counters vpair; }
test_xdp_drop_veth() { xdp_drop veth; }
test_xdp_drop_vpair() { xdp_drop vpair; }
test_xdp_aborted_veth() { xdp_aborted veth; }
test_xdp_aborted_vpair() { xdp_aborted vpair; }
test_xdp_pass_gro_off_on_veth() { xdp_pass veth; }
test_xdp_pass_gro_off_on_vpair() { xdp_pass vpair; }
test_xdp_tx_veth() { xdp_tx veth; }
test_xdp_tx_vpair() { xdp_tx vpair; }
test_xdp_redirect_veth_to_veth() { xdp_redirect veth veth; }
test_xdp_redirect_vpair_to_vpair() { xdp_redirect vpair vpair; }
test_xdp_redirect_vpair_to_veth() { xdp_redirect vpair veth; }
test_xdp_redirect_veth_to_vpair() { xdp_redirect veth vpair; }
test_xdp_redirect_cpumap_veth() { xdp_redirect_cpu veth; }
test_xdp_redirect_cpumap_vpair() { xdp_redirect_cpu vpair; }
test_xdp_mtu_veth() { xdp_mtu veth; }
test_xdp_mtu_vpair() { xdp_mtu vpair; }
test_xdp_multiqueue_veth() { xdp_multiqueue veth; }
test_xdp_multiqueue_vpair() { xdp_multiqueue vpair; }
test_xdp_attach_detach_under_traffic_veth() { xdp_attach_loop veth; }
test_xdp_attach_detach_under_traffic_vpair() { xdp_attach_loop vpair; }
test_xdp_channels_under_traffic_veth() { xdp_channels_under_traffic veth; }
test_xdp_channels_under_traffic_vpair() { xdp_channels_under_traffic vpair; }
test_xdp_delete_under_traffic_veth() { xdp_delete veth; }
test_xdp_delete_under_traffic_vpair() { xdp_delete vpair; }
test_xdp_redirect_target_deleted_veth() { xdp_redirect_target_deleted veth; }
test_xdp_redirect_target_deleted_vpair() { xdp_redirect_target_deleted vpair; }
test_xdp_create_delete_cycles_veth() { xdp_cycles veth; }
test_xdp_create_delete_cycles_vpair() { xdp_cycles vpair; }

# vpair only: the module unloaded with programs attached, a device map holding one of its devices,
# and frames flowing through both
test_xdp_rmmod_vpair() {
	redirect_world vpair vpair
	fill_tx_port "" xc
	xdp_attach xdp_a xa xdp_pass
	local ids frame pid
	ids="$(xdp_prog_id xdp_a xa) $(xdp_prog_id "" xb) $(xdp_prog_id xdp_d xd)"
	frame=$(udp_frame "$(mac_of xdp_a xa)" "$(mac_of xdp_d xd)")
	ip netns exec xdp_a vnet-pkt flood xa "$frame" 120 >/tmp/xdp-flood.out 2>&1 &
	pid=$!
	defer "kill $pid 2>/dev/null; rm -f /tmp/xdp-flood.out"
	poll 20 ge "xd rx_queue_0_xdp_packets under the flood" 100 qstat xdp_d xd rx_queue_0_xdp_packets
	rmmod vpair
	defer modprobe vpair
	check_eq "vpair devices left" 0 "$(ip -o link show type vpair | wc -l)"
	check_eq "vpair devices left in xdp_a" 0 "$(ip -n xdp_a -o link show type vpair | wc -l)"
	check_eq "vpair devices left in xdp_d" 0 "$(ip -n xdp_d -o link show type vpair | wc -l)"
	wait $pid || fail "vnet-pkt flood: $(cat /tmp/xdp-flood.out)"
	note "vnet-pkt flood: $(cat /tmp/xdp-flood.out)"
	check_contains "the device map" "$(bpftool map dump pinned "$TX_PORT")" "Found 0 elements"
	for id in $ids; do wait_until 10 prog_gone "$id"; done
	# and back: a pair with a program again
	modprobe vpair
	pair vpair xe "" xf ""
	xdp_attach "" xf xdp_pass
}

ktap_main "$@"
