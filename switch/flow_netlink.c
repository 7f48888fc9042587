// SPDX-License-Identifier: GPL-2.0
/*
 * Flow keys, masks and actions in the Open vSwitch netlink format
 * (OVS_KEY_ATTR_*, OVS_ACTION_ATTR_*; uapi linux/openvswitch.h), parsed into
 * match keys and validated action lists. The model is the kernel datapath's
 * openvswitch module's flow netlink code; the semantics kept from it:
 *
 *  - a VLAN is ETHERTYPE 0x8100/0x88a8 + VLAN (tci with VLAN_CFI_MASK, the
 *    "present" bit) + ENCAP, the nest holding the rest of the key; two tags
 *    at most; a mask always matches the tags exactly (a flow without a VLAN
 *    matches untagged frames only) and an ETHERTYPE mask is always exact;
 *  - a key without ETHERTYPE is an 802.3 frame (ETH_P_802_2);
 *  - a mask attribute needs its key attribute, an L3 mask an exact
 *    EtherType, an L4 mask an exact IP protocol;
 *  - a flow without a mask matches exactly the fields its key names.
 *
 * Anything else (tunnels, MPLS, conntrack, NSH, layer-3 packets) is refused
 * with EINVAL and a message: Open vSwitch probes features by trying them and
 * turns a feature off quietly on EINVAL.
 */

#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/in.h>
#include <linux/slab.h>
#include <net/mpls.h>
#include <net/netlink.h>

#include "datapath.h"
#include "flow_table.h"

#define VSW_NESTED	(-1)
#define VSW_ND_SOLICIT	135	/* ICMPv6 neighbour solicitation, advertisement */
#define VSW_ND_ADVERT	136

static const int vsw_key_lens[OVS_KEY_ATTR_MAX + 1] = {
	[OVS_KEY_ATTR_ENCAP]	 = VSW_NESTED,
	[OVS_KEY_ATTR_PRIORITY]	 = sizeof(u32),
	[OVS_KEY_ATTR_IN_PORT]	 = sizeof(u32),
	[OVS_KEY_ATTR_ETHERNET]	 = sizeof(struct ovs_key_ethernet),
	[OVS_KEY_ATTR_VLAN]	 = sizeof(__be16),
	[OVS_KEY_ATTR_ETHERTYPE] = sizeof(__be16),
	[OVS_KEY_ATTR_IPV4]	 = sizeof(struct ovs_key_ipv4),
	[OVS_KEY_ATTR_IPV6]	 = sizeof(struct ovs_key_ipv6),
	[OVS_KEY_ATTR_TCP]	 = sizeof(struct ovs_key_tcp),
	[OVS_KEY_ATTR_UDP]	 = sizeof(struct ovs_key_udp),
	[OVS_KEY_ATTR_ICMP]	 = sizeof(struct ovs_key_icmp),
	[OVS_KEY_ATTR_ICMPV6]	 = sizeof(struct ovs_key_icmpv6),
	[OVS_KEY_ATTR_ARP]	 = sizeof(struct ovs_key_arp),
	[OVS_KEY_ATTR_ND]	 = sizeof(struct ovs_key_nd),
	[OVS_KEY_ATTR_SKB_MARK]	 = sizeof(u32),
	[OVS_KEY_ATTR_SCTP]	 = sizeof(struct ovs_key_sctp),
	[OVS_KEY_ATTR_TCP_FLAGS] = sizeof(__be16),
	[OVS_KEY_ATTR_DP_HASH]	 = sizeof(u32),
	[OVS_KEY_ATTR_RECIRC_ID] = sizeof(u32),
};

#define A(t)		BIT_ULL(OVS_KEY_ATTR_##t)
/* a tunnel key's attributes with upstream's 255 bytes of options fit in this */
#define VSW_TUNNEL_MASK_MAX	512
#define VSW_META_ATTRS	(A(PRIORITY) | A(IN_PORT) | A(SKB_MARK) | A(DP_HASH) | A(RECIRC_ID) | \
			 A(ETHERNET))

struct vsw_kparse {
	struct vsw_mkey		*k;
	bool			is_mask;
	const struct vsw_mkey	*key;		/* for a mask: the parsed key */
	u64			seen;		/* attribute types, at any level */
	u64			key_seen;	/* for a mask: the key's */
	struct netlink_ext_ack	*extack;
};

static int vsw_key_attrs(const struct nlattr *list, const struct nlattr **a, u64 *here,
			 struct vsw_kparse *p)
{
	const struct nlattr *nla;
	int rem, type, len;

