// SPDX-License-Identifier: GPL-2.0
/*
 * The built-in learning switch, the "normal" processing: a forwarding
 * database keyed by {MAC, VLAN}, learned from source addresses, aged out,
 * and looked up for destinations; unknown, broadcast and multicast
 * destinations flood to every port but the one the frame came in on. The
 * stock `bridge fdb` shows and edits it on the switch device (below).
 */

#include <linux/etherdevice.h>
#include <linux/jhash.h>
#include <linux/neighbour.h>
#include <linux/random.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>

#include <net/netlink.h>

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

/* Under the lock: a new entry, seen and used now. */
static void vsw_fdb_insert(struct vsw_fdb *fdb, struct vsw_fdb_entry *e, const u8 *mac, u16 vid,
			   struct vsw_vport *port, u8 flags)
{
	ether_addr_copy(e->mac, mac);
	e->vid = vid;
	e->port = port;
	e->flags = flags;
	e->updated = jiffies;
	e->used = e->updated;
	hlist_add_head_rcu(&e->hnode, &fdb->table[vsw_fdb_hash(fdb, mac, vid)]);
	/* ethtool -S and the link dump read it without the lock */
	WRITE_ONCE(fdb->count, fdb->count + 1);
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
		/* A static entry moves too, as on a bridge, unless it is sticky or permanent. */
		if (unlikely(READ_ONCE(e->port) != port) &&
		    !(READ_ONCE(e->flags) & (VSW_FDB_STICKY | VSW_FDB_PERMANENT))) {
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
	vsw_fdb_insert(fdb, e, mac, vid, port, 0);
	vdev_ctr_inc(dp->stats, VSW_DP_LEARNED);
unlock:
	spin_unlock(&fdb->lock);
}

static void vsw_fdb_remove(struct vsw_fdb *fdb, struct vsw_fdb_entry *e)
{
	hlist_del_rcu(&e->hnode);
	WRITE_ONCE(fdb->count, fdb->count - 1);
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

/* Learned entries, and those added as dynamic, age; static and permanent ones never do. */
static bool vsw_fdb_ages(const struct vsw_fdb_entry *e)
{
	return !(READ_ONCE(e->flags) & (VSW_FDB_STATIC | VSW_FDB_PERMANENT));
}

static bool vsw_fdb_expired(const struct vsw_fdb_entry *e, const void *fdb)
{
	unsigned long ageing = READ_ONCE(((const struct vsw_fdb *)fdb)->ageing);

	return vsw_fdb_ages(e) && time_after(jiffies, READ_ONCE(e->updated) + ageing);
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
			unsigned long now = jiffies;

			if (READ_ONCE(e->used) != now)
				WRITE_ONCE(e->used, now);
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

/*
 * `bridge fdb` on the switch device itself, the "self" form:
 *
 *	bridge fdb show dev sw0
 *	bridge fdb add MAC dev sw0 [via PORT] [static|dynamic|permanent] [sticky] [vlan VID]
 *	bridge fdb replace ... | del MAC dev sw0 [via PORT] [vlan VID] | get MAC dev sw0 self
 *
 * An entry is a message of the switch device (ndm_ifindex) whose port is
 * NDA_IFINDEX ("via"). Not the bridge's "master" form on the ports: the core
 * offers that only to devices flagged IFF_BRIDGE_PORT, and the bridge
 * module reads the rx_handler_data of any such device as its own
 * struct net_bridge_port (tried: with bridge.ko loaded, `ip link set a0 up`
 * oopses in br_port_fill_attrs, called from br_device_event).
 */

static u16 vsw_fdb_nud(const struct vsw_fdb *fdb, const struct vsw_fdb_entry *e)
{
	u8 flags = READ_ONCE(e->flags);

	if (flags & VSW_FDB_PERMANENT)
		return NUD_PERMANENT;
	if (flags & VSW_FDB_STATIC)
		return NUD_NOARP;
	/* expired, not yet collected */
	if (vsw_fdb_expired(e, fdb))
		return NUD_STALE;
	return NUD_REACHABLE;
}

/* Under RCU or the lock. */
static int vsw_fdb_fill(struct sk_buff *skb, const struct vsw_dp *dp,
			const struct vsw_fdb_entry *e, u32 portid, u32 seq, int type,
			unsigned int nlflags)
{
	const struct vsw_vport *port = READ_ONCE(e->port);
	unsigned long now = jiffies;
	struct nda_cacheinfo ci = {
		.ndm_used	= jiffies_to_clock_t(now - READ_ONCE(e->used)),
		.ndm_updated	= jiffies_to_clock_t(now - READ_ONCE(e->updated)),
	};
	struct nlmsghdr *nlh;
	struct ndmsg *ndm;

	nlh = nlmsg_put(skb, portid, seq, type, sizeof(*ndm), nlflags);
	if (!nlh)
		return -EMSGSIZE;
	ndm = nlmsg_data(nlh);
	memset(ndm, 0, sizeof(*ndm));
	ndm->ndm_family = AF_BRIDGE;
	ndm->ndm_flags = NTF_SELF;
	if (READ_ONCE(e->flags) & VSW_FDB_STICKY)
		ndm->ndm_flags |= NTF_STICKY;
	ndm->ndm_ifindex = dp->dev->ifindex;
	ndm->ndm_state = vsw_fdb_nud(&dp->fdb, e);

	if (nla_put(skb, NDA_LLADDR, ETH_ALEN, e->mac) ||
	    nla_put_u32(skb, NDA_IFINDEX, port->dev->ifindex) ||
	    nla_put(skb, NDA_CACHEINFO, sizeof(ci), &ci) ||
	    (e->vid && nla_put_u16(skb, NDA_VLAN, e->vid))) {
		nlmsg_cancel(skb, nlh);
		return -EMSGSIZE;
	}
	nlmsg_end(skb, nlh);
	return 0;
}

/* ndo_fdb_dump; @idx counts the entries, cb->args[2] is where the previous part stopped. */
int vsw_fdb_dump(struct sk_buff *skb, struct netlink_callback *cb, struct net_device *dev,
		 struct net_device *filter_dev, int *idx)
{
	struct vsw_dp *dp = vsw_internal_dp(dev);
	struct vsw_fdb_entry *e;
	int i, err = 0;

	rcu_read_lock();
	for (i = 0; i < ARRAY_SIZE(dp->fdb.table); i++) {
		hlist_for_each_entry_rcu(e, &dp->fdb.table[i], hnode) {
			if (*idx >= cb->args[2]) {
				err = vsw_fdb_fill(skb, dp, e, NETLINK_CB(cb->skb).portid,
						   cb->nlh->nlmsg_seq, RTM_NEWNEIGH, NLM_F_MULTI);
				if (err)
					goto out;
			}
			(*idx)++;
		}
	}
out:
	rcu_read_unlock();
	return err;
}

int vsw_fdb_get(struct sk_buff *skb, struct nlattr *tb[], struct net_device *dev,
		const unsigned char *addr, u16 vid, u32 portid, u32 seq,
		struct netlink_ext_ack *extack)
{
	struct vsw_dp *dp = vsw_internal_dp(dev);
	struct vsw_fdb_entry *e;
	int err;

	rcu_read_lock();
	e = vsw_fdb_find(&dp->fdb, addr, vid);
	if (e) {
		err = vsw_fdb_fill(skb, dp, e, portid, seq, RTM_NEWNEIGH, 0);
	} else {
		NL_SET_ERR_MSG_MOD(extack, "no forwarding entry for that address and VLAN");
		err = -ENOENT;
	}
	rcu_read_unlock();
	return err;
}

/* The port named by NDA_IFINDEX ("via"), the internal one when there is none. RTNL held. */
static struct vsw_vport *vsw_fdb_via(struct vsw_dp *dp, struct nlattr *tb[],
				     struct netlink_ext_ack *extack)
{
	struct net_device *via;
	struct vsw_vport *port;

	if (!tb[NDA_IFINDEX])
		return rtnl_dereference(dp->internal) ?: ERR_PTR(-ENODEV);
	if (nla_len(tb[NDA_IFINDEX]) != sizeof(u32)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NDA_IFINDEX], "invalid via attribute");
		return ERR_PTR(-EINVAL);
	}
	via = __dev_get_by_index(dev_net(dp->dev), nla_get_u32(tb[NDA_IFINDEX]));
	if (!via) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NDA_IFINDEX], "no such via device");
		return ERR_PTR(-ENODEV);
	}
	port = via == dp->dev ? rtnl_dereference(dp->internal) :
	       vsw_netdev_vport(via) ?: vsw_intport_vport(via);
	if (!port || port->dp != dp) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NDA_IFINDEX],
				    "the via device is not a port of this switch");
		return ERR_PTR(-EINVAL);
	}
	return port;
}

