// SPDX-License-Identifier: GPL-2.0
/*
 * Running a flow's actions on a frame (OVS_ACTION_ATTR_*, validated by
 * flow_netlink.c). The model is the openvswitch module's: an output that is
 * not the last action sends a clone; header rewrites make the header
 * writable first and fix the checksums they touch (IPv4 header, TCP/UDP with
 * the pseudo-header, CHECKSUM_COMPLETE's sum); sample and clone run a nested
 * list on a clone; recirc looks the frame up again with a new recirc_id.
 *
 * The frame's key (flow.h) is kept alongside for the header offsets; a VLAN
 * push or pop shifts them, so it is extracted again before the next rewrite.
 */

#include <linux/etherdevice.h>
#include <linux/icmpv6.h>
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/jhash.h>
#include <linux/random.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/dsfield.h>
#include <net/ipv6.h>

#include "datapath.h"
#include "flow_table.h"

struct vsw_exec {
	struct vsw_dp		*dp;
	struct vsw_vport	*in;
	struct vsw_flow_key	key;
	bool			key_stale;	/* headers moved since @key was extracted */
	struct vsw_pkt_meta	meta;
	u32			cutlen;		/* trunc: the next output's length, 0 if none */
};

static void vsw_do_actions(struct vsw_exec *x, struct sk_buff *skb, const struct nlattr *attr,
			   int len, int depth);

/* The skb's header fields from @key: what the helpers below and skb_vlan_push/pop read. */
static void vsw_skb_headers(struct sk_buff *skb, const struct vsw_flow_key *key)
{
	unsigned int inband = key->eth.nvlans - (skb_vlan_tag_present(skb) ? 1 : 0);

	skb_reset_mac_header(skb);
	skb_set_network_header(skb, key->l3_off);
	skb->mac_len = key->l3_off;
	skb->protocol = inband ? key->eth.vlan[key->eth.nvlans - inband].tpid : key->eth.type;
	if (key->layers & VSW_KEY_L4)
		skb_set_transport_header(skb, key->l4_off);
}

static const struct vsw_flow_key *vsw_fresh_key(struct vsw_exec *x, struct sk_buff *skb)
{
	if (x->key_stale) {
		vsw_flow_extract(skb, x->meta.in_port, &x->key);
		vsw_skb_headers(skb, &x->key);
		x->key_stale = false;
	}
	return &x->key;
}

static void vsw_do_output(struct vsw_exec *x, struct sk_buff *skb, u32 port)
{
	struct vsw_vport *out;

	if (port == VSW_PORT_NORMAL) {
		vsw_normal(x->dp, skb, vsw_fresh_key(x, skb), x->in);
		return;
	}
	out = vsw_dp_vport(x->dp, port);
	if (unlikely(!out)) {
		vsw_dp_count_drop(x->dp, VSW_DROP_NO_PORT);
		kfree_skb(skb);
		return;
	}
	if (x->cutlen && skb->len > x->cutlen) {
		/*
		 * A checksum left to the device could start past the cut: finished
		 * here first (a GSO frame is one frame once cut). A received one
		 * (COMPLETE) follows the trim. A clone gets its own head before its
		 * GSO fields go: they are in the shared info its siblings read.
		 */
		if (skb_is_gso(skb)) {
			if (skb_unclone(skb, GFP_ATOMIC))
				goto nomem;
			skb_gso_reset(skb);
		}
		if ((skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb)) ||
		    pskb_trim_rcsum(skb, x->cutlen))
			goto nomem;
	}
	vsw_vport_send(out, skb);
	return;
nomem:
	vsw_dp_count_drop(x->dp, VSW_DROP_NOMEM);
	kfree_skb(skb);
}

#define VSW_MASKED(old, val, mask)	((val) | ((old) & ~(mask)))

static void vsw_masked_mac(u8 *dst, const u8 *val, const u8 *mask)
{
	int i;

	for (i = 0; i < ETH_ALEN; i++)
		dst[i] = VSW_MASKED(dst[i], val[i], mask[i]);
}

static int vsw_set_eth(struct sk_buff *skb, const struct ovs_key_ethernet *v,
		       const struct ovs_key_ethernet *m)
{
	struct ethhdr *eth;
	int err;

	err = skb_ensure_writable(skb, ETH_HLEN);
	if (err)
		return err;
	eth = (struct ethhdr *)skb->data;
	skb_postpull_rcsum(skb, eth, 2 * ETH_ALEN);
	vsw_masked_mac(eth->h_source, v->eth_src, m->eth_src);
	vsw_masked_mac(eth->h_dest, v->eth_dst, m->eth_dst);
	skb_postpush_rcsum(skb, eth, 2 * ETH_ALEN);
	return 0;
}

