#!/bin/bash
# storm: teardown storms. For each driver, loops that create, delete, move to a namespace, destroy
# the namespace, enslave, release and unload the module, all at once and while frames flood the
# devices (nlfuzz -F: raw frames on every device that is up) and pings
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

# Each loop feeds rounds of commands from its generator to one `ip -force -batch -` (a process
# costs more than half a second to start under TCG; a batch command, a few milliseconds) until its
# deadline. An operation is a command, refused when ip says `Command failed -:LINE`; the line
# numbers the commands sent (ALL), so a refusal is recorded with its command. A round ends with a
# command that fails on purpose, on a device that does not exist: its message on ip's stderr (not
# buffered, unlike its stdout) says the round is done, so that rounds never pile up in the pipe.
# loop NAME SECONDS GENERATOR [ARGS...]   (GENERATOR ROUND ARGS... sends a round with `c COMMAND`)
send() {
	ALL+=("$1")
	echo "$1" >&"${IPB[1]}"
}
c() {
	send "$*"
	ops=$((ops + 1))
}
# sync_ip TAG: wait until ip has run everything sent so far; its refusals add to $bad, and each
# goes to $STORM/NAME.why as "message <- command" (numbers in the command as N, to group them)
sync_ip() {
	local line marked= msg= cmd
	send "link show dev fzsmark$1"
	while read -r line <&"${IPB[0]}"; do
		case $line in
		*'"fzsmark'$1'"'*) marked=1 ;;
		"Command failed"*)
			[ -n "$marked" ] && return 0
			bad=$((bad + 1))
			cmd=${ALL[${line##*:} - 1]}
			echo "$msg <- ${cmd//[0-9]/N}" >>"$STORM/$name.why"
			msg= ;;
		*) msg=$line last_msg=$line ;;
		esac
	done
	return 1
}
loop() {
	local name=$1 until=$((EPOCHSECONDS + $2)) gen=$3 round=0 rc ippid
	shift 3
	set +eE	# a background job: refusals are counted, not fatal
	trap - ERR
	ALL=()
	coproc IPB { exec ip -force -batch - 2>&1 >/dev/null; }
	ippid=$IPB_PID	# bash unsets IPB_PID when ip ends
	while [ "$EPOCHSECONDS" -lt "$until" ]; do
		ops=0 bad=0
		$gen $round "$@"
		if ! sync_ip $round; then
			# ip exits (status 255 or 1), -force or not, on a name it cannot resolve where
			# it parses one (`master X`, X deleted by an rmmod meanwhile): a refusal, and a
			# new ip. Killed by a signal (a crash, perhaps in our plugin), it is a failure.
			wait "$ippid"
			rc=$?
			if [ $rc -gt 128 ] && [ $rc -ne 255 ]; then
				echo "ip -batch ended with status $rc in round $round, after: ${ALL[-2]}" \
					>>"$STORM/$name.ended"
				echo "$ops $bad" >>"$STORM/$name"
				break
			fi
			echo "ip exited: ${last_msg//[0-9]/N}" >>"$STORM/$name.why"
			bad=$((bad + 1))
			ALL=()
			coproc IPB { exec ip -force -batch - 2>&1 >/dev/null; }
			ippid=$IPB_PID
		fi
		echo "$ops $bad" >>"$STORM/$name"
		round=$((round + 1))
	done
	eval "exec ${IPB[1]}>&-"
	wait
}

# unload LOOPNAME SECONDS MODULE...: rmmod and modprobe, in turn, under everything else; then
# $after, if set (what the test needs back)
unload() {
	local name=$1 until=$((EPOCHSECONDS + $2)) m n bad
	shift 2
	set +eE
	trap - ERR
	while [ "$EPOCHSECONDS" -lt "$until" ]; do
		n=0 bad=0
		for m in "$@"; do
			rmmod "$m" 2>/dev/null || bad=$((bad + 1))
			modprobe "$m" || bad=$((bad + 1))
			n=$((n + 2))
		done
		[ -z "${after:-}" ] || $after
		echo "$n $bad" >>"$STORM/$name"
		sleep 3
	done
}

# pings (200 a second) through DEV (in namespace NS, or - for this one; DEV - for the route's) to
# ADDR, again and again until the deadline
pings() {
	local until=$((EPOCHSECONDS + $1)) ns=$2 dev=$3 addr=$4 via=()
	[ "$dev" = - ] || via=(-I "$dev")
	set +eE
	trap - ERR
	while [ "$EPOCHSECONDS" -lt "$until" ]; do
		if [ "$ns" = - ]; then
			ping -q -i 0.005 -c 200 -w 1 "${via[@]}" "$addr" || sleep 0.2
		else
			ip netns exec "$ns" ping -q -i 0.005 -c 200 -w 1 "$addr" || sleep 0.2
		fi
	done >/dev/null 2>&1
}

# The world before the storm, to compare with after it.
slab_kb() {
	slab_shrink
	awk 'NR > 2 { n += $2 * $4 } END { printf "%d\n", n / 1024 }' /proc/slabinfo
}
storm_begin() {
	rm -rf "$STORM"
	mkdir -p "$STORM"
	links0=$(ip -o link show | wc -l)
	slab0=$(slab_kb)
	t0=$EPOCHSECONDS
	pids=()
	defer "storm_cleanup"
}

# after a storm: everything of the storm's deleted (the loops and the unloads may have left anything)
storm_cleanup() {
	local n
	for n in /run/netns/fzs*; do
		[ -e "$n" ] && ip netns del "${n##*/}"
	done
	ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2) } $2 ~ /^fzs/ { print "link del " $2 }' |
		ip -force -batch - >/dev/null 2>&1 || true
	modprobe vnet && modprobe vpair && modprobe vswitch
}

