// SPDX-License-Identifier: GPL-2.0
/*
 * The masked flow table (flow_table.h says how it is organised).
 *
 * All flows are in one rhashtable, keyed by {mask, key under that mask}: a
 * probe for one mask is one rhashtable lookup of the frame's key ANDed with
 * that mask. rhashtable grows and shrinks itself under RCU, so 100 000 flows
 * cost no rehash pause on the receive path. Masks are shared by the flows
 * that use them (counted); the array of masks is copied on change and
 * published with RCU, so readers walk a stable array.
 *
 * The per-CPU mask cache is a hint only: the index of the mask that matched
 * last time for this key hash. A stale index (masks removed, another key with
 * the same hash) costs a probe that misses, then the full walk.
 */

#include <linux/if_vlan.h>
#include <linux/in.h>
#include <linux/jhash.h>
#include <linux/percpu.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>

#include "flow_table.h"

static u32 vsw_flow_id_hash(const void *data, u32 len, u32 seed)
{
	const struct vsw_flow_id *id = data;

	return jhash2((const u32 *)&id->key, sizeof(id->key) / sizeof(u32),
		      seed ^ (u32)(unsigned long)id->mask);
}

static u32 vsw_flow_obj_hash(const void *data, u32 len, u32 seed)
{
	const struct vsw_flow *flow = data;

	return vsw_flow_id_hash(&flow->id, 0, seed);
}

static int vsw_flow_obj_cmp(struct rhashtable_compare_arg *arg, const void *obj)
{
	const struct vsw_flow_id *id = arg->key;
	const struct vsw_flow *flow = obj;

	return id->mask != flow->id.mask || memcmp(&id->key, &flow->id.key, sizeof(id->key));
}

static const struct rhashtable_params vsw_flow_params = {
	.head_offset		= offsetof(struct vsw_flow, node),
	.key_offset		= offsetof(struct vsw_flow, id),
	.key_len		= sizeof(struct vsw_flow_id),
	.hashfn			= vsw_flow_id_hash,
	.obj_hashfn		= vsw_flow_obj_hash,
	.obj_cmpfn		= vsw_flow_obj_cmp,
	.automatic_shrinking	= true,
};

/* A UFID is compared with its length: the key is the 16 bytes zero-padded, plus the length. */
struct vsw_ufid_key {
	u8	ufid[VSW_UFID_MAX];
	u8	len;
};

static u32 vsw_ufid_hash(const void *data, u32 len, u32 seed)
{
	const struct vsw_ufid_key *k = data;

	return jhash(k->ufid, VSW_UFID_MAX, seed ^ k->len);
}

static u32 vsw_ufid_obj_hash(const void *data, u32 len, u32 seed)
{
	const struct vsw_flow *flow = data;

	return jhash(flow->ufid, VSW_UFID_MAX, seed ^ flow->ufid_len);
}

static int vsw_ufid_obj_cmp(struct rhashtable_compare_arg *arg, const void *obj)
{
	const struct vsw_ufid_key *k = arg->key;
	const struct vsw_flow *flow = obj;

	return k->len != flow->ufid_len || memcmp(k->ufid, flow->ufid, VSW_UFID_MAX);
}

static const struct rhashtable_params vsw_ufid_params = {
	.head_offset		= offsetof(struct vsw_flow, ufid_node),
	.key_len		= sizeof(struct vsw_ufid_key),
	.hashfn			= vsw_ufid_hash,
	.obj_hashfn		= vsw_ufid_obj_hash,
	.obj_cmpfn		= vsw_ufid_obj_cmp,
	.automatic_shrinking	= true,
};

static struct vsw_mask_cache *vsw_mask_cache_alloc(u32 size)
{
	struct vsw_mask_cache *mc = kzalloc(sizeof(*mc), GFP_KERNEL);

	if (!mc)
		return NULL;
	mc->size = size;
	if (size) {
		mc->entries = __alloc_percpu(sizeof(struct vsw_mask_cache_entry) * size,
					     __alignof__(struct vsw_mask_cache_entry));
		if (!mc->entries) {
			kfree(mc);
			return NULL;
		}
	}
	return mc;
}

static void vsw_mask_cache_free(struct vsw_mask_cache *mc)
{
	if (mc) {
		free_percpu(mc->entries);
		kfree(mc);
	}
}

static void vsw_mask_cache_free_rcu(struct rcu_head *head)
{
	vsw_mask_cache_free(container_of(head, struct vsw_mask_cache, rcu));
}