/*
 * The transport checksum a rewrite must fix, or NULL: TCP, UDP (IPv4 UDP
 * without a checksum stays without one), and ICMPv6 for its pseudo-header.
 */
static __sum16 *vsw_l4_check(struct sk_buff *skb, const struct vsw_flow_key *key, bool pseudo)
{
	__sum16 *check;

	if (!(key->layers & VSW_KEY_L4) || key->ip.frag == VSW_FRAG_LATER)
		return NULL;
	switch (key->ip.proto) {
	case IPPROTO_TCP:
		return &tcp_hdr(skb)->check;
	case IPPROTO_UDP:
		check = &udp_hdr(skb)->check;
		if (!*check && skb->ip_summed != CHECKSUM_PARTIAL && (key->layers & VSW_KEY_IPV4))
			return NULL;
		return check;
	case IPPROTO_ICMPV6:
		return pseudo && (key->layers & VSW_KEY_IPV6) ? &icmp6_hdr(skb)->icmp6_cksum : NULL;
	}
	return NULL;
}

/* A UDP checksum that came out as 0 is sent as all ones: 0 means "none". */
static void vsw_l4_check_done(const struct vsw_flow_key *key, __sum16 *check)
{
	if (key->ip.proto == IPPROTO_UDP && !*check)
		*check = CSUM_MANGLED_0;
}

/* Writable up to the end of the transport header the key found (or the L3 header). */
static int vsw_writable_l4(struct sk_buff *skb, const struct vsw_flow_key *key,
			   unsigned int l3_len)
{
	unsigned int len = key->l3_off + l3_len;

	if ((key->layers & VSW_KEY_L4) && key->ip.frag != VSW_FRAG_LATER) {
		switch (key->ip.proto) {
		case IPPROTO_TCP:
			len = key->l4_off + sizeof(struct tcphdr);
			break;
		case IPPROTO_UDP:
			len = key->l4_off + sizeof(struct udphdr);
			break;
		case IPPROTO_ICMPV6:
			len = key->l4_off + sizeof(struct icmp6hdr);
			break;
		}
	}
	return skb_ensure_writable(skb, len);
}

static void vsw_set_ip4_addr(struct sk_buff *skb, const struct vsw_flow_key *key,
			     struct iphdr *nh, __be32 *addr, __be32 new)
{
	__sum16 *check = vsw_l4_check(skb, key, true);

	if (check) {
		inet_proto_csum_replace4(check, skb, *addr, new, true);
		vsw_l4_check_done(key, check);
	}
	csum_replace4(&nh->check, *addr, new);
	*addr = new;
	skb_clear_hash(skb);
}

static int vsw_set_ipv4(struct sk_buff *skb, const struct vsw_flow_key *key,
			const struct ovs_key_ipv4 *v, const struct ovs_key_ipv4 *m)
{
	struct iphdr *nh;
	__be32 addr;
	int err;

	if (!(key->layers & VSW_KEY_IPV4))
		return 0;	/* a frame the flow's mask let through without this header */
	err = vsw_writable_l4(skb, key, sizeof(*nh));
	if (err)
		return err;
	nh = ip_hdr(skb);
	if (m->ipv4_src) {
		addr = VSW_MASKED(nh->saddr, v->ipv4_src, m->ipv4_src);
		if (addr != nh->saddr)
			vsw_set_ip4_addr(skb, key, nh, &nh->saddr, addr);
	}
	if (m->ipv4_dst) {
		addr = VSW_MASKED(nh->daddr, v->ipv4_dst, m->ipv4_dst);
		if (addr != nh->daddr)
			vsw_set_ip4_addr(skb, key, nh, &nh->daddr, addr);
	}
	if (m->ipv4_tos)
		ipv4_change_dsfield(nh, ~m->ipv4_tos, v->ipv4_tos & m->ipv4_tos);
	if (m->ipv4_ttl) {
		u8 ttl = VSW_MASKED(nh->ttl, v->ipv4_ttl, m->ipv4_ttl);

		csum_replace2(&nh->check, htons(nh->ttl << 8), htons(ttl << 8));
		nh->ttl = ttl;
	}
	return 0;
}

static void vsw_set_ip6_addr(struct sk_buff *skb, const struct vsw_flow_key *key,
			     struct in6_addr *addr, const __be32 *v, const __be32 *m)
{
	__sum16 *check;
	__be32 new[4];
	int i;

