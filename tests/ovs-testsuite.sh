#!/bin/bash
# Guest side of `make ovs-test` (scripts/ovs-test.sh), not a KTAP test file: Open vSwitch's own
# kernel-datapath tests (tests/system-kmod-testsuite of Debian's openvswitch-source, unchanged), once
# on Debian's openvswitch.ko and once on vswitch, in this one guest.
#   ovs-testsuite.sh DIR
# DIR (the shared folder) holds src/ (the testsuite, its helpers, atconfig, atlocal, the schema) and
# args (the testsuite's arguments: test numbers, -k KEYWORDS ...); the results go to DIR/out/PASS.*
# and, for each test that did not pass, its testsuite.dir/NNN to DIR/out/PASS/NNN.
share=${1:?usage: ovs-testsuite.sh DIR}
out=$share/out
passes=${OVS_PASSES:-openvswitch vswitch}
pass_timeout=${OVS_PASS_TIMEOUT:-1500}
conf=/etc/modprobe.d/ovs-test.conf

rm -rf /tmp/ovs "$out"
mkdir -p /tmp/ovs "$out"
# sockets (db.sock, the unixctl ones) need a local file system, not 9p: run in /tmp
cp -r "$share/src/." /tmp/ovs/
read -r -a args <"$share/args" || true

# The host's environment as a distribution has it: nfnetlink loaded (ovs-vswitchd opens a
# NETLINK_NETFILTER socket at start and logs an ERR without it, which fails every test's log check
# on either datapath). Not in the debug kernel.
modprobe -q nfnetlink_cttimeout || echo "# nfnetlink_cttimeout not loaded: ovs-vswitchd will log an ERR"

unload() {
	modprobe -r openvswitch 2>/dev/null
	modprobe -r vswitch 2>/dev/null
	rm -f $conf
	modprobe -q -r vport_geneve vport_gre vport_vxlan 2>/dev/null
}

for pass in $passes; do
	unload
	case $pass in
	openvswitch) ;; # the testsuite's own `modprobe openvswitch` (by name: the blacklist is for aliases)
	vswitch)
		# the testsuite's `modprobe openvswitch` and `modprobe -r openvswitch` load and unload vswitch
		cat >$conf <<-EOF
			install openvswitch /sbin/modprobe vswitch
			remove openvswitch /sbin/modprobe -r vswitch
		EOF
		;;
	*) echo "unknown pass $pass" >&2; exit 2 ;;
	esac
	echo "# pass $pass: system-kmod-testsuite ${args[*]}"
	rm -rf /tmp/ovs/tests/system-kmod-testsuite.dir /tmp/ovs/tests/system-kmod-testsuite.log
	timeout -s TERM "$pass_timeout" /tmp/ovs/tests/system-kmod-testsuite -C /tmp/ovs/tests \
		AUTOTEST_PATH=/usr/lib/openvswitch-switch "${args[@]}" 2>&1 | tee "$out/$pass.stdout"
	echo "# pass $pass: testsuite exit ${PIPESTATUS[0]}"
	cp /tmp/ovs/tests/system-kmod-testsuite.log "$out/$pass.log" 2>/dev/null
	# a test's folder remains only when it did not pass; sockets cannot be copied, the rest is
	mkdir -p "$out/$pass"
	for d in /tmp/ovs/tests/system-kmod-testsuite.dir/[0-9]*; do
		[ -d "$d" ] || continue
		mkdir -p "$out/$pass/${d##*/}"
		(cd "$d" && find . -type f) | while read -r f; do
			mkdir -p "$out/$pass/${d##*/}/$(dirname "$f")"
			cp "$d/$f" "$out/$pass/${d##*/}/$f"
		done
	done
	lsmod >"$out/$pass.lsmod"
	unload
	lsmod >>"$out/$pass.lsmod"
done
exit 0
