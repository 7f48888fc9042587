// SPDX-License-Identifier: GPL-2.0
/*
 * The Open vSwitch kernel datapath's generic netlink interface, so that the
 * stock ovs-dpctl and ovs-vswitchd drive vswitch:
 *
 *	ovs_datapath	a datapath is a switch: ovs-dpctl add-dp dp0 makes the
 *			same device as ip link add dp0 type vswitch
 *	ovs_vport	its ports: ovs-dpctl add-if dp0 a0 is ip link set a0
 *			master dp0, and each tool sees what the other did
 *	ovs_flow	the flow table: masked flows with actions (flow_table.c)
 *	ovs_packet	upcalls (misses, the userspace action) and execute
 *
 * The formats are uapi linux/openvswitch.h's; the command semantics and the
 * family registration are net/openvswitch/datapath.c's (6.1), which OVS's
 * dpif-netlink relies on: NLM_F_ECHO answered, ENODEV for a missing port,
 * unknown feature bits refused before anything is created, a multicast group
 * telling of ports that come and go. State is the switch's own, under RTNL.
 */

#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>
#include <uapi/linux/openvswitch.h>
/* Since 6.5 the GSO helpers (__skb_gso_segment()) have their own header. */
#ifndef SKB_GSO_CB
#include <net/gso.h>
#endif

#include "datapath.h"

/*
 * The ovs_header after the generic netlink header: genl_info's userhdr until
 * 6.6, genl_info_userhdr() since; both compute it like this.
 */
struct ovs_header *vsw_ovs_header(const struct genl_info *info)
{
	return (struct ovs_header *)((u8 *)info->genlhdr + GENL_HDRLEN);
}

/* What a client may ask of a datapath: the per-vport upcall PIDs mode. */
#define VSW_DP_FEATURES		(OVS_DP_F_UNALIGNED | OVS_DP_F_VPORT_PIDS)

static struct genl_family vsw_dp_family;
static struct genl_family vsw_vport_family;
static struct genl_family vsw_flow_family;
static struct genl_family vsw_packet_family;
static bool vsw_genl_registered;

/* The datapath @ovs_header or a NAME attribute names. RTNL held. */
struct vsw_dp *vsw_genl_dp(struct net *net, const struct ovs_header *ovs_header,
			   const struct nlattr *name)
{
	struct net_device *dev;

	if (name)
		dev = __dev_get_by_name(net, nla_data(name));
	else
		dev = __dev_get_by_index(net, ovs_header->dp_ifindex);
	return dev && vsw_is_internal_dev(dev) ? vsw_internal_dp(dev) : NULL;
}

/*
 * ovs_datapath
 */

static void vsw_dp_get_stats(struct vsw_dp *dp, struct ovs_dp_stats *stats,
			     struct ovs_dp_megaflow_stats *mega)
{
	u64 sum[VSW_DP_NUM_CTRS];

	vdev_ctrs_sum(dp->stats, VSW_DP_NUM_CTRS, sum);
	memset(stats, 0, sizeof(*stats));
	memset(mega, 0, sizeof(*mega));
	stats->n_hit = sum[VSW_DP_FLOW_HIT];
	stats->n_missed = sum[VSW_DP_FLOW_MISSED];
	stats->n_lost = sum[VSW_DP_LOST];
	mega->n_cache_hit = sum[VSW_DP_CACHE_HIT];
	stats->n_flows = READ_ONCE(dp->table.count);
	mega->n_mask_hit = sum[VSW_DP_MASK_HIT];
	mega->n_masks = vsw_flow_mask_count(&dp->table);
}

static size_t vsw_dp_msg_size(void)
{
	return NLMSG_ALIGN(sizeof(struct ovs_header)) +
	       nla_total_size(IFNAMSIZ) +					/* NAME */
	       nla_total_size_64bit(sizeof(struct ovs_dp_stats)) +		/* STATS */
	       nla_total_size_64bit(sizeof(struct ovs_dp_megaflow_stats)) +	/* MEGAFLOW_STATS */
	       nla_total_size(sizeof(u32)) +					/* USER_FEATURES */
	       nla_total_size(sizeof(u32));				/* MASKS_CACHE_SIZE */
}

static int vsw_dp_fill(struct vsw_dp *dp, struct sk_buff *skb, u32 portid, u32 seq,
		       u32 flags, u8 cmd)
{
	struct ovs_dp_megaflow_stats mega;
	struct ovs_header *ovs_header;
	struct ovs_dp_stats stats;

	ovs_header = genlmsg_put(skb, portid, seq, &vsw_dp_family, flags, cmd);
	if (!ovs_header)
		return -EMSGSIZE;
	ovs_header->dp_ifindex = dp->dev->ifindex;
	vsw_dp_get_stats(dp, &stats, &mega);
	if (nla_put_string(skb, OVS_DP_ATTR_NAME, dp->dev->name) ||
	    nla_put_64bit(skb, OVS_DP_ATTR_STATS, sizeof(stats), &stats, OVS_DP_ATTR_PAD) ||
	    nla_put_64bit(skb, OVS_DP_ATTR_MEGAFLOW_STATS, sizeof(mega), &mega,
			  OVS_DP_ATTR_PAD) ||
	    nla_put_u32(skb, OVS_DP_ATTR_USER_FEATURES, dp->user_features) ||
	    nla_put_u32(skb, OVS_DP_ATTR_MASKS_CACHE_SIZE, vsw_flow_table_cache_size(&dp->table))) {
		genlmsg_cancel(skb, ovs_header);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, ovs_header);
	return 0;
}

static struct sk_buff *vsw_dp_build(struct vsw_dp *dp, struct genl_info *info, u8 cmd)
{
	struct sk_buff *skb;

	skb = genlmsg_new(vsw_dp_msg_size(), GFP_KERNEL);
	if (!skb)
		return ERR_PTR(-ENOMEM);
	if (vsw_dp_fill(dp, skb, info->snd_portid, info->snd_seq, 0, cmd)) {
		kfree_skb(skb);
		return ERR_PTR(-EMSGSIZE);
	}
	return skb;
}

/* The reply to a change: to the sender (NLM_F_ECHO) and to the group's listeners, as upstream. */
static int vsw_genl_notify(struct genl_family *family, struct sk_buff *skb,
			   struct genl_info *info)
{
	if (IS_ERR(skb))
		return PTR_ERR(skb);
	genl_notify(family, skb, info, 0, GFP_KERNEL);
	return 0;
}

/*
 * The feature set a NEW or SET asks for; unknown bits, per-CPU dispatch and
 * tc recirculation sharing are refused before anything changes, so that
 * dpif-netlink's probe-and-retry falls back to per-vport PIDs.
 */
static int vsw_dp_features(struct nlattr **a, u32 *features, struct genl_info *info)
{
	u32 size;

	/* the per-CPU mask cache's size: 0 (none) or a power of two, range checked by the policy */
	if (a[OVS_DP_ATTR_MASKS_CACHE_SIZE]) {
		size = nla_get_u32(a[OVS_DP_ATTR_MASKS_CACHE_SIZE]);
		if (size && !is_power_of_2(size)) {
			GENL_SET_ERR_MSG(info, "the mask cache's size: 0 or a power of two");
			return -EINVAL;
		}
	}
	*features = a[OVS_DP_ATTR_USER_FEATURES] ? nla_get_u32(a[OVS_DP_ATTR_USER_FEATURES]) : 0;
	if (*features & ~VSW_DP_FEATURES) {
		GENL_SET_ERR_MSG(info,
				 "vswitch supports the features unaligned and vport PIDs only");
		return -EOPNOTSUPP;
	}
	return 0;
}

/* OVS_DP_ATTR_MASKS_CACHE_SIZE, validated by vsw_dp_features(); RTNL held */
static int vsw_dp_cache_size(struct vsw_dp *dp, struct nlattr **a)
{
	if (!a[OVS_DP_ATTR_MASKS_CACHE_SIZE])
		return 0;
	return vsw_flow_table_cache_resize(&dp->table,
					   nla_get_u32(a[OVS_DP_ATTR_MASKS_CACHE_SIZE]));
}

