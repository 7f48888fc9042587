#!/bin/bash
# fuzz: random, boundary and malformed rtnetlink messages for the vnet, vpair and vswitch kinds
# (tests/nlfuzz.c: RTM_NEWLINK/SETLINK/DELLINK/GETLINK from two threads, each with its own sockets,
# namespaces made and destroyed meanwhile, raw frames on every device that is up), then: nothing of
# the fuzzer's left, every module unloads and loads again, the kernel log clean (the harness checks
# it after each test). Each test prints nlfuzz's figures and findings (malformed input accepted, or
# refused without an extack message); `nlfuzz -l` lists the cases, and FUZZ_SEED=N replays a run
# (the seed is the first figure of each test).
. "$(dirname "$0")/lib.sh"

require_module vnet
require_module vpair
require_module vswitch

# The debug kernel (KASAN, lockdep, kmemleak) runs about ten times slower: a tenth of the messages,
# three times the time.
if [ "${VDEV_KERNEL:-production}" = debug ]; then
	div=10 mul=3
else
	div=1 mul=1
fi
msgs() { echo $(($1 / div)); }
secs() { echo $(($1 * mul)); }
SEED=${FUZZ_SEED:-$(date +%s)}
TOTAL=/tmp/fuzz-messages	# each test adds its count; the last test prints the sum

# Malformed input the drivers (or the core's policies on their behalf) refuse with a message: a
# run where one of these is accepted, or refused without a message, fails.
REFUSED=data/vswitch/ageing-low,data/vswitch/ageing-high,data/vswitch/ageing-short
REFUSED+=,data/vswitch/dump-only-attr,change/vswitch/ageing-bad
REFUSED+=,data/vpair/peer-short,data/vpair/peer-name-long,data/vpair/peer-name-bad
REFUSED+=,data/vpair/peer-name-dup,data/vpair/peer-addr-len,data/vpair/peer-addr-bad
REFUSED+=,data/vpair/peer-mtu-range,data/vpair/peer-mtu-len,data/vpair/peer-netns-missing
REFUSED+=,data/vpair/peer-ifindex-negative,data/vpair/peer-queues,data/vpair/peer-gso-size
REFUSED+=,data/vpair/dump-only-attr,data/vpair/peer-netns-both,change/vpair/data,change/vnet/data
REFUSED+=,data/vswitch/ageing-long,data/vswitch/ageing-nested-flag
REFUSED+=,link/mtu-range,link/mtu-len,link/addr-len,link/addr-bad,link/queues,link/name-long
REFUSED+=,link/kind-missing,link/ifindex-negative,link/netns-both,link/link-netnsid

# fuzz ARGS...: nlfuzz with the run's seed; its figures and findings as the test's figures (the
# per-case table only when it fails), its exit status as the test's
fuzz() {
	local out rc=0 sent
	out=$(nlfuzz -s "$SEED" "$@" 2>&1) || rc=$?
	printf '%s\n' "$out" | grep -Ev '^(case |[a-z]+/[^ ]* +[0-9])' | while IFS= read -r l; do figure "$l"; done
	sent=$(printf '%s\n' "$out" | sed -n 's/^messages \([0-9]*\) in .*/\1/p')
	[ -n "$sent" ] && echo "$sent" >>$TOTAL
	if [ $rc -ne 0 ]; then
		printf '%s\n' "$out"
		fail "nlfuzz $* exited with $rc"
	fi
	case $(ip -o link show | awk -F': ' '{ print $2 }') in *fz*) fail "left behind: $(ip -o link show | grep fz)" ;; esac
}

