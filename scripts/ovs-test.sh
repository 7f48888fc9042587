#!/bin/bash
# make ovs-test: Open vSwitch's own kernel-datapath system tests (tests/system-kmod-testsuite of
# Debian's openvswitch-source 3.1, the tests unchanged) in one guest, first on Debian's openvswitch.ko,
# then on vswitch (its `modprobe openvswitch` loads vswitch there: tests/ovs-testsuite.sh), and a table
# of the two results per test.
#   OVS_TESTS='1 5 30' or OVS_TESTS='-k ping6'  the testsuite's own selection (default: the datapath
#                                               tests that need neither a tunnel nor conntrack)
#   OVS_TABLE_ONLY=1     the table again from the last run's results, no guest
# Table: build/log/ovs-test.table; each test that did not pass, its folder: build/log/ovs-test/PASS/NNN
set -euo pipefail
. "$(dirname "$0")/common.sh"
resolve_kver

share=$BUILD/ovs-test # the guest's /mnt/share: src/ (the testsuite), args, out/
src=$share/src
deb=$BUILD/debs/openvswitch-source
tarball=$deb/usr/src/openvswitch/openvswitch.tar.gz
name=ovs-test
table=$BUILD/log/$name.table
logs=$BUILD/log/$name

# the datapath tests that need no tunnel and no conntrack, by title (the numbers follow the .at files)
default_titles=(
	"datapath - ping between two ports"
	"datapath - http between two ports"
	"datapath - ping between two ports on vlan"
	"datapath - ping between two ports on cvlan"
	"datapath - ping6 between two ports"
	"datapath - ping6 between two ports on vlan"
	"datapath - ping6 between two ports on cvlan"
	"datapath - ping6 between two ports IPv6 later fragments"
	"datapath - ping6 between two ports with header modify"
	"datapath - clone action"
	"datapath - mpls actions"
	"datapath - basic truncate action"
	"datapath - configure cache size"
	"datapath - simulated flow action update"
)