static int vsw_dp_cmd_new(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct sk_buff *reply;
	struct vsw_vport *internal;
	struct vsw_dp *dp;
	u32 features;
	int err;

	if (!a[OVS_DP_ATTR_NAME] || !a[OVS_DP_ATTR_UPCALL_PID]) {
		GENL_SET_ERR_MSG(info, "a datapath needs a name and an upcall PID");
		return -EINVAL;
	}
	err = vsw_dp_features(a, &features, info);
	if (err)
		return err;

	rtnl_lock();
	dp = vsw_dp_create(genl_info_net(info), nla_data(a[OVS_DP_ATTR_NAME]),
			   a[OVS_DP_ATTR_IFINDEX] ? nla_get_s32(a[OVS_DP_ATTR_IFINDEX]) : 0,
			   info->extack);
	if (IS_ERR(dp)) {
		rtnl_unlock();
		return PTR_ERR(dp);
	}
	dp->user_features = features;
	err = vsw_dp_cache_size(dp, a);
	if (err) {
		vsw_dp_destroy(dp);
		rtnl_unlock();
		return err;
	}
	internal = rtnl_dereference(dp->internal);
	WRITE_ONCE(internal->upcall_pid, nla_get_u32(a[OVS_DP_ATTR_UPCALL_PID]));
	reply = vsw_dp_build(dp, info, OVS_DP_CMD_NEW);
	if (IS_ERR(reply))
		vsw_dp_destroy(dp);
	rtnl_unlock();
	return vsw_genl_notify(&vsw_dp_family, reply, info);
}

static struct vsw_dp *vsw_dp_lookup(struct genl_info *info)
{
	struct vsw_dp *dp;

	dp = vsw_genl_dp(genl_info_net(info), vsw_ovs_header(info), info->attrs[OVS_DP_ATTR_NAME]);
	if (!dp)
		GENL_SET_ERR_MSG(info, "no such datapath");
	return dp;
}

static int vsw_dp_cmd_del(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *reply;
	struct vsw_dp *dp;

	rtnl_lock();
	dp = vsw_dp_lookup(info);
	if (!dp) {
		rtnl_unlock();
		return -ENODEV;
	}
	reply = vsw_dp_build(dp, info, OVS_DP_CMD_DEL);
	if (!IS_ERR(reply))
		vsw_dp_destroy(dp);
	rtnl_unlock();
	return vsw_genl_notify(&vsw_dp_family, reply, info);
}

/* Replaces the feature set (none without the attribute, as upstream); ignores the upcall PID. */
static int vsw_dp_cmd_set(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *reply;
	struct vsw_dp *dp;
	u32 features;
	int err;

	err = vsw_dp_features(info->attrs, &features, info);
	if (err)
		return err;
	rtnl_lock();
	dp = vsw_dp_lookup(info);
	if (!dp) {
		rtnl_unlock();
		return -ENODEV;
	}
	err = vsw_dp_cache_size(dp, info->attrs);
	if (err) {
		rtnl_unlock();
		return err;
	}
	dp->user_features = features;
	reply = vsw_dp_build(dp, info, OVS_DP_CMD_SET);
	rtnl_unlock();
	return vsw_genl_notify(&vsw_dp_family, reply, info);
}

static int vsw_dp_cmd_get(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *reply;
	struct vsw_dp *dp;

	rtnl_lock();
	dp = vsw_dp_lookup(info);
	reply = dp ? vsw_dp_build(dp, info, OVS_DP_CMD_GET) : ERR_PTR(-ENODEV);
	rtnl_unlock();
	if (IS_ERR(reply))
		return PTR_ERR(reply);
	return genlmsg_reply(reply, info);
}

/* Every switch of the namespace; resumed by count, as upstream (a dump may skip or repeat one). */
static int vsw_dp_cmd_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct net_device *dev;
	long i = 0;

	rtnl_lock();
	for_each_netdev(sock_net(skb->sk), dev) {
		if (!vsw_is_internal_dev(dev))
			continue;
		if (i >= cb->args[0] &&
		    vsw_dp_fill(vsw_internal_dp(dev), skb, NETLINK_CB(cb->skb).portid,
				cb->nlh->nlmsg_seq, NLM_F_MULTI, OVS_DP_CMD_GET))
			break;
		i++;
	}
	rtnl_unlock();
	cb->args[0] = i;
	return skb->len;
}

static const struct nla_policy vsw_dp_policy[OVS_DP_ATTR_MAX + 1] = {
	[OVS_DP_ATTR_NAME]		= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[OVS_DP_ATTR_UPCALL_PID]	= { .type = NLA_U32 },
	[OVS_DP_ATTR_USER_FEATURES]	= { .type = NLA_U32 },
	[OVS_DP_ATTR_MASKS_CACHE_SIZE]	= NLA_POLICY_RANGE(NLA_U32, 0, VSW_MASK_CACHE_MAX),
	[OVS_DP_ATTR_IFINDEX]		= NLA_POLICY_MIN(NLA_S32, 0),
};

/* As upstream: lenient validation (VSW_GENL_LENIENT), resv_start_op past the last op. */
static const struct genl_small_ops vsw_dp_ops[] = {
	{ .cmd = OVS_DP_CMD_NEW, .validate = VSW_GENL_LENIENT, .flags = GENL_UNS_ADMIN_PERM,
	  .doit = vsw_dp_cmd_new },
	{ .cmd = OVS_DP_CMD_DEL, .validate = VSW_GENL_LENIENT, .flags = GENL_UNS_ADMIN_PERM,
	  .doit = vsw_dp_cmd_del },
	{ .cmd = OVS_DP_CMD_GET, .validate = VSW_GENL_LENIENT,
	  .doit = vsw_dp_cmd_get, .dumpit = vsw_dp_cmd_dump },
	{ .cmd = OVS_DP_CMD_SET, .validate = VSW_GENL_LENIENT, .flags = GENL_UNS_ADMIN_PERM,
	  .doit = vsw_dp_cmd_set },
};

static const struct genl_multicast_group vsw_dp_mcgrp = { .name = OVS_DATAPATH_MCGROUP };

static struct genl_family vsw_dp_family __ro_after_init = {
	.hdrsize	= sizeof(struct ovs_header),
	.name		= OVS_DATAPATH_FAMILY,
	.version	= OVS_DATAPATH_VERSION,
	.maxattr	= OVS_DP_ATTR_MAX,
	.policy		= vsw_dp_policy,
	.netnsok	= true,
	.parallel_ops	= true,
	.small_ops	= vsw_dp_ops,
	.n_small_ops	= ARRAY_SIZE(vsw_dp_ops),
	.resv_start_op	= OVS_DP_CMD_SET + 1,
	.mcgrps		= &vsw_dp_mcgrp,
	.n_mcgrps	= 1,
	.module		= THIS_MODULE,
};

/*
 * ovs_vport
 */

static size_t vsw_vport_msg_size(void)
{
	return NLMSG_ALIGN(sizeof(struct ovs_header)) +
	       nla_total_size(sizeof(u32)) +	/* PORT_NO */
	       nla_total_size(sizeof(u32)) +	/* TYPE */
	       nla_total_size(IFNAMSIZ) +	/* NAME */
	       nla_total_size(sizeof(u32)) +	/* IFINDEX */
	       nla_total_size_64bit(sizeof(struct ovs_vport_stats)) +
	       nla_total_size(sizeof(u32));	/* UPCALL_PID */
}

static void vsw_vport_get_stats(const struct vsw_vport *vport, struct ovs_vport_stats *stats)
{
	u64 sum[VSW_PORT_NUM_CTRS];

	vdev_ctrs_sum(vport->stats, VSW_PORT_NUM_CTRS, sum);
	memset(stats, 0, sizeof(*stats));
	stats->rx_packets = sum[VSW_PORT_RX_PACKETS];
	stats->rx_bytes = sum[VSW_PORT_RX_BYTES];
	stats->tx_packets = sum[VSW_PORT_TX_PACKETS];
	stats->tx_bytes = sum[VSW_PORT_TX_BYTES];
	stats->tx_dropped = sum[VSW_PORT_TX_DROPPED];
}

