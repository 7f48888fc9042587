// SPDX-License-Identifier: GPL-2.0
/*
 * vswitch: an Open vSwitch-style datapath that bridges the virtual ports.
 *
 *	ip link add sw0 type vswitch [ageing_time SECONDS]
 *	ip link set a0 master sw0
 *
 * Frames enter from a vport (vport-netdev.c: an attached device's receive
 * handler; vport-internal.c: what the host sends on sw0), have their flow
 * key extracted (flow.c), are processed (today the learning switch, fdb.c)
 * and leave through vsw_vport_send(). This file holds the datapath's life
 * cycle, its counters and its netlink and ethtool faces.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include <linux/rtnetlink.h>

#include <net/rtnetlink.h>

#include <uapi/linux/vswitch.h>

#include "datapath.h"

/*
 * A frame sent to an internal port of another datapath re-enters a
 * datapath on the same stack; past this depth it is a loop.
 */
#define VSW_MAX_RECURSION	4

static DEFINE_PER_CPU(int, vsw_recursion);

static unsigned int flow_limit = VSW_FLOW_LIMIT;
module_param(flow_limit, uint, 0444);
MODULE_PARM_DESC(flow_limit, "flows per datapath (default 200000)");

static const char * const vsw_drop_names[VSW_DROP_MAX] = {
	[VSW_DROP_INVALID]	= "drop_invalid",
	[VSW_DROP_SAME_PORT]	= "drop_same_port",
	[VSW_DROP_LOOP]		= "drop_loop",
	[VSW_DROP_MTU]		= "drop_mtu",
	[VSW_DROP_PORT_DOWN]	= "drop_port_down",
	[VSW_DROP_NOMEM]	= "drop_nomem",
	[VSW_DROP_LRO]		= "drop_lro",
	[VSW_DROP_NO_PORT]	= "drop_no_port",
	[VSW_DROP_NO_FLOW]	= "drop_no_flow",
	[VSW_DROP_METER]	= "drop_meter",
};

void vsw_dp_count_drop(struct vsw_dp *dp, enum vsw_drop reason)
{
	vdev_ctr_inc(dp->stats, VSW_DP_DROPS + reason);
}

static void vsw_recirc_drain(void);

/* Called in softirq (receive) or with BH disabled (transmit on sw0), under RCU. */
void vsw_dp_process(struct vsw_vport *in, struct sk_buff *skb)
{
	struct vsw_dp *dp = in->dp;
	int *depth = this_cpu_ptr(&vsw_recursion);
	struct vsw_pkt_meta meta = { .in_port = in->port_no };
	struct vsw_flow_key key;

	vdev_ctr_inc(dp->stats, VSW_DP_PROCESSED);

	if (unlikely(*depth >= VSW_MAX_RECURSION)) {
		net_warn_ratelimited("%s: frame looped through %d datapaths, dropped\n",
				     dp->dev->name, *depth);
		vsw_dp_count_drop(dp, VSW_DROP_LOOP);
		kfree_skb(skb);
		return;
	}
	if (unlikely(skb->len < ETH_HLEN)) {
		vsw_dp_count_drop(dp, VSW_DROP_INVALID);
		kfree_skb(skb);
		return;
	}

	(*depth)++;
	vsw_flow_extract(skb, in->port_no, &key);
	vsw_dp_run(dp, skb, in, &key, &meta);
	if (*depth == 1)
		vsw_recirc_drain();
	(*depth)--;
}

/*
 * The flow table first; a frame no flow matches goes to the learning switch
 * (an empty table costs nothing more).
 */