# 1. The testsuite, from Debian's openvswitch-source (a tarball of the OVS source tree inside the .deb),
#    into $src with what configure would have made beside it (atconfig, atlocal)
prepare() {
	local tmp version
	if [ ! -r "$tarball" ]; then
		tmp=$(mktemp -d)
		(cd "$tmp" && apt_download openvswitch-source >&2) || die "apt-get download openvswitch-source failed"
		rm -rf "$deb"
		mkdir -p "$deb"
		dpkg-deb -x "$tmp"/*.deb "$deb"
		rm -rf "$tmp"
	fi
	rm -rf "$share"
	mkdir -p "$src"
	tar -xzf "$tarball" -C "$src" --strip-components=1 --wildcards --no-wildcards-match-slash \
		'openvswitch/tests/*' 'openvswitch/vswitchd/vswitch.ovsschema' 'openvswitch/configure.ac'
	find "$src/tests" -mindepth 1 -maxdepth 1 ! -name '*.at' ! -name '*.py' ! -name atlocal.in \
		! -name system-kmod-testsuite -exec rm -rf {} +
	version=$(sed -n 's/^AC_INIT(openvswitch, \([^,]*\),.*/\1/p' "$src/configure.ac")
	# Debian ships it generated; should a version not, autom4te (autoconf) makes it from the .at
	# files as OVS's tests/automake.mk does, without building OVS (checked with 3.1.0: the same tests)
	if [ ! -s "$src/tests/system-kmod-testsuite" ]; then
		"$TOP/scripts/deps.sh" autotest
		{
			echo "m4_define([AT_PACKAGE_NAME],      [openvswitch])"
			echo "m4_define([AT_PACKAGE_TARNAME],   [openvswitch])"
			echo "m4_define([AT_PACKAGE_VERSION],   [$version])"
			echo "m4_define([AT_PACKAGE_STRING],    [openvswitch $version])"
			echo "m4_define([AT_PACKAGE_BUGREPORT], [bugs@openvswitch.org])"
		} >"$src/tests/package.m4"
		say "generating system-kmod-testsuite with autom4te"
		(cd "$src" && autom4te --language=autotest -I . -I tests -o tests/system-kmod-testsuite \
			tests/system-kmod-testsuite.at) || die "autom4te failed"
	fi
	chmod +x "$src/tests/system-kmod-testsuite"
	rm -f "$src"/tests/*.at "$src/configure.ac"
	# atlocal as configure substitutes it (the guest has no python3: atlocal's python probes fail,
	# harmlessly for the tests that do not run python), atconfig for a suite in /tmp/ovs/tests
	sed -e "s|@HAVE_OPENSSL@|yes|; s|@OPENSSL_SUPPORTS_SNI@|yes|; s|@HAVE_UNBOUND@|no|" \
		-e "s|@EGREP@|grep -E|; s|@PYTHON3@|python3|; s|@CFLAGS@||" \
		"$src/tests/atlocal.in" >"$src/tests/atlocal"
	cat >"$src/tests/atconfig" <<-'EOF'
		at_testdir='tests'
		abs_builddir='/tmp/ovs/tests'
		at_srcdir='.'
		abs_srcdir='/tmp/ovs/tests'
		at_top_srcdir='..'
		abs_top_srcdir='/tmp/ovs'
		at_top_build_prefix='../'
		abs_top_builddir='/tmp/ovs'
		AUTOTEST_PATH='tests'
		SHELL=${CONFIG_SHELL-'/bin/sh'}
	EOF
	echo "$version" >"$share/version"
}

# the testsuite's list of tests ("  12: system-traffic.at:1167 TITLE"), read in an empty folder:
# with atlocal beside it the suite would probe this machine (it adds a veth pair)
test_list() {
	local d
	d=$(mktemp -d)
	(cd "$d" && bash "$src/tests/system-kmod-testsuite" -l) || die "system-kmod-testsuite -l failed"
	rmdir "$d"
}
title_of() { printf '%s\n' "$list" | sed -n "s/^ *$1: [^ ]* //p"; }

# 2. One guest, both passes (tests/ovs-testsuite.sh); the guest's status kept for OVS_TABLE_ONLY
run_guest() {
	local args= t n qrc
	if [ -n "${OVS_TESTS:-}" ]; then
		args=$OVS_TESTS
	else
		for t in "${default_titles[@]}"; do
			n=$(printf '%s\n' "$list" | awk -v t="$t" '{ line = $0; sub(/^ *[0-9]+: [^ ]+ /, "", line) }
				line == t { sub(/:.*/, ""); print $1; exit }')
			[ -n "$n" ] || die "no test \"$t\" in system-kmod-testsuite $(cat "$share/version")"
			args="$args $n"
		done
	fi
	printf '%s\n' "$args" >"$share/args"
	say "ovs-test: Open vSwitch $(cat "$share/version") system-kmod-testsuite, tests: ${args# }; on openvswitch.ko, then on vswitch"
	set +e
	"$TOP/scripts/qemu.sh" --share "$share" --log "$name" --timeout "${OVS_TEST_TIMEOUT:-3600}" -- \
		"OVS_PASS_TIMEOUT=${OVS_PASS_TIMEOUT:-1700} bash /tests/ovs-testsuite.sh /mnt/share"
	qrc=$?
	set -e
	echo "$qrc" >"$share/qrc"
}

if [ -z "${OVS_TABLE_ONLY:-}" ]; then
	prepare
	list=$(test_list)
	run_guest
else
	[ -r "$share/qrc" ] || die "no results of an earlier make ovs-test in ${share#"$TOP/"}"
	list=$(test_list)
fi
qrc=$(cat "$share/qrc")