	nla_for_each_nested(nla, list, rem) {
		type = nla_type(nla);
		if (type == OVS_KEY_ATTR_TUNNEL && p->is_mask) {
			/*
			 * As upstream, a mask may name tunnel fields (ovs-vswitchd's
			 * always do); no frame here has any, so it matches them all.
			 * Kept (and echoed) as given: bounded as upstream's would be.
			 */
			if (nla_len(nla) > VSW_TUNNEL_MASK_MAX || (*here & A(TUNNEL))) {
				NL_SET_ERR_MSG_ATTR(p->extack, nla,
						    "a tunnel mask over 512 bytes, or given twice");
				return -EINVAL;
			}
			*here |= A(TUNNEL);
			continue;
		}
		len = type <= OVS_KEY_ATTR_MAX ? vsw_key_lens[type] : 0;
		if (!len) {
			NL_SET_ERR_MSG_ATTR(p->extack, nla,
					    "key/mask attribute not supported (tunnels, MPLS, conntrack, NSH are not)");
			return -EINVAL;
		}
		if (*here & BIT_ULL(type)) {
			NL_SET_ERR_MSG_ATTR(p->extack, nla, "key/mask attribute given twice");
			return -EINVAL;
		}
		if (len != VSW_NESTED && nla_len(nla) != len) {
			NL_SET_ERR_MSG_ATTR(p->extack, nla, "key/mask attribute: wrong length");
			return -EINVAL;
		}
		/*
		 * As upstream, a mask attribute of zeros wildcards its fields: as if
		 * absent. Not a VLAN mask: a tag is matched on its present bit, which
		 * a zero TCI mask lacks (refused below, as upstream refuses it).
		 */
		if (p->is_mask && len != VSW_NESTED && type != OVS_KEY_ATTR_VLAN &&
		    !memchr_inv(nla_data(nla), 0, len))
			continue;
		*here |= BIT_ULL(type);
		a[type] = nla;
	}
	if (rem) {
		NL_SET_ERR_MSG_MOD(p->extack, "bytes after the last key/mask attribute");
		return -EINVAL;
	}
	/* as upstream's match_validate(), these may be masked without being in the key */
	if (p->is_mask &&
	    (*here & ~p->key_seen & ~(A(ENCAP) | A(TUNNEL) | A(IN_PORT) | A(ETHERTYPE)))) {
		NL_SET_ERR_MSG_MOD(p->extack, "a mask attribute without its key attribute");
		return -EINVAL;
	}
	p->seen |= *here;
	return 0;
}

static void vsw_put_l3l4(struct vsw_kparse *p, const struct nlattr **a)
{
	struct vsw_mkey *k = p->k;

	if (a[OVS_KEY_ATTR_IPV4]) {
		const struct ovs_key_ipv4 *v = nla_data(a[OVS_KEY_ATTR_IPV4]);

		k->ipv4_src = v->ipv4_src;
		k->ipv4_dst = v->ipv4_dst;
		k->ip_proto = v->ipv4_proto;
		k->ip_tos = v->ipv4_tos;
		k->ip_ttl = v->ipv4_ttl;
		k->ip_frag = v->ipv4_frag;
	}
	if (a[OVS_KEY_ATTR_IPV6]) {
		const struct ovs_key_ipv6 *v = nla_data(a[OVS_KEY_ATTR_IPV6]);

		memcpy(&k->ipv6_src, v->ipv6_src, sizeof(k->ipv6_src));
		memcpy(&k->ipv6_dst, v->ipv6_dst, sizeof(k->ipv6_dst));
		k->ipv6_label = v->ipv6_label;
		k->ip_proto = v->ipv6_proto;
		k->ip_tos = v->ipv6_tclass;
		k->ip_ttl = v->ipv6_hlimit;
		k->ip_frag = v->ipv6_frag;
	}
	if (a[OVS_KEY_ATTR_ARP]) {
		const struct ovs_key_arp *v = nla_data(a[OVS_KEY_ATTR_ARP]);

		k->ipv4_src = v->arp_sip;
		k->ipv4_dst = v->arp_tip;
		k->ip_proto = (u8)ntohs(v->arp_op);
		memcpy(k->arp_sha, v->arp_sha, ETH_ALEN);
		memcpy(k->arp_tha, v->arp_tha, ETH_ALEN);
	}
	if (a[OVS_KEY_ATTR_TCP]) {
		const struct ovs_key_tcp *v = nla_data(a[OVS_KEY_ATTR_TCP]);

		k->tp_src = v->tcp_src;
		k->tp_dst = v->tcp_dst;
	}
	if (a[OVS_KEY_ATTR_UDP]) {
		const struct ovs_key_udp *v = nla_data(a[OVS_KEY_ATTR_UDP]);

		k->tp_src = v->udp_src;
		k->tp_dst = v->udp_dst;
	}
	if (a[OVS_KEY_ATTR_SCTP]) {
		const struct ovs_key_sctp *v = nla_data(a[OVS_KEY_ATTR_SCTP]);

		k->tp_src = v->sctp_src;
		k->tp_dst = v->sctp_dst;
	}
	if (a[OVS_KEY_ATTR_ICMP] || a[OVS_KEY_ATTR_ICMPV6]) {
		/* ovs_key_icmp and ovs_key_icmpv6 are both {type, code} */
		const struct ovs_key_icmp *v = nla_data(a[OVS_KEY_ATTR_ICMP] ?:
							a[OVS_KEY_ATTR_ICMPV6]);

		k->tp_src = htons(v->icmp_type);
		k->tp_dst = htons(v->icmp_code);
	}
	if (a[OVS_KEY_ATTR_ND]) {
		const struct ovs_key_nd *v = nla_data(a[OVS_KEY_ATTR_ND]);

		memcpy(&k->nd_target, v->nd_target, sizeof(k->nd_target));
		memcpy(k->arp_sha, v->nd_sll, ETH_ALEN);
		memcpy(k->arp_tha, v->nd_tll, ETH_ALEN);
	}
	if (a[OVS_KEY_ATTR_TCP_FLAGS])
		k->tcp_flags = nla_get_be16(a[OVS_KEY_ATTR_TCP_FLAGS]);
}

/* The attributes a key's EtherType and IP protocol make mandatory, as upstream. */
static u64 vsw_key_expected(const struct vsw_mkey *k)
{
	u64 want;
	bool v4 = k->eth_type == htons(ETH_P_IP), v6 = k->eth_type == htons(ETH_P_IPV6);

	if (k->eth_type == htons(ETH_P_ARP) || k->eth_type == htons(ETH_P_RARP))
		return A(ARP);
	if (!v4 && !v6)
		return 0;
	want = v4 ? A(IPV4) : A(IPV6);
	if (k->ip_frag == OVS_FRAG_TYPE_LATER)
		return want;
	switch (k->ip_proto) {
	case IPPROTO_TCP:
		return want | A(TCP) | A(TCP_FLAGS);
	case IPPROTO_UDP:
		return want | A(UDP);
	case IPPROTO_SCTP:
		return want | A(SCTP);
	case IPPROTO_ICMP:
		return want | (v4 ? A(ICMP) : 0);
	case IPPROTO_ICMPV6:
		if (v4)
			return want;
		want |= A(ICMPV6);
		if (k->tp_src == htons(VSW_ND_SOLICIT) || k->tp_src == htons(VSW_ND_ADVERT))
			want |= A(ND);
		return want;
	}
	return want;
}