/* ndo_fdb_add: bridge fdb add|replace|append MAC dev sw0 ... */
int vsw_fdb_add(struct ndmsg *ndm, struct nlattr *tb[], struct net_device *dev,
		const unsigned char *addr, u16 vid, u16 nlflags, struct netlink_ext_ack *extack)
{
	struct vsw_dp *dp = vsw_internal_dp(dev);
	struct vsw_fdb *fdb = &dp->fdb;
	struct vsw_fdb_entry *e, *new;
	struct vsw_vport *port;
	u8 flags = 0;
	int err = 0;

	if (ndm->ndm_flags & ~(NTF_SELF | NTF_STICKY)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "the switch takes no flag but sticky (no master, use, router, extern_learn)");
		return -EINVAL;
	}
	if (tb[NDA_DST] || tb[NDA_PORT] || tb[NDA_VNI] || tb[NDA_SRC_VNI] || tb[NDA_NH_ID]) {
		NL_SET_ERR_MSG_MOD(extack,
				   "an entry is a port of the switch: no dst, port, vni or nhid");
		return -EINVAL;
	}
	if (is_multicast_ether_addr(addr)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "a multicast address is flooded, never a forwarding entry");
		return -EINVAL;
	}
	if (is_zero_ether_addr(addr)) {
		NL_SET_ERR_MSG_MOD(extack, "the all-zero address cannot be a forwarding entry");
		return -EINVAL;
	}
	if (ndm->ndm_state & NUD_PERMANENT) {
		flags |= VSW_FDB_PERMANENT;
	} else if (ndm->ndm_state & NUD_NOARP) {
		flags |= VSW_FDB_STATIC;
	} else if (!(ndm->ndm_state & NUD_REACHABLE)) {
		NL_SET_ERR_MSG_MOD(extack, "the state must be permanent, static or dynamic");
		return -EINVAL;
	}
	if (ndm->ndm_flags & NTF_STICKY)
		flags |= VSW_FDB_STICKY;

	port = vsw_fdb_via(dp, tb, extack);
	if (IS_ERR(port))
		return PTR_ERR(port);

	/* Allocated before the lock, in case it is new. */
	new = kmalloc(sizeof(*new), GFP_KERNEL);
	if (!new)
		return -ENOMEM;

	spin_lock_bh(&fdb->lock);
	e = vsw_fdb_find(fdb, addr, vid);
	if (e) {
		if (nlflags & NLM_F_EXCL) {
			NL_SET_ERR_MSG_MOD(extack,
					   "the address has an entry on that VLAN already (bridge fdb replace changes it)");
			err = -EEXIST;
			goto unlock;
		}
		WRITE_ONCE(e->port, port);
		WRITE_ONCE(e->flags, flags);
		WRITE_ONCE(e->updated, jiffies);
		goto unlock;
	}
	if (!(nlflags & NLM_F_CREATE)) {
		NL_SET_ERR_MSG_MOD(extack, "no forwarding entry for that address and VLAN");
		err = -ENOENT;
		goto unlock;
	}
	if (fdb->count >= VSW_FDB_MAX_ENTRIES) {
		NL_SET_ERR_MSG_MOD(extack, "the forwarding database is full");
		err = -ENOSPC;
		goto unlock;
	}
	vsw_fdb_insert(fdb, new, addr, vid, port, flags);
	new = NULL;