int vsw_flow_table_cache_resize(struct vsw_flow_table *table, u32 size)
{
	struct vsw_mask_cache *old = rtnl_dereference(table->cache), *mc;

	if (size == old->size)
		return 0;
	if ((size && !is_power_of_2(size)) || size > VSW_MASK_CACHE_MAX)
		return -EINVAL;
	mc = vsw_mask_cache_alloc(size);
	if (!mc)
		return -ENOMEM;
	rcu_assign_pointer(table->cache, mc);
	call_rcu(&old->rcu, vsw_mask_cache_free_rcu);
	return 0;
}

u32 vsw_flow_table_cache_size(struct vsw_flow_table *table)
{
	return rtnl_dereference(table->cache)->size;
}

int vsw_flow_table_init(struct vsw_flow_table *table)
{
	struct vsw_mask_cache *mc = vsw_mask_cache_alloc(VSW_MASK_CACHE);
	int err;

	if (!mc)
		return -ENOMEM;
	RCU_INIT_POINTER(table->cache, mc);
	err = rhashtable_init(&table->flows, &vsw_flow_params);
	if (err)
		goto err_cache;
	err = rhashtable_init(&table->ufids, &vsw_ufid_params);
	if (err)
		goto err_flows;
	RCU_INIT_POINTER(table->masks, NULL);
	xa_init(&table->order);
	table->last_seq = 0;
	table->count = 0;
	table->limit = VSW_FLOW_LIMIT;
	return 0;

err_flows:
	rhashtable_destroy(&table->flows);
err_cache:
	vsw_mask_cache_free(mc);
	return err;
}

/* After the datapath's last reader: every flow was removed (vsw_flow_flush) first. */
void vsw_flow_table_destroy(struct vsw_flow_table *table)
{
	struct vsw_mask_array *ma = rcu_dereference_raw(table->masks);
	unsigned int i;

	rhashtable_destroy(&table->ufids);
	rhashtable_destroy(&table->flows);
	xa_destroy(&table->order);
	/* masks left listed by a failed shrink of the array (vsw_mask_put()) */
	for (i = 0; ma && i < ma->count; i++)
		kfree(ma->masks[i]);
	kfree(ma);
	vsw_mask_cache_free(rcu_dereference_raw(table->cache));
}

struct vsw_flow *vsw_flow_alloc(void)
{
	struct vsw_flow *flow = kzalloc(sizeof(*flow), GFP_KERNEL);
	int cpu;

	if (!flow)
		return NULL;
	flow->stats = alloc_percpu(struct vsw_flow_stats);
	if (!flow->stats) {
		kfree(flow);
		return NULL;
	}
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(flow->stats, cpu)->syncp);
	return flow;
}

void vsw_flow_free(struct vsw_flow *flow)
{
	kfree(rcu_dereference_raw(flow->acts));
	kfree(flow->key_attrs);
	kfree(flow->mask_attrs);
	free_percpu(flow->stats);
	kfree(flow);
}

static void vsw_flow_free_rcu(struct rcu_head *rcu)
{
	vsw_flow_free(container_of(rcu, struct vsw_flow, rcu));
}

void vsw_actions_free_rcu(struct vsw_actions *acts)
{
	if (acts)
		kfree_rcu(acts, rcu);
}

static void vsw_mkey_and(struct vsw_mkey *dst, const struct vsw_mkey *key,
			 const struct vsw_mkey *mask)
{
	const long *k = (const long *)key, *m = (const long *)mask;
	long *d = (long *)dst;
	unsigned int i;

	for (i = 0; i < VSW_MKEY_LONGS; i++)
		d[i] = k[i] & m[i];
}

unsigned int vsw_flow_mask_count(struct vsw_flow_table *table)
{
	struct vsw_mask_array *ma = rcu_dereference_rtnl(table->masks);

	return ma ? ma->count : 0;
}

static struct vsw_flow *vsw_flow_probe(struct vsw_flow_table *table, const struct vsw_mkey *key,
				       const struct vsw_mask *mask)
{
	struct vsw_flow_id id;

	id.mask = mask;
	vsw_mkey_and(&id.key, key, &mask->key);
	return rhashtable_lookup_fast(&table->flows, &id, vsw_flow_params);
}