void vsw_dp_run(struct vsw_dp *dp, struct sk_buff *skb, struct vsw_vport *in,
		const struct vsw_flow_key *key, const struct vsw_pkt_meta *meta)
{
	const struct vsw_actions *acts;
	struct vsw_flow *flow = NULL;
	bool have_mkey = false;
	bool cache_hit = false;
	struct vsw_mkey mkey;
	u32 n_mask_hit = 0;

	if (READ_ONCE(dp->table.count)) {
		vsw_mkey_from_frame(skb, key, meta, &mkey);
		have_mkey = true;
		flow = vsw_flow_lookup(&dp->table, &mkey, &n_mask_hit, &cache_hit);
	}
	if (!flow) {
		u32 pid = READ_ONCE(in->upcall_pid);

		vdev_ctr_inc(dp->stats, VSW_DP_FLOW_MISSED);
		/* a listener on the port (ovs-vswitchd): the miss is its to handle */
		if (pid) {
			struct vsw_upcall up = {
				.cmd = OVS_PACKET_CMD_MISS, .pid = pid, .cutlen = U32_MAX,
			};

			if (!have_mkey)
				vsw_mkey_from_frame(skb, key, meta, &mkey);
			if (vsw_dp_upcall(dp, skb, &mkey, &up))
				kfree_skb(skb);
			else
				consume_skb(skb);
			return;
		}
		if (unlikely(meta->recirc_id)) {
			vsw_dp_count_drop(dp, VSW_DROP_NO_FLOW);
			kfree_skb(skb);
			return;
		}
		vsw_normal(dp, skb, key, in);
		return;
	}
	vdev_ctr_inc(dp->stats, VSW_DP_FLOW_HIT);
	vdev_ctr_add(dp->stats, VSW_DP_MASK_HIT, n_mask_hit);
	if (cache_hit)
		vdev_ctr_inc(dp->stats, VSW_DP_CACHE_HIT);
	vsw_flow_stats_update(flow, skb->len, key->tcp_flags);
	acts = rcu_dereference(flow->acts);
	vsw_execute_actions(dp, skb, in, key, meta, acts);
}

/*
 * A recirc action: the frame goes through the table again, but not from
 * inside the actions that asked for it (the stack would grow with every pass).
 * It waits in a small per-CPU queue that the outermost datapath pass drains
 * when its own frame is done, as upstream's deferred actions. A frame
 * recirculates at most VSW_RECIRC_MAX times; a full queue drops.
 */
#define VSW_RECIRC_QUEUE	16
#define VSW_RECIRC_MAX		8

struct vsw_recirc_item {
	struct sk_buff		*skb;
	struct vsw_dp		*dp;
	struct vsw_vport	*in;
	struct vsw_pkt_meta	meta;
};

struct vsw_recirc_queue {
	unsigned int		head;
	unsigned int		tail;
	struct vsw_recirc_item	item[VSW_RECIRC_QUEUE];
};

static DEFINE_PER_CPU(struct vsw_recirc_queue, vsw_recirc_queue);

void vsw_dp_recirc(struct vsw_dp *dp, struct sk_buff *skb, struct vsw_vport *in,
		   const struct vsw_pkt_meta *meta)
{
	struct vsw_recirc_queue *rq = this_cpu_ptr(&vsw_recirc_queue);
	struct vsw_recirc_item *it;

	if (unlikely(meta->passes >= VSW_RECIRC_MAX || rq->tail - rq->head >= VSW_RECIRC_QUEUE)) {
		net_warn_ratelimited("%s: frame recirculated %u times, dropped\n",
				     dp->dev->name, meta->passes);
		vsw_dp_count_drop(dp, VSW_DROP_LOOP);
		kfree_skb(skb);
		return;
	}
	it = &rq->item[rq->tail++ % VSW_RECIRC_QUEUE];
	it->skb = skb;
	it->dp = dp;
	it->in = in;
	it->meta = *meta;
	it->meta.passes++;
}

/* OVS_PACKET_CMD_EXECUTE's actions, as a pass of their own (recirculation drained). BH off, RCU. */
void vsw_dp_execute(struct vsw_dp *dp, struct sk_buff *skb, struct vsw_vport *in,
		    const struct vsw_flow_key *key, const struct vsw_pkt_meta *meta,
		    const struct vsw_actions *acts)
{
	int *depth = this_cpu_ptr(&vsw_recursion);

	if (unlikely(*depth >= VSW_MAX_RECURSION)) {
		vsw_dp_count_drop(dp, VSW_DROP_LOOP);
		kfree_skb(skb);
		return;
	}
	(*depth)++;
	vsw_execute_actions(dp, skb, in, key, meta, acts);
	if (*depth == 1)
		vsw_recirc_drain();
	(*depth)--;
}