static int vsw_vport_fill(struct vsw_vport *vport, struct sk_buff *skb, u32 portid, u32 seq,
			  u32 flags, u8 cmd)
{
	struct ovs_header *ovs_header;
	struct ovs_vport_stats stats;
	u32 type = vsw_vport_ovs_internal(vport) ? OVS_VPORT_TYPE_INTERNAL : OVS_VPORT_TYPE_NETDEV;

	ovs_header = genlmsg_put(skb, portid, seq, &vsw_vport_family, flags, cmd);
	if (!ovs_header)
		return -EMSGSIZE;
	ovs_header->dp_ifindex = vport->dp->dev->ifindex;
	vsw_vport_get_stats(vport, &stats);
	if (nla_put_u32(skb, OVS_VPORT_ATTR_PORT_NO, vport->port_no) ||
	    nla_put_u32(skb, OVS_VPORT_ATTR_TYPE, type) ||
	    nla_put_string(skb, OVS_VPORT_ATTR_NAME, vport->dev->name) ||
	    nla_put_u32(skb, OVS_VPORT_ATTR_IFINDEX, vport->dev->ifindex) ||
	    nla_put_64bit(skb, OVS_VPORT_ATTR_STATS, sizeof(stats), &stats, OVS_VPORT_ATTR_PAD) ||
	    nla_put_u32(skb, OVS_VPORT_ATTR_UPCALL_PID, READ_ONCE(vport->upcall_pid))) {
		genlmsg_cancel(skb, ovs_header);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, ovs_header);
	return 0;
}

static struct sk_buff *vsw_vport_build(struct vsw_vport *vport, u32 portid, u32 seq, u8 cmd)
{
	struct sk_buff *skb;

	skb = genlmsg_new(vsw_vport_msg_size(), GFP_KERNEL);
	if (!skb)
		return ERR_PTR(-ENOMEM);
	if (vsw_vport_fill(vport, skb, portid, seq, 0, cmd)) {
		kfree_skb(skb);
		return ERR_PTR(-EMSGSIZE);
	}
	return skb;
}

/*
 * A port came or went, by whatever tool (ovs-dpctl, ip link set master,
 * the device deleted): told to the group's listeners, as upstream tells of
 * the ports whose devices went away. RTNL held.
 */
void vsw_genl_vport_notify(struct vsw_vport *vport, u8 cmd)
{
	struct net *net = dev_net(vport->dp->dev);
	struct sk_buff *skb;

	if (!vsw_genl_registered || !genl_has_listeners(&vsw_vport_family, net, 0))
		return;
	skb = vsw_vport_build(vport, 0, 0, cmd);
	if (IS_ERR(skb)) {
		genl_set_err(&vsw_vport_family, net, 0, 0, PTR_ERR(skb));
		return;
	}
	genlmsg_multicast_netns(&vsw_vport_family, net, skb, 0, 0, GFP_KERNEL);
}

/* The port a request names: by NAME (any switch, or dp_ifindex's), or by number in dp_ifindex. */
static struct vsw_vport *vsw_vport_lookup(struct genl_info *info)
{
	const struct ovs_header *ovs_header = vsw_ovs_header(info);
	struct net *net = genl_info_net(info);
	struct nlattr **a = info->attrs;
	struct vsw_vport *vport = NULL;
	struct net_device *dev;
	struct vsw_dp *dp;

	if (a[OVS_VPORT_ATTR_IFINDEX]) {
		GENL_SET_ERR_MSG(info, "ports are named by name or number, not by ifindex");
		return ERR_PTR(-EOPNOTSUPP);
	}
	if (a[OVS_VPORT_ATTR_NAME]) {
		dev = __dev_get_by_name(net, nla_data(a[OVS_VPORT_ATTR_NAME]));
		if (dev && vsw_is_internal_dev(dev))
			vport = rtnl_dereference(vsw_internal_dp(dev)->internal);
		else if (dev)
			vport = vsw_netdev_vport(dev) ?: vsw_intport_vport(dev);
		if (vport && ovs_header->dp_ifindex &&
		    ovs_header->dp_ifindex != vport->dp->dev->ifindex)
			vport = NULL;
	} else if (a[OVS_VPORT_ATTR_PORT_NO]) {
		dp = vsw_genl_dp(net, ovs_header, NULL);
		if (dp)
			vport = vsw_dp_vport(dp, nla_get_u32(a[OVS_VPORT_ATTR_PORT_NO]));
	} else {
		GENL_SET_ERR_MSG(info, "a port is named by a name or a number");
		return ERR_PTR(-EINVAL);
	}
	if (!vport) {
		GENL_SET_ERR_MSG(info, "no such port");
		return ERR_PTR(-ENODEV);
	}
	return vport;
}

/* UPCALL_PID: one u32 (OVS_DP_F_VPORT_PIDS allows an array; the first one is used, as by OVS). */
static int vsw_vport_upcall_pid(const struct nlattr *attr, u32 *pid, struct genl_info *info)
{
	if (nla_len(attr) < sizeof(u32) || nla_len(attr) % sizeof(u32)) {
		GENL_SET_ERR_MSG(info, "an upcall PID is a u32, or an array of them");
		return -EINVAL;
	}
	*pid = nla_get_u32(attr);
	return 0;
}

static int vsw_vport_cmd_new(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	u32 type, pid, port_no = VSW_PORT_ANY;
	struct net_device *dev;
	struct vsw_vport *vport;
	struct sk_buff *reply;
	struct vsw_dp *dp;
	int err;

	if (!a[OVS_VPORT_ATTR_NAME] || !a[OVS_VPORT_ATTR_TYPE] || !a[OVS_VPORT_ATTR_UPCALL_PID]) {
		GENL_SET_ERR_MSG(info, "a port needs a name, a type and an upcall PID");
		return -EINVAL;
	}
	err = vsw_vport_upcall_pid(a[OVS_VPORT_ATTR_UPCALL_PID], &pid, info);
	if (err)
		return err;
	type = nla_get_u32(a[OVS_VPORT_ATTR_TYPE]);
	if (type != OVS_VPORT_TYPE_NETDEV && type != OVS_VPORT_TYPE_INTERNAL) {
		GENL_SET_ERR_MSG(info, "vswitch ports are devices (netdev) or internal ports only");
		return -EOPNOTSUPP;
	}
	if (a[OVS_VPORT_ATTR_IFINDEX] || a[OVS_VPORT_ATTR_OPTIONS]) {
		GENL_SET_ERR_MSG(info, "a port takes no ifindex and no options");
		return -EOPNOTSUPP;
	}
	if (a[OVS_VPORT_ATTR_PORT_NO]) {
		port_no = nla_get_u32(a[OVS_VPORT_ATTR_PORT_NO]);
		if (port_no == OVSP_LOCAL) {
			GENL_SET_ERR_MSG(info, "port 0 is the datapath's own");
			return -EBUSY;
		}
	}

	rtnl_lock();
	dp = vsw_genl_dp(genl_info_net(info), vsw_ovs_header(info), NULL);
	if (!dp) {
		GENL_SET_ERR_MSG(info, "no such datapath");
		err = -ENODEV;
		goto err_unlock;
	}
	if (type == OVS_VPORT_TYPE_INTERNAL) {
		/* a device of its own, made here (its name must be free) */
		dev = vsw_intport_dev_create(genl_info_net(info), nla_data(a[OVS_VPORT_ATTR_NAME]),
					     info->extack);
		if (IS_ERR(dev)) {
			err = PTR_ERR(dev);
			goto err_unlock;
		}
		vport = vsw_vport_add(dp, &vsw_intport_vport_ops, dev, port_no, pid,
				      info->extack);
		if (IS_ERR(vport))
			vsw_intport_dev_destroy(dev);
	} else {
		dev = __dev_get_by_name(genl_info_net(info), nla_data(a[OVS_VPORT_ATTR_NAME]));
		if (!dev) {
			GENL_SET_ERR_MSG(info, "no device of that name");
			err = -ENODEV;
			goto err_unlock;
		}
		/* The same as ip link set DEV master DP: the notification goes to the group. */
		vport = vsw_vport_add(dp, &vsw_netdev_vport_ops, dev, port_no, pid, info->extack);
	}
	if (IS_ERR(vport)) {
		err = PTR_ERR(vport);
		goto err_unlock;
	}
	vsw_dp_mtu_auto_adjust(dp);
	reply = vsw_vport_build(vport, info->snd_portid, info->snd_seq, OVS_VPORT_CMD_NEW);
	rtnl_unlock();
	if (IS_ERR(reply))
		return PTR_ERR(reply);
	return genlmsg_reply(reply, info);

err_unlock:
	rtnl_unlock();
	return err;
}

