#!/bin/bash
# storm: teardown storms. For each driver, loops that create, delete, move to a namespace, destroy
# the namespace, enslave, release and unload the module, all at once and while frames flood the
# devices (nlfuzz -F: raw frames on every device that is up, half of them past the qdisc) and pings
# cross them; the last test adds the fuzzer. Bounded in time; each test prints how many operations
# each loop did and ends with the leak checks: no device or namespace left, the device count as
# before, the modules' reference counts at 0, the slab back within bounds, every module unloads.
. "$(dirname "$0")/lib.sh"

require_module vnet
require_module vpair
require_module vswitch

# the debug kernel runs about ten times slower: the same loops, longer, fewer rounds each
if [ "${VDEV_KERNEL:-production}" = debug ]; then
	mul=3
else
	mul=1
fi
secs() { echo $(($1 * mul)); }
STORM=/tmp/storm	# one file per loop: a line "operations refused" per round

# Every loop runs `ip -force -batch -` on a round of commands from its generator, until its deadline;
# an operation is a batch line, refused when ip says `Command failed`.
# loop NAME SECONDS GENERATOR [ARGS...]  (GENERATOR ROUND ARGS... prints a round's commands)
loop() {
	local name=$1 until=$(($(date +%s) + $2)) gen=$3 round=0 cmds n bad
	shift 3
	while [ "$(date +%s)" -lt "$until" ]; do
		cmds=$($gen $round "$@")
		n=$(printf '%s\n' "$cmds" | grep -c .)
		bad=$(printf '%s\n' "$cmds" | ip -force -batch - 2>&1 >/dev/null | grep -c 'Command failed' || true)
		echo "$n $bad" >>"$STORM/$name"
		round=$((round + 1))
	done
}

# unload LOOPNAME SECONDS MODULE...: rmmod and modprobe, in turn, under everything else
unload() {
	local name=$1 until=$(($(date +%s) + $2)) m n bad
	shift 2
	while [ "$(date +%s)" -lt "$until" ]; do
		n=0 bad=0
		for m in "$@"; do
			rmmod "$m" 2>/dev/null || bad=$((bad + 1))
			modprobe "$m" || bad=$((bad + 1))
			n=$((n + 2))
		done
		echo "$n $bad" >>"$STORM/$name"
		sleep 1
	done
}

# ping flood through DEV (in namespace NS, or - for this one) to ADDR, again and again until the deadline
pings() {
	local until=$(($(date +%s) + $1)) ns=$2 dev=$3 addr=$4
	while [ "$(date +%s)" -lt "$until" ]; do
		if [ "$ns" = - ]; then
			ping -f -q -c 500 -w 1 -I "$dev" "$addr" || sleep 0.2
		else
			ip netns exec "$ns" ping -f -q -c 500 -w 1 "$addr" || sleep 0.2
		fi
	done >/dev/null 2>&1
}

# The world before the storm, to compare with after it.
slab_kb() { awk 'NR > 2 { n += $2 * $4 } END { printf "%d\n", n / 1024 }' /proc/slabinfo; }
storm_begin() {
	rm -rf "$STORM"
	mkdir -p "$STORM"
	links0=$(ip -o link show | wc -l)
	slab0=$(slab_kb)
	t0=$(date +%s)
	pids=()
	defer "storm_cleanup"
}

# after a storm: everything of the storm's deleted (the loops and the unloads may have left anything)
storm_cleanup() {
	local d n
	for n in $(ls /run/netns 2>/dev/null | grep '^fzs'); do ip netns del "$n"; done
	for d in $(ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep '^fzs'); do
		ip link del "$d" 2>/dev/null
	done
	modprobe vnet
	modprobe vpair
	modprobe vswitch
}

no_storm_left() { ! ip -o link show | grep -q ': fzs' && ! ls /run/netns 2>/dev/null | grep -q '^fzs'; }
slab_settled() { [ $(($(slab_kb) - slab0)) -le $((slab_limit)) ]; }