/* By the outermost pass, still under the RCU section its frame came in with. */
static void vsw_recirc_drain(void)
{
	struct vsw_recirc_queue *rq = this_cpu_ptr(&vsw_recirc_queue);
	struct vsw_recirc_item it;
	struct vsw_flow_key key;

	while (rq->head != rq->tail) {
		it = rq->item[rq->head++ % VSW_RECIRC_QUEUE];
		vsw_flow_extract(it.skb, it.meta.in_port, &key);
		vsw_dp_run(it.dp, it.skb, it.in, &key, &it.meta);
	}
	rq->head = 0;
	rq->tail = 0;
}

/*
 * The datapath's life: created with its internal device (ndo_init), torn
 * down with it (ndo_uninit, before the core checks that no lower device is
 * left), freed with it (priv_destructor).
 */

int vsw_dp_init(struct net_device *dev)
{
	struct vsw_dp *dp = vsw_internal_dp(dev);
	struct vsw_vport *vport;
	int err;

	dp->dev = dev;
	INIT_LIST_HEAD(&dp->ports);
	dp->stats = vdev_ctrs_alloc(VSW_DP_NUM_CTRS);
	if (!dp->stats)
		return -ENOMEM;
	err = vsw_fdb_init(dp);
	if (err)
		goto err_free_stats;
	err = vsw_flow_table_init(&dp->table);
	if (err)
		goto err_fdb;
	dp->table.limit = flow_limit;
	vsw_meters_init(dp);

	vport = vsw_vport_add(dp, &vsw_internal_vport_ops, dev, 0, 0, NULL);
	if (IS_ERR(vport)) {
		err = PTR_ERR(vport);
		goto err_table;
	}
	rcu_assign_pointer(dp->internal, vport);
	return 0;

err_table:
	vsw_flow_table_destroy(&dp->table);
err_fdb:
	vsw_fdb_destroy(dp);
err_free_stats:
	free_percpu(dp->stats);
	dp->stats = NULL;
	return err;
}

/* Detaches every netdev port, restoring each device as it was. */
static void vsw_dp_del_ports(struct vsw_dp *dp)
{
	struct vsw_vport *vport, *tmp;

	list_for_each_entry_safe(vport, tmp, &dp->ports, node)
		if (!vsw_vport_is_internal(vport))
			vsw_vport_del(vport);
}

/*
 * As the bridge's: the switch's MTU is its smallest port's (1500 without
 * ports), after a port joins, leaves or changes its MTU, unless the user
 * set it. Not while the switch itself is going away.
 */
void vsw_dp_mtu_auto_adjust(struct vsw_dp *dp)
{
	struct vsw_vport *vport;
	unsigned int mtu = 0;

	ASSERT_RTNL();
	if (dp->mtu_set_by_user || dp->dev->reg_state != NETREG_REGISTERED)
		return;
	list_for_each_entry(vport, &dp->ports, node)
		if (!vsw_vport_is_internal(vport) && (!mtu || vport->dev->mtu < mtu))
			mtu = vport->dev->mtu;
	dev_set_mtu(dp->dev, mtu ? mtu : ETH_DATA_LEN);
	/* ndo_change_mtu took that for the user's choice */
	dp->mtu_set_by_user = false;
}

void vsw_dp_uninit(struct net_device *dev)
{
	struct vsw_dp *dp = vsw_internal_dp(dev);
	struct vsw_vport *internal = rtnl_dereference(dp->internal);

	vsw_dp_del_ports(dp);
	if (internal) {
		RCU_INIT_POINTER(dp->internal, NULL);
		vsw_vport_del(internal);
	}
	vsw_fdb_destroy(dp);
	/* the flows and meters go after the readers that may hold them (RCU callbacks) */
	vsw_flow_flush(&dp->table);
	vsw_meters_destroy(dp);
}

