// SPDX-License-Identifier: GPL-2.0
/*
 * The built-in learning switch, the "normal" processing: a forwarding
 * database keyed by {MAC, VLAN}, learned from source addresses, aged out,
 * and looked up for destinations; unknown, broadcast and multicast
 * destinations flood to every port but the one the frame came in on.
 */

#include <linux/etherdevice.h>
#include <linux/jhash.h>
#include <linux/random.h>
#include <linux/slab.h>

#include <net/netlink.h>

#include <uapi/linux/vswitch.h>

#include "datapath.h"

static u32 vsw_fdb_hash(const struct vsw_fdb *fdb, const u8 *mac, u16 vid)
{
	u32 a = get_unaligned((const u32 *)mac);
	u32 b = get_unaligned((const u16 *)(mac + 4)) | (u32)vid << 16;

	return jhash_2words(a, b, fdb->seed) & ((1 << VSW_FDB_BITS) - 1);
}

static struct vsw_fdb_entry *vsw_fdb_find(struct vsw_fdb *fdb, const u8 *mac, u16 vid)
{
	struct hlist_head *head = &fdb->table[vsw_fdb_hash(fdb, mac, vid)];
	struct vsw_fdb_entry *e;

	hlist_for_each_entry_rcu(e, head, hnode, lockdep_is_held(&fdb->lock))
		if (e->vid == vid && ether_addr_equal(e->mac, mac))
			return e;
	return NULL;
}

static void vsw_fdb_learn(struct vsw_dp *dp, const u8 *mac, u16 vid, struct vsw_vport *port)
{
	struct vsw_fdb *fdb = &dp->fdb;
	struct vsw_fdb_entry *e;
	unsigned long now = jiffies;

	e = vsw_fdb_find(fdb, mac, vid);
	if (likely(e)) {
		/* Written only when it changed: the entry stays in the readers' caches. */
		if (READ_ONCE(e->updated) != now)
			WRITE_ONCE(e->updated, now);
		if (unlikely(READ_ONCE(e->port) != port)) {
			WRITE_ONCE(e->port, port);
			vdev_ctr_inc(dp->stats, VSW_DP_MOVED);
		}
		return;
	}

	spin_lock(&fdb->lock);
	/* Another CPU may have learned it meanwhile. */
	if (vsw_fdb_find(fdb, mac, vid))
		goto unlock;
	if (fdb->count >= VSW_FDB_MAX_ENTRIES) {
		vdev_ctr_inc(dp->stats, VSW_DP_FDB_FULL);
		goto unlock;
	}
	e = kmalloc(sizeof(*e), GFP_ATOMIC);
	if (!e)
		goto unlock;
	ether_addr_copy(e->mac, mac);
	e->vid = vid;
	e->port = port;
	e->updated = now;
	hlist_add_head_rcu(&e->hnode, &fdb->table[vsw_fdb_hash(fdb, mac, vid)]);
	fdb->count++;
	vdev_ctr_inc(dp->stats, VSW_DP_LEARNED);
unlock:
	spin_unlock(&fdb->lock);
}

static void vsw_fdb_remove(struct vsw_fdb *fdb, struct vsw_fdb_entry *e)
{
	hlist_del_rcu(&e->hnode);
	fdb->count--;
	kfree_rcu(e, rcu);
}

/* Removes the entries @match picks, all of them when @match is NULL. */
static void vsw_fdb_prune(struct vsw_fdb *fdb,
			  bool (*match)(const struct vsw_fdb_entry *e, const void *arg),
			  const void *arg)
{
	struct hlist_node *tmp;
	struct vsw_fdb_entry *e;
	int i;

	spin_lock_bh(&fdb->lock);
	for (i = 0; i < ARRAY_SIZE(fdb->table); i++)
		hlist_for_each_entry_safe(e, tmp, &fdb->table[i], hnode)
			if (!match || match(e, arg))
				vsw_fdb_remove(fdb, e);
	spin_unlock_bh(&fdb->lock);
}

static bool vsw_fdb_on_port(const struct vsw_fdb_entry *e, const void *port)
{
	return READ_ONCE(e->port) == port;
}

void vsw_fdb_flush_port(struct vsw_dp *dp, const struct vsw_vport *port)
{
	vsw_fdb_prune(&dp->fdb, vsw_fdb_on_port, port);
}

static bool vsw_fdb_expired(const struct vsw_fdb_entry *e, const void *fdb)
{
	unsigned long ageing = READ_ONCE(((const struct vsw_fdb *)fdb)->ageing);

	return time_after(jiffies, READ_ONCE(e->updated) + ageing);
}

/* Ageing runs once a second: an entry lives its ageing time, give or take that second. */
static void vsw_fdb_gc(struct work_struct *work)
{
	struct vsw_fdb *fdb = container_of(to_delayed_work(work), struct vsw_fdb, gc);

	vsw_fdb_prune(fdb, vsw_fdb_expired, fdb);
	queue_delayed_work(system_power_efficient_wq, &fdb->gc, HZ);
}