	for (i = 0; i < 4; i++)
		new[i] = VSW_MASKED(addr->s6_addr32[i], v[i], m[i]);
	if (!memcmp(new, addr->s6_addr32, sizeof(new)))
		return;
	check = vsw_l4_check(skb, key, true);
	if (check) {
		inet_proto_csum_replace16(check, skb, addr->s6_addr32, new, true);
		vsw_l4_check_done(key, check);
	}
	memcpy(addr->s6_addr32, new, sizeof(new));
	skb_clear_hash(skb);
}

static int vsw_set_ipv6(struct sk_buff *skb, const struct vsw_flow_key *key,
			const struct ovs_key_ipv6 *v, const struct ovs_key_ipv6 *m)
{
	struct ipv6hdr *nh;
	int err;

	if (!(key->layers & VSW_KEY_IPV6))
		return 0;
	err = vsw_writable_l4(skb, key, sizeof(*nh));
	if (err)
		return err;
	nh = ipv6_hdr(skb);
	vsw_set_ip6_addr(skb, key, &nh->saddr, v->ipv6_src, m->ipv6_src);
	vsw_set_ip6_addr(skb, key, &nh->daddr, v->ipv6_dst, m->ipv6_dst);
	/*
	 * No header checksum to compensate these three: a CHECKSUM_COMPLETE sum
	 * (covering the header from the port's receive) follows them, as upstream.
	 */
	if (m->ipv6_tclass) {
		u8 old = ipv6_get_dsfield(nh);
		u8 new = VSW_MASKED(old, v->ipv6_tclass, m->ipv6_tclass);

		if (skb->ip_summed == CHECKSUM_COMPLETE)
			csum_replace(&skb->csum, (__force __wsum)(old << 12),
				     (__force __wsum)(new << 12));
		ipv6_change_dsfield(nh, ~m->ipv6_tclass, new & m->ipv6_tclass);
	}
	if (m->ipv6_label & IPV6_FLOWLABEL_MASK) {
		__be32 *w = (__be32 *)nh;	/* version, traffic class, flow label */
		__be32 old = *w;

		*w = VSW_MASKED(*w, v->ipv6_label & IPV6_FLOWLABEL_MASK,
				m->ipv6_label & IPV6_FLOWLABEL_MASK);
		if (skb->ip_summed == CHECKSUM_COMPLETE)
			csum_replace(&skb->csum, (__force __wsum)old, (__force __wsum)(*w));
	}
	if (m->ipv6_hlimit) {
		u8 hl = VSW_MASKED(nh->hop_limit, v->ipv6_hlimit, m->ipv6_hlimit);

		if (skb->ip_summed == CHECKSUM_COMPLETE)
			csum_replace(&skb->csum, (__force __wsum)(nh->hop_limit << 8),
				     (__force __wsum)(hl << 8));
		nh->hop_limit = hl;
	}
	return 0;
}

/* TCP and UDP ports: ovs_key_tcp and ovs_key_udp are both {src, dst}. */
static int vsw_set_ports(struct sk_buff *skb, const struct vsw_flow_key *key, u8 proto,
			 const __be16 *v, const __be16 *m)
{
	__be16 *ports, new;
	__sum16 *check;
	int err, i;

	if (!(key->layers & VSW_KEY_L4) || key->ip.proto != proto || key->ip.frag == VSW_FRAG_LATER)
		return 0;
	err = vsw_writable_l4(skb, key, 0);
	if (err)
		return err;
	ports = (__be16 *)skb_transport_header(skb);	/* source, destination: TCP and UDP alike */
	for (i = 0; i < 2; i++) {
		new = VSW_MASKED(ports[i], v[i], m[i]);
		if (new == ports[i])
			continue;
		check = vsw_l4_check(skb, key, false);
		if (check) {
			inet_proto_csum_replace2(check, skb, ports[i], new, false);
			vsw_l4_check_done(key, check);
		}
		ports[i] = new;
		skb_clear_hash(skb);
	}
	return 0;
}