# (no `cmd | grep -q` under pipefail: grep leaving early can fail the writer with SIGPIPE)
no_storm_left() {
	! grep -q ': fzs' <<<"$(ip -o link show)" && ! grep -q '^fzs' <<<"$(ls /run/netns 2>/dev/null)"
}
slab_settled() { [ $(($(slab_kb) - slab0)) -le $((slab_limit)) ]; }

# wait for the loops, print their figures, then the leak checks
storm_end() {
	local what=$1 f n bad total=0 totbad=0 secs m t1 ended=
	for f in "${pids[@]}"; do wait "$f" || true; done
	secs=$((EPOCHSECONDS - t0))
	t1=$EPOCHSECONDS
	for f in "$STORM"/*; do
		case $f in *.why | *.ended) continue ;; esac
		read -r n bad <<<"$(awk '{ n += $1; b += $2 } END { print n + 0, b + 0 }' "$f")"
		figure "$what: $(basename "$f"): $n operations, $bad refused"
		if [ -s "$f.why" ]; then
			sort "$f.why" | uniq -c | sort -rn | head -n 5 |
				while read -r n l; do figure "    $n × $l"; done
		fi
		if [ -s "$f.ended" ]; then
			figure "    $(cat "$f.ended")"
			ended+=" $(basename "$f")"
		fi
		total=$((total + n))
		totbad=$((totbad + bad))
	done
	echo "loops $total" >>/tmp/storm-operations
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
	figure "$what: slab $slab0 kB before, $(slab_kb) kB after; cleanup and checks $((EPOCHSECONDS - t1))s"
	[ -z "$ended" ] || fail "$what: ip -batch ended before its deadline in:$ended"
	for m in vswitch vpair vnet; do
		rmmod $m || fail "$what: rmmod $m after the storm"
	done
	modprobe vnet
	modprobe vpair
	modprobe vswitch
}

flood() { nlfuzz -F -R 400 -p fzs -t "$1" >/tmp/storm-flood || true; }
flood_figure() { figure "$1: $(cat /tmp/storm-flood 2>/dev/null)"; rm -f /tmp/storm-flood; }

# vnet ---------------------------------------------------------------------------------------------

# Names are new in every round: ip -batch remembers the index of every name it resolved, and a
# device deleted behind its back (by an rmmod, a namespace's end) would leave it a stale one.

# ten devices made, up, addressed, changed (MTU, MAC, down and up), deleted
vnet_churn() {
	local i x r=$1
	for i in 0 1 2 3 4 5 6 7 8 9; do
		printf -v x '%02x' $(((r * 10 + i) % 256))
		c "link add fzsv$r.$i type vnet"
		c "link set fzsv$r.$i up"
		c "addr add 10.81.$i.1/24 dev fzsv$r.$i"
		c "link set fzsv$r.$i mtu $((1280 + i * 700))"
		c "link set fzsv$r.$i address 02:00:00:81:$x:01"
		c "link set fzsv$r.$i down"
		c "link set fzsv$r.$i up"
	done
	for i in 0 1 2 3 4 5 6 7 8 9; do c "link del fzsv$r.$i"; done
}
# five devices made, up, moved to a new namespace, which is destroyed with them
vnet_netns() {
	local i r=$1
	c "netns add fzsn$r"
	for i in 0 1 2 3 4; do
		c "link add fzsx$r.$i type vnet"
		c "link set fzsx$r.$i up"
		c "link set fzsx$r.$i netns fzsn$r"
	done
	c "netns del fzsn$r"
}
# five devices made, enslaved to a switch, released, enslaved again, deleted as ports
vnet_ports() {
	local i r=$1
	c "link add fzsw$r type vswitch"
	c "link set fzsw$r up"
	for i in 0 1 2 3 4; do
		c "link add fzsy$r.$i type vnet"
		c "link set fzsy$r.$i up master fzsw$r"
		c "link set fzsy$r.$i nomaster"
		c "link set fzsy$r.$i master fzsw$r"
	done
	for i in 0 1 2; do c "link del fzsy$r.$i"; done
	c "link del fzsw$r"
	for i in 3 4; do c "link del fzsy$r.$i"; done
}

test_storm_vnet() {
	rm -f /tmp/storm-operations
	local t
	t=$(secs 40)
	storm_begin
	flood "$t" &
	pids+=($!)
	# through whichever device of the churn has 10.81.0.1/24 at the time
	pings "$t" - - 10.81.0.2 &
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
	local i r=$1
	for i in 0 1 2 3 4 5 6 7 8 9; do
		c "link add fzsp$r.$i type vpair peer name fzsq$r.$i"
		c "link set fzsp$r.$i up"
		c "link set fzsq$r.$i up"
		c "link set fzsq$r.$i mtu $((1280 + i * 700))"
		c "addr add 10.83.$i.1/24 dev fzsp$r.$i"
		c "link set fzsp$r.$i down"
		c "link set fzsp$r.$i up"
	done
	for i in 0 2 4 6 8; do c "link del fzsp$r.$i"; done
	for i in 1 3 5 7 9; do c "link del fzsq$r.$i"; done
}
# pairs with their peer made in a namespace, ends moved to another, the namespaces destroyed
vpair_netns() {
	local i r=$1
	c "netns add fzsn$r"
	c "netns add fzso$r"
	for i in 0 1 2 3 4; do
		c "link add fzse$r.$i type vpair peer name fzsf$r.$i netns fzsn$r"
		c "link set fzse$r.$i up"
	done
	for i in 0 1; do c "link set fzse$r.$i netns fzso$r"; done
	c "netns del fzsn$r"
	c "netns del fzso$r"
}
# three pairs with GRO on (the NAPI ring) while frames arrive: one end moved into a namespace that
# is destroyed, one pair deleted by the other end, one by the GRO end
vpair_gro() {
	local r=$1 i
	for i in 0 1 2; do
		c "link add fzsg$r.$i type vpair peer name fzsh$r.$i"
		c "link set fzsg$r.$i up"
		c "link set fzsh$r.$i up"
	done
	sync_ip "$r.a"
	for i in 0 1 2; do
		ops=$((ops + 1))
		ethtool -K fzsh$r.$i gro on >/dev/null 2>&1 || bad=$((bad + 1))
	done
	c "netns add fzsg$r"
	c "link set fzsh$r.0 netns fzsg$r"
	c "link del fzsg$r.1"
	c "netns del fzsg$r"
	c "link del fzsh$r.2"
}

test_storm_vpair() {
	local t
	t=$(secs 40)
	storm_begin
	flood "$t" &
	pids+=($!)
	loop churn "$t" vpair_churn &
	pids+=($!)
	loop netns "$t" vpair_netns &
	pids+=($!)
	loop gro "$t" vpair_gro &
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
	local i r=$1 a=fzsw$1.0 b=fzsw$1.1
	c "link add $a type vswitch"
	c "link add $b type vswitch"
	c "link set $a up"
	c "link set $b up"
	for i in 0 1 2 3; do
		c "link add fzsc$r.$i type vpair peer name fzsd$r.$i"
		c "link set fzsc$r.$i up master fzsw$r.$((i % 2))"
		c "link set fzsd$r.$i up master fzsw$r.$(((i + 1) % 2))"
	done
	c "link add fzsu$r type vnet"
	c "link set fzsu$r up master $a"
	for i in 0 1 2 3; do
		c "link set fzsc$r.$i master fzsw$r.$(((i + r) % 2))"
		c "link set fzsd$r.$i nomaster"
		c "link set fzsd$r.$i master fzsw$r.$(((i + r + 1) % 2))"
		# a port's MTU, which its switch follows (unless the switch's was set)
		c "link set fzsc$r.$i mtu $((1280 + (i + r) % 4 * 1000))"
		c "link set fzsd$r.$i down"
		c "link set fzsd$r.$i up"
	done
	c "link set fzsw$r.$((r % 2)) mtu 1400"
	c "link del fzsw$r.$((r % 2))"
	c "link del fzsc$r.0"
	c "link del fzsw$r.$(((r + 1) % 2))"
	for i in 1 2 3; do c "link del fzsc$r.$i"; done
	c "link del fzsu$r"
}
# ports whose devices leave: moved to a namespace (which unregisters them here), or deleted with
# the namespace that holds their peer
vswitch_leave() {
	local i r=$1
	c "netns add fzsn$r"
	c "link add fzsw$r.2 type vswitch"
	c "link set fzsw$r.2 up"
	for i in 0 1 2 3; do
		c "link add fzsl$r.$i type vpair peer name fzsm$r.$i netns fzsn$r"
		c "link set fzsl$r.$i up master fzsw$r.2"
	done
	c "link add fzsl$r.4 type vpair peer name fzsm$r.4"
	c "link set fzsl$r.4 up master fzsw$r.2"
	c "link set fzsm$r.4 up master fzsw$r.2"
	c "link set fzsl$r.4 netns fzsn$r"
	c "netns del fzsn$r"
	c "link del fzsm$r.4"
	c "link del fzsw$r.2"
}

ping_switch() {
	printf '%s\n' "link add fzsw9 type vswitch" "link set fzsw9 up" "link set fzsa0 up master fzsw9" \
		"link set fzsb0 up master fzsw9" | ip -batch -
}

test_storm_vswitch() {
	local t
	t=$(secs 40)
	storm_begin
	# a switch of its own, with namespaces behind two ports, for a ping flood across it
	netns_add fzsA
	netns_add fzsB
	ip link add fzsa0 type vpair peer name fzsa1 netns fzsA
	ip link add fzsb0 type vpair peer name fzsb1 netns fzsB
	ping_switch
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
	after=ping_switch unload rmmod "$t" vswitch &
	pids+=($!)
	storm_end vswitch
	flood_figure vswitch
}

# all of them, and the fuzzer ------------------------------------------------------------------------

test_storm_all_with_fuzzer() {
	local t out
	t=$(secs 45)
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
	printf '%s\n' "$out" | sed -n '1,3p' | while IFS= read -r l; do figure "$l"; done
	printf '%s\n' "$out" | sed -n 's/^messages \([0-9]*\) in .*/fuzzer \1/p' >>/tmp/storm-operations
	storm_end "all + fuzzer"
	flood_figure "all + fuzzer"
}