int vsw_fdb_init(struct vsw_dp *dp)
{
	struct vsw_fdb *fdb = &dp->fdb;
	int i;

	spin_lock_init(&fdb->lock);
	for (i = 0; i < ARRAY_SIZE(fdb->table); i++)
		INIT_HLIST_HEAD(&fdb->table[i]);
	fdb->count = 0;
	fdb->ageing = VSW_AGEING_DEFAULT * HZ;
	fdb->seed = get_random_u32();
	INIT_DELAYED_WORK(&fdb->gc, vsw_fdb_gc);
	queue_delayed_work(system_power_efficient_wq, &fdb->gc, HZ);
	return 0;
}

void vsw_fdb_destroy(struct vsw_dp *dp)
{
	cancel_delayed_work_sync(&dp->fdb.gc);
	vsw_fdb_prune(&dp->fdb, NULL, NULL);
}

/* Sends @skb out of every port but @in: clones for all but the last. */
static void vsw_flood(struct vsw_dp *dp, struct sk_buff *skb, struct vsw_vport *in)
{
	struct vsw_vport *port, *prev = NULL;

	list_for_each_entry_rcu(port, &dp->ports, node) {
		struct sk_buff *copy;

		if (port == in)
			continue;
		if (prev) {
			copy = skb_clone(skb, GFP_ATOMIC);
			if (copy)
				vsw_vport_send(prev, copy);
			else
				vsw_dp_count_drop(dp, VSW_DROP_NOMEM);
		}
		prev = port;
	}
	if (prev)
		vsw_vport_send(prev, skb);
	else
		consume_skb(skb);
}

void vsw_normal(struct vsw_dp *dp, struct sk_buff *skb, const struct vsw_flow_key *key,
		struct vsw_vport *in)
{
	struct vsw_fdb_entry *e;
	struct vsw_vport *out;
	u16 vid = vsw_key_vid(key);

	/* A multicast source is invalid; an all-zero one is not worth remembering. */
	if (unlikely(is_multicast_ether_addr(key->eth.src))) {
		vsw_dp_count_drop(dp, VSW_DROP_INVALID);
		kfree_skb(skb);
		return;
	}
	if (likely(!is_zero_ether_addr(key->eth.src)))
		vsw_fdb_learn(dp, key->eth.src, vid, in);

	if (is_unicast_ether_addr(key->eth.dst)) {
		e = vsw_fdb_find(&dp->fdb, key->eth.dst, vid);
		if (e) {
			out = READ_ONCE(e->port);
			if (unlikely(out == in)) {
				/* It is on the segment it came from: filtered, as a bridge does. */
				vsw_dp_count_drop(dp, VSW_DROP_SAME_PORT);
				consume_skb(skb);
				return;
			}
			vsw_vport_send(out, skb);
			return;
		}
	}

	vdev_ctr_inc(dp->stats, VSW_DP_FLOODED);
	vsw_flood(dp, skb, in);
}

size_t vsw_fdb_info_size(void)
{
	size_t entry = nla_total_size(0) +		/* VSW_FDB_ENTRY */
		       nla_total_size(ETH_ALEN) +	/* VSW_FDB_MAC */
		       nla_total_size(sizeof(u16)) +	/* VSW_FDB_VLAN */
		       nla_total_size(sizeof(u32)) +	/* VSW_FDB_PORT */
		       nla_total_size(sizeof(u32));	/* VSW_FDB_AGE */

	return nla_total_size(0) + VSW_FDB_DUMP_MAX * entry;
}

/* The first VSW_FDB_DUMP_MAX entries; VSW_INFO_FDB_COUNT tells how many there are. */
int vsw_fdb_fill_info(struct vsw_dp *dp, struct sk_buff *skb)
{
	struct vsw_fdb *fdb = &dp->fdb;
	struct nlattr *list, *nest;
	struct vsw_fdb_entry *e;
	int i, n = 0;

	list = nla_nest_start(skb, VSW_INFO_FDB);
	if (!list)
		return -EMSGSIZE;

	rcu_read_lock();
	for (i = 0; i < ARRAY_SIZE(fdb->table) && n < VSW_FDB_DUMP_MAX; i++) {
		hlist_for_each_entry_rcu(e, &fdb->table[i], hnode) {
			unsigned long age = jiffies - READ_ONCE(e->updated);

			if (n++ == VSW_FDB_DUMP_MAX)
				break;
			nest = nla_nest_start(skb, VSW_FDB_ENTRY);
			if (!nest ||
			    nla_put(skb, VSW_FDB_MAC, ETH_ALEN, e->mac) ||
			    nla_put_u16(skb, VSW_FDB_VLAN, e->vid) ||
			    nla_put_u32(skb, VSW_FDB_PORT, READ_ONCE(e->port)->dev->ifindex) ||
			    nla_put_u32(skb, VSW_FDB_AGE, jiffies_to_msecs(age) / MSEC_PER_SEC))
				goto err;
			nla_nest_end(skb, nest);
		}
	}
	rcu_read_unlock();
	nla_nest_end(skb, list);
	return 0;

err:
	rcu_read_unlock();
	nla_nest_cancel(skb, list);
	return -EMSGSIZE;
}