void vsw_dp_free(struct net_device *dev)
{
	struct vsw_dp *dp = vsw_internal_dp(dev);

	vsw_flow_table_destroy(&dp->table);
	free_percpu(dp->stats);
}

/*
 * ethtool -S sw0: the datapath's counters, then five per port named after
 * the port's device.
 */

static const char vsw_dp_stat_names[][ETH_GSTRING_LEN] = {
	"processed", "flooded", "fdb_learned", "fdb_moved", "fdb_full", "link_local_not_forwarded",
	"flow_hit", "flow_missed", "mask_hit", "mask_cache_hit", "upcalls_lost",
	"fdb_entries", "ports",
};

static const char * const vsw_port_stat_names[VSW_PORT_NUM_CTRS] = {
	[VSW_PORT_RX_PACKETS]	= "rx_packets",
	[VSW_PORT_RX_BYTES]	= "rx_bytes",
	[VSW_PORT_TX_PACKETS]	= "tx_packets",
	[VSW_PORT_TX_BYTES]	= "tx_bytes",
	[VSW_PORT_TX_DROPPED]	= "tx_dropped",
};

#define VSW_DP_NUM_STATS	(ARRAY_SIZE(vsw_dp_stat_names) + VSW_DROP_MAX)

static void vsw_get_drvinfo(struct net_device *dev, struct ethtool_drvinfo *info)
{
	strscpy(info->driver, VSW_DRV_NAME, sizeof(info->driver));
	strscpy(info->version, VSW_DRV_VERSION, sizeof(info->version));
}

/* ethtool calls these under RTNL, which also keeps the port list still. */
static int vsw_get_sset_count(struct net_device *dev, int sset)
{
	if (sset != ETH_SS_STATS)
		return -EOPNOTSUPP;
	return VSW_DP_NUM_STATS + vsw_internal_dp(dev)->nports * VSW_PORT_NUM_CTRS;
}

static void vsw_get_strings(struct net_device *dev, u32 sset, u8 *data)
{
	struct vsw_dp *dp = vsw_internal_dp(dev);
	struct vsw_vport *vport;
	int i;

	if (sset != ETH_SS_STATS)
		return;
	memcpy(data, vsw_dp_stat_names, sizeof(vsw_dp_stat_names));
	data += sizeof(vsw_dp_stat_names);
	for (i = 0; i < VSW_DROP_MAX; i++)
		ethtool_sprintf(&data, "%s", vsw_drop_names[i]);
	list_for_each_entry(vport, &dp->ports, node)
		for (i = 0; i < VSW_PORT_NUM_CTRS; i++)
			ethtool_sprintf(&data, "%s_%s", vport->dev->name, vsw_port_stat_names[i]);
}

static void vsw_get_ethtool_stats(struct net_device *dev, struct ethtool_stats *estats, u64 *data)
{
	struct vsw_dp *dp = vsw_internal_dp(dev);
	u64 sum[VSW_DP_NUM_CTRS], port[VSW_PORT_NUM_CTRS];
	struct vsw_vport *vport;
	int i;

	/* Same order as vsw_get_strings(). */
	vdev_ctrs_sum(dp->stats, VSW_DP_NUM_CTRS, sum);
	for (i = 0; i < VSW_DP_DROPS; i++)
		*data++ = sum[i];
	*data++ = READ_ONCE(dp->fdb.count);
	*data++ = dp->nports;
	for (i = 0; i < VSW_DROP_MAX; i++)
		*data++ = sum[VSW_DP_DROPS + i];

	list_for_each_entry(vport, &dp->ports, node) {
		vdev_ctrs_sum(vport->stats, VSW_PORT_NUM_CTRS, port);
		for (i = 0; i < VSW_PORT_NUM_CTRS; i++)
			*data++ = port[i];
	}
}