/* A key's L3/L4 attributes must fit its EtherType and IP protocol (match_validate upstream). */
static int vsw_key_consistent(struct vsw_kparse *p, u64 here)
{
	const struct vsw_mkey *k = p->k;
	u64 l3 = here & (A(IPV4) | A(IPV6) | A(ARP));
	u64 l4 = here & (A(TCP) | A(UDP) | A(SCTP) | A(ICMP) | A(ICMPV6));
	u64 want = 0;

	if (hweight64(l3) > 1 || hweight64(l4) > 1)
		goto bad;
	if (eth_p_mpls(k->eth_type) || k->eth_type == htons(ETH_P_NSH)) {
		NL_SET_ERR_MSG_MOD(p->extack, "MPLS and NSH flows are not supported");
		return -EINVAL;
	}
	/* as upstream's match_validate(): what the EtherType and IP protocol call for is there */
	if ((here & vsw_key_expected(k)) != vsw_key_expected(k)) {
		NL_SET_ERR_MSG_MOD(p->extack,
				   "a key attribute its EtherType or IP protocol calls for is missing (ipv4, ipv6, arp; tcp with tcp_flags, udp, sctp, icmp, icmpv6; nd for a neighbour message)");
		return -EINVAL;
	}
	if (l3 == A(IPV4) && k->eth_type != htons(ETH_P_IP))
		goto bad;
	if (l3 == A(IPV6) && k->eth_type != htons(ETH_P_IPV6))
		goto bad;
	if (l3 == A(ARP) && k->eth_type != htons(ETH_P_ARP) && k->eth_type != htons(ETH_P_RARP))
		goto bad;
	if (l4) {
		if (!(l3 & (A(IPV4) | A(IPV6))) || k->ip_frag == OVS_FRAG_TYPE_LATER)
			goto bad;
		switch (k->ip_proto) {
		case IPPROTO_TCP:
			want = A(TCP);
			break;
		case IPPROTO_UDP:
			want = A(UDP);
			break;
		case IPPROTO_SCTP:
			want = A(SCTP);
			break;
		case IPPROTO_ICMP:
			want = l3 == A(IPV4) ? A(ICMP) : 0;
			break;
		case IPPROTO_ICMPV6:
			want = l3 == A(IPV6) ? A(ICMPV6) : 0;
			break;
		}
		if (l4 != want)
			goto bad;
	}
	if ((here & A(TCP_FLAGS)) && !(here & A(TCP)))
		goto bad;
	if ((here & A(ND)) && (!(here & A(ICMPV6)) ||
			       (k->tp_src != htons(VSW_ND_SOLICIT) &&
				k->tp_src != htons(VSW_ND_ADVERT))))
		goto bad;
	if (k->ip_frag > OVS_FRAG_TYPE_LATER)
		goto bad;
	return 0;
bad:
	NL_SET_ERR_MSG_MOD(p->extack,
			   "key attributes that do not fit together (an L3 attribute needs its EtherType, an L4 one its IP protocol, ND an ICMPv6 neighbour message)");
	return -EINVAL;
}

/* A mask's L3/L4 attributes need the EtherType, resp. the IP protocol, matched exactly. */
static int vsw_mask_consistent(struct vsw_kparse *p, u64 here)
{
	const struct vsw_mkey *m = p->k;

	if ((here & (A(IPV4) | A(IPV6) | A(ARP))) && m->eth_type != htons(0xffff))
		goto bad;
	if ((here & (A(TCP) | A(UDP) | A(SCTP) | A(ICMP) | A(ICMPV6) | A(ND) | A(TCP_FLAGS))) &&
	    m->ip_proto != 0xff)
		goto bad;
	/* an ND mask needs the ICMPv6 type matched exactly */
	if ((here & A(ND)) && m->tp_src != htons(0xff))
		goto bad;
	return 0;
bad:
	NL_SET_ERR_MSG_MOD(p->extack,
			   "a mask on L3 fields needs the EtherType matched, on L4 fields the IP protocol matched exactly");
	return -EINVAL;
}

