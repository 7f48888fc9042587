# shellcheck shell=bash
# KTAP helpers for the guest tests. A test file defines functions named test_* and ends with
# `ktap_main "$@"`. Every test runs in its own bash process with `set -eE -o pipefail`: a command that
# fails unexpectedly fails the test and says where. The harness checks after each test that it left no
# namespace or device behind and that the kernel log stayed clean.
#
# In a test:  fail MSG | skip MSG | check_eq WHAT EXPECTED GOT | check_ge WHAT MIN GOT
#             check_fail WHAT [--msg SUBSTRING] CMD...  (CMD must fail, and say SUBSTRING)
#             defer CMD...   (cleanup, run in reverse order when the test ends, pass or fail)
#             netns_add NAME   devstat DEV FIELD   estat DEV NAME   wait_until SECONDS CMD...
#             wait_link DEV [-n NS] SUBSTRING...  (link state that linkwatch sets asynchronously)
#             figure TEXT  (a line of measured figures, shown in the output even when the test passes)

KSFT_SKIP=4
TEST_TIMEOUT=${TEST_TIMEOUT:-180}
KLOG_BAD='WARNING:|BUG:|Oops|refcount_t|unregister_netdevice: waiting|KASAN|UBSAN|ODEBUG|list_del corruption|general protection fault|Call Trace|detected stall|blocked for more than|soft lockup'

fail() { echo "FAIL: $*"; exit 1; }
figure() { echo "#| $*"; }
skip() { echo "SKIP: $*"; exit $KSFT_SKIP; }
note() { echo "# $*"; }

check_eq() { [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"; }
check_ge() { [ "$3" -ge "$2" ] 2>/dev/null || fail "$1: expected at least $2, got '$3'"; }
check_le() { [ "$3" -le "$2" ] 2>/dev/null || fail "$1: expected at most $2, got '$3'"; }
check_contains() { case $2 in *"$3"*) ;; *) fail "$1: '$3' not in: $2" ;; esac; }

check_fail() {
	local what=$1 want= out
	shift
	if [ "$1" = --msg ]; then want=$2; shift 2; fi
	if out=$("$@" 2>&1); then
		fail "$what: '$*' succeeded but should have failed: $out"
	fi
	[ -z "$want" ] || check_contains "$what: error message" "$out" "$want"
	echo "# $what: refused as expected: $out"
}