static int vsw_vport_cmd_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct vsw_vport *vport;
	struct sk_buff *reply;
	u32 pid, type;
	int err;

	rtnl_lock();
	vport = vsw_vport_lookup(info);
	err = PTR_ERR_OR_ZERO(vport);
	if (err)
		goto err_unlock;
	err = -EINVAL;
	type = vsw_vport_ovs_internal(vport) ? OVS_VPORT_TYPE_INTERNAL : OVS_VPORT_TYPE_NETDEV;
	if (a[OVS_VPORT_ATTR_TYPE] && nla_get_u32(a[OVS_VPORT_ATTR_TYPE]) != type) {
		GENL_SET_ERR_MSG(info, "a port's type does not change");
		goto err_unlock;
	}
	if (a[OVS_VPORT_ATTR_OPTIONS]) {
		GENL_SET_ERR_MSG(info, "this port has no options");
		err = -EOPNOTSUPP;
		goto err_unlock;
	}
	if (a[OVS_VPORT_ATTR_UPCALL_PID]) {
		err = vsw_vport_upcall_pid(a[OVS_VPORT_ATTR_UPCALL_PID], &pid, info);
		if (err)
			goto err_unlock;
		WRITE_ONCE(vport->upcall_pid, pid);
	}
	reply = vsw_vport_build(vport, info->snd_portid, info->snd_seq, OVS_VPORT_CMD_SET);
	rtnl_unlock();
	return vsw_genl_notify(&vsw_vport_family, reply, info);

err_unlock:
	rtnl_unlock();
	return err;
}

static int vsw_vport_cmd_del(struct sk_buff *skb, struct genl_info *info)
{
	struct vsw_vport *vport;
	struct sk_buff *reply;
	struct vsw_dp *dp;
	int err;

	rtnl_lock();
	vport = vsw_vport_lookup(info);
	err = PTR_ERR_OR_ZERO(vport);
	if (err)
		goto err_unlock;
	if (vsw_vport_is_internal(vport)) {
		GENL_SET_ERR_MSG(info, "port 0 is the datapath itself: delete the datapath");
		err = -EINVAL;
		goto err_unlock;
	}
	reply = vsw_vport_build(vport, info->snd_portid, info->snd_seq, OVS_VPORT_CMD_DEL);
	if (IS_ERR(reply)) {
		err = PTR_ERR(reply);
		goto err_unlock;
	}
	/* The same as ip link set DEV nomaster. */
	dp = vport->dp;
	vsw_vport_del(vport);
	vsw_dp_mtu_auto_adjust(dp);
	rtnl_unlock();
	return genlmsg_reply(reply, info);

err_unlock:
	rtnl_unlock();
	return err;
}

static int vsw_vport_cmd_get(struct sk_buff *skb, struct genl_info *info)
{
	struct vsw_vport *vport;
	struct sk_buff *reply;

	rtnl_lock();
	vport = vsw_vport_lookup(info);
	reply = IS_ERR(vport) ? ERR_CAST(vport) :
		vsw_vport_build(vport, info->snd_portid, info->snd_seq, OVS_VPORT_CMD_GET);
	rtnl_unlock();
	if (IS_ERR(reply))
		return PTR_ERR(reply);
	return genlmsg_reply(reply, info);
}

/* The ports of dp_ifindex, by number, resumed from the number after the last one sent. */
static int vsw_vport_cmd_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct ovs_header *ovs_header = genlmsg_data(nlmsg_data(cb->nlh));
	struct vsw_vport *vport;
	struct vsw_dp *dp;
	int err = 0;

	if (nlmsg_len(cb->nlh) < GENL_HDRLEN + sizeof(*ovs_header))
		return -EINVAL;
	rtnl_lock();
	dp = vsw_genl_dp(sock_net(skb->sk), ovs_header, NULL);
	if (!dp) {
		err = -ENODEV;
		goto out;
	}
	for_each_set_bit_from(cb->args[0], dp->port_nos, VSW_MAX_PORTS) {
		vport = vsw_dp_vport(dp, cb->args[0]);
		if (vport && vsw_vport_fill(vport, skb, NETLINK_CB(cb->skb).portid,
					    cb->nlh->nlmsg_seq, NLM_F_MULTI, OVS_VPORT_CMD_GET))
			break;
	}
out:
	rtnl_unlock();
	return err ?: skb->len;
}

static const struct nla_policy vsw_vport_policy[OVS_VPORT_ATTR_MAX + 1] = {
	[OVS_VPORT_ATTR_NAME]		= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[OVS_VPORT_ATTR_STATS]		= { .len = sizeof(struct ovs_vport_stats) },
	[OVS_VPORT_ATTR_PORT_NO]	= { .type = NLA_U32 },
	[OVS_VPORT_ATTR_TYPE]		= { .type = NLA_U32 },
	[OVS_VPORT_ATTR_UPCALL_PID]	= { .type = NLA_UNSPEC },
	[OVS_VPORT_ATTR_OPTIONS]	= { .type = NLA_NESTED },
	[OVS_VPORT_ATTR_IFINDEX]	= NLA_POLICY_MIN(NLA_S32, 0),
	[OVS_VPORT_ATTR_NETNSID]	= { .type = NLA_S32 },
};

static const struct genl_small_ops vsw_vport_ops[] = {
	{ .cmd = OVS_VPORT_CMD_NEW, .validate = VSW_GENL_LENIENT, .flags = GENL_UNS_ADMIN_PERM,
	  .doit = vsw_vport_cmd_new },
	{ .cmd = OVS_VPORT_CMD_DEL, .validate = VSW_GENL_LENIENT, .flags = GENL_UNS_ADMIN_PERM,
	  .doit = vsw_vport_cmd_del },
	{ .cmd = OVS_VPORT_CMD_GET, .validate = VSW_GENL_LENIENT,
	  .doit = vsw_vport_cmd_get, .dumpit = vsw_vport_cmd_dump },
	{ .cmd = OVS_VPORT_CMD_SET, .validate = VSW_GENL_LENIENT, .flags = GENL_UNS_ADMIN_PERM,
	  .doit = vsw_vport_cmd_set },
};

static const struct genl_multicast_group vsw_vport_mcgrp = { .name = OVS_VPORT_MCGROUP };

static struct genl_family vsw_vport_family __ro_after_init = {
	.hdrsize	= sizeof(struct ovs_header),
	.name		= OVS_VPORT_FAMILY,
	.version	= OVS_VPORT_VERSION,
	.maxattr	= OVS_VPORT_ATTR_MAX,
	.policy		= vsw_vport_policy,
	.netnsok	= true,
	.parallel_ops	= true,
	.small_ops	= vsw_vport_ops,
	.n_small_ops	= ARRAY_SIZE(vsw_vport_ops),
	.resv_start_op	= OVS_VPORT_CMD_SET + 1,
	.mcgrps		= &vsw_vport_mcgrp,
	.n_mcgrps	= 1,
	.module		= THIS_MODULE,
};

/*
 * ovs_flow: the flow table (flow_table.c), with keys, masks and actions in
 * the OVS format (flow_netlink.c). As upstream: NEW with NLM_F_CREATE fails
 * with EEXIST on a flow that overlaps (one its key would match), NEW without
 * it replaces the actions of the same flow; SET changes actions (CLEAR: and
 * zeroes the counters); a flow is named by its UFID, or without one by its
 * exact key; DEL without either flushes the table.
 */

static const struct nla_policy vsw_flow_policy[OVS_FLOW_ATTR_MAX + 1];

struct vsw_flow_req {
	struct vsw_mkey		key;
	struct vsw_mkey		mask;
	u64			key_attrs;
	const u8		*ufid;
	u8			ufid_len;
	u32			ufid_flags;
};

static int vsw_flow_ufid(struct nlattr **a, struct vsw_flow_req *req, struct genl_info *info)
{
	const struct nlattr *u = a[OVS_FLOW_ATTR_UFID];

	if (a[OVS_FLOW_ATTR_UFID_FLAGS])
		req->ufid_flags = nla_get_u32(a[OVS_FLOW_ATTR_UFID_FLAGS]);
	if (!u)
		return 0;
	if (!nla_len(u) || nla_len(u) > VSW_UFID_MAX) {
		NL_SET_ERR_MSG_ATTR(info->extack, u, "a UFID is 1 to 16 bytes");
		return -EINVAL;
	}
	req->ufid = nla_data(u);
	req->ufid_len = nla_len(u);
	return 0;
}