/* SET (@masked false: the whole field) and SET_MASKED (value, then mask). */
static int vsw_set(struct vsw_exec *x, struct sk_buff *skb, const struct nlattr *a, bool masked)
{
	static const u8 ones[sizeof(struct ovs_key_ipv6)] = {
		[0 ... sizeof(struct ovs_key_ipv6) - 1] = 0xff
	};
	const struct vsw_flow_key *key;
	const void *v = nla_data(a);
	const void *m = masked ? (const u8 *)v + nla_len(a) / 2 : ones;

	switch (nla_type(a)) {
	case OVS_KEY_ATTR_PRIORITY:
		skb->priority = VSW_MASKED(skb->priority, *(const u32 *)v, *(const u32 *)m);
		return 0;
	case OVS_KEY_ATTR_SKB_MARK:
		skb->mark = VSW_MASKED(skb->mark, *(const u32 *)v, *(const u32 *)m);
		return 0;
	case OVS_KEY_ATTR_ETHERNET:
		/* the learning switch (output 4294967294) must see the new addresses */
		x->key_stale = true;
		return vsw_set_eth(skb, v, m);
	}
	key = vsw_fresh_key(x, skb);
	/* the key's fields are the old ones now: extracted again when next needed */
	x->key_stale = true;
	switch (nla_type(a)) {
	case OVS_KEY_ATTR_IPV4: {
		struct ovs_key_ipv4 mask = *(const struct ovs_key_ipv4 *)m;

		/* a full SET names the protocol and fragment type too: not rewritten */
		mask.ipv4_proto = 0;
		mask.ipv4_frag = 0;
		return vsw_set_ipv4(skb, key, v, &mask);
	}
	case OVS_KEY_ATTR_IPV6: {
		struct ovs_key_ipv6 mask = *(const struct ovs_key_ipv6 *)m;

		mask.ipv6_proto = 0;
		mask.ipv6_frag = 0;
		return vsw_set_ipv6(skb, key, v, &mask);
	}
	case OVS_KEY_ATTR_TCP:
		return vsw_set_ports(skb, key, IPPROTO_TCP, v, m);
	case OVS_KEY_ATTR_UDP:
		return vsw_set_ports(skb, key, IPPROTO_UDP, v, m);
	}
	return 0;
}

/* clone and sample: @list on a copy of the frame, with a copy of the state; @skb stays ours. */
static void vsw_nested(struct vsw_exec *x, struct sk_buff *skb, const struct nlattr *list,
		       int depth)
{
	struct vsw_exec inner = *x;
	struct sk_buff *copy = skb_clone(skb, GFP_ATOMIC);

	if (unlikely(!copy)) {
		vsw_dp_count_drop(x->dp, VSW_DROP_NOMEM);
		return;
	}
	vsw_do_actions(&inner, copy, nla_data(list), nla_len(list), depth + 1);
}

static void vsw_sample(struct vsw_exec *x, struct sk_buff *skb, const struct nlattr *a,
		       int depth)
{
	const struct nlattr *prob = NULL, *acts = NULL, *n;
	int rem;

	nla_for_each_nested(n, a, rem) {
		if (nla_type(n) == OVS_SAMPLE_ATTR_PROBABILITY)
			prob = n;
		else if (nla_type(n) == OVS_SAMPLE_ATTR_ACTIONS)
			acts = n;
	}
	if (!prob || !acts)
		return;
	if (!nla_get_u32(prob) || (nla_get_u32(prob) != U32_MAX &&
				   get_random_u32() > nla_get_u32(prob)))
		return;
	vsw_nested(x, skb, acts, depth);
}

static void vsw_recirc(struct vsw_exec *x, struct sk_buff *skb, u32 id)
{
	struct vsw_pkt_meta meta = x->meta;

	meta.recirc_id = id;
	vsw_dp_recirc(x->dp, skb, x->in, &meta);
}

static void vsw_recirc_copy(struct vsw_exec *x, struct sk_buff *skb, u32 id)
{
	struct sk_buff *copy = skb_clone(skb, GFP_ATOMIC);
	struct vsw_exec inner = *x;

	if (copy)
		vsw_recirc(&inner, copy, id);
	else
		vsw_dp_count_drop(x->dp, VSW_DROP_NOMEM);
}

/*
 * userspace: a copy of the frame, as it is now, to the listener; the frame
 * goes on. With the ACTIONS flag the copy carries @list, the action list the
 * userspace action is in (as upstream's output_userspace()).
 */