test_storm_operations() {
	local loops fuzzer extra=0 out
	loops=$(awk '$1 == "loops" { n += $2 } END { print n + 0 }' /tmp/storm-operations 2>/dev/null || echo 0)
	fuzzer=$(awk '$1 == "fuzzer" { n += $2 } END { print n + 0 }' /tmp/storm-operations 2>/dev/null || echo 0)
	rm -f /tmp/storm-operations
	# The storms are bounded in time, so a machine loaded by other work does fewer operations in
	# them: on the production kernel the rest up to ten thousand is done here, by the fuzzer with
	# traffic (bounded too: a suite that cannot reach the count within it fails).
	if [ "${VDEV_KERNEL:-production}" != debug ] && [ $((loops + fuzzer)) -lt 10000 ]; then
		out=$(nlfuzz -j 2 -T -n $((10000 - loops - fuzzer)) -t 120 2>&1) ||
			{ printf '%s\n' "$out"; fail "nlfuzz failed"; }
		extra=$(printf '%s\n' "$out" | sed -n 's/^messages \([0-9]*\) in .*/\1/p')
		figure "topped up: $(printf '%s\n' "$out" | sed -n 2p)"
	fi
	figure "operations in this file's storms: $((loops + fuzzer + extra)) ($loops by the loops," \
		"$fuzzer fuzzer messages, $extra more to reach the count)"
	# at least ten thousand on the production kernel; the debug kernel's are figures (a tenth of
	# the speed, at most three times the time)
	if [ "${VDEV_KERNEL:-production}" = debug ]; then
		check_ge "storm operations (debug kernel)" 1000 "$((loops + fuzzer))"
	else
		check_ge "storm operations" 10000 "$((loops + fuzzer + extra))"
	fi
}

ktap_main "$@"
