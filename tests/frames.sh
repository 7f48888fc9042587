# shellcheck shell=bash
# Build and read raw frames as hex strings for vnet-pkt (sourced by the test files; not a test itself).

# ones' complement Internet checksum of a hex string, as 4 hex digits (0000 when a checksum verifies)
csum16() {
	local h=$1 s=0 i
	[ $((${#h} % 4)) -eq 2 ] && h+=00
	for ((i = 0; i < ${#h}; i += 4)); do s=$((s + 16#${h:i:4})); done
	while ((s >> 16)); do s=$(((s & 0xffff) + (s >> 16))); done
	printf '%04x' $((~s & 0xffff))
}
mac_hex() { echo "${1//:/}"; }
ip4_hex() { local IFS=.; set -- $1; printf '%02x%02x%02x%02x' "$1" "$2" "$3" "$4"; }
# full hex of an IPv6 address (any form ip(8) accepts)
ip6_hex() {
	local a=$1 head tail groups=() out= g n
	case $a in
	*::*) head=${a%%::*} tail=${a#*::} ;;
	*) head=$a tail= ;;
	esac
	local IFS=:
	local h=($head) t=($tail)
	n=$((8 - ${#h[@]} - ${#t[@]}))
	groups=("${h[@]}")
	for ((g = 0; g < n; g++)); do groups+=(0); done
	groups+=("${t[@]}")
	for g in "${groups[@]}"; do out+=$(printf '%04x' "0x${g:-0}"); done
	echo "$out"
}

# eth DST SRC TYPE [VLAN-TAGS-HEX]  (tags go between the addresses and the type)
eth() { echo "$(mac_hex "$1")$(mac_hex "$2")${4:-}$3"; }

# ipv4 SRC DST PROTO PAYLOAD-HEX [OPTIONS-HEX] [TTL] -> header with a valid checksum + payload
ipv4() {
	local opts=${5:-} ttl=${6:-64} ihl tot h
	ihl=$(((20 + ${#opts} / 2) / 4))
	tot=$((ihl * 4 + ${#4} / 2))
	h=$(printf '4%x00%04x00000000%02x%02x0000' "$ihl" "$tot" "$ttl" "$3")$(ip4_hex "$1")$(ip4_hex "$2")$opts
	echo "${h:0:20}$(csum16 "$h")${h:24}$4"
}
# icmp4 TYPE DATA-HEX -> ICMP message with id 0x1234 seq 1 and a valid checksum
icmp4() {
	local m
	m=$(printf "%02x" "$1")00000012340001$2
	echo "${m:0:4}$(csum16 "$m")${m:8}"
}
# ipv6 SRC DST NEXTHDR PAYLOAD-HEX [HOPLIMIT]
ipv6() { printf '60000000%04x%02x%02x%s%s%s\n' $((${#4} / 2)) "$3" "${5:-64}" "$(ip6_hex "$1")" "$(ip6_hex "$2")" "$4"; }
# icmp6 SRC DST TYPE BODY-HEX -> ICMPv6 message (type, code 0, checksum over the pseudo-header)
icmp6() {
	local m pseudo
	m=$(printf '%02x' "$3")000000$4
	pseudo=$(ip6_hex "$1")$(ip6_hex "$2")$(printf '%08x' $((${#m} / 2)))0000003a
	echo "${m:0:4}$(csum16 "$pseudo$m")${m:8}"
}
arp_req() { # SENDER-MAC SENDER-IP TARGET-IP
	echo "0001080006040001$(mac_hex "$1")$(ip4_hex "$2")000000000000$(ip4_hex "$3")"
}
# byte range of a hex frame: hexpart FRAME OFFSET LEN
hexpart() { echo "${1:$((2 * $2)):$((2 * $3))}"; }
