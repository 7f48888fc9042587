// SPDX-License-Identifier: GPL-2.0
/*
 * The Open vSwitch kernel datapath's generic netlink interface, so that the
 * stock ovs-dpctl and ovs-vswitchd drive vswitch:
 *
 *	ovs_datapath	a datapath is a switch: ovs-dpctl add-dp dp0 makes the
 *			same device as ip link add dp0 type vswitch
 *	ovs_vport	its ports: ovs-dpctl add-if dp0 a0 is ip link set a0
 *			master dp0, and each tool sees what the other did
 *	ovs_flow	the flow table (not yet: refused, an empty dump)
 *	ovs_packet	execute and upcalls (not yet: refused)
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

#include "datapath.h"

/* What a client may ask of a datapath: the per-vport upcall PIDs mode. */
#define VSW_DP_FEATURES		(OVS_DP_F_UNALIGNED | OVS_DP_F_VPORT_PIDS)

static struct genl_family vsw_dp_family;
static struct genl_family vsw_vport_family;
static struct genl_family vsw_flow_family;
static struct genl_family vsw_packet_family;
static bool vsw_genl_registered;

/* The datapath @ovs_header or a NAME attribute names. RTNL held. */
static struct vsw_dp *vsw_genl_dp(struct net *net, const struct ovs_header *ovs_header,
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
	/* No flow table yet: every frame misses it and goes to the learning switch. */
	stats->n_missed = sum[VSW_DP_PROCESSED];
}

static size_t vsw_dp_msg_size(void)
{
	return NLMSG_ALIGN(sizeof(struct ovs_header)) +
	       nla_total_size(IFNAMSIZ) +					/* NAME */
	       nla_total_size_64bit(sizeof(struct ovs_dp_stats)) +		/* STATS */
	       nla_total_size_64bit(sizeof(struct ovs_dp_megaflow_stats)) +	/* MEGAFLOW_STATS */
	       nla_total_size(sizeof(u32));					/* USER_FEATURES */
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
	    nla_put_u32(skb, OVS_DP_ATTR_USER_FEATURES, dp->user_features)) {
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
	if (a[OVS_DP_ATTR_MASKS_CACHE_SIZE]) {
		GENL_SET_ERR_MSG(info, "vswitch has no mask cache yet");
		return -EOPNOTSUPP;
	}
	*features = a[OVS_DP_ATTR_USER_FEATURES] ? nla_get_u32(a[OVS_DP_ATTR_USER_FEATURES]) : 0;
	if (*features & ~VSW_DP_FEATURES) {
		GENL_SET_ERR_MSG(info, "vswitch supports the features unaligned and vport PIDs only");
		return -EOPNOTSUPP;
	}
	return 0;
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
	internal = rtnl_dereference(dp->internal);
	internal->upcall_pid = nla_get_u32(a[OVS_DP_ATTR_UPCALL_PID]);
	reply = vsw_dp_build(dp, info, OVS_DP_CMD_NEW);
	if (IS_ERR(reply))
		vsw_dp_destroy(dp);
	rtnl_unlock();
	return vsw_genl_notify(&vsw_dp_family, reply, info);
}

static struct vsw_dp *vsw_dp_lookup(struct genl_info *info)
{
	struct vsw_dp *dp;

	dp = vsw_genl_dp(genl_info_net(info), info->userhdr, info->attrs[OVS_DP_ATTR_NAME]);
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
	[OVS_DP_ATTR_MASKS_CACHE_SIZE]	= { .type = NLA_U32 },
	[OVS_DP_ATTR_IFINDEX]		= NLA_POLICY_MIN(NLA_S32, 0),
};