/* KEY (required if @need_key), MASK (else exact), UFID: parsed into @req. */
static int vsw_flow_req_parse(struct nlattr **a, struct vsw_flow_req *req, bool need_key,
			      struct genl_info *info)
{
	int err;

	memset(req, 0, sizeof(*req));
	err = vsw_flow_ufid(a, req, info);
	if (err)
		return err;
	if (!a[OVS_FLOW_ATTR_KEY]) {
		if (!need_key && req->ufid)
			return 0;
		GENL_SET_ERR_MSG(info, "a flow needs a KEY (or, to name one, a UFID)");
		return -EINVAL;
	}
	err = vsw_key_from_attrs(a[OVS_FLOW_ATTR_KEY], &req->key, &req->key_attrs, info->extack);
	if (err)
		return err;
	if (a[OVS_FLOW_ATTR_MASK])
		return vsw_mask_from_attrs(a[OVS_FLOW_ATTR_MASK], &req->key, req->key_attrs,
					   &req->mask, info->extack);
	return 0;
}

/* The exact mask of a flow given without one (and of a key naming a flow). */
static int vsw_flow_exact_mask(const struct nlattr *key_attr, struct vsw_flow_req *req,
			       struct nlattr **mask_attrs, struct genl_info *info)
{
	struct nlattr *m = vsw_exact_mask_attrs(key_attr, GFP_KERNEL);
	int err;

	if (!m)
		return -ENOMEM;
	err = vsw_mask_from_attrs(m, &req->key, req->key_attrs, &req->mask, info->extack);
	/* a key without ETHERTYPE is an 802.3 frame: exactly that */
	req->mask.eth_type = htons(0xffff);
	if (err || !mask_attrs)
		kfree(m);
	else
		*mask_attrs = m;
	return err;
}

static bool vsw_flow_put_key(u32 flags, const struct vsw_flow *flow)
{
	return !flow->ufid_len || !(flags & OVS_UFID_F_OMIT_KEY);
}

static size_t vsw_flow_msg_size(const struct vsw_flow *flow, u32 flags)
{
	const struct vsw_actions *acts = rcu_dereference_rtnl(flow->acts);
	size_t size = NLMSG_ALIGN(sizeof(struct ovs_header)) +
		      nla_total_size(VSW_UFID_MAX) +				/* UFID */
		      nla_total_size_64bit(sizeof(struct ovs_flow_stats)) +	/* STATS */
		      nla_total_size(1) +					/* TCP_FLAGS */
		      nla_total_size_64bit(8);					/* USED */

	if (vsw_flow_put_key(flags, flow))
		size += nla_total_size(nla_len(flow->key_attrs));
	if (!(flags & OVS_UFID_F_OMIT_MASK))
		size += nla_total_size(nla_len(flow->mask_attrs));
	if (!(flags & OVS_UFID_F_OMIT_ACTIONS))
		size += nla_total_size(acts->len);
	return size;
}

/* OVS_FLOW_ATTR_USED: monotonic ms when last used, as upstream's ovs_flow_used_time() */
static u64 vsw_flow_used_ms(unsigned long used)
{
	struct timespec64 now;
	u64 now_ms;

	ktime_get_ts64(&now);
	now_ms = (u64)(u32)now.tv_sec * MSEC_PER_SEC + now.tv_nsec / NSEC_PER_MSEC;
	return now_ms - jiffies_to_msecs(jiffies - used);
}

static int vsw_flow_fill(struct vsw_dp *dp, struct vsw_flow *flow, struct sk_buff *skb,
			 u32 portid, u32 seq, u32 nlflags, u8 cmd, u32 flags)
{
	const struct vsw_actions *acts = rcu_dereference_rtnl(flow->acts);
	struct ovs_header *ovs_header;
	struct ovs_flow_stats stats;
	int first = !skb->len;
	unsigned long used;
	__be16 tcp_flags;

	ovs_header = genlmsg_put(skb, portid, seq, &vsw_flow_family, nlflags, cmd);
	if (!ovs_header)
		return -EMSGSIZE;
	ovs_header->dp_ifindex = dp->dev->ifindex;
	vsw_flow_stats_get(flow, &stats, &used, &tcp_flags);
	if ((flow->ufid_len && nla_put(skb, OVS_FLOW_ATTR_UFID, flow->ufid_len, flow->ufid)) ||
	    (vsw_flow_put_key(flags, flow) &&
	     nla_put(skb, OVS_FLOW_ATTR_KEY, nla_len(flow->key_attrs),
		     nla_data(flow->key_attrs))) ||
	    (!(flags & OVS_UFID_F_OMIT_MASK) &&
	     nla_put(skb, OVS_FLOW_ATTR_MASK, nla_len(flow->mask_attrs),
		     nla_data(flow->mask_attrs))) ||
	    (used && nla_put_u64_64bit(skb, OVS_FLOW_ATTR_USED, vsw_flow_used_ms(used),
				       OVS_FLOW_ATTR_PAD)) ||
	    (stats.n_packets && nla_put_64bit(skb, OVS_FLOW_ATTR_STATS, sizeof(stats), &stats,
					      OVS_FLOW_ATTR_PAD)) ||
	    ((u8)ntohs(tcp_flags) &&
	     nla_put_u8(skb, OVS_FLOW_ATTR_TCP_FLAGS, (u8)ntohs(tcp_flags))))
		goto full;
	/*
	 * Actions (up to 32 KiB) that do not fit even a message of their own
	 * (a dump's may be smaller) are left out, as upstream: the client GETs
	 * them. Else a dump would end at such a flow.
	 */
	if (!(flags & OVS_UFID_F_OMIT_ACTIONS) &&
	    nla_put(skb, OVS_FLOW_ATTR_ACTIONS, acts->len, acts->attrs) && !first)
		goto full;
	genlmsg_end(skb, ovs_header);
	return 0;
full:
	genlmsg_cancel(skb, ovs_header);
	return -EMSGSIZE;
}

static struct sk_buff *vsw_flow_build(struct vsw_dp *dp, struct vsw_flow *flow,
				      struct genl_info *info, u8 cmd, u32 flags)
{
	struct sk_buff *skb = genlmsg_new(vsw_flow_msg_size(flow, flags), GFP_KERNEL);

	if (!skb)
		return ERR_PTR(-ENOMEM);
	if (vsw_flow_fill(dp, flow, skb, info->snd_portid, info->snd_seq, 0, cmd, flags)) {
		kfree_skb(skb);
		return ERR_PTR(-EMSGSIZE);
	}
	return skb;
}

/* A reply only when someone wants it: the sender (NLM_F_ECHO) or the group. */
static bool vsw_flow_must_notify(struct genl_info *info)
{
	return info->nlhdr->nlmsg_flags & NLM_F_ECHO ||
	       genl_has_listeners(&vsw_flow_family, genl_info_net(info), 0);
}

/* The flow @req names: by UFID, or by its exact key. */
static struct vsw_flow *vsw_flow_named(struct vsw_dp *dp, const struct vsw_flow_req *req)
{
	if (req->ufid)
		return vsw_flow_find_ufid(&dp->table, req->ufid, req->ufid_len);
	return vsw_flow_find_unmasked(&dp->table, &req->key);
}

static struct vsw_dp *vsw_flow_dp(struct genl_info *info)
{
	struct vsw_dp *dp = vsw_genl_dp(genl_info_net(info), vsw_ovs_header(info), NULL);

	if (!dp)
		GENL_SET_ERR_MSG(info, "no such datapath");
	return dp;
}