unlock:
	spin_unlock_bh(&fdb->lock);
	kfree(new);
	return err;
}

/* ndo_fdb_del: bridge fdb del MAC dev sw0 [via PORT] [vlan VID], learned entries too */
int vsw_fdb_del(struct ndmsg *ndm, struct nlattr *tb[], struct net_device *dev,
		const unsigned char *addr, u16 vid, struct netlink_ext_ack *extack)
{
	struct vsw_dp *dp = vsw_internal_dp(dev);
	struct vsw_fdb *fdb = &dp->fdb;
	struct vsw_vport *port = NULL;
	struct vsw_fdb_entry *e;
	int err = 0;

	if (tb[NDA_IFINDEX]) {
		port = vsw_fdb_via(dp, tb, extack);
		if (IS_ERR(port))
			return PTR_ERR(port);
	}

	spin_lock_bh(&fdb->lock);
	e = vsw_fdb_find(fdb, addr, vid);
	if (!e) {
		NL_SET_ERR_MSG_MOD(extack, "no forwarding entry for that address and VLAN");
		err = -ENOENT;
	} else if (port && READ_ONCE(e->port) != port) {
		NL_SET_ERR_MSG_MOD(extack,
				   "the entry for that address and VLAN is on another port");
		err = -ENOENT;
	} else {
		vsw_fdb_remove(fdb, e);
	}
	spin_unlock_bh(&fdb->lock);
	return err;
}
