// SPDX-License-Identifier: GPL-2.0
/*
 * The generic vport layer: numbering, the port list, per-port counters, and
 * the two doors of the datapath (receive in, send out with its MTU check).
 */

#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/slab.h>
/* Since 6.5 the GSO helpers (skb_gso_validate_mac_len()...) have their own header. */
#ifndef SKB_GSO_CB
#include <net/gso.h>
#endif

#include <uapi/linux/openvswitch.h>

#include "datapath.h"

struct vsw_vport *vsw_vport_add(struct vsw_dp *dp, const struct vsw_vport_ops *ops,
				struct net_device *dev, u32 port_no, u32 upcall_pid,
				struct netlink_ext_ack *extack)
{
	struct vsw_vport *vport;
	int err;

	ASSERT_RTNL();
	if (port_no == VSW_PORT_ANY) {
		/* The internal port is created first and gets 0. */
		port_no = find_first_zero_bit(dp->port_nos, VSW_MAX_PORTS);
		if (port_no >= VSW_MAX_PORTS) {
			NL_SET_ERR_MSG_MOD(extack, "the switch has no free port number");
			return ERR_PTR(-EXFULL);
		}
	} else if (port_no >= VSW_MAX_PORTS) {
		NL_SET_ERR_MSG_MOD(extack, "the switch numbers its ports below 1024");
		return ERR_PTR(-EFBIG);
	} else if (test_bit(port_no, dp->port_nos)) {
		NL_SET_ERR_MSG_MOD(extack, "that port number is taken");
		return ERR_PTR(-EBUSY);
	}

	vport = kzalloc(sizeof(*vport), GFP_KERNEL);
	if (!vport)
		return ERR_PTR(-ENOMEM);
	vport->stats = vdev_ctrs_alloc(VSW_PORT_NUM_CTRS);
	if (!vport->stats) {
		err = -ENOMEM;
		goto err_free;
	}
	vport->dp = dp;
	vport->dev = dev;
	vport->port_no = port_no;
	vport->ops = ops;
	vport->upcall_pid = upcall_pid;	/* before the NEW notification, which carries it */

	err = ops->create(vport, extack);
	if (err)
		goto err_free_stats;

	/*
	 * Readers may still use a port's device after it left: hold it until
	 * they are done. Not the internal port's: that is the switch itself,
	 * which the core frees only after an RCU barrier once unregistered, and
	 * at once when its registration fails after ndo_init.
	 */
	if (!vsw_vport_is_internal(vport))
		netdev_hold(dev, &vport->dev_tracker, GFP_KERNEL);
	set_bit(port_no, dp->port_nos);
	dp->nports++;
	list_add_tail_rcu(&vport->node, &dp->ports);
	rcu_assign_pointer(dp->vports[port_no], vport);
	if (!vsw_vport_is_internal(vport))
		vsw_genl_vport_notify(vport, OVS_VPORT_CMD_NEW);
	return vport;

err_free_stats:
	free_percpu(vport->stats);
err_free:
	kfree(vport);
	return ERR_PTR(err);
}

static void vsw_vport_free_rcu(struct rcu_head *rcu)
{
	struct vsw_vport *vport = container_of(rcu, struct vsw_vport, rcu);

	if (!vsw_vport_is_internal(vport))
		netdev_put(vport->dev, &vport->dev_tracker);
	free_percpu(vport->stats);
	kfree(vport);
}

/*
 * First the port is unpublished (no flood, flow output or execute finds it
 * any more), then no frame may enter from it (a netdev port's destroy waits
 * for the receive path, and with it for every RCU reader that found the port
 * before, an OVS_PACKET_CMD_EXECUTE entering from it included), so nothing
 * learns it again; then its FDB entries go. Readers that found it before
 * (flooding, a lookup) may still send to it: it is freed, and its device
 * released, after a grace period.
 */
void vsw_vport_del(struct vsw_vport *vport)
{
	struct vsw_dp *dp = vport->dp;

	ASSERT_RTNL();
	if (!vsw_vport_is_internal(vport))
		vsw_genl_vport_notify(vport, OVS_VPORT_CMD_DEL);
	list_del_rcu(&vport->node);
	RCU_INIT_POINTER(dp->vports[vport->port_no], NULL);
	vport->ops->destroy(vport);
	vsw_fdb_flush_port(dp, vport);
	clear_bit(vport->port_no, dp->port_nos);
	dp->nports--;
	call_rcu(&vport->rcu, vsw_vport_free_rcu);
}

void vsw_vport_receive(struct vsw_vport *vport, struct sk_buff *skb)
{
	vdev_ctr_frame(vport->stats, VSW_PORT_RX_PACKETS, skb->len);
	vsw_dp_process(vport, skb);
}

/*
 * The largest frame @dev takes: its MTU plus the Ethernet header and the
 * tags the frame carries; for a GSO frame, each of the segments it will be
 * cut into.
 */
static bool vsw_vport_fits(const struct net_device *dev, const struct sk_buff *skb)
{
	unsigned int len = dev->mtu + dev->hard_header_len;

	if (!skb_is_gso(skb) && skb->len <= len)
		return true;
	/* An in-band tag does not count against the MTU, as on a bridge. */
	if (eth_type_vlan(skb->protocol) || skb_vlan_tagged(skb))
		len += VLAN_HLEN;
	if (skb_is_gso(skb))
		return skb_gso_validate_mac_len(skb, len);
	return skb->len <= len;
}

void vsw_vport_send(struct vsw_vport *vport, struct sk_buff *skb)
{
	enum vsw_drop reason;

	if (unlikely(!(vport->dev->flags & IFF_UP))) {
		reason = VSW_DROP_PORT_DOWN;
		goto drop;
	}
	if (unlikely(!vsw_vport_fits(vport->dev, skb))) {
		reason = VSW_DROP_MTU;
		goto drop;
	}

	/*
	 * A receive timestamp is not a departure time, but a qdisc such as fq
	 * would read it as one: cleared, as by the bridge and openvswitch.
	 */
	skb_clear_tstamp(skb);
	vdev_ctr_frame(vport->stats, VSW_PORT_TX_PACKETS, skb->len);
	vport->ops->send(vport, skb);
	return;

drop:
	vdev_ctr_inc(vport->stats, VSW_PORT_TX_DROPPED);
	vsw_dp_count_drop(vport->dp, reason);
	kfree_skb(skb);
}