_deferred=()
defer() { _deferred+=("$*"); }
_run_deferred() {
	local i
	set +e
	trap - ERR   # a cleanup that finds its object already gone is not a failure
	for ((i = ${#_deferred[@]} - 1; i >= 0; i--)); do
		eval "${_deferred[i]}" >/dev/null 2>&1
	done
}

netns_add() {
	ip netns add "$1"
	defer "ip netns del $1"
	ip -n "$1" link set lo up
}

devstat() { cat "/sys/class/net/$1/statistics/$2"; }

# slab_shrink [CACHE]: give the slab back what it holds freed (every cache without CACHE). Freed
# objects wait in per-CPU slabs, and on a KASAN kernel in its quarantine (up to 1/32 of memory),
# before /proc/slabinfo counts them free: a leak check reads the counts after this, on any kernel.
slab_shrink() {
	local f
	for f in /sys/kernel/slab/${1:-*}/shrink; do
		echo 1 2>/dev/null >"$f" || true
	done
}
# one ethtool -S counter by name
estat() {
	ethtool -S "$1" | awk -v n="$2" -F': *' '{ gsub(/^ +/, "", $1) } $1 == n { print $2; f = 1 } END { exit !f }' ||
		fail "ethtool -S $1 has no counter $2"
}

wait_until() {
	local limit=$1 i
	shift
	for ((i = 0; i < limit * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "timed out after ${limit}s waiting for: $*"
}

# poll SECONDS eq|ge WHAT VALUE CMD...: poll until the number CMD prints equals VALUE (is at least
# VALUE); fail saying what it printed last. CMD runs anew each time: counters move asynchronously (a
# driver adds a NAPI poll's counts when the poll ends, after the frames' effects may have been seen).
poll() {
	local secs=$1 op=$2 what=$3 want=$4 got= i
	shift 4
	for ((i = 0; i < secs * 10; i++)); do
		got=$("$@" 2>/dev/null) && [ "$got" -"$op" "$want" ] 2>/dev/null && return 0
		sleep 0.1
	done
	[ "$op" = eq ] || want="at least $want"
	fail "$what: expected $want, got '$got' (waited ${secs}s)"
}
# wait_link DEV [ip -n NS] SUBSTRING...: poll (5 s) until `ip link show DEV` shows every SUBSTRING; the
# operational state behind NO-CARRIER / LOWER_UP / state is set by linkwatch, after the command returns
wait_link() {
	local dev=$1 out i w ok
	shift
	local ipc=(ip)
	if [ "$1" = -n ]; then ipc=(ip -n "$2"); shift 2; fi
	for ((i = 0; i < 50; i++)); do
		out=$("${ipc[@]}" link show "$dev" 2>&1) || true
		ok=1
		for w in "$@"; do
			case $out in *"$w"*) ;; *) ok= ;; esac
		done
		[ -n "$ok" ] && return 0
		sleep 0.1
	done
	fail "$dev: waited 5s for '$*' in: $out"
}

require_module() { modprobe "$@" || skip "module $1 cannot be loaded"; }

# klog_mark NAME puts a line in the kernel log; klog_since NAME prints what came after it (a count
# of lines would not do: once the ring is full, old lines go as new ones come). NAME must be unique
# in the run (the harness's has the file, the test's number and name, and its own PID): the mark is
# matched whole and the last one counts.
klog_mark() { echo "klog-mark: $1 ." >/dev/kmsg; }
klog_since() {
	dmesg | awk -v m="klog-mark: $1 ." '
		{ line[NR] = $0; n = length($0) }
		n >= length(m) && substr($0, n - length(m) + 1) == m { last = NR }
		END { if (last) for (i = last + 1; i <= NR; i++) print line[i] }'
}

# klog_excerpt LOG: what to show of a kernel log with a report in it. Its first report with the
# lines that say what it is (an RCU stall's or a hung task's heading comes before its Call Trace),
# then the log's end: a report repeated for minutes would otherwise leave only its last trace.
klog_excerpt() {
	printf '%s\n' "$1" | awk -v bad="$KLOG_BAD" '
		{ line[NR] = $0 }
		!first && $0 ~ bad { first = NR }
		END {
			tail = NR > 40 ? NR - 39 : 1
			from = first > 8 ? first - 8 : 1
			to = first + 24 < tail ? first + 24 : tail - 1
			for (i = from; i <= to; i++) print line[i]
			if (from <= to && to + 1 < tail) print "[...]"
			for (i = tail; i <= NR; i++) print line[i]
		}'
}

# the world as a test must leave it
_world() { { ls /run/netns 2>/dev/null; ip -o link show | awk -F': ' '{ print $2 }'; } | sort; }

_one() {
	set -eE -o pipefail
	trap 'echo "FAIL: line $LINENO: \"$BASH_COMMAND\" exited with $?"' ERR
	trap _run_deferred EXIT
	"$1"
}

ktap_main() {
	if [ "${1:-}" = --one ]; then
		_one "$2"
		exit 0
	fi
	local tests t n=0 failed=0 rc log before after klog bad why start took mark
	# the file and this shell: test 1 of two files can have the same name (test_readme_commands)
	mark="$(basename "$0" .sh) $$"
	tests=$(grep -o '^test_[A-Za-z0-9_]*' "$0")
	[ -n "${TEST_FILTER:-}" ] && tests=$(printf '%s\n' $tests | grep -E "$TEST_FILTER")
	echo "KTAP version 1"
	echo "1..$(printf '%s\n' $tests | grep -c .)"
	log=$(mktemp)
	for t in $tests; do
		n=$((n + 1))
		before=$(_world)
		klog_mark "$mark $n $t"
		start=$SECONDS
		timeout -s TERM -k 10 "$TEST_TIMEOUT" bash "$0" --one "$t" >"$log" 2>&1 </dev/null
		rc=$?
		case $rc in
		0 | "$KSFT_SKIP") ;;
		124) echo "FAIL: timed out after ${TEST_TIMEOUT}s" >>"$log" ;;
		137) echo "FAIL: killed (SIGKILL: 10 s after the timeout's TERM, or the OOM killer)" >>"$log" ;;
		*) grep -q '^FAIL' "$log" || echo "FAIL: exited with status $rc, saying nothing" \
			"($(grep MemAvailable /proc/meminfo | tr -s ' '); /tmp: $(df -k /tmp | awk 'END { print $4 }') kB free)" >>"$log" ;;
		esac
		after=$(_world)
		if [ "$before" != "$after" ]; then
			# files, not <(...): the guest has no /dev/fd
			echo "$before" >"$log.before"
			echo "$after" >"$log.after"
			echo "FAIL: left behind (+) or removed (-): $(diff "$log.before" "$log.after" |
				grep '^[-+][^-+]' | tr '\n' ' ')" >>"$log"
			rm -f "$log.before" "$log.after"
			[ $rc -eq 0 ] || [ $rc -eq $KSFT_SKIP ] && rc=1
		fi
		klog=$(klog_since "$mark $n $t")
		# a test that filled the ring and pushed its mark out: all of what is left
		dmesg | grep -qF "klog-mark: $mark $n $t ." || klog=$(dmesg)
		bad=$(printf '%s\n' "$klog" | grep -E "$KLOG_BAD" || true)
		if [ -n "$bad" ]; then
			{ echo "FAIL: kernel log:"; klog_excerpt "$klog"; } >>"$log"
			rc=1
		fi
		# where the suite's time goes (make soak runs it ten times)
		took=$((SECONDS - start))
		[ $took -lt 20 ] || echo "# $t took $took s"
		case $rc in
		0)
			sed -n 's/^#| /# /p' "$log"
			echo "ok $n $t"
			;;
		"$KSFT_SKIP")
			sed -n 's/^#| /# /p' "$log"
			why=$(sed -n 's/^SKIP: //p' "$log" | tail -n1)
			echo "ok $n $t # SKIP $why"
			;;
		*)
			failed=$((failed + 1))
			sed 's/^/# /' "$log"
			echo "not ok $n $t"
			;;
		esac
	done
	rm -f "$log"
	[ $failed -eq 0 ]
}