static void vsw_userspace(struct vsw_exec *x, struct sk_buff *skb, const struct nlattr *a,
			  const struct nlattr *list, int list_len)
{
	struct vsw_upcall up = {
		.cmd = OVS_PACKET_CMD_ACTION,
		/* a trunc before it cuts the copy, as an output's */
		.cutlen = x->cutlen ?: U32_MAX,
	};
	const struct nlattr *n;
	struct vsw_mkey mkey;
	int rem;

	nla_for_each_nested(n, a, rem) {
		if (nla_type(n) == OVS_USERSPACE_ATTR_PID) {
			up.pid = nla_get_u32(n);
		} else if (nla_type(n) == OVS_USERSPACE_ATTR_USERDATA) {
			up.userdata = n;
		} else if (nla_type(n) == OVS_USERSPACE_ATTR_ACTIONS) {
			up.actions = list;
			up.actions_len = list_len;
		}
	}
	vsw_mkey_from_frame(skb, vsw_fresh_key(x, skb), &x->meta, &mkey);
	vsw_dp_upcall(x->dp, skb, &mkey, &up);
	x->cutlen = 0;
}

static void vsw_hash(struct vsw_exec *x, struct sk_buff *skb, const struct ovs_action_hash *h)
{
	u32 hash = h->hash_alg == OVS_HASH_ALG_SYM_L4 ? __skb_get_hash_symmetric(skb) :
						       skb_get_hash(skb);

	hash = jhash_1word(hash, h->hash_basis);
	x->meta.dp_hash = hash ?: 1;
}

static void vsw_do_actions(struct vsw_exec *x, struct sk_buff *skb, const struct nlattr *attr,
			   int len, int depth)
{
	const struct nlattr *a;
	int rem, err;

	for (a = attr, rem = len; rem > 0; a = nla_next(a, &rem)) {
		bool last = nla_is_last(a, rem);

		err = 0;
		switch (nla_type(a)) {
		case OVS_ACTION_ATTR_OUTPUT: {
			struct sk_buff *copy;

			if (last) {
				vsw_do_output(x, skb, nla_get_u32(a));
				return;
			}
			copy = skb_clone(skb, GFP_ATOMIC);
			if (copy)
				vsw_do_output(x, copy, nla_get_u32(a));
			else
				vsw_dp_count_drop(x->dp, VSW_DROP_NOMEM);
			x->cutlen = 0;
			break;
		}
		case OVS_ACTION_ATTR_USERSPACE:
			vsw_userspace(x, skb, a, attr, len);
			break;
		case OVS_ACTION_ATTR_TRUNC:
			x->cutlen = ((const struct ovs_action_trunc *)nla_data(a))->max_len;
			break;
		case OVS_ACTION_ATTR_PUSH_VLAN: {
			const struct ovs_action_push_vlan *v = nla_data(a);

			vsw_fresh_key(x, skb);
			err = skb_vlan_push(skb, v->vlan_tpid, ntohs(v->vlan_tci) & ~VLAN_CFI_MASK);
			x->key_stale = true;
			break;
		}
		case OVS_ACTION_ATTR_POP_VLAN:
			vsw_fresh_key(x, skb);
			err = skb_vlan_pop(skb);
			x->key_stale = true;
			break;
		case OVS_ACTION_ATTR_SET:
			err = vsw_set(x, skb, nla_data(a), false);
			break;
		case OVS_ACTION_ATTR_SET_MASKED:
			err = vsw_set(x, skb, nla_data(a), true);
			break;
		case OVS_ACTION_ATTR_SAMPLE:
			vsw_sample(x, skb, a, depth);
			break;
		case OVS_ACTION_ATTR_CLONE:
			vsw_nested(x, skb, a, depth);
			break;
		case OVS_ACTION_ATTR_HASH:
			vsw_hash(x, skb, nla_data(a));
			break;
		case OVS_ACTION_ATTR_METER:
			if (vsw_meter_drops(x->dp, skb, nla_get_u32(a))) {
				vsw_dp_count_drop(x->dp, VSW_DROP_METER);
				kfree_skb(skb);
				return;
			}
			break;
		case OVS_ACTION_ATTR_RECIRC:
			if (last) {
				vsw_recirc(x, skb, nla_get_u32(a));
				return;
			}
			vsw_recirc_copy(x, skb, nla_get_u32(a));
			break;
		}
		if (unlikely(err)) {
			vsw_dp_count_drop(x->dp, VSW_DROP_NOMEM);
			kfree_skb(skb);
			return;
		}
	}
	/* no output at the end (a drop flow, or the outputs were copies) */
	consume_skb(skb);
}

void vsw_execute_actions(struct vsw_dp *dp, struct sk_buff *skb, struct vsw_vport *in,
			 const struct vsw_flow_key *key, const struct vsw_pkt_meta *meta,
			 const struct vsw_actions *acts)
{
	struct vsw_exec x = { .dp = dp, .in = in, .key = *key, .meta = *meta };

	vsw_skb_headers(skb, key);
	vsw_do_actions(&x, skb, acts->attrs, acts->len, 0);
}