struct vsw_flow *vsw_flow_lookup(struct vsw_flow_table *table, const struct vsw_mkey *key,
				 u32 *n_mask_hit, bool *cache_hit)
{
	struct vsw_mask_array *ma = rcu_dereference(table->masks);
	struct vsw_mask_cache *mc = rcu_dereference(table->cache);
	struct vsw_mask_cache_entry *e = NULL;
	struct vsw_flow *flow;
	unsigned int i, count;
	u32 hash = 0;

	*n_mask_hit = 0;
	*cache_hit = false;
	if (!ma)
		return NULL;
	count = READ_ONCE(ma->count);

	if (mc->size) {
		hash = jhash2((const u32 *)key, sizeof(*key) / sizeof(u32), 0);
		e = this_cpu_ptr(mc->entries) + (hash & (mc->size - 1));
		if (e->hash == hash && e->index && e->index <= count) {
			(*n_mask_hit)++;
			flow = vsw_flow_probe(table, key, ma->masks[e->index - 1]);
			if (flow) {
				*cache_hit = true;
				return flow;
			}
		}
	}
	for (i = 0; i < count; i++) {
		(*n_mask_hit)++;
		flow = vsw_flow_probe(table, key, ma->masks[i]);
		if (flow) {
			if (e) {
				e->hash = hash;
				e->index = i + 1;
			}
			return flow;
		}
	}
	return NULL;
}

/* Any flow @key would match (a masked key: overlap with a new flow), without the per-CPU cache. */
struct vsw_flow *vsw_flow_find_overlap(struct vsw_flow_table *table, const struct vsw_mkey *key)
{
	struct vsw_mask_array *ma = rcu_dereference_rtnl(table->masks);
	struct vsw_flow *flow;
	unsigned int i;

	for (i = 0; ma && i < ma->count; i++) {
		flow = vsw_flow_probe(table, key, ma->masks[i]);
		if (flow)
			return flow;
	}
	return NULL;
}

struct vsw_flow *vsw_flow_find_masked(struct vsw_flow_table *table, const struct vsw_mkey *key,
				      const struct vsw_mkey *mask)
{
	struct vsw_mask_array *ma = rcu_dereference_rtnl(table->masks);
	unsigned int i;

	for (i = 0; ma && i < ma->count; i++)
		if (!memcmp(&ma->masks[i]->key, mask, sizeof(*mask)))
			return vsw_flow_probe(table, key, ma->masks[i]);
	return NULL;
}

struct vsw_flow *vsw_flow_find_unmasked(struct vsw_flow_table *table, const struct vsw_mkey *key)
{
	struct vsw_mask_array *ma = rcu_dereference_rtnl(table->masks);
	struct vsw_flow *flow;
	unsigned int i;

	for (i = 0; ma && i < ma->count; i++) {
		flow = vsw_flow_probe(table, key, ma->masks[i]);
		/* named by its key: a flow with a UFID is named by that only */
		if (flow && !flow->ufid_len && !memcmp(&flow->unmasked, key, sizeof(*key)))
			return flow;
	}
	return NULL;
}

struct vsw_flow *vsw_flow_find_ufid(struct vsw_flow_table *table, const u8 *ufid, u8 len)
{
	struct vsw_ufid_key k = { .len = len };

	memcpy(k.ufid, ufid, min_t(u8, len, VSW_UFID_MAX));
	return rhashtable_lookup_fast(&table->ufids, &k, vsw_ufid_params);
}

/* The mask array with @mask added (@add) or removed: a new copy, the old one freed after RCU. */
static int vsw_masks_replace(struct vsw_flow_table *table, struct vsw_mask *mask, bool add)
{
	struct vsw_mask_array *old = rtnl_dereference(table->masks), *new;
	unsigned int n = old ? old->count : 0, i, j = 0;

	new = kzalloc(struct_size(new, masks, add ? n + 1 : n), GFP_KERNEL);
	if (!new)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (old->masks[i] != mask)
			new->masks[j++] = old->masks[i];
	if (add)
		new->masks[j++] = mask;
	new->count = j;
	rcu_assign_pointer(table->masks, new);
	if (old)
		kfree_rcu(old, rcu);
	return 0;
}

static struct vsw_mask *vsw_mask_get(struct vsw_flow_table *table, const struct vsw_mkey *key)
{
	struct vsw_mask_array *ma = rtnl_dereference(table->masks);
	struct vsw_mask *mask;
	unsigned int i;

	for (i = 0; ma && i < ma->count; i++) {
		if (!memcmp(&ma->masks[i]->key, key, sizeof(*key))) {
			ma->masks[i]->refs++;
			return ma->masks[i];
		}
	}
	mask = kzalloc(sizeof(*mask), GFP_KERNEL);
	if (!mask)
		return NULL;
	mask->key = *key;
	mask->refs = 1;
	if (vsw_masks_replace(table, mask, true)) {
		kfree(mask);
		return NULL;
	}
	return mask;
}

