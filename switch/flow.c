// SPDX-License-Identifier: GPL-2.0
/*
 * Flow key extraction.
 *
 * The skb may be shared or cloned, and the caller keeps using it after us, so
 * nothing here writes to it: no pulls, no header offsets set. Every header is
 * read through skb_header_pointer(), which hands back either the linear bytes
 * or a copy in a small stack buffer, and NULL when the frame is too short.
 * Parsing stops at the first header that is missing or malformed; the layers
 * parsed so far stay in the key.
 */

#include <linux/etherdevice.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/if_arp.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/sctp.h>
#include <linux/string.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/dsfield.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/ndisc.h>

#include "flow.h"

/* ARP over Ethernet for IPv4: the only kind the key has fields for. */
struct vsw_arp_eth_ipv4 {
	struct arphdr	hdr;
	u8		sha[ETH_ALEN];
	u8		sip[4];
	u8		tha[ETH_ALEN];
	u8		tip[4];
} __packed;

/*
 * A transport header counts only when its fixed part is entirely there, even
 * where the key needs just its first bytes: a frame cut inside it is malformed.
 * That holds for ICMP too (8 bytes: type, code, checksum and the 4 bytes every
 * message type has), as Open vSwitch does.
 */
/*
 * A neighbour solicitation or advertisement (@off at its ICMPv6 header): the
 * target, and the link-layer address options, as Open vSwitch keys them. A
 * malformed option list, or an option given twice, leaves all three at zero.
 */
static void vsw_parse_nd(const struct sk_buff *skb, int off, struct vsw_flow_key *key)
{
	struct nd_opt_hdr obuf;
	const struct nd_opt_hdr *opt;
	struct in6_addr tbuf;
	const struct in6_addr *target;
	u8 *dst;
	int len;

	off += sizeof(struct icmp6hdr);
	target = skb_header_pointer(skb, off, sizeof(*target), &tbuf);
	if (!target)
		return;
	key->nd.target = *target;
	off += sizeof(*target);
	len = skb->len - off;
	while (len >= 8) {
		opt = skb_header_pointer(skb, off, sizeof(*opt), &obuf);
		if (!opt || !opt->nd_opt_len || opt->nd_opt_len * 8 > len)
			goto invalid;
		dst = NULL;
		if (opt->nd_opt_len == 1 && opt->nd_opt_type == ND_OPT_SOURCE_LL_ADDR)
			dst = key->nd.sll;
		else if (opt->nd_opt_len == 1 && opt->nd_opt_type == ND_OPT_TARGET_LL_ADDR)
			dst = key->nd.tll;
		if (dst) {
			if (!is_zero_ether_addr(dst) ||
			    skb_copy_bits(skb, off + sizeof(*opt), dst, ETH_ALEN))
				goto invalid;
		}
		len -= opt->nd_opt_len * 8;
		off += opt->nd_opt_len * 8;
	}
	return;
invalid:
	memset(&key->nd, 0, sizeof(key->nd));
}

static void vsw_parse_l4(const struct sk_buff *skb, int off, u8 proto, bool ipv6,
			 struct vsw_flow_key *key)
{
	union {
		struct tcphdr	tcp;
		struct udphdr	udp;
		struct sctphdr	sctp;
		struct icmphdr	icmp;
		struct icmp6hdr	icmp6;
	} buf;
	const struct tcphdr *tcp;
	const struct udphdr *udp;
	const struct sctphdr *sctp;
	const struct icmphdr *icmp;
	const struct icmp6hdr *icmp6;

	switch (proto) {
	case IPPROTO_TCP:
		tcp = skb_header_pointer(skb, off, sizeof(*tcp), &buf.tcp);
		if (!tcp)
			return;
		key->tp.src = tcp->source;
		key->tp.dst = tcp->dest;
		/* the 12 bits after the data offset, as OVS's TCP_FLAGS_BE16() */
		key->tcp_flags = *(const __be16 *)&tcp_flag_word(tcp) & htons(0x0FFF);
		break;
	case IPPROTO_UDP:
		udp = skb_header_pointer(skb, off, sizeof(*udp), &buf.udp);
		if (!udp)
			return;
		key->tp.src = udp->source;
		key->tp.dst = udp->dest;
		break;
	case IPPROTO_SCTP:
		sctp = skb_header_pointer(skb, off, sizeof(*sctp), &buf.sctp);
		if (!sctp)
			return;
		key->tp.src = sctp->source;
		key->tp.dst = sctp->dest;
		break;
	case IPPROTO_ICMP:
		/* Protocol numbers are per IP version: 1 means nothing in IPv6. */
		if (ipv6)
			return;
		icmp = skb_header_pointer(skb, off, sizeof(*icmp), &buf.icmp);
		if (!icmp)
			return;
		key->tp.src = htons(icmp->type);
		key->tp.dst = htons(icmp->code);
		break;
	case IPPROTO_ICMPV6:
		if (!ipv6)
			return;
		icmp6 = skb_header_pointer(skb, off, sizeof(*icmp6), &buf.icmp6);
		if (!icmp6)
			return;
		key->tp.src = htons(icmp6->icmp6_type);
		key->tp.dst = htons(icmp6->icmp6_code);
		if (!icmp6->icmp6_code && (icmp6->icmp6_type == NDISC_NEIGHBOUR_SOLICITATION ||
					   icmp6->icmp6_type == NDISC_NEIGHBOUR_ADVERTISEMENT))
			vsw_parse_nd(skb, off, key);
		break;
	default:
		return;
	}
	key->l4_off = off;
	key->layers |= VSW_KEY_L4;
}