static int vsw_parse_level(struct vsw_kparse *p, const struct nlattr *list, int level)
{
	const struct nlattr *a[OVS_KEY_ATTR_MAX + 1] = {};
	struct vsw_mkey *k = p->k;
	u64 here = 0;
	__be16 type = 0;
	int err;

	err = vsw_key_attrs(list, a, &here, p);
	if (err)
		return err;
	if (level && (here & (VSW_META_ATTRS | A(TUNNEL)))) {
		NL_SET_ERR_MSG_MOD(p->extack, "metadata, tunnel or Ethernet inside an ENCAP nest");
		return -EINVAL;
	}
	if (a[OVS_KEY_ATTR_PRIORITY])
		k->priority = nla_get_u32(a[OVS_KEY_ATTR_PRIORITY]);
	if (a[OVS_KEY_ATTR_SKB_MARK])
		k->skb_mark = nla_get_u32(a[OVS_KEY_ATTR_SKB_MARK]);
	if (!level && !p->is_mask && !a[OVS_KEY_ATTR_IN_PORT]) {
		/* as upstream: no port (a mask that matches the port then matches no frame) */
		k->in_port = VSW_MAX_PORTS;
	} else if (a[OVS_KEY_ATTR_IN_PORT]) {
		/* as upstream: a port is matched exactly or not at all */
		k->in_port = p->is_mask ? U32_MAX : nla_get_u32(a[OVS_KEY_ATTR_IN_PORT]);
		if (k->in_port >= VSW_MAX_PORTS && !p->is_mask) {
			NL_SET_ERR_MSG_MOD(p->extack, "in_port: port numbers are below 1024");
			return -EINVAL;
		}
	}
	if (!p->is_mask && a[OVS_KEY_ATTR_IPV6] &&
	    ((const struct ovs_key_ipv6 *)nla_data(a[OVS_KEY_ATTR_IPV6]))->ipv6_label &
	    ~htonl(0xFFFFF)) {
		NL_SET_ERR_MSG_MOD(p->extack, "an IPv6 flow label above 20 bits");
		return -EINVAL;
	}
	if (a[OVS_KEY_ATTR_RECIRC_ID])
		k->recirc_id = nla_get_u32(a[OVS_KEY_ATTR_RECIRC_ID]);
	if (a[OVS_KEY_ATTR_DP_HASH])
		k->dp_hash = nla_get_u32(a[OVS_KEY_ATTR_DP_HASH]);
	if (a[OVS_KEY_ATTR_ETHERNET]) {
		const struct ovs_key_ethernet *e = nla_data(a[OVS_KEY_ATTR_ETHERNET]);

		memcpy(k->eth_src, e->eth_src, ETH_ALEN);
		memcpy(k->eth_dst, e->eth_dst, ETH_ALEN);
	}
	if (a[OVS_KEY_ATTR_ETHERTYPE])
		type = nla_get_be16(a[OVS_KEY_ATTR_ETHERTYPE]);
	if (!p->is_mask && a[OVS_KEY_ATTR_ARP] &&
	    ntohs(((const struct ovs_key_arp *)nla_data(a[OVS_KEY_ATTR_ARP]))->arp_op) > 0xff) {
		NL_SET_ERR_MSG_MOD(p->extack, "an ARP opcode above 255");
		return -EINVAL;
	}

	/* a tag: ETHERTYPE is its TPID, VLAN its TCI, ENCAP the rest */
	if (!p->is_mask && (a[OVS_KEY_ATTR_VLAN] || a[OVS_KEY_ATTR_ENCAP])) {
		__be16 tci = a[OVS_KEY_ATTR_VLAN] ? nla_get_be16(a[OVS_KEY_ATTR_VLAN]) : 0;

		if (!a[OVS_KEY_ATTR_VLAN] || !a[OVS_KEY_ATTR_ETHERTYPE] || !eth_type_vlan(type) ||
		    !a[OVS_KEY_ATTR_ENCAP]) {
			NL_SET_ERR_MSG_MOD(p->extack,
					   "a VLAN key needs ETHERTYPE 0x8100 or 0x88a8, VLAN and ENCAP");
			return -EINVAL;
		}
		if (level >= VSW_MAX_VLANS) {
			NL_SET_ERR_MSG_MOD(p->extack, "more than two VLAN tags");
			return -EINVAL;
		}
		if (here & ~(A(ETHERTYPE) | A(VLAN) | A(ENCAP) | VSW_META_ATTRS)) {
			NL_SET_ERR_MSG_MOD(p->extack, "L3 attributes beside ENCAP, not in it");
			return -EINVAL;
		}
		if (!(tci & htons(VLAN_CFI_MASK))) {
			/* a truncated tag: TCI 0 and nothing inside */
			if (tci || nla_len(a[OVS_KEY_ATTR_ENCAP])) {
				NL_SET_ERR_MSG_MOD(p->extack,
						   "a VLAN TCI without its present bit (0x1000)");
				return -EINVAL;
			}
		}
		k->vlan_tpid[level] = type;
		k->vlan_tci[level] = tci;
		if (!nla_len(a[OVS_KEY_ATTR_ENCAP])) {
			k->eth_type = 0;	/* nothing after the tag */
			return 0;
		}
		return vsw_parse_level(p, a[OVS_KEY_ATTR_ENCAP], level + 1);
	}
	if (p->is_mask && level < VSW_MAX_VLANS && p->key->vlan_tpid[level]) {
		/*
		 * As upstream: the TPID is matched exactly, the TCI as the mask says
		 * (exactly without a VLAN mask), but always on its present bit.
		 */
		__be16 tci = htons(0xffff);

		if (a[OVS_KEY_ATTR_VLAN])
			tci = nla_get_be16(a[OVS_KEY_ATTR_VLAN]);

		if (!(tci & htons(VLAN_CFI_MASK))) {
			NL_SET_ERR_MSG_MOD(p->extack, "VLAN mask lacks the present bit");
			return -EINVAL;
		}
		k->vlan_tpid[level] = htons(0xffff);
		k->vlan_tci[level] = tci;
		if (a[OVS_KEY_ATTR_ENCAP])
			return vsw_parse_level(p, a[OVS_KEY_ATTR_ENCAP], level + 1);
		return 0;
	}
	if (a[OVS_KEY_ATTR_VLAN] || a[OVS_KEY_ATTR_ENCAP]) {
		NL_SET_ERR_MSG_MOD(p->extack, "a VLAN or ENCAP mask for a key without that tag");
		return -EINVAL;
	}

	if (a[OVS_KEY_ATTR_ETHERTYPE]) {
		if (p->is_mask) {
			type = htons(0xffff);	/* always exact, as upstream */
		} else if (!eth_proto_is_802_3(type)) {
			NL_SET_ERR_MSG_MOD(p->extack, "an EtherType below 0x600 (an 802.3 length)");
			return -EINVAL;
		}
		k->eth_type = type;
	} else if (!p->is_mask) {
		k->eth_type = htons(ETH_P_802_2);
	}
	vsw_put_l3l4(p, a);
	return p->is_mask ? vsw_mask_consistent(p, here) : vsw_key_consistent(p, here);
}