static void vsw_mask_put(struct vsw_flow_table *table, struct vsw_mask *mask)
{
	if (--mask->refs)
		return;
	/* On failure (no memory for a smaller copy) the unused mask stays listed: harmless. */
	if (!vsw_masks_replace(table, mask, false))
		kfree_rcu(mask, rcu);
}

/*
 * @flow has its unmasked key, ufid, actions and attributes; this masks the key
 * and links it. -EEXIST if a flow with the same mask and masked key, or the
 * same UFID, is in the table; -ENOSPC at the flow limit.
 */
int vsw_flow_insert(struct vsw_flow_table *table, struct vsw_flow *flow,
		    const struct vsw_mkey *mask_key)
{
	struct vsw_mask *mask;
	int err;

	ASSERT_RTNL();
	if (table->count >= table->limit)
		return -ENOSPC;
	mask = vsw_mask_get(table, mask_key);
	if (!mask)
		return -ENOMEM;
	flow->id.mask = mask;
	vsw_mkey_and(&flow->id.key, &flow->unmasked, &mask->key);
	flow->seq = table->last_seq + 1;
	err = xa_insert(&table->order, flow->seq, flow, GFP_KERNEL);
	if (err)
		goto err_mask;

	/*
	 * The UFID first: only writers (RTNL) read that table, so a flow taken out
	 * of it again on failure was never seen by the receive path, and can be
	 * freed at once by the caller.
	 */
	if (flow->ufid_len) {
		struct vsw_ufid_key k = { .len = flow->ufid_len };

		memcpy(k.ufid, flow->ufid, VSW_UFID_MAX);
		err = rhashtable_lookup_insert_key(&table->ufids, &k, &flow->ufid_node,
						   vsw_ufid_params);
		if (err)
			goto err_order;
	}
	err = rhashtable_lookup_insert_key(&table->flows, &flow->id, &flow->node, vsw_flow_params);
	if (err) {
		if (flow->ufid_len)
			rhashtable_remove_fast(&table->ufids, &flow->ufid_node, vsw_ufid_params);
		goto err_order;
	}
	table->last_seq = flow->seq;
	WRITE_ONCE(table->count, table->count + 1);
	return 0;

err_order:
	xa_erase(&table->order, flow->seq);
err_mask:
	vsw_mask_put(table, mask);
	flow->id.mask = NULL;
	return err;
}

/* Unlinks @flow and frees it after the readers that may hold it. */
void vsw_flow_remove(struct vsw_flow_table *table, struct vsw_flow *flow)
{
	ASSERT_RTNL();
	rhashtable_remove_fast(&table->flows, &flow->node, vsw_flow_params);
	if (flow->ufid_len)
		rhashtable_remove_fast(&table->ufids, &flow->ufid_node, vsw_ufid_params);
	xa_erase(&table->order, flow->seq);
	vsw_mask_put(table, (struct vsw_mask *)flow->id.mask);
	WRITE_ONCE(table->count, table->count - 1);
	call_rcu(&flow->rcu, vsw_flow_free_rcu);
}

void vsw_flow_flush(struct vsw_flow_table *table)
{
	struct vsw_flow *flow;
	unsigned long seq;

	xa_for_each(&table->order, seq, flow)
		vsw_flow_remove(table, flow);
}

void vsw_flow_stats_update(struct vsw_flow *flow, unsigned int len, __be16 tcp_flags)
{
	struct vsw_flow_stats *s = this_cpu_ptr(flow->stats);
	u32 gen = READ_ONCE(flow->clear_gen);

	u64_stats_update_begin(&s->syncp);
	if (unlikely(s->gen != gen)) {
		/* cleared since this CPU last counted: zeroes before the generation says so */
		s->packets = 0;
		s->bytes = 0;
		s->used = 0;
		s->tcp_flags = 0;
		smp_wmb();	/* pairs with vsw_flow_stats_get()'s smp_rmb() */
		WRITE_ONCE(s->gen, gen);
	}
	s->packets++;
	s->bytes += len;
	s->used = jiffies;
	s->tcp_flags |= tcp_flags;
	u64_stats_update_end(&s->syncp);
}