# 3. The table: a test's result in each pass, from the testsuite's own report line ("  12: ... ok")
result() { # PASS NUM -> ok | FAILED | skipped | - (did not run)
	local f=$share/out/$1.stdout r
	r=$( [ -r "$f" ] && tr -d '\r' <"$f" | sed -n "s/^ *$2: .* \(ok\|FAILED\|skipped\|expected failure\|UNEXPECTED PASS\)\( (.*)\)\{0,1\}\$/\1/p" | tail -n1)
	echo "${r:--}"
}
# why a test did not pass in a pass, from its own log: a missing tool, else the failed check (file:line
# of the .at, from the testsuite's report) and the first line of output it did not expect
cause() { # PASS NUM
	local f at line
	f=$share/out/$1/$(printf '%03d' "$2")/system-kmod-testsuite.log
	at=$(tr -d '\r' <"$share/out/$1.stdout" 2>/dev/null | sed -n "s/^ *$2: .* \(FAILED\|skipped\) (\(.*\))\$/\2/p")
	[ "$(result "$1" "$2")" = skipped ] && { echo "skipped ($at)"; return; }
	[ -r "$f" ] || { echo "no log"; return; }
	line=$( { grep -Eo '[a-z0-9.-]+: (command )?not found' "$f" | sed 's/: .*//'
		sed -n 's/^exec of "\(.*\)" failed: No such file or directory$/\1/p' "$f"; } | sort -u | tr '\n' ' ')
	[ -n "$line" ] && { echo "missing tool: ${line% }"; return; }
	# the first unexpected (+) or missing (-) line of the first diff
	line=$(sed -n '/^@@ /,$p' "$f" | grep -m1 -E '^[-+]([^-+]|$)' |
		sed -E 's/^([-+])[0-9TZ:.-]+\|[0-9]+\|/\1/' | cut -c1-120)
	echo "at $at: ${line:-exit status}"
}

mkdir -p "$BUILD/log"
rm -rf "$logs"
[ -d "$share/out" ] && cp -r "$share/out" "$logs"
nums=$(for p in openvswitch vswitch; do
	[ -r "$share/out/$p.stdout" ] && tr -d '\r' <"$share/out/$p.stdout" | sed -n 's/^ *\([0-9]\+\): .*/\1/p'
done | sort -n -u)
{
	printf '%-4s %-58s %-12s %-12s %s\n' "#" "test" "openvswitch" "vswitch" "class"
	both=0 envf=0 gap=0 ours=0
	for n in $nums; do
		a=$(result openvswitch "$n") b=$(result vswitch "$n")
		if [ "$a" = ok ] && [ "$b" = ok ]; then
			class="passes on both"; both=$((both + 1))
		elif [ "$a" = ok ]; then
			class="OUR GAP (only openvswitch.ko passes); vswitch $(cause vswitch "$n")"; gap=$((gap + 1))
		elif [ "$b" = ok ]; then
			class="passes only on vswitch; openvswitch.ko $(cause openvswitch "$n")"; ours=$((ours + 1))
		else
			class="fails on both (environment): $(cause openvswitch "$n")"; envf=$((envf + 1))
		fi
		printf '%-4s %-58s %-12s %-12s %s\n' "$n" "$(title_of "$n" | cut -c1-58)" "$a" "$b" "$class"
	done
	echo "ovs-test: $both pass on both, $gap only on openvswitch.ko, $ours only on vswitch, $envf on neither"
} >"$table"
cat "$table"
for p in openvswitch vswitch; do
	for d in "$logs/$p"/[0-9]*; do
		[ -d "$d" ] && say "  $p: test $((10#${d##*/})) kept in ${d#"$TOP/"}"
	done
done
say "table: ${table#"$TOP/"}; console: build/log/$name.console"
[ $qrc -eq 0 ] || say "ovs-test: the guest ended with status $qrc (125: no clean finish, 126: kernel warnings; see scripts/qemu.sh)"
gap=$(grep -c "OUR GAP" "$table" || true)
[ $qrc -eq 0 ] && [ "$gap" -eq 0 ]
