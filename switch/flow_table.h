/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The flow layer: match keys with masks (Open vSwitch's megaflows), the
 * masked flow table they live in, and their actions.
 *
 * A frame's key (flow.h, what the frame has) becomes a match key (struct
 * vsw_mkey, the fields Open vSwitch's netlink key attributes name, in one
 * fixed layout); a flow is a masked match key, its mask, its actions and its
 * counters. The table keeps one hash of flows per distinct mask: a lookup
 * ANDs the frame's key with each mask in turn and probes that mask's hash,
 * with a per-CPU cache of which mask hit last for a key hash in front, so
 * that an established flow costs one probe however many masks there are.
 *
 * Readers (the receive path) hold RCU and take no lock; writers (the
 * ovs_flow family) hold RTNL.
 */
#ifndef _VSW_FLOW_TABLE_H
#define _VSW_FLOW_TABLE_H

#include <linux/openvswitch.h>
#include <linux/rhashtable.h>
#include <linux/u64_stats_sync.h>

#include "flow.h"

struct vsw_dp;
struct vsw_vport;

/*
 * Match key. Field semantics as the kernel datapath's sw_flow_key: a VLAN
 * tci carries VLAN_CFI_MASK (0x1000) when the tag is present; eth_type is
 * the innermost EtherType, ETH_P_802_2 for an 802.3 frame; ip_proto holds the
 * ARP opcode's low byte for ARP. Fields a frame does not have are 0. Sized
 * in longs: keys are compared and masked a long at a time.
 */
struct vsw_mkey {
	u32	recirc_id;
	u32	dp_hash;
	u32	priority;
	u32	skb_mark;
	u32	in_port;
	u8	eth_src[ETH_ALEN];
	u8	eth_dst[ETH_ALEN];
	__be16	eth_type;
	__be16	vlan_tpid[VSW_MAX_VLANS];
	__be16	vlan_tci[VSW_MAX_VLANS];
	u8	ip_proto;
	u8	ip_tos;
	u8	ip_ttl;
	u8	ip_frag;		/* OVS_FRAG_TYPE_* */
	__be32	ipv4_src;		/* also ARP sip */
	__be32	ipv4_dst;		/* also ARP tip */
	__be32	ipv6_label;
	struct in6_addr ipv6_src;
	struct in6_addr ipv6_dst;
	u8	arp_sha[ETH_ALEN];	/* also ND sll */
	u8	arp_tha[ETH_ALEN];	/* also ND tll */
	struct in6_addr nd_target;
	__be16	tp_src;			/* ports; ICMP type in the low byte */
	__be16	tp_dst;			/* ports; ICMP code in the low byte */
	__be16	tcp_flags;
	u8	pad[6];
} __aligned(sizeof(long));

#define VSW_MKEY_LONGS	(sizeof(struct vsw_mkey) / sizeof(long))

/* What a frame's match key holds, besides the frame's own key. */
struct vsw_pkt_meta {
	u32	in_port;
	u32	recirc_id;
	u32	dp_hash;
	u8	passes;		/* recirculations so far */
};

void vsw_mkey_from_frame(const struct sk_buff *skb, const struct vsw_flow_key *key,
			 const struct vsw_pkt_meta *meta, struct vsw_mkey *mkey);

struct vsw_mask {
	struct rcu_head		rcu;
	unsigned int		refs;		/* flows using it (RTNL) */
	struct vsw_mkey		key;
};

/* The hash key of a flow: its mask and its key under that mask. */
struct vsw_flow_id {
	const struct vsw_mask	*mask;
	struct vsw_mkey		key;
};

/*
 * A flow's counters on one CPU, written by that CPU only. A clear (under RTNL)
 * bumps the flow's clear_gen: counters of an older generation count as zero,
 * and their CPU starts them over at its next frame.
 */
struct vsw_flow_stats {
	u64			packets;
	u64			bytes;
	unsigned long		used;		/* jiffies, 0 if never */
	__be16			tcp_flags;
	u32			gen;		/* the flow's clear_gen when last written */
	struct u64_stats_sync	syncp;
};

/* Validated actions, in the OVS_ACTION_ATTR_* format, run by actions.c. */
struct vsw_actions {
	struct rcu_head		rcu;
	u32			len;
	struct nlattr		attrs[];
};

#define VSW_UFID_MAX	16

struct vsw_flow {
	struct rhash_head	node;		/* table->flows, by id */
	struct rhash_head	ufid_node;	/* table->ufids, by ufid (if ufid_len) */
	unsigned long		seq;		/* its index in table->order */
	struct rcu_head		rcu;
	struct vsw_flow_id	id;
	struct vsw_mkey		unmasked;	/* the key as given: what DEL/GET by key name */
	u8			ufid[VSW_UFID_MAX];
	u8			ufid_len;
	struct vsw_actions __rcu *acts;
	/* the key and mask attributes as installed, given back by GET and dumps */
	struct nlattr		*key_attrs;
	struct nlattr		*mask_attrs;
	struct vsw_flow_stats __percpu *stats;
	u32			clear_gen;	/* OVS_FLOW_ATTR_CLEARs so far */
};

#define VSW_MASK_CACHE	256		/* entries per CPU by default, as upstream */
#define VSW_FLOW_LIMIT	200000		/* flows per datapath */

struct vsw_mask_array {
	struct rcu_head		rcu;
	unsigned int		count;
	struct vsw_mask		*masks[];
};