# Traffic through fuzzed devices: a switch fztsw between namespaces fztA and fztB (vpair ports
# fzta0/fztb0), a vnet fztv0, and ping floods through them. The fuzzer sees them (prefix fz) and
# breaks them; a keeper makes them again twice a second until its deadline, a few seconds before
# the fuzzer's end, so that the fuzzer's own cleanup has the last word.
keeper() {
	local until=$1 x ns ip
	set +eE	# a background job: what fails is made again next time
	trap - ERR
	# k CMD...: CMD only before the deadline, checked before each step: under load one round can
	# take longer than the margin before the fuzzer's cleanup, and nothing may be made after it
	k() { [ "$EPOCHSECONDS" -lt "$until" ] && "$@"; }
	# /sys tells what is missing without starting a process (half a second each under TCG)
	while [ "$EPOCHSECONDS" -lt "$until" ]; do
		[ -e /sys/class/net/fztsw ] || k ip link add fztsw type vswitch
		k up fztsw
		for x in a b; do
			ns=fzt${x^^} ip=10.79.0.1
			[ $x = b ] && ip=10.79.0.2
			if [ ! -e /sys/class/net/fzt${x}0 ]; then
				k ip -n $ns link del fzt${x}1
				k ip link add fzt${x}0 type vpair peer name fzt${x}1 netns $ns
				k ip -n $ns addr add $ip/24 dev fzt${x}1
				k ip -n $ns link set fzt${x}1 up
			fi
			[ -e /sys/class/net/fzt${x}0/master ] || k ip link set fzt${x}0 master fztsw
			k up fzt${x}0
		done
		if [ ! -e /sys/class/net/fztv0 ]; then
			k ip link add fztv0 type vnet && k ip addr add 10.80.0.1/24 dev fztv0
		fi
		k up fztv0
		k ip netns exec fztA ping -f -q -c 300 -w 1 10.79.0.2
		k ping -f -q -c 300 -w 1 -I fztv0 10.80.0.2
	done >/dev/null 2>&1
}
# up DEV: set it up unless it is (or is gone)
up() {
	local f
	read -r f <"/sys/class/net/$1/flags" 2>/dev/null || return 0
	((f & 1)) || ip link set "$1" up
}

floods_start() {
	netns_add fztA
	netns_add fztB
	defer "ip link del fztsw; ip link del fzta0; ip link del fztb0; ip link del fztv0"
	keeper $((EPOCHSECONDS + $1)) &
	defer "wait $!"
}

test_fuzz_refusals() {
	rm -f $TOTAL
	# Only malformed messages (and gets), which the kernel refuses before it makes anything: the
	# bulk of the messages, at a few thousand a second.
	local cases=$REFUSED
	cases+=,change/wrong-kind,link/name-bad,link/netns-missing,get/one,get/malformed
	cases+=,get/dump-filtered
	fuzz -j 2 -N 2 -C 2000 -n "$(msgs 100000)" -t "$(secs 60)" -o "$cases" -e "$REFUSED"
}

test_fuzz_mutations() {
	# Valid creates and changes damaged byte by byte past the device name, inside namespaces that
	# are destroyed meanwhile (with whatever a damaged message made there).
	fuzz -j 2 -N 3 -W 100 -n "$(msgs 6000)" -t "$(secs 25)" -o mutate/,get/,del/index
}

test_fuzz_vpair() {
	# Pairs across namespaces: made, moved, renamed, deleted by either end or with a namespace.
	fuzz -j 2 -T -k vpair -n "$(msgs 5000)" -t "$(secs 25)" -e "$REFUSED"
}

test_fuzz_vswitch() {
	# Switches and their ports (vnet, vpair): IFLA_MASTER churn between switches, ageing time,
	# ports moved away or deleted while frames cross.
	fuzz -j 2 -T -k vswitch,vnet,vpair -x data/vpair/,change/vpair/ -n "$(msgs 5000)" \
		-t "$(secs 25)" -e "$REFUSED"
}

test_fuzz_all_with_floods() {
	# Everything at once, with ping floods through a switch and a vnet that the fuzzer breaks too.
	local t
	t=$(secs 35)
	floods_start $((t - 8))
	fuzz -j 2 -T -n 1000000 -t "$t" -e "$REFUSED"
}

test_fuzz_leaves_nothing() {
	local m total
	case $(ip -o link show | awk -F': ' '{ print $2 }') in *fz*) fail "devices left: $(ip -o link show | grep fz)" ;; esac
	case $(ls /run/netns 2>/dev/null) in *fz*) fail "namespaces left: $(ls /run/netns)" ;; esac
	for m in vswitch vpair vnet; do
		check_eq "$m refcnt" 0 "$(cat /sys/module/$m/refcnt)"
		rmmod $m || fail "rmmod $m"
		[ ! -d /sys/module/$m ] || fail "$m still loaded after rmmod"
	done
	for m in vnet vpair vswitch; do
		modprobe $m || fail "modprobe $m"
	done
	ip link show vnet0 >/dev/null || fail "vnet0 not back after modprobe vnet"
	total=$(awk '{ n += $1 } END { print n + 0 }' $TOTAL 2>/dev/null || echo 0)
	rm -f $TOTAL
	figure "messages in this file's tests: $total"
}

ktap_main "$@"