static void vsw_parse_ipv4(const struct sk_buff *skb, int off, struct vsw_flow_key *key)
{
	struct iphdr buf;
	const struct iphdr *iph;
	unsigned int hlen;

	iph = skb_header_pointer(skb, off, sizeof(*iph), &buf);
	if (!iph || iph->version != 4 || iph->ihl < 5)
		return;

	/*
	 * The options are not keyed on, but they must be there: the transport
	 * header is found after them. A tot_len beyond the frame is let through,
	 * as only the headers matter to the key. hlen is at most 60 and the
	 * fixed header was read at off, so off <= skb->len and nothing wraps.
	 */
	hlen = iph->ihl * 4;
	if (ntohs(iph->tot_len) < hlen || hlen > skb->len - off)
		return;

	key->ip.proto = iph->protocol;
	key->ip.tos = iph->tos;
	key->ip.ttl = iph->ttl;
	key->addr.ipv4.src = iph->saddr;
	key->addr.ipv4.dst = iph->daddr;
	if (iph->frag_off & htons(IP_OFFSET))
		key->ip.frag = VSW_FRAG_LATER;
	else if (iph->frag_off & htons(IP_MF))
		key->ip.frag = VSW_FRAG_FIRST;
	key->layers |= VSW_KEY_IPV4;

	/* Only the first fragment carries the transport header. */
	if (key->ip.frag != VSW_FRAG_LATER)
		vsw_parse_l4(skb, off + hlen, key->ip.proto, false, key);
}

static void vsw_parse_ipv6(const struct sk_buff *skb, int off, struct vsw_flow_key *key)
{
	struct ipv6hdr buf;
	const struct ipv6hdr *ip6;
	__be16 frag_off;
	u8 nexthdr;
	int l4off;

	ip6 = skb_header_pointer(skb, off, sizeof(*ip6), &buf);
	if (!ip6 || ip6->version != 6)
		return;

	key->ip.tos = ipv6_get_dsfield(ip6);
	key->ip.ttl = ip6->hop_limit;
	key->addr.ipv6.label = ip6_flowlabel(ip6);
	key->addr.ipv6.src = ip6->saddr;
	key->addr.ipv6.dst = ip6->daddr;
	key->layers |= VSW_KEY_IPV6;

	/*
	 * ipv6_skip_exthdr() reads the chain through skb_header_pointer() only.
	 * Each header it skips is at most 2 KiB and must have been read first,
	 * so the offset it returns stays within skb->len + 2 KiB: no overflow.
	 * frag_off is the field of the last fragment header it met, 0 if none.
	 */
	nexthdr = ip6->nexthdr;
	l4off = ipv6_skip_exthdr(skb, off + (int)sizeof(*ip6), &nexthdr, &frag_off);

	/* Set even when the chain is cut short after a first fragment's header. */
	if (frag_off & htons(IP6_OFFSET))
		key->ip.frag = VSW_FRAG_LATER;
	else if (frag_off & htons(IP6_MF))
		key->ip.frag = VSW_FRAG_FIRST;

	/*
	 * ipv6_skip_exthdr() reads only the first bytes of each header, so a
	 * last header cut short shows as an offset past the frame.
	 */
	if (l4off < 0 || (unsigned int)l4off > skb->len) {
		/*
		 * Either a NEXTHDR_NONE or a chain cut short: ipv6_skip_exthdr()
		 * does not tell them apart, and in both there is no upper-layer
		 * header to key on. Open vSwitch also keys a truncated chain as
		 * NEXTHDR_NONE. The IPv6 layer itself was whole, so it stays.
		 */
		key->ip.proto = NEXTHDR_NONE;
		return;
	}

	if (key->ip.frag == VSW_FRAG_LATER) {
		/*
		 * A later fragment has no upper-layer header: keyed on the
		 * fragment header itself (NEXTHDR_FRAGMENT), as openvswitch.ko
		 * does since 5.19 and Open vSwitch's userspace extracts it, so
		 * that ovs-vswitchd's megaflows for them read proto=44 alike.
		 */
		key->ip.proto = NEXTHDR_FRAGMENT;
		return;
	}

	key->ip.proto = nexthdr;
	vsw_parse_l4(skb, l4off, nexthdr, true, key);
}