/* As upstream: lenient validation (OVS sets no NLA_F_NESTED), resv_start_op past the last op. */
#define VSW_GENL_LENIENT	(GENL_DONT_VALIDATE_STRICT | GENL_DONT_VALIDATE_DUMP)

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
	u32 type = vsw_vport_is_internal(vport) ? OVS_VPORT_TYPE_INTERNAL : OVS_VPORT_TYPE_NETDEV;

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
	const struct ovs_header *ovs_header = info->userhdr;
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
			vport = vsw_netdev_vport(dev);
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
	if (type != OVS_VPORT_TYPE_NETDEV) {
		GENL_SET_ERR_MSG(info, "vswitch ports are existing devices (type netdev) only");
		return -EOPNOTSUPP;
	}
	if (a[OVS_VPORT_ATTR_IFINDEX] || a[OVS_VPORT_ATTR_OPTIONS]) {
		GENL_SET_ERR_MSG(info, "a netdev port takes no ifindex and no options");
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
	dp = vsw_genl_dp(genl_info_net(info), info->userhdr, NULL);
	if (!dp) {
		GENL_SET_ERR_MSG(info, "no such datapath");
		err = -ENODEV;
		goto err_unlock;
	}
	dev = __dev_get_by_name(genl_info_net(info), nla_data(a[OVS_VPORT_ATTR_NAME]));
	if (!dev) {
		GENL_SET_ERR_MSG(info, "no device of that name");
		err = -ENODEV;
		goto err_unlock;
	}
	/* The same as ip link set DEV master DP: the vport's notification goes to the group. */
	vport = vsw_vport_add(dp, &vsw_netdev_vport_ops, dev, port_no, info->extack);
	if (IS_ERR(vport)) {
		err = PTR_ERR(vport);
		goto err_unlock;
	}
	vport->upcall_pid = pid;
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
	u32 pid;
	int err;

	rtnl_lock();
	vport = vsw_vport_lookup(info);
	err = PTR_ERR_OR_ZERO(vport);
	if (err)
		goto err_unlock;
	err = -EINVAL;
	if (a[OVS_VPORT_ATTR_TYPE] &&
	    nla_get_u32(a[OVS_VPORT_ATTR_TYPE]) != (vsw_vport_is_internal(vport) ?
						   OVS_VPORT_TYPE_INTERNAL : OVS_VPORT_TYPE_NETDEV)) {
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
 * ovs_flow and ovs_packet: registered (dpif-netlink needs all four families
 * to open a datapath), the flow table is empty and cannot take flows yet.
 */

static int vsw_flow_cmd_refuse(struct sk_buff *skb, struct genl_info *info)
{
	GENL_SET_ERR_MSG(info, "vswitch has no flow table yet: frames go to its learning switch");
	return -EOPNOTSUPP;
}

/* del-flows (no key, no UFID) flushes the table, which is empty. */
static int vsw_flow_cmd_del(struct sk_buff *skb, struct genl_info *info)
{
	if (!info->attrs[OVS_FLOW_ATTR_KEY] && !info->attrs[OVS_FLOW_ATTR_UFID])
		return 0;
	GENL_SET_ERR_MSG(info, "no such flow: the flow table is empty");
	return -ENOENT;
}

static int vsw_flow_cmd_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return 0;
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
	  .doit = vsw_flow_cmd_refuse },
	{ .cmd = OVS_FLOW_CMD_DEL, .validate = VSW_GENL_LENIENT, .flags = GENL_UNS_ADMIN_PERM,
	  .doit = vsw_flow_cmd_del },
	{ .cmd = OVS_FLOW_CMD_GET, .validate = VSW_GENL_LENIENT,
	  .doit = vsw_flow_cmd_refuse, .dumpit = vsw_flow_cmd_dump },
	{ .cmd = OVS_FLOW_CMD_SET, .validate = VSW_GENL_LENIENT, .flags = GENL_UNS_ADMIN_PERM,
	  .doit = vsw_flow_cmd_refuse },
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

static int vsw_packet_cmd_execute(struct sk_buff *skb, struct genl_info *info)
{
	GENL_SET_ERR_MSG(info, "vswitch cannot execute actions yet");
	return -EOPNOTSUPP;
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
	&vsw_dp_family, &vsw_vport_family, &vsw_flow_family, &vsw_packet_family,
};

/* All four or none: -EEXIST when another module (openvswitch.ko) holds the names. */
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