int vsw_key_from_attrs(const struct nlattr *attr, struct vsw_mkey *key, u64 *attrs,
		       struct netlink_ext_ack *extack)
{
	struct vsw_kparse p = { .k = key, .extack = extack };
	int err;

	memset(key, 0, sizeof(*key));
	err = vsw_parse_level(&p, attr, 0);
	if (err)
		return err;
	if (!(p.seen & A(ETHERNET))) {
		NL_SET_ERR_MSG_MOD(extack, "a key without ETHERNET: layer-3 packets unsupported");
		return -EINVAL;
	}
	*attrs = p.seen;
	return 0;
}

int vsw_mask_from_attrs(const struct nlattr *attr, const struct vsw_mkey *key, u64 key_attrs,
			struct vsw_mkey *mask, struct netlink_ext_ack *extack)
{
	struct vsw_kparse p = {
		.k = mask, .is_mask = true, .key = key, .key_seen = key_attrs, .extack = extack,
	};
	unsigned int i;
	int err;

	memset(mask, 0, sizeof(*mask));
	err = vsw_parse_level(&p, attr, 0);
	if (err)
		return err;
	/* no tag in the key: none in the frame (a flow for untagged frames takes no tagged one) */
	for (i = 0; i < VSW_MAX_VLANS; i++) {
		if (key->vlan_tpid[i])
			continue;
		mask->vlan_tpid[i] = htons(0xffff);
		mask->vlan_tci[i] = htons(0xffff);
	}
	return 0;
}

/*
 * The mask of a flow installed without one: every attribute of the key, all
 * ones. Built as attributes, so that it is parsed as a given mask would be
 * and comes back in GET and dumps like one.
 */
static void vsw_exact_fill(struct nlattr *list)
{
	struct nlattr *nla;
	int rem;

	nla_for_each_nested(nla, list, rem) {
		if (nla_type(nla) == OVS_KEY_ATTR_ENCAP)
			vsw_exact_fill(nla);
		else
			memset(nla_data(nla), 0xff, nla_len(nla));
	}
}

struct nlattr *vsw_exact_mask_attrs(const struct nlattr *key_attr, gfp_t gfp)
{
	struct nlattr *mask = kmemdup(key_attr, nla_total_size(nla_len(key_attr)), gfp);

	if (!mask)
		return NULL;
	mask->nla_type = OVS_FLOW_ATTR_MASK;
	vsw_exact_fill(mask);
	return mask;
}

/*
 * A frame's match key as OVS key attributes (an upcall's OVS_PACKET_ATTR_KEY),
 * in the order and with the presence rules of upstream's ovs_nla_put_key().
 */