static void vsw_parse_arp(const struct sk_buff *skb, int off, struct vsw_flow_key *key)
{
	struct vsw_arp_eth_ipv4 buf;
	const struct vsw_arp_eth_ipv4 *arp;
	u16 op;

	arp = skb_header_pointer(skb, off, sizeof(*arp), &buf);
	if (!arp || arp->hdr.ar_hrd != htons(ARPHRD_ETHER) ||
	    arp->hdr.ar_pro != htons(ETH_P_IP) ||
	    arp->hdr.ar_hln != ETH_ALEN || arp->hdr.ar_pln != 4)
		return;

	/* Opcodes past 0xff do not fit ip.proto; no such opcode is in use. */
	op = ntohs(arp->hdr.ar_op);
	if (op <= 0xff)
		key->ip.proto = op;

	/* memcpy(): the fields follow an 8-byte header at any alignment. */
	memcpy(&key->addr.ipv4.src, arp->sip, sizeof(key->addr.ipv4.src));
	memcpy(&key->addr.ipv4.dst, arp->tip, sizeof(key->addr.ipv4.dst));
	memcpy(key->arp.sha, arp->sha, sizeof(key->arp.sha));
	memcpy(key->arp.tha, arp->tha, sizeof(key->arp.tha));
	key->layers |= VSW_KEY_ARP;
}

/*
 * In-band tags, @type being the EtherType after the source address. Returns
 * the offset of what follows the last tag parsed and sets key->eth.type.
 * When the tags are not all parsed (a third one, or one cut short),
 * key->eth.type is left at that tag's TPID, which no L3 parser takes.
 */
static int vsw_parse_vlans(const struct sk_buff *skb, __be16 type, struct vsw_flow_key *key)
{
	struct vlan_hdr buf;
	const struct vlan_hdr *vh;
	struct vsw_vlan *vlan;
	int off = ETH_HLEN;

	while (eth_type_vlan(type) && key->eth.nvlans < VSW_MAX_VLANS) {
		vh = skb_header_pointer(skb, off, sizeof(*vh), &buf);
		if (!vh)
			break;
		vlan = &key->eth.vlan[key->eth.nvlans++];
		vlan->tpid = type;
		vlan->tci = vh->h_vlan_TCI;
		type = vh->h_vlan_encapsulated_proto;
		off += VLAN_HLEN;
	}
	key->eth.type = type;
	return off;
}

/* Returns the offset of the L3 header, or -1 when there is no Ethernet header. */
static int vsw_parse_eth(const struct sk_buff *skb, struct vsw_flow_key *key)
{
	struct ethhdr buf;
	const struct ethhdr *eth;
	int off;

	eth = skb_header_pointer(skb, 0, sizeof(*eth), &buf);
	if (!eth)
		return -1;

	memcpy(key->eth.dst, eth->h_dest, sizeof(key->eth.dst));
	memcpy(key->eth.src, eth->h_source, sizeof(key->eth.src));
	key->layers |= VSW_KEY_ETH;

	/*
	 * An accelerated tag was on the wire before any in-band one. In 6.1
	 * presence is skb->vlan_present, so vlan_tci is the plain wire TCI.
	 */
	if (skb_vlan_tag_present(skb)) {
		key->eth.vlan[0].tpid = skb->vlan_proto;
		key->eth.vlan[0].tci = htons(skb_vlan_tag_get(skb));
		key->eth.nvlans = 1;
	}

	off = vsw_parse_vlans(skb, eth->h_proto, key);
	if (key->eth.nvlans)
		key->layers |= VSW_KEY_VLAN;

	/* A length, not an EtherType: 802.2 LLC follows, which is not parsed. */
	if (!eth_proto_is_802_3(key->eth.type))
		key->eth.type = htons(ETH_P_802_2);

	return off;
}

void vsw_flow_extract(const struct sk_buff *skb, u32 in_port, struct vsw_flow_key *key)
{
	int off;

	memset(key, 0, sizeof(*key));
	key->in_port = in_port;

	off = vsw_parse_eth(skb, key);
	if (off < 0)
		return;

	key->l3_off = off;
	switch (key->eth.type) {
	case htons(ETH_P_ARP):
	case htons(ETH_P_RARP):
		vsw_parse_arp(skb, off, key);
		break;
	case htons(ETH_P_IP):
		vsw_parse_ipv4(skb, off, key);
		break;
	case htons(ETH_P_IPV6):
		vsw_parse_ipv6(skb, off, key);
		break;
	default:
		break;
	}
}