static int vsw_flow_cmd_new(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct vsw_actions *acts, *old;
	struct vsw_flow *flow, *found;
	struct sk_buff *reply = NULL;
	struct vsw_flow_req req;
	struct vsw_dp *dp;
	int err;

	if (!a[OVS_FLOW_ATTR_ACTIONS]) {
		GENL_SET_ERR_MSG(info, "a new flow needs ACTIONS (empty to drop)");
		return -EINVAL;
	}
	err = vsw_flow_req_parse(a, &req, true, info);
	if (err)
		return err;
	flow = vsw_flow_alloc();
	if (!flow)
		return -ENOMEM;
	flow->unmasked = req.key;
	flow->key_attrs = kmemdup(a[OVS_FLOW_ATTR_KEY],
				  nla_total_size(nla_len(a[OVS_FLOW_ATTR_KEY])), GFP_KERNEL);
	if (a[OVS_FLOW_ATTR_MASK])
		flow->mask_attrs = kmemdup(a[OVS_FLOW_ATTR_MASK],
					   nla_total_size(nla_len(a[OVS_FLOW_ATTR_MASK])),
					   GFP_KERNEL);
	else
		err = vsw_flow_exact_mask(a[OVS_FLOW_ATTR_KEY], &req, &flow->mask_attrs, info);
	if (!err && (!flow->key_attrs || !flow->mask_attrs))
		err = -ENOMEM;
	if (err)
		goto err_free;
	if (req.ufid) {
		memcpy(flow->ufid, req.ufid, req.ufid_len);
		flow->ufid_len = req.ufid_len;
	}
	acts = vsw_actions_from_attrs(a[OVS_FLOW_ATTR_ACTIONS], &req.key, info->extack);
	if (IS_ERR(acts)) {
		err = PTR_ERR(acts);
		goto err_free;
	}
	RCU_INIT_POINTER(flow->acts, acts);

	rtnl_lock();
	dp = vsw_flow_dp(info);
	if (!dp) {
		err = -ENODEV;
		goto err_unlock;
	}
	found = req.ufid ? vsw_flow_find_ufid(&dp->table, req.ufid, req.ufid_len) : NULL;
	/* as upstream: the key as given, looked up as a frame's would be */
	if (!found)
		found = vsw_flow_find_overlap(&dp->table, &req.key);
	if (!found) {
		err = vsw_flow_insert(&dp->table, flow, &req.mask);
		if (err == -ENOSPC)
			GENL_SET_ERR_MSG(info, "the flow table is full (vswitch's flow_limit)");
		if (err)
			goto err_unlock;
		if (vsw_flow_must_notify(info))
			reply = vsw_flow_build(dp, flow, info, OVS_FLOW_CMD_NEW, req.ufid_flags);
		rtnl_unlock();
		goto out;
	}
	/* an existing flow: NLM_F_CREATE (or NLM_F_EXCL) says it must not exist */
	if (info->nlhdr->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL)) {
		GENL_SET_ERR_MSG(info, "a flow with this key (or UFID), or overlapping it, exists");
		err = -EEXIST;
		goto err_unlock;
	}
	/* replacing: the same flow (identity, mask, key), not just an overlapping one */
	if (!req.ufid)
		found = vsw_flow_find_unmasked(&dp->table, &req.key);
	if (!found || found->ufid_len != req.ufid_len ||
	    memcmp(&found->id.mask->key, &req.mask, sizeof(req.mask)) ||
	    memcmp(&found->unmasked, &req.key, sizeof(req.key))) {
		GENL_SET_ERR_MSG(info, "another flow overlaps this key: no flow to replace");
		err = -ENOENT;
		goto err_unlock;
	}
	old = rtnl_dereference(found->acts);
	rcu_assign_pointer(found->acts, acts);
	RCU_INIT_POINTER(flow->acts, NULL);
	vsw_actions_free_rcu(old);
	if (vsw_flow_must_notify(info))
		reply = vsw_flow_build(dp, found, info, OVS_FLOW_CMD_NEW, req.ufid_flags);
	rtnl_unlock();
	vsw_flow_free(flow);
out:
	return reply ? vsw_genl_notify(&vsw_flow_family, reply, info) : 0;

err_unlock:
	rtnl_unlock();
err_free:
	vsw_flow_free(flow);
	return err;
}

static int vsw_flow_cmd_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct vsw_actions *acts = NULL, *old;
	struct sk_buff *reply = NULL;
	struct vsw_flow_req req;
	struct vsw_flow *flow;
	struct vsw_dp *dp;
	int err;

	err = vsw_flow_req_parse(a, &req, false, info);
	if (err)
		return err;
	if (a[OVS_FLOW_ATTR_ACTIONS]) {
		if (!a[OVS_FLOW_ATTR_KEY]) {
			GENL_SET_ERR_MSG(info, "new ACTIONS need the flow's KEY (checked against)");
			return -EINVAL;
		}
		acts = vsw_actions_from_attrs(a[OVS_FLOW_ATTR_ACTIONS], &req.key, info->extack);
		if (IS_ERR(acts))
			return PTR_ERR(acts);
	}
	rtnl_lock();
	dp = vsw_flow_dp(info);
	if (!dp) {
		err = -ENODEV;
		goto err_unlock;
	}
	flow = vsw_flow_named(dp, &req);
	if (!flow) {
		GENL_SET_ERR_MSG(info, "no such flow");
		err = -ENOENT;
		goto err_unlock;
	}
	if (acts) {
		old = rtnl_dereference(flow->acts);
		rcu_assign_pointer(flow->acts, acts);
		vsw_actions_free_rcu(old);
	}
	/* as upstream, the reply has the counts as they were before a clear */
	if (vsw_flow_must_notify(info))
		reply = vsw_flow_build(dp, flow, info, OVS_FLOW_CMD_SET, req.ufid_flags);
	if (a[OVS_FLOW_ATTR_CLEAR])
		vsw_flow_stats_clear(flow);
	rtnl_unlock();
	return reply ? vsw_genl_notify(&vsw_flow_family, reply, info) : 0;

err_unlock:
	rtnl_unlock();
	kfree(acts);
	return err;
}

static int vsw_flow_cmd_get(struct sk_buff *skb, struct genl_info *info)
{
	struct vsw_flow_req req;
	struct sk_buff *reply;
	struct vsw_flow *flow;
	struct vsw_dp *dp;
	int err;

	err = vsw_flow_req_parse(info->attrs, &req, false, info);
	if (err)
		return err;
	rtnl_lock();
	dp = vsw_flow_dp(info);
	flow = dp ? vsw_flow_named(dp, &req) : NULL;
	if (dp && !flow)
		GENL_SET_ERR_MSG(info, "no such flow");
	reply = !dp ? ERR_PTR(-ENODEV) : !flow ? ERR_PTR(-ENOENT) :
		vsw_flow_build(dp, flow, info, OVS_FLOW_CMD_GET, req.ufid_flags);
	rtnl_unlock();
	if (IS_ERR(reply))
		return PTR_ERR(reply);
	return genlmsg_reply(reply, info);
}

static int vsw_flow_cmd_del(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct sk_buff *reply = NULL;
	struct vsw_flow_req req;
	struct vsw_flow *flow;
	struct vsw_dp *dp;
	int err;

	if (a[OVS_FLOW_ATTR_KEY] || a[OVS_FLOW_ATTR_UFID]) {
		err = vsw_flow_req_parse(a, &req, false, info);
		if (err)
			return err;
	}
	rtnl_lock();
	dp = vsw_flow_dp(info);
	if (!dp) {
		err = -ENODEV;
		goto out;
	}
	if (!a[OVS_FLOW_ATTR_KEY] && !a[OVS_FLOW_ATTR_UFID]) {
		vsw_flow_flush(&dp->table);
		err = 0;
		goto out;
	}
	flow = vsw_flow_named(dp, &req);
	if (!flow) {
		GENL_SET_ERR_MSG(info, "no such flow");
		err = -ENOENT;
		goto out;
	}
	/* the reply carries the flow's last counters */
	if (vsw_flow_must_notify(info))
		reply = vsw_flow_build(dp, flow, info, OVS_FLOW_CMD_DEL, req.ufid_flags);
	vsw_flow_remove(&dp->table, flow);
	err = 0;
out:
	rtnl_unlock();
	if (!err && reply)
		return vsw_genl_notify(&vsw_flow_family, reply, info);
	return err;
}

/* Every flow of dp_ifindex, in insertion order, resumed after the last one sent (cb->args[0]). */
static int vsw_flow_cmd_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct ovs_header *ovs_header = genlmsg_data(nlmsg_data(cb->nlh));
	struct nlattr *a[OVS_FLOW_ATTR_MAX + 1];
	struct vsw_flow *flow;
	unsigned long seq;
	struct vsw_dp *dp;
	u32 flags = 0;
	int err;

	err = nlmsg_parse_deprecated(cb->nlh, GENL_HDRLEN + sizeof(*ovs_header), a,
				     OVS_FLOW_ATTR_MAX, vsw_flow_policy, NULL);
	if (err)
		return err;
	if (a[OVS_FLOW_ATTR_UFID_FLAGS])
		flags = nla_get_u32(a[OVS_FLOW_ATTR_UFID_FLAGS]);
	rtnl_lock();
	dp = vsw_genl_dp(sock_net(skb->sk), ovs_header, NULL);
	if (!dp) {
		rtnl_unlock();
		return -ENODEV;
	}
	/*
	 * Resumed after the flow sent last, by its insertion number (args[0]):
	 * a walk of the numbers above it, whatever came and went meanwhile.
	 */
	xa_for_each_start(&dp->table.order, seq, flow, cb->args[0] + 1) {
		if (vsw_flow_fill(dp, flow, skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				  NLM_F_MULTI, OVS_FLOW_CMD_GET, flags))
			break;
		cb->args[0] = seq;
	}
	rtnl_unlock();
	return skb->len;
}