# wait for the loops, print their figures, then the leak checks
storm_end() {
	local what=$1 f n bad total=0 totbad=0 secs m
	for f in "${pids[@]}"; do wait "$f"; done
	secs=$(($(date +%s) - t0))
	for f in "$STORM"/*; do
		read -r n bad < <(awk '{ n += $1; b += $2 } END { print n + 0, b + 0 }' "$f")
		figure "$what: $(basename "$f"): $n operations, $bad refused"
		total=$((total + n))
		totbad=$((totbad + bad))
	done
	echo "$total" >>/tmp/storm-operations
	figure "$what: $total operations in ${secs}s ($((total / (secs > 0 ? secs : 1)))/s), $totbad refused"
	storm_cleanup
	wait_until 20 no_storm_left
	check_eq "$what: devices after the storm" "$links0" "$(ip -o link show | wc -l)"
	for m in vnet vpair vswitch; do
		check_eq "$what: $m refcnt" 0 "$(cat /sys/module/$m/refcnt)"
	done
	# what the storm freed goes back after RCU grace periods and the namespaces' cleanup work
	slab_limit=4096
	wait_until 30 slab_settled
	figure "$what: slab $slab0 kB before, $(slab_kb) kB after"
	for m in vswitch vpair vnet; do
		rmmod $m || fail "$what: rmmod $m after the storm"
	done
	modprobe vnet
	modprobe vpair
	modprobe vswitch
}

flood() { nlfuzz -F -p fzs -t "$1" >/tmp/storm-flood; }
flood_figure() { figure "$1: $(cat /tmp/storm-flood 2>/dev/null)"; rm -f /tmp/storm-flood; }

# vnet ---------------------------------------------------------------------------------------------

# ten devices made, up, addressed, deleted
vnet_churn() {
	local i
	for i in 0 1 2 3 4 5 6 7 8 9; do
		echo "link add fzsv$i type vnet"
		echo "link set fzsv$i up"
		echo "addr add 10.81.$i.1/24 dev fzsv$i"
	done
	for i in 0 1 2 3 4 5 6 7 8 9; do echo "link del fzsv$i"; done
}
# five devices made, up, moved to a new namespace, which is destroyed with them
vnet_netns() {
	local i
	echo "netns add fzsn$1"
	for i in 10 11 12 13 14; do
		echo "link add fzsv$i type vnet"
		echo "link set fzsv$i up"
		echo "link set fzsv$i netns fzsn$1"
	done
	echo "netns del fzsn$1"
}
# five devices made, enslaved to a switch, released, enslaved again, deleted as ports
vnet_ports() {
	local i
	echo "link add fzsw$1 type vswitch"
	echo "link set fzsw$1 up"
	for i in 20 21 22 23 24; do
		echo "link add fzsv$i type vnet"
		echo "link set fzsv$i up master fzsw$1"
		echo "link set fzsv$i nomaster"
		echo "link set fzsv$i master fzsw$1"
	done
	for i in 20 21 22; do echo "link del fzsv$i"; done
	echo "link del fzsw$1"
	for i in 23 24; do echo "link del fzsv$i"; done
}

test_storm_vnet() {
	local t
	t=$(secs 30)
	storm_begin
	flood "$t" &
	pids+=($!)
	pings "$t" - fzsv0 10.81.0.2 &
	pids+=($!)
	loop churn "$t" vnet_churn &
	pids+=($!)
	loop netns "$t" vnet_netns &
	pids+=($!)
	loop ports "$t" vnet_ports &
	pids+=($!)
	unload rmmod "$t" vnet &
	pids+=($!)
	storm_end vnet
	flood_figure vnet
}

# vpair --------------------------------------------------------------------------------------------

# ten pairs made, both ends up, deleted by one end or the other
vpair_churn() {
	local i
	for i in 0 1 2 3 4 5 6 7 8 9; do
		echo "link add fzsp$i type vpair peer name fzsq$i"
		echo "link set fzsp$i up"
		echo "link set fzsq$i up"
	done
	for i in 0 2 4 6 8; do echo "link del fzsp$i"; done
	for i in 1 3 5 7 9; do echo "link del fzsq$i"; done
}
# pairs with their peer made in a namespace, ends moved to another, the namespaces destroyed
vpair_netns() {
	local i
	echo "netns add fzsn$1"
	echo "netns add fzso$1"
	for i in 10 11 12 13 14; do
		echo "link add fzsp$i type vpair peer name fzsq$i netns fzsn$1"
		echo "link set fzsp$i up"
	done
	for i in 10 11; do echo "link set fzsp$i netns fzso$1"; done
	echo "netns del fzsn$1"
	echo "netns del fzso$1"
}
# one pair with GRO on (the NAPI ring), moved into a namespace and back, then deleted
vpair_gro() {
	local n=fzsg$1
	ip netns add $n
	ip link add fzsp20 type vpair peer name fzsq20
	ethtool -K fzsq20 gro on
	ethtool -K fzsp20 gro on
	ip link set fzsp20 up
	ip link set fzsq20 up
	ip link set fzsq20 netns $n
	ip -n $n link set fzsq20 up
	ip -n $n link set fzsq20 netns 1
	ethtool -K fzsq20 gro off
	ip netns del $n
	ip link del fzsq20
}
gro_loop() {
	local until=$(($(date +%s) + $1)) r=0 bad
	while [ "$(date +%s)" -lt "$until" ]; do
		bad=$(vpair_gro $r 2>&1 | grep -c . || true)
		echo "12 $bad" >>"$STORM/gro"
		r=$((r + 1))
	done
}

test_storm_vpair() {
	local t
	t=$(secs 30)
	storm_begin
	flood "$t" &
	pids+=($!)
	loop churn "$t" vpair_churn &
	pids+=($!)
	loop netns "$t" vpair_netns &
	pids+=($!)
	gro_loop "$t" &
	pids+=($!)
	unload rmmod "$t" vpair &
	pids+=($!)
	storm_end vpair
	flood_figure vpair
}

# vswitch ------------------------------------------------------------------------------------------

# two switches, ports (vpair ends, vnets) moved between them and released, then deleted in the
# order that hurts: the switch with its ports still attached
vswitch_master() {
	local i r=$1
	echo "link add fzsw0 type vswitch"
	echo "link add fzsw1 type vswitch"
	echo "link set fzsw0 up"
	echo "link set fzsw1 up"
	for i in 0 1 2 3; do
		echo "link add fzsp$i type vpair peer name fzsq$i"
		echo "link set fzsp$i up master fzsw$((i % 2))"
		echo "link set fzsq$i up master fzsw$(((i + 1) % 2))"
	done
	echo "link add fzsv0 type vnet"
	echo "link set fzsv0 up master fzsw0"
	for i in 0 1 2 3; do
		echo "link set fzsp$i master fzsw$(((i + r) % 2))"
		echo "link set fzsq$i nomaster"
		echo "link set fzsq$i master fzsw$(((i + r + 1) % 2))"
	done
	echo "link del fzsw$((r % 2))"
	echo "link del fzsp0"
	echo "link del fzsw$(((r + 1) % 2))"
	for i in 1 2 3; do echo "link del fzsp$i"; done
	echo "link del fzsv0"
}
# ports whose devices leave: moved to a namespace (which unregisters them here), or deleted with
# the namespace that holds their peer
vswitch_leave() {
	local i
	echo "netns add fzsn$1"
	echo "link add fzsw2 type vswitch"
	echo "link set fzsw2 up"
	for i in 10 11 12 13; do
		echo "link add fzsp$i type vpair peer name fzsq$i netns fzsn$1"
		echo "link set fzsp$i up master fzsw2"
	done
	echo "link add fzsp14 type vpair peer name fzsq14"
	echo "link set fzsp14 up master fzsw2"
	echo "link set fzsq14 up master fzsw2"
	echo "link set fzsp14 netns fzsn$1"
	echo "netns del fzsn$1"
	echo "link del fzsq14"
	echo "link del fzsw2"
}

test_storm_vswitch() {
	local t
	t=$(secs 30)
	storm_begin
	# a switch of its own, with namespaces behind two ports, for a ping flood across it
	netns_add fzsA
	netns_add fzsB
	ip link add fzsw9 type vswitch
	ip link set fzsw9 up
	ip link add fzsa0 type vpair peer name fzsa1 netns fzsA
	ip link add fzsb0 type vpair peer name fzsb1 netns fzsB
	ip link set fzsa0 up master fzsw9
	ip link set fzsb0 up master fzsw9
	ip -n fzsA addr add 10.82.0.1/24 dev fzsa1
	ip -n fzsB addr add 10.82.0.2/24 dev fzsb1
	ip -n fzsA link set fzsa1 up
	ip -n fzsB link set fzsb1 up
	flood "$t" &
	pids+=($!)
	pings "$t" fzsA - 10.82.0.2 &
	pids+=($!)
	loop master "$t" vswitch_master &
	pids+=($!)
	loop leave "$t" vswitch_leave &
	pids+=($!)
	# the switch module goes with its ports attached (and the ping's switch with it: it comes back)
	unload rmmod "$t" vswitch &
	pids+=($!)
	storm_end vswitch
	flood_figure vswitch
}

# all of them, and the fuzzer ------------------------------------------------------------------------

test_storm_all_with_fuzzer() {
	local t out
	t=$(secs 35)
	storm_begin
	# the loops stop a few seconds before the fuzzer, whose cleanup deletes every fz* device
	flood "$t" &
	pids+=($!)
	loop vnet "$((t - 8))" vnet_churn &
	pids+=($!)
	loop vpair "$((t - 8))" vpair_netns &
	pids+=($!)
	loop vswitch "$((t - 8))" vswitch_master &
	pids+=($!)
	unload rmmod "$((t - 8))" vnet vpair vswitch &
	pids+=($!)
	out=$(nlfuzz -j 2 -T -n 1000000 -t "$t" 2>&1) || { printf '%s\n' "$out"; fail "nlfuzz failed"; }
	printf '%s\n' "$out" | sed -n '1,2p' | while IFS= read -r l; do figure "$l"; done
	storm_end "all + fuzzer"
	flood_figure "all + fuzzer"
}

test_storm_operations() {
	local total
	total=$(awk '{ n += $1 } END { print n + 0 }' /tmp/storm-operations 2>/dev/null || echo 0)
	rm -f /tmp/storm-operations
	figure "operations in this file's storms: $total"
	check_ge "storm operations" 1 "$total"
}

ktap_main "$@"