const struct ethtool_ops vsw_dp_ethtool_ops = {
	.get_drvinfo		= vsw_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_sset_count		= vsw_get_sset_count,
	.get_strings		= vsw_get_strings,
	.get_ethtool_stats	= vsw_get_ethtool_stats,
	.get_ts_info		= ethtool_op_get_ts_info,
};

/*
 * rtnl link ops: ip link add sw0 type vswitch [ageing_time N]
 */

/* Not const: the policy's pointer is not, in 6.1. */
static struct netlink_range_validation vsw_ageing_range = {
	.min = VSW_AGEING_MIN,
	.max = VSW_AGEING_MAX,
};

/* Strict from the first attribute: exact lengths, no stray NLA_F_NESTED. */
static const struct nla_policy vsw_policy[VSW_INFO_MAX + 1] = {
	[VSW_INFO_UNSPEC]	= { .strict_start_type = VSW_INFO_AGEING_TIME },
	[VSW_INFO_AGEING_TIME]	= NLA_POLICY_FULL_RANGE(NLA_U32, &vsw_ageing_range),
	[VSW_INFO_FDB_COUNT]	= { .type = NLA_REJECT },
	[VSW_INFO_FDB_MAX]	= { .type = NLA_REJECT },
	[VSW_INFO_FDB_UNUSED]	= { .type = NLA_REJECT },
	[VSW_INFO_PORTS]	= { .type = NLA_REJECT },
};

/* The policy checks the ageing time's range. */
static int vsw_validate(struct nlattr *tb[], struct nlattr *data[],
			struct netlink_ext_ack *extack)
{
	return vdev_validate_address(tb, extack);
}

static void vsw_apply(struct vsw_dp *dp, struct nlattr *data[])
{
	if (data && data[VSW_INFO_AGEING_TIME])
		WRITE_ONCE(dp->fdb.ageing, nla_get_u32(data[VSW_INFO_AGEING_TIME]) * HZ);
}

static int vsw_newlink(struct net *src_net, struct net_device *dev, struct nlattr *tb[],
		       struct nlattr *data[], struct netlink_ext_ack *extack)
{
	int err;

	err = register_netdevice(dev);
	if (err)
		return err;
	vsw_apply(vsw_internal_dp(dev), data);
	return 0;
}

static int vsw_changelink(struct net_device *dev, struct nlattr *tb[], struct nlattr *data[],
			  struct netlink_ext_ack *extack)
{
	vsw_apply(vsw_internal_dp(dev), data);
	return 0;
}

static struct rtnl_link_ops vsw_link_ops;

/*
 * ovs-dpctl add-dp NAME: the same switch as `ip link add NAME type vswitch`,
 * deleted by either tool. @ifindex 0: the next free one. RTNL held.
 */
struct vsw_dp *vsw_dp_create(struct net *net, const char *name, int ifindex,
			     struct netlink_ext_ack *extack)
{
	struct net_device *dev;
	int err;

	dev = alloc_netdev(sizeof(struct vsw_dp), name, NET_NAME_USER, vsw_internal_setup);
	if (!dev)
		return ERR_PTR(-ENOMEM);
	dev->rtnl_link_ops = &vsw_link_ops;
	dev->ifindex = ifindex;
	dev_net_set(dev, net);
	err = register_netdevice(dev);
	if (err) {
		if (err == -EEXIST)
			NL_SET_ERR_MSG_MOD(extack, "a device of that name or ifindex exists");
		free_netdev(dev);
		return ERR_PTR(err);
	}
	return vsw_internal_dp(dev);
}

/* ovs-dpctl del-dp: as `ip link del`. RTNL held. */
void vsw_dp_destroy(struct vsw_dp *dp)
{
	vsw_dp_del_ports(dp);
	unregister_netdevice(dp->dev);
}

static void vsw_dellink(struct net_device *dev, struct list_head *head)
{
	vsw_dp_del_ports(vsw_internal_dp(dev));
	unregister_netdevice_queue(dev, head);
}