static const struct nla_policy vsw_flow_policy[OVS_FLOW_ATTR_MAX + 1] = {
	[OVS_FLOW_ATTR_KEY]		= { .type = NLA_NESTED },
	[OVS_FLOW_ATTR_MASK]		= { .type = NLA_NESTED },
	[OVS_FLOW_ATTR_ACTIONS]		= { .type = NLA_NESTED },
	[OVS_FLOW_ATTR_CLEAR]		= { .type = NLA_FLAG },
	[OVS_FLOW_ATTR_PROBE]		= { .type = NLA_FLAG },
	[OVS_FLOW_ATTR_UFID]		= { .type = NLA_UNSPEC, .len = 1 },
	[OVS_FLOW_ATTR_UFID_FLAGS]	= { .type = NLA_U32 },
};

static const struct genl_small_ops vsw_flow_ops[] = {
	{ .cmd = OVS_FLOW_CMD_NEW, .validate = VSW_GENL_LENIENT, .flags = GENL_UNS_ADMIN_PERM,
	  .doit = vsw_flow_cmd_new },
	{ .cmd = OVS_FLOW_CMD_DEL, .validate = VSW_GENL_LENIENT, .flags = GENL_UNS_ADMIN_PERM,
	  .doit = vsw_flow_cmd_del },
	{ .cmd = OVS_FLOW_CMD_GET, .validate = VSW_GENL_LENIENT,
	  .doit = vsw_flow_cmd_get, .dumpit = vsw_flow_cmd_dump },
	{ .cmd = OVS_FLOW_CMD_SET, .validate = VSW_GENL_LENIENT, .flags = GENL_UNS_ADMIN_PERM,
	  .doit = vsw_flow_cmd_set },
};

static const struct genl_multicast_group vsw_flow_mcgrp = { .name = OVS_FLOW_MCGROUP };

static struct genl_family vsw_flow_family __ro_after_init = {
	.hdrsize	= sizeof(struct ovs_header),
	.name		= OVS_FLOW_FAMILY,
	.version	= OVS_FLOW_VERSION,
	.maxattr	= OVS_FLOW_ATTR_MAX,
	.policy		= vsw_flow_policy,
	.netnsok	= true,
	.parallel_ops	= true,
	.small_ops	= vsw_flow_ops,
	.n_small_ops	= ARRAY_SIZE(vsw_flow_ops),
	.resv_start_op	= OVS_FLOW_CMD_SET + 1,
	.mcgrps		= &vsw_flow_mcgrp,
	.n_mcgrps	= 1,
	.module		= THIS_MODULE,
};

/*
 * ovs_packet: upcalls (a miss to the ingress port's upcall PID, the
 * userspace action's copy to its PID) and OVS_PACKET_CMD_EXECUTE.
 */

/* OVS_PACKET_ATTR_HASH above the 32 bits of hash, as upstream's datapath.h */
#define VSW_PACKET_HASH_SW_BIT	BIT_ULL(32)
#define VSW_PACKET_HASH_L4_BIT	BIT_ULL(33)

/*
 * One frame's upcall message, the frame copied (no GSO: segmented before), cut
 * to @cutlen if that is shorter (then OVS_PACKET_ATTR_LEN says how long it
 * was), as upstream's queue_userspace_packet().
 */
static int vsw_upcall_one(struct vsw_dp *dp, struct sk_buff *skb, const struct vsw_mkey *key,
			  const struct vsw_upcall *up)
{
	bool tag = skb_vlan_tag_present(skb);
	unsigned int full = skb->len + (tag ? VLAN_HLEN : 0), len = min(full, up->cutlen);
	struct sk_buff *src = skb, *clone = NULL, *msg;
	struct ovs_header *ovs_header;
	struct nlattr *nla;
	u8 *data;
	u64 hash;
	int err;

	if (nla_attr_size(len) > USHRT_MAX)
		return -EFBIG;
	/*
	 * A checksum left to the device (an Internet one, or SCTP's CRC32c) is
	 * finished first, on a clone (which gets its own header if it must).
	 */
	if (skb->ip_summed == CHECKSUM_PARTIAL) {
		clone = skb_clone(skb, GFP_ATOMIC);
		if (!clone)
			return -ENOMEM;
		err = skb_csum_hwoffload_help(clone, 0);
		if (err)
			goto err_clone;
		src = clone;
	}
	err = -ENOMEM;
	msg = genlmsg_new(NLMSG_ALIGN(sizeof(*ovs_header)) + nla_total_size(512) +
			  nla_total_size(len) + nla_total_size(sizeof(u32)) +
			  (up->userdata ? nla_total_size(nla_len(up->userdata)) : 0) +
			  (up->actions ? nla_total_size(up->actions_len) : 0) +
			  nla_total_size_64bit(sizeof(u64)), GFP_ATOMIC);
	if (!msg)
		goto err_clone;
	err = -EMSGSIZE;
	ovs_header = genlmsg_put(msg, 0, 0, &vsw_packet_family, 0, up->cmd);
	if (!ovs_header)
		goto err;
	ovs_header->dp_ifindex = dp->dev->ifindex;
	if (vsw_key_to_attrs(msg, OVS_PACKET_ATTR_KEY, key))
		goto err;
	if (up->userdata && nla_put(msg, OVS_PACKET_ATTR_USERDATA, nla_len(up->userdata),
				    nla_data(up->userdata)))
		goto err;
	if (up->actions && nla_put(msg, OVS_PACKET_ATTR_ACTIONS, up->actions_len, up->actions))
		goto err;
	if (len < full && nla_put_u32(msg, OVS_PACKET_ATTR_LEN, full))
		goto err;
	/* as upstream: the skb's hash, and whether software or L4 made it */
	hash = skb_get_hash_raw(skb);
	if (skb->sw_hash)
		hash |= VSW_PACKET_HASH_SW_BIT;
	if (skb->l4_hash)
		hash |= VSW_PACKET_HASH_L4_BIT;
	if (nla_put(msg, OVS_PACKET_ATTR_HASH, sizeof(hash), &hash))
		goto err;
	nla = nla_reserve(msg, OVS_PACKET_ATTR_PACKET, len);
	if (!nla)
		goto err;
	data = nla_data(nla);
	/* the frame as on the wire: an accelerated tag back inside, after the MACs (len >= 14) */
	if (tag) {
		struct vlan_ethhdr *veth = (struct vlan_ethhdr *)data;

		if (skb_copy_bits(src, 0, data, 2 * ETH_ALEN) ||
		    (len > VLAN_ETH_HLEN - 2 &&
		     skb_copy_bits(src, 2 * ETH_ALEN, data + VLAN_ETH_HLEN - 2,
				   len - (VLAN_ETH_HLEN - 2))))
			goto err;
		veth->h_vlan_proto = skb->vlan_proto;
		veth->h_vlan_TCI = htons(skb_vlan_tag_get(skb));
	} else if (skb_copy_bits(src, 0, data, len)) {
		goto err;
	}
	genlmsg_end(msg, ovs_header);
	consume_skb(clone);
	return genlmsg_unicast(dev_net(dp->dev), msg, up->pid);
err:
	kfree_skb(msg);
err_clone:
	kfree_skb(clone);
	return err;
}

/*
 * @skb to the listener @pid (a MISS, or the userspace action's copy, cut to
 * @cutlen): an error when it cannot be sent, counted lost. @skb stays the
 * caller's. Softirq or BH off, under RCU.
 */