static int vsw_emit_l3l4(struct sk_buff *msg, const struct vsw_mkey *k)
{
	if (k->eth_type == htons(ETH_P_IP)) {
		struct ovs_key_ipv4 v = {
			.ipv4_src = k->ipv4_src, .ipv4_dst = k->ipv4_dst, .ipv4_proto = k->ip_proto,
			.ipv4_tos = k->ip_tos, .ipv4_ttl = k->ip_ttl, .ipv4_frag = k->ip_frag,
		};

		if (nla_put(msg, OVS_KEY_ATTR_IPV4, sizeof(v), &v))
			return -EMSGSIZE;
	} else if (k->eth_type == htons(ETH_P_IPV6)) {
		struct ovs_key_ipv6 v = {
			.ipv6_label = k->ipv6_label, .ipv6_proto = k->ip_proto,
			.ipv6_tclass = k->ip_tos, .ipv6_hlimit = k->ip_ttl, .ipv6_frag = k->ip_frag,
		};

		memcpy(v.ipv6_src, &k->ipv6_src, sizeof(v.ipv6_src));
		memcpy(v.ipv6_dst, &k->ipv6_dst, sizeof(v.ipv6_dst));
		if (nla_put(msg, OVS_KEY_ATTR_IPV6, sizeof(v), &v))
			return -EMSGSIZE;
	} else if (k->eth_type == htons(ETH_P_ARP) || k->eth_type == htons(ETH_P_RARP)) {
		struct ovs_key_arp v;

		memset(&v, 0, sizeof(v));	/* its tail padding goes to userspace */
		v.arp_sip = k->ipv4_src;
		v.arp_tip = k->ipv4_dst;
		v.arp_op = htons(k->ip_proto);
		memcpy(v.arp_sha, k->arp_sha, ETH_ALEN);
		memcpy(v.arp_tha, k->arp_tha, ETH_ALEN);
		return nla_put(msg, OVS_KEY_ATTR_ARP, sizeof(v), &v) ? -EMSGSIZE : 0;
	} else {
		return 0;
	}
	if (k->ip_frag == OVS_FRAG_TYPE_LATER)
		return 0;
	switch (k->ip_proto) {
	case IPPROTO_TCP: {
		struct ovs_key_tcp v = { .tcp_src = k->tp_src, .tcp_dst = k->tp_dst };

		if (nla_put(msg, OVS_KEY_ATTR_TCP, sizeof(v), &v) ||
		    nla_put_be16(msg, OVS_KEY_ATTR_TCP_FLAGS, k->tcp_flags))
			return -EMSGSIZE;
		break;
	}
	case IPPROTO_UDP: {
		struct ovs_key_udp v = { .udp_src = k->tp_src, .udp_dst = k->tp_dst };

		return nla_put(msg, OVS_KEY_ATTR_UDP, sizeof(v), &v) ? -EMSGSIZE : 0;
	}
	case IPPROTO_SCTP: {
		struct ovs_key_sctp v = { .sctp_src = k->tp_src, .sctp_dst = k->tp_dst };

		return nla_put(msg, OVS_KEY_ATTR_SCTP, sizeof(v), &v) ? -EMSGSIZE : 0;
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: {
		struct ovs_key_icmp v = {
			.icmp_type = ntohs(k->tp_src), .icmp_code = ntohs(k->tp_dst),
		};
		bool v6 = k->eth_type == htons(ETH_P_IPV6);
		bool icmp6 = k->ip_proto == IPPROTO_ICMPV6;

		if (v6 != icmp6)
			break;
		if (nla_put(msg, v6 ? OVS_KEY_ATTR_ICMPV6 : OVS_KEY_ATTR_ICMP, sizeof(v), &v))
			return -EMSGSIZE;
		/* as upstream, whatever the code (with one, the fields are 0) */
		if (v6 && (v.icmp_type == VSW_ND_SOLICIT || v.icmp_type == VSW_ND_ADVERT)) {
			struct ovs_key_nd nd;

			memcpy(nd.nd_target, &k->nd_target, sizeof(nd.nd_target));
			memcpy(nd.nd_sll, k->arp_sha, ETH_ALEN);
			memcpy(nd.nd_tll, k->arp_tha, ETH_ALEN);
			if (nla_put(msg, OVS_KEY_ATTR_ND, sizeof(nd), &nd))
				return -EMSGSIZE;
		}
		break;
	}
	}
	return 0;
}

int vsw_key_to_attrs(struct sk_buff *msg, int attrtype, const struct vsw_mkey *k)
{
	struct ovs_key_ethernet eth;
	struct nlattr *key, *encap[VSW_MAX_VLANS] = {};
	int i, err;

	key = nla_nest_start_noflag(msg, attrtype);
	if (!key)
		return -EMSGSIZE;
	/* as upstream, dp_hash and recirc_id always: ovs-vswitchd's mask names them */
	if (nla_put_u32(msg, OVS_KEY_ATTR_DP_HASH, k->dp_hash) ||
	    nla_put_u32(msg, OVS_KEY_ATTR_RECIRC_ID, k->recirc_id) ||
	    nla_put_u32(msg, OVS_KEY_ATTR_PRIORITY, k->priority) ||
	    nla_put_u32(msg, OVS_KEY_ATTR_IN_PORT, k->in_port) ||
	    nla_put_u32(msg, OVS_KEY_ATTR_SKB_MARK, k->skb_mark))
		goto full;
	memcpy(eth.eth_src, k->eth_src, ETH_ALEN);
	memcpy(eth.eth_dst, k->eth_dst, ETH_ALEN);
	if (nla_put(msg, OVS_KEY_ATTR_ETHERNET, sizeof(eth), &eth))
		goto full;
	for (i = 0; i < VSW_MAX_VLANS && k->vlan_tpid[i]; i++) {
		if (nla_put_be16(msg, OVS_KEY_ATTR_ETHERTYPE, k->vlan_tpid[i]) ||
		    nla_put_be16(msg, OVS_KEY_ATTR_VLAN, k->vlan_tci[i]))
			goto full;
		encap[i] = nla_nest_start_noflag(msg, OVS_KEY_ATTR_ENCAP);
		if (!encap[i])
			goto full;
		/* a truncated tag: nothing inside */
		if (!(k->vlan_tci[i] & htons(VLAN_CFI_MASK))) {
			i++;
			goto close;
		}
	}
	/* an 802.3 frame has no ETHERTYPE attribute */
	if (k->eth_type != htons(ETH_P_802_2)) {
		if (nla_put_be16(msg, OVS_KEY_ATTR_ETHERTYPE, k->eth_type))
			goto full;
		err = vsw_emit_l3l4(msg, k);
		if (err)
			goto full;
	}
close:
	while (--i >= 0)
		nla_nest_end(msg, encap[i]);
	nla_nest_end(msg, key);
	return 0;
full:
	nla_nest_cancel(msg, key);
	return -EMSGSIZE;
}

/* Actions */

#define VSW_ACTIONS_MAX_DEPTH	8	/* nested sample and clone lists */
/*
 * As upstream's MAX_ACTIONS_BUFSIZE: every nested action is its own attribute,
 * so this also bounds what one frame can cost. A flow's reply is sized for it;
 * in a dump, actions that do not fit a message of their own are left out.
 */
#define VSW_ACTIONS_MAX_LEN	(32 * 1024)

static const int vsw_action_lens[OVS_ACTION_ATTR_MAX + 1] = {
	[OVS_ACTION_ATTR_OUTPUT]	= sizeof(u32),
	[OVS_ACTION_ATTR_USERSPACE]	= VSW_NESTED,
	[OVS_ACTION_ATTR_SET]		= VSW_NESTED,
	[OVS_ACTION_ATTR_PUSH_VLAN]	= sizeof(struct ovs_action_push_vlan),
	[OVS_ACTION_ATTR_POP_VLAN]	= 0,
	[OVS_ACTION_ATTR_SAMPLE]	= VSW_NESTED,
	[OVS_ACTION_ATTR_RECIRC]	= sizeof(u32),
	[OVS_ACTION_ATTR_HASH]		= sizeof(struct ovs_action_hash),
	[OVS_ACTION_ATTR_SET_MASKED]	= VSW_NESTED,
	[OVS_ACTION_ATTR_TRUNC]		= sizeof(struct ovs_action_trunc),
	[OVS_ACTION_ATTR_CLONE]		= VSW_NESTED,
	[OVS_ACTION_ATTR_METER]		= sizeof(u32),
};

static const u64 vsw_supported_actions =
	BIT_ULL(OVS_ACTION_ATTR_OUTPUT) | BIT_ULL(OVS_ACTION_ATTR_SET) |
	BIT_ULL(OVS_ACTION_ATTR_USERSPACE) |
	BIT_ULL(OVS_ACTION_ATTR_PUSH_VLAN) | BIT_ULL(OVS_ACTION_ATTR_POP_VLAN) |
	BIT_ULL(OVS_ACTION_ATTR_SAMPLE) | BIT_ULL(OVS_ACTION_ATTR_RECIRC) |
	BIT_ULL(OVS_ACTION_ATTR_HASH) | BIT_ULL(OVS_ACTION_ATTR_SET_MASKED) |
	BIT_ULL(OVS_ACTION_ATTR_TRUNC) | BIT_ULL(OVS_ACTION_ATTR_CLONE) |
	BIT_ULL(OVS_ACTION_ATTR_METER);

static int vsw_validate_actions(const struct nlattr *list, const struct vsw_mkey *key, int depth,
				struct netlink_ext_ack *extack);

/* SET / SET_MASKED: one key attribute (value, then for SET_MASKED a mask of its size). */
static int vsw_validate_set(const struct nlattr *a, bool masked, const struct vsw_mkey *key,
			    struct netlink_ext_ack *extack)
{
	const struct nlattr *ka = nla_data(a);
	int type, len;

	if (nla_len(a) < NLA_HDRLEN || ka->nla_len < NLA_HDRLEN ||
	    NLA_ALIGN(ka->nla_len) != nla_len(a)) {
		NL_SET_ERR_MSG_MOD(extack, "a set action holds exactly one key attribute");
		return -EINVAL;
	}
	type = nla_type(ka);
	len = type <= OVS_KEY_ATTR_MAX ? vsw_key_lens[type] : 0;
	switch (type) {
	case OVS_KEY_ATTR_PRIORITY:
	case OVS_KEY_ATTR_SKB_MARK:
	case OVS_KEY_ATTR_ETHERNET:
		break;
	case OVS_KEY_ATTR_IPV4:
		if (key->eth_type != htons(ETH_P_IP))
			goto no_l3;
		break;
	case OVS_KEY_ATTR_IPV6:
		if (key->eth_type != htons(ETH_P_IPV6))
			goto no_l3;
		break;
	case OVS_KEY_ATTR_TCP:
	case OVS_KEY_ATTR_UDP:
		if ((key->eth_type != htons(ETH_P_IP) && key->eth_type != htons(ETH_P_IPV6)) ||
		    key->ip_proto != (type == OVS_KEY_ATTR_TCP ? IPPROTO_TCP : IPPROTO_UDP) ||
		    key->ip_frag == OVS_FRAG_TYPE_LATER)
			goto no_l3;
		break;
	default:
		NL_SET_ERR_MSG_ATTR(extack, ka,
				    "set of this field is not supported (priority, skb_mark, eth, ipv4, ipv6, tcp, udp are)");
		return -EINVAL;
	}
	if (nla_len(ka) != (masked ? 2 * len : len)) {
		NL_SET_ERR_MSG_ATTR(extack, ka, "set: the field has the wrong length");
		return -EINVAL;
	}
	if (masked) {
		/* as upstream: no value bit outside the mask */
		const u8 *v = nla_data(ka), *m = v + len;
		int i;

		for (i = 0; i < len; i++) {
			if (v[i] & ~m[i]) {
				NL_SET_ERR_MSG_ATTR(extack, ka, "set_masked: value outside mask");
				return -EINVAL;
			}
		}
	}
	if (type == OVS_KEY_ATTR_IPV4 || type == OVS_KEY_ATTR_IPV6) {
		/* the protocol and fragment type are not settable (as upstream) */
		const u8 *v = nla_data(ka);
		size_t proto_off = type == OVS_KEY_ATTR_IPV4 ?
			offsetof(struct ovs_key_ipv4, ipv4_proto) :
			offsetof(struct ovs_key_ipv6, ipv6_proto);
		size_t frag_off = type == OVS_KEY_ATTR_IPV4 ?
			offsetof(struct ovs_key_ipv4, ipv4_frag) :
			offsetof(struct ovs_key_ipv6, ipv6_frag);

		if (masked ? (v[len + proto_off] || v[len + frag_off]) :
			     (v[proto_off] != key->ip_proto || v[frag_off] != key->ip_frag)) {
			NL_SET_ERR_MSG_MOD(extack,
					   "set of the IP protocol or fragment type is not supported");
			return -EINVAL;
		}
	}
	return 0;
no_l3:
	NL_SET_ERR_MSG_ATTR(extack, ka, "set of a header the flow's key does not have");
	return -EINVAL;
}

static int vsw_validate_sample(const struct nlattr *a, const struct vsw_mkey *key, int depth,
			       struct netlink_ext_ack *extack)
{
	static const struct nla_policy policy[OVS_SAMPLE_ATTR_MAX + 1] = {
		[OVS_SAMPLE_ATTR_PROBABILITY]	= { .type = NLA_U32 },
		[OVS_SAMPLE_ATTR_ACTIONS]	= { .type = NLA_NESTED },
	};
	struct nlattr *tb[OVS_SAMPLE_ATTR_MAX + 1];
	int err;

	/* OVS sends nests without NLA_F_NESTED */
	err = nla_parse_nested_deprecated(tb, OVS_SAMPLE_ATTR_MAX, a, policy, extack);
	if (err)
		return err;
	if (!tb[OVS_SAMPLE_ATTR_PROBABILITY] || !tb[OVS_SAMPLE_ATTR_ACTIONS]) {
		NL_SET_ERR_MSG_MOD(extack, "sample needs PROBABILITY and ACTIONS");
		return -EINVAL;
	}
	return vsw_validate_actions(tb[OVS_SAMPLE_ATTR_ACTIONS], key, depth + 1, extack);
}

/* userspace: the frame to a netlink listener (PID), with USERDATA echoed */
static int vsw_validate_userspace(const struct nlattr *a, struct netlink_ext_ack *extack)
{
	static const struct nla_policy policy[OVS_USERSPACE_ATTR_MAX + 1] = {
		[OVS_USERSPACE_ATTR_PID]		= { .type = NLA_U32 },
		[OVS_USERSPACE_ATTR_USERDATA]		= { .type = NLA_UNSPEC },
		[OVS_USERSPACE_ATTR_EGRESS_TUN_PORT]	= { .type = NLA_U32 },
		[OVS_USERSPACE_ATTR_ACTIONS]		= { .type = NLA_FLAG },
	};
	struct nlattr *tb[OVS_USERSPACE_ATTR_MAX + 1];
	int err;

	err = nla_parse_nested_deprecated(tb, OVS_USERSPACE_ATTR_MAX, a, policy, extack);
	if (err)
		return err;
	if (!tb[OVS_USERSPACE_ATTR_PID] || !nla_get_u32(tb[OVS_USERSPACE_ATTR_PID])) {
		NL_SET_ERR_MSG_ATTR(extack, a, "userspace needs a PID (not 0)");
		return -EINVAL;
	}
	return 0;
}

static int vsw_validate_actions(const struct nlattr *list, const struct vsw_mkey *key, int depth,
				struct netlink_ext_ack *extack)
{
	const struct nlattr *a;
	int rem, type, err;

	if (depth > VSW_ACTIONS_MAX_DEPTH) {
		NL_SET_ERR_MSG_MOD(extack, "actions nested too deep (sample/clone: 8 levels)");
		return -EOVERFLOW;
	}
	nla_for_each_nested(a, list, rem) {
		type = nla_type(a);
		if (type > OVS_ACTION_ATTR_MAX || !(vsw_supported_actions & BIT_ULL(type))) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "action not supported (output, userspace, set, set_masked, push/pop_vlan, sample, clone, recirc, hash, trunc are)");
			return -EINVAL;
		}
		if (vsw_action_lens[type] != VSW_NESTED && nla_len(a) != vsw_action_lens[type]) {
			NL_SET_ERR_MSG_ATTR(extack, a, "action of the wrong length");
			return -EINVAL;
		}
		switch (type) {
		case OVS_ACTION_ATTR_OUTPUT: {
			u32 port = nla_get_u32(a);

			if (port >= VSW_MAX_PORTS && port != VSW_PORT_NORMAL) {
				NL_SET_ERR_MSG_ATTR(extack, a,
						    "output: ports are below 1024 (4294967294: the learning switch)");
				return -EINVAL;
			}
			break;
		}
		case OVS_ACTION_ATTR_PUSH_VLAN: {
			const struct ovs_action_push_vlan *v = nla_data(a);

			if (!eth_type_vlan(v->vlan_tpid) || !(v->vlan_tci & htons(VLAN_CFI_MASK))) {
				NL_SET_ERR_MSG_MOD(extack,
						   "push_vlan needs TPID 0x8100 or 0x88a8 and the TCI's present bit (0x1000)");
				return -EINVAL;
			}
			break;
		}
		case OVS_ACTION_ATTR_HASH: {
			const struct ovs_action_hash *h = nla_data(a);

			if (h->hash_alg != OVS_HASH_ALG_L4 && h->hash_alg != OVS_HASH_ALG_SYM_L4) {
				NL_SET_ERR_MSG_MOD(extack, "hash: unknown algorithm");
				return -EINVAL;
			}
			break;
		}
		case OVS_ACTION_ATTR_TRUNC: {
			const struct ovs_action_trunc *t = nla_data(a);

			if (t->max_len < ETH_HLEN) {
				NL_SET_ERR_MSG_MOD(extack, "trunc below an Ethernet header");
				return -EINVAL;
			}
			break;
		}
		case OVS_ACTION_ATTR_SET:
		case OVS_ACTION_ATTR_SET_MASKED:
			err = vsw_validate_set(a, type == OVS_ACTION_ATTR_SET_MASKED, key, extack);
			if (err)
				return err;
			break;
		case OVS_ACTION_ATTR_USERSPACE:
			err = vsw_validate_userspace(a, extack);
			if (err)
				return err;
			break;
		case OVS_ACTION_ATTR_SAMPLE:
			err = vsw_validate_sample(a, key, depth, extack);
			if (err)
				return err;
			break;
		case OVS_ACTION_ATTR_CLONE:
			err = vsw_validate_actions(a, key, depth + 1, extack);
			if (err)
				return err;
			break;
		}
	}
	if (rem) {
		NL_SET_ERR_MSG_MOD(extack, "bytes after the last action");
		return -EINVAL;
	}
	return 0;
}

struct vsw_actions *vsw_actions_from_attrs(const struct nlattr *attr, const struct vsw_mkey *key,
					   struct netlink_ext_ack *extack)
{
	struct vsw_actions *acts;
	int err;

	if (nla_len(attr) > VSW_ACTIONS_MAX_LEN) {
		NL_SET_ERR_MSG_MOD(extack, "actions longer than 32 KiB");
		return ERR_PTR(-EMSGSIZE);
	}
	err = vsw_validate_actions(attr, key, 0, extack);
	if (err)
		return ERR_PTR(err);
	acts = kmalloc(struct_size(acts, attrs, 0) + nla_len(attr), GFP_KERNEL);
	if (!acts)
		return ERR_PTR(-ENOMEM);
	acts->len = nla_len(attr);
	memcpy(acts->attrs, nla_data(attr), acts->len);
	return acts;
}