static size_t vsw_get_size(const struct net_device *dev)
{
	return nla_total_size(sizeof(u32)) +	/* VSW_INFO_AGEING_TIME */
	       nla_total_size(sizeof(u32)) +	/* VSW_INFO_FDB_COUNT */
	       nla_total_size(sizeof(u32)) +	/* VSW_INFO_FDB_MAX */
	       nla_total_size(sizeof(u32));	/* VSW_INFO_PORTS */
}

static int vsw_fill_info(struct sk_buff *skb, const struct net_device *dev)
{
	struct vsw_dp *dp = vsw_internal_dp(dev);

	if (nla_put_u32(skb, VSW_INFO_AGEING_TIME, READ_ONCE(dp->fdb.ageing) / HZ) ||
	    nla_put_u32(skb, VSW_INFO_FDB_COUNT, READ_ONCE(dp->fdb.count)) ||
	    nla_put_u32(skb, VSW_INFO_FDB_MAX, VSW_FDB_MAX_ENTRIES) ||
	    nla_put_u32(skb, VSW_INFO_PORTS, dp->nports))
		return -EMSGSIZE;
	return 0;
}

static struct rtnl_link_ops vsw_link_ops __read_mostly = {
	.kind		= VSW_DRV_NAME,
	.priv_size	= sizeof(struct vsw_dp),
	.setup		= vsw_internal_setup,
	.validate	= vsw_validate,
	.newlink	= vsw_newlink,
	.changelink	= vsw_changelink,
	.dellink	= vsw_dellink,
	.policy		= vsw_policy,
	.maxtype	= VSW_INFO_MAX,
	.get_size	= vsw_get_size,
	.fill_info	= vsw_fill_info,
};

/* What happens to a port's device, under RTNL. */
static int vsw_netdev_event(struct notifier_block *nb, unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct vsw_vport *vport = vsw_netdev_vport(dev) ?: vsw_intport_vport(dev);
	struct vsw_dp *dp;

	if (!vport)
		return NOTIFY_DONE;
	dp = vport->dp;

	switch (event) {
	case NETDEV_UNREGISTER:
		/* Deleted, or moving to another namespace (unregistered here first): it leaves. */
		vsw_vport_del(vport);
		vsw_dp_mtu_auto_adjust(dp);
		break;
	case NETDEV_CHANGEMTU:
		vsw_dp_mtu_auto_adjust(dp);
		break;
	case NETDEV_PRE_TYPE_CHANGE:
		/* A port stays Ethernet (a bond takes its first slave's type), as on a bridge. */
		return notifier_from_errno(-EBUSY);
	}
	return NOTIFY_DONE;
}

static struct notifier_block vsw_notifier = {
	.notifier_call = vsw_netdev_event,
};

static int __init vsw_init(void)
{
	int err;

	err = register_netdevice_notifier(&vsw_notifier);
	if (err)
		return err;
	err = rtnl_link_register(&vsw_link_ops);
	if (err)
		goto err_notifier;
	/* Without the Open vSwitch families (openvswitch.ko has them) the switch still works. */
	err = vsw_genl_init();
	if (err == -EEXIST) {
		pr_info("the Open vSwitch families are taken (openvswitch.ko?): only ip link drives vswitch\n");
	} else if (err) {
		rtnl_link_unregister(&vsw_link_ops);
		goto err_notifier;
	}
	return 0;

err_notifier:
	unregister_netdevice_notifier(&vsw_notifier);
	return err;
}

static void __exit vsw_exit(void)
{
	vsw_genl_exit();
	/* Deletes every switch, in every namespace, detaching its ports. */
	rtnl_link_unregister(&vsw_link_ops);
	unregister_netdevice_notifier(&vsw_notifier);
	/* Ports and forwarding entries are freed after a grace period: wait for them. */
	rcu_barrier();
}

module_init(vsw_init);
module_exit(vsw_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vport/flow datapath: a learning switch over virtual ports");
MODULE_VERSION(VSW_DRV_VERSION);
MODULE_ALIAS_RTNL_LINK(VSW_DRV_NAME);