void vsw_flow_stats_get(const struct vsw_flow *flow, struct ovs_flow_stats *stats,
			unsigned long *used, __be16 *tcp_flags)
{
	u32 gen = READ_ONCE(flow->clear_gen);
	unsigned int start;
	int cpu;

	memset(stats, 0, sizeof(*stats));
	*used = 0;
	*tcp_flags = 0;
	for_each_possible_cpu(cpu) {
		const struct vsw_flow_stats *s = per_cpu_ptr(flow->stats, cpu);
		u64 packets, bytes;
		unsigned long u;
		__be16 flags;
		bool stale;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			/* the generation first: counts of the current one follow the zeroing */
			stale = READ_ONCE(s->gen) != gen;
			smp_rmb();	/* pairs with vsw_flow_stats_update()'s smp_wmb() */
			packets = s->packets;
			bytes = s->bytes;
			u = s->used;
			flags = s->tcp_flags;
		} while (u64_stats_fetch_retry(&s->syncp, start));
		if (stale)
			continue;
		stats->n_packets += packets;
		stats->n_bytes += bytes;
		if (u && (!*used || time_after(u, *used)))
			*used = u;
		*tcp_flags |= flags;
	}
}

/*
 * OVS_FLOW_ATTR_CLEAR, under RTNL: a new generation, so that no CPU's counters
 * are written but by that CPU (upstream takes a per-CPU lock on each frame).
 */
void vsw_flow_stats_clear(struct vsw_flow *flow)
{
	WRITE_ONCE(flow->clear_gen, flow->clear_gen + 1);
}

void vsw_mkey_from_frame(const struct sk_buff *skb, const struct vsw_flow_key *key,
			 const struct vsw_pkt_meta *meta, struct vsw_mkey *mk)
{
	unsigned int i;

	memset(mk, 0, sizeof(*mk));
	mk->recirc_id = meta->recirc_id;
	mk->dp_hash = meta->dp_hash;
	mk->priority = skb->priority;
	mk->skb_mark = skb->mark;
	mk->in_port = meta->in_port;
	if (!(key->layers & VSW_KEY_ETH))
		return;
	memcpy(mk->eth_src, key->eth.src, ETH_ALEN);
	memcpy(mk->eth_dst, key->eth.dst, ETH_ALEN);
	for (i = 0; i < key->eth.nvlans; i++) {
		mk->vlan_tpid[i] = key->eth.vlan[i].tpid;
		mk->vlan_tci[i] = key->eth.vlan[i].tci | htons(VLAN_CFI_MASK);
	}
	mk->eth_type = key->eth.type;
	/* a tag cut short (no room for a TCI): as upstream, a tag with TCI 0, nothing in it */
	if (eth_type_vlan(key->eth.type) && key->eth.nvlans < VSW_MAX_VLANS) {
		mk->vlan_tpid[key->eth.nvlans] = key->eth.type;
		mk->vlan_tci[key->eth.nvlans] = 0;
		mk->eth_type = 0;
	}
	if (key->layers & (VSW_KEY_IPV4 | VSW_KEY_IPV6 | VSW_KEY_ARP))
		mk->ip_proto = key->ip.proto;
	if (key->layers & VSW_KEY_IPV4) {
		mk->ipv4_src = key->addr.ipv4.src;
		mk->ipv4_dst = key->addr.ipv4.dst;
	} else if (key->layers & VSW_KEY_IPV6) {
		mk->ipv6_src = key->addr.ipv6.src;
		mk->ipv6_dst = key->addr.ipv6.dst;
		mk->ipv6_label = key->addr.ipv6.label;
	} else if (key->layers & VSW_KEY_ARP) {
		mk->ipv4_src = key->addr.ipv4.src;
		mk->ipv4_dst = key->addr.ipv4.dst;
		memcpy(mk->arp_sha, key->arp.sha, ETH_ALEN);
		memcpy(mk->arp_tha, key->arp.tha, ETH_ALEN);
	}
	if (key->layers & (VSW_KEY_IPV4 | VSW_KEY_IPV6)) {
		mk->ip_tos = key->ip.tos;
		mk->ip_ttl = key->ip.ttl;
		mk->ip_frag = key->ip.frag;
	}
	if (key->layers & VSW_KEY_L4) {
		mk->tp_src = key->tp.src;
		mk->tp_dst = key->tp.dst;
		if (key->ip.proto == IPPROTO_TCP)
			mk->tcp_flags = key->tcp_flags;
		if (key->ip.proto == IPPROTO_ICMPV6) {
			mk->nd_target = key->nd.target;
			memcpy(mk->arp_sha, key->nd.sll, ETH_ALEN);
			memcpy(mk->arp_tha, key->nd.tll, ETH_ALEN);
		}
	}
}