int vsw_dp_upcall(struct vsw_dp *dp, struct sk_buff *skb, const struct vsw_mkey *key,
		  const struct vsw_upcall *up)
{
	struct sk_buff *segs, *seg;
	int err = -ENOTCONN;

	if (!up->pid || !vsw_genl_registered)
		goto lost;
	if (!skb_is_gso(skb)) {
		err = vsw_upcall_one(dp, skb, key, up);
		goto out;
	}
	/* a GSO frame goes up as the frames it stands for */
	segs = __skb_gso_segment(skb, 0, false);
	if (IS_ERR_OR_NULL(segs)) {
		err = segs ? PTR_ERR(segs) : -EINVAL;
		goto lost;
	}
	err = 0;
	skb_list_walk_safe(segs, seg, segs) {
		skb_mark_not_on_list(seg);
		if (!err)
			err = vsw_upcall_one(dp, seg, key, up);
		consume_skb(seg);
	}
out:
	if (!err)
		return 0;
lost:
	vdev_ctr_inc(dp->stats, VSW_DP_LOST);
	return err;
}

/* The metadata an execute's KEY gives (the rest of the key comes from the packet). */
static int vsw_execute_meta(const struct nlattr *key, struct vsw_pkt_meta *meta,
			    struct sk_buff *packet, struct genl_info *info)
{
	const struct nlattr *a;
	int rem;

	nla_for_each_nested(a, key, rem) {
		switch (nla_type(a)) {
		case OVS_KEY_ATTR_IN_PORT:
		case OVS_KEY_ATTR_PRIORITY:
		case OVS_KEY_ATTR_SKB_MARK:
		case OVS_KEY_ATTR_RECIRC_ID:
		case OVS_KEY_ATTR_DP_HASH:
			if (nla_len(a) != sizeof(u32)) {
				NL_SET_ERR_MSG_ATTR(info->extack, a, "a 32-bit key attribute");
				return -EINVAL;
			}
			break;
		default:
			continue;
		}
		switch (nla_type(a)) {
		case OVS_KEY_ATTR_IN_PORT:
			meta->in_port = nla_get_u32(a);
			break;
		case OVS_KEY_ATTR_PRIORITY:
			packet->priority = nla_get_u32(a);
			break;
		case OVS_KEY_ATTR_SKB_MARK:
			packet->mark = nla_get_u32(a);
			break;
		case OVS_KEY_ATTR_RECIRC_ID:
			meta->recirc_id = nla_get_u32(a);
			break;
		case OVS_KEY_ATTR_DP_HASH:
			meta->dp_hash = nla_get_u32(a);
			break;
		}
	}
	return 0;
}

/* Actions run on a packet userspace gives, as if it had come in on the key's in_port. */
static int vsw_packet_cmd_execute(struct sk_buff *skb, struct genl_info *info)
{
	const struct ovs_header *ovs_header = vsw_ovs_header(info);
	struct nlattr **a = info->attrs;
	struct vsw_pkt_meta meta = {};
	struct vsw_actions *acts;
	struct vsw_flow_key key;
	struct vsw_mkey mkey;
	struct net_device *dev;
	struct sk_buff *packet;
	struct vsw_vport *in;
	int len, err;

	if (!a[OVS_PACKET_ATTR_PACKET] || !a[OVS_PACKET_ATTR_KEY] ||
	    !a[OVS_PACKET_ATTR_ACTIONS]) {
		GENL_SET_ERR_MSG(info, "execute needs PACKET, KEY and ACTIONS");
		return -EINVAL;
	}
	len = nla_len(a[OVS_PACKET_ATTR_PACKET]);
	if (len < ETH_HLEN) {
		GENL_SET_ERR_MSG(info, "a packet shorter than an Ethernet header");
		return -EINVAL;
	}
	packet = __dev_alloc_skb(NET_IP_ALIGN + len, GFP_KERNEL);
	if (!packet)
		return -ENOMEM;
	skb_reserve(packet, NET_IP_ALIGN);
	nla_memcpy(__skb_put(packet, len), a[OVS_PACKET_ATTR_PACKET], len);
	skb_reset_mac_header(packet);
	packet->protocol = eth_proto_is_802_3(eth_hdr(packet)->h_proto) ?
			   eth_hdr(packet)->h_proto : htons(ETH_P_802_2);
	err = vsw_execute_meta(a[OVS_PACKET_ATTR_KEY], &meta, packet, info);
	if (err)
		goto err_packet;
	if (a[OVS_PACKET_ATTR_HASH]) {
		u64 hash = nla_get_u64(a[OVS_PACKET_ATTR_HASH]);

		__skb_set_hash(packet, (u32)hash, !!(hash & VSW_PACKET_HASH_SW_BIT),
			       !!(hash & VSW_PACKET_HASH_L4_BIT));
	}
	vsw_flow_extract(packet, meta.in_port, &key);
	vsw_mkey_from_frame(packet, &key, &meta, &mkey);
	acts = vsw_actions_from_attrs(a[OVS_PACKET_ATTR_ACTIONS], &mkey, info->extack);
	if (IS_ERR(acts)) {
		err = PTR_ERR(acts);
		goto err_packet;
	}

	rcu_read_lock();
	dev = dev_get_by_index_rcu(genl_info_net(info), ovs_header->dp_ifindex);
	in = NULL;
	if (dev && vsw_is_internal_dev(dev)) {
		struct vsw_dp *dp = vsw_internal_dp(dev);

		/* as upstream: a packet from no port (or a gone one) comes from the local port */
		in = vsw_dp_vport(dp, meta.in_port) ?: rcu_dereference(dp->internal);
	}
	if (!in) {
		rcu_read_unlock();
		kfree(acts);
		GENL_SET_ERR_MSG(info, "no such datapath");
		err = -ENODEV;
		goto err_packet;
	}
	/* as upstream: from the input port's device (the flow dissector needs one) */
	packet->dev = in->dev;
	local_bh_disable();
	vsw_dp_execute(in->dp, packet, in, &key, &meta, acts);
	local_bh_enable();
	rcu_read_unlock();
	kfree(acts);
	return 0;

err_packet:
	kfree_skb(packet);
	return err;
}

static const struct nla_policy vsw_packet_policy[OVS_PACKET_ATTR_MAX + 1] = {
	[OVS_PACKET_ATTR_PACKET]	= { .len = ETH_HLEN },
	[OVS_PACKET_ATTR_KEY]		= { .type = NLA_NESTED },
	[OVS_PACKET_ATTR_ACTIONS]	= { .type = NLA_NESTED },
	[OVS_PACKET_ATTR_PROBE]		= { .type = NLA_FLAG },
	[OVS_PACKET_ATTR_MRU]		= { .type = NLA_U16 },
	[OVS_PACKET_ATTR_HASH]		= { .type = NLA_U64 },
};

static const struct genl_small_ops vsw_packet_ops[] = {
	{ .cmd = OVS_PACKET_CMD_EXECUTE, .validate = VSW_GENL_LENIENT,
	  .flags = GENL_UNS_ADMIN_PERM, .doit = vsw_packet_cmd_execute },
};

static struct genl_family vsw_packet_family __ro_after_init = {
	.hdrsize	= sizeof(struct ovs_header),
	.name		= OVS_PACKET_FAMILY,
	.version	= OVS_PACKET_VERSION,
	.maxattr	= OVS_PACKET_ATTR_MAX,
	.policy		= vsw_packet_policy,
	.netnsok	= true,
	.parallel_ops	= true,
	.small_ops	= vsw_packet_ops,
	.n_small_ops	= ARRAY_SIZE(vsw_packet_ops),
	.resv_start_op	= OVS_PACKET_CMD_EXECUTE + 1,
	.module		= THIS_MODULE,
};

static struct genl_family * const vsw_genl_families[] = {
	&vsw_dp_family, &vsw_vport_family, &vsw_flow_family, &vsw_packet_family, &vsw_meter_family,
};

/* All five or none: -EEXIST when another module (openvswitch.ko) holds the names. */
int vsw_genl_init(void)
{
	int i, err;

	for (i = 0; i < ARRAY_SIZE(vsw_genl_families); i++) {
		err = genl_register_family(vsw_genl_families[i]);
		if (err)
			goto err_unregister;
	}
	vsw_genl_registered = true;
	return 0;

err_unregister:
	while (--i >= 0)
		genl_unregister_family(vsw_genl_families[i]);
	return err;
}

void vsw_genl_exit(void)
{
	int i;

	if (!vsw_genl_registered)
		return;
	for (i = ARRAY_SIZE(vsw_genl_families) - 1; i >= 0; i--)
		genl_unregister_family(vsw_genl_families[i]);
	vsw_genl_registered = false;
}
