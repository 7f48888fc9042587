/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Flow keys: what the datapath knows of a frame, extracted once on receive.
 * The extraction reads, never writes: a truncated or malformed frame yields
 * a partial key (the layers it got through), never an error.
 */
#ifndef _VSW_FLOW_H
#define _VSW_FLOW_H

#include <linux/if_ether.h>
#include <linux/if_vlan.h>
#include <linux/in6.h>
#include <linux/skbuff.h>
#include <linux/types.h>

#define VSW_MAX_VLANS	2

/* Which parts of the key were filled in: the frame had them, whole. */
enum vsw_key_layer {
	VSW_KEY_ETH	= BIT(0),	/* eth.src, eth.dst, eth.type */
	VSW_KEY_VLAN	= BIT(1),	/* eth.vlan[0 .. nvlans - 1] */
	VSW_KEY_ARP	= BIT(2),	/* ip.proto = opcode (low byte), addr.ipv4, arp */
	VSW_KEY_IPV4	= BIT(3),	/* ip, addr.ipv4 */
	VSW_KEY_IPV6	= BIT(4),	/* ip, addr.ipv6 */
	VSW_KEY_L4	= BIT(5),	/* tp: TCP/UDP/SCTP ports, or ICMP/ICMPv6 type and code */
};

/* ip.frag */
enum vsw_frag {
	VSW_FRAG_NONE,
	VSW_FRAG_FIRST,		/* offset 0, more fragments follow: L4 header present */
	VSW_FRAG_LATER,		/* offset > 0: no L4 header */
};

struct vsw_vlan {
	__be16	tpid;		/* ETH_P_8021Q or ETH_P_8021AD */
	__be16	tci;		/* as on the wire: PCP, DEI, VID */
};

struct vsw_flow_key {
	u32		in_port;	/* the ingress vport's number */
	u16		layers;		/* enum vsw_key_layer */
	u16		l3_off;		/* from the Ethernet header, valid with their layer */
	u16		l4_off;
	__be16		tcp_flags;	/* TCP: the 12 flag bits, as OVS_KEY_ATTR_TCP_FLAGS */
	struct {
		u8		dst[ETH_ALEN];
		u8		src[ETH_ALEN];
		/* after the tags; ETH_P_802_2 for an 802.3 length field */
		__be16		type;
		u8		nvlans;
		/* [0] is the outer tag (the accelerated one, when skb has it) */
		struct vsw_vlan	vlan[VSW_MAX_VLANS];
	} eth;
	struct {
		u8	proto;		/* IP protocol, or the ARP opcode's low byte */
		u8	tos;		/* IPv4 TOS, IPv6 traffic class */
		u8	ttl;		/* IPv4 TTL, IPv6 hop limit */
		u8	frag;		/* enum vsw_frag */
	} ip;
	union {
		struct {
			__be32	src;	/* IPv4 source, or ARP sender IP */
			__be32	dst;	/* IPv4 destination, or ARP target IP */
		} ipv4;
		struct {
			struct in6_addr	src;
			struct in6_addr	dst;
			__be32		label;	/* flow label, 20 bits */
		} ipv6;
	} addr;
	struct {
		u8	sha[ETH_ALEN];
		u8	tha[ETH_ALEN];
	} arp;
	struct {
		__be16	src;		/* source port, or ICMP type in the low byte */
		__be16	dst;		/* destination port, or ICMP code in the low byte */
	} tp;
	struct {
		struct in6_addr	target;	/* neighbour solicitation / advertisement */
		u8		sll[ETH_ALEN];	/* its source link-layer address option */
		u8		tll[ETH_ALEN];	/* its target link-layer address option */
	} nd;
};

/* VLAN id of the outermost tag, 0 for an untagged frame: what the learning switch keys on. */
static inline u16 vsw_key_vid(const struct vsw_flow_key *key)
{
	return key->eth.nvlans ? ntohs(key->eth.vlan[0].tci) & VLAN_VID_MASK : 0;
}

/*
 * Fills @key from @skb, whose data starts at the Ethernet header. Reads
 * through skb_header_pointer(): works on shared and cloned skbs and never
 * changes them.
 */
void vsw_flow_extract(const struct sk_buff *skb, u32 in_port, struct vsw_flow_key *key);

#endif /* _VSW_FLOW_H */