struct vsw_mask_cache_entry {
	u32			hash;
	u32			index;		/* into the mask array, + 1 (0: empty) */
};

/* as upstream: at most what one per-CPU allocation unit holds (4096 entries) */
#define VSW_MASK_CACHE_MAX	(PCPU_MIN_UNIT_SIZE / sizeof(struct vsw_mask_cache_entry))

/* Replaced whole on a resize (OVS_DP_ATTR_MASKS_CACHE_SIZE); freed after a grace period. */
struct vsw_mask_cache {
	struct rcu_head		rcu;
	u32			size;		/* entries per CPU: 0 (none) or a power of two */
	struct vsw_mask_cache_entry __percpu *entries;
};

struct vsw_flow_table {
	struct rhashtable	flows;
	struct rhashtable	ufids;
	struct vsw_mask_array __rcu *masks;
	struct vsw_mask_cache __rcu *cache;
	/* every flow by insertion number, from 1: flush, and dumps resumed after a number */
	struct xarray		order;
	unsigned long		last_seq;	/* RTNL */
	unsigned int		count;		/* flows (RTNL; read locklessly for stats) */
	unsigned int		limit;
};

int vsw_flow_table_init(struct vsw_flow_table *table);
/* RTNL held; -EINVAL unless @size is 0 or a power of two up to VSW_MASK_CACHE_MAX */
int vsw_flow_table_cache_resize(struct vsw_flow_table *table, u32 size);
u32 vsw_flow_table_cache_size(struct vsw_flow_table *table);
void vsw_flow_table_destroy(struct vsw_flow_table *table);
/* Under RCU. *n_mask_hit counts the masks probed; *cache_hit: found by the per-CPU cache. */
struct vsw_flow *vsw_flow_lookup(struct vsw_flow_table *table, const struct vsw_mkey *key,
				 u32 *n_mask_hit, bool *cache_hit);
/* Writers, under RTNL. */
int vsw_flow_insert(struct vsw_flow_table *table, struct vsw_flow *flow,
		    const struct vsw_mkey *mask);
void vsw_flow_remove(struct vsw_flow_table *table, struct vsw_flow *flow);
void vsw_flow_flush(struct vsw_flow_table *table);
struct vsw_flow *vsw_flow_find_ufid(struct vsw_flow_table *table, const u8 *ufid, u8 len);
struct vsw_flow *vsw_flow_find_overlap(struct vsw_flow_table *table, const struct vsw_mkey *key);
struct vsw_flow *vsw_flow_find_unmasked(struct vsw_flow_table *table, const struct vsw_mkey *key);
/* A masked lookup of @key under exactly @mask (create: is there a flow it would replace?). */
struct vsw_flow *vsw_flow_find_masked(struct vsw_flow_table *table, const struct vsw_mkey *key,
				      const struct vsw_mkey *mask);
unsigned int vsw_flow_mask_count(struct vsw_flow_table *table);

struct vsw_flow *vsw_flow_alloc(void);
void vsw_flow_free(struct vsw_flow *flow);		/* never inserted */
void vsw_flow_stats_update(struct vsw_flow *flow, unsigned int len, __be16 tcp_flags);
void vsw_flow_stats_get(const struct vsw_flow *flow, struct ovs_flow_stats *stats,
			unsigned long *used, __be16 *tcp_flags);
void vsw_flow_stats_clear(struct vsw_flow *flow);
void vsw_actions_free_rcu(struct vsw_actions *acts);

/* actions.c: runs @acts on @skb (consumed), under RCU with BH off. */
void vsw_execute_actions(struct vsw_dp *dp, struct sk_buff *skb, struct vsw_vport *in,
			 const struct vsw_flow_key *key, const struct vsw_pkt_meta *meta,
			 const struct vsw_actions *acts);

/* flow_netlink.c */
int vsw_key_from_attrs(const struct nlattr *attr, struct vsw_mkey *key, u64 *attrs,
		       struct netlink_ext_ack *extack);
int vsw_mask_from_attrs(const struct nlattr *attr, const struct vsw_mkey *key, u64 key_attrs,
			struct vsw_mkey *mask, struct netlink_ext_ack *extack);
void vsw_mask_exact(struct vsw_mkey *mask);
struct nlattr *vsw_exact_mask_attrs(const struct nlattr *key_attr, gfp_t gfp);
int vsw_key_to_attrs(struct sk_buff *msg, int attrtype, const struct vsw_mkey *k);
struct vsw_actions *vsw_actions_from_attrs(const struct nlattr *attr, const struct vsw_mkey *key,
					   struct netlink_ext_ack *extack);

/*
 * The hand-off to the built-in learning switch: OVS_ACTION_ATTR_OUTPUT to this
 * port number. Port numbers stop at 65534 (OVS_VPORT_ATTR_PORT_NO above is
 * EFBIG) and OVS's own reserved ODPP_NONE is 0xffffffff, so no OVS action or
 * port means it: `ovs-dpctl add-flow dp0 'in_port(1),eth()' 4294967294`.
 */
#define VSW_PORT_NORMAL	0xfffffffeU

#ifndef OVS_HASH_ALG_SYM_L4
#define OVS_HASH_ALG_SYM_L4	1	/* uapi since 6.2, the same number upstream */
#endif

#endif /* _VSW_FLOW_TABLE_H */
