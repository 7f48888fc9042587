// SPDX-License-Identifier: GPL-2.0
/*
 * netdev vports: an existing Ethernet device attached to the switch
 * (ip link set DEV master sw0). Its receive handler feeds the datapath; the
 * datapath transmits on it with dev_queue_xmit().
 */

#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>

#include "datapath.h"

/*
 * The IEEE 802.1D reserved addresses 01:80:c2:00:00:01..0f are the link's,
 * not the LAN's, and no bridge forwards them: MAC Control (pause) frames
 * are dropped; the others (802.1X, LACP, LLDP...) go up the stack of the
 * device they came in on, for a daemon there. The bridge group address
 * (:00, STP BPDUs) is switched like any multicast: with no spanning tree
 * here to consume them, BPDUs must cross so that other bridges see loops.
 */
static rx_handler_result_t vsw_netdev_link_local(struct vsw_vport *vport, struct sk_buff *skb)
{
	vdev_ctr_inc(vport->dp->stats, VSW_DP_LINK_LOCAL);
	if (eth_hdr(skb)->h_dest[5] == 0x01) {
		kfree_skb(skb);
		return RX_HANDLER_CONSUMED;
	}
	return RX_HANDLER_PASS;
}

/* What skb_warn_if_lro() tests, without its warning: the frame is counted instead. */
static bool vsw_skb_is_lro(const struct sk_buff *skb)
{
	const struct skb_shared_info *shinfo = skb_shinfo(skb);

	/* LRO sets gso_size but not gso_type; GSO sets both. */
	return skb_is_nonlinear(skb) && shinfo->gso_size && !shinfo->gso_type;
}

static rx_handler_result_t vsw_netdev_frame_hook(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	const u8 *dest = eth_hdr(skb)->h_dest;
	struct vsw_vport *vport;

	/* Our own frames looped back by the stack (e.g. to a packet socket) are not input. */
	if (unlikely(skb->pkt_type == PACKET_LOOPBACK))
		return RX_HANDLER_PASS;

	vport = rcu_dereference(skb->dev->rx_handler_data);
	if (unlikely(is_link_local_ether_addr(dest) && dest[5] != 0x00))
		return vsw_netdev_link_local(vport, skb);
	/* LRO is off on ports (vsw_netdev_create()); a merged frame cannot be forwarded. */
	if (unlikely(vsw_skb_is_lro(skb))) {
		vsw_dp_count_drop(vport->dp, VSW_DROP_LRO);
		kfree_skb(skb);
		return RX_HANDLER_CONSUMED;
	}

	/* The data pointer is moved below: the skb must be ours alone. */
	skb = skb_share_check(skb, GFP_ATOMIC);
	if (unlikely(!skb))
		return RX_HANDLER_CONSUMED;

	/* The receive path pulled the Ethernet header; the datapath switches whole frames. */
	skb_push_rcsum(skb, ETH_HLEN);
	vsw_vport_receive(vport, skb);
	return RX_HANDLER_CONSUMED;
}

struct vsw_vport *vsw_netdev_vport(const struct net_device *dev)
{
	if (rcu_access_pointer(dev->rx_handler) != vsw_netdev_frame_hook)
		return NULL;
	return rcu_dereference_rtnl(dev->rx_handler_data);
}

/* Every refusal says why: the user sees it as `ip link set DEV master sw0` failing. */
static int vsw_netdev_check(const struct vsw_vport *vport, struct netlink_ext_ack *extack)
{
	const struct net_device *dev = vport->dev;
	struct net_device *master;

	if (dev->flags & IFF_LOOPBACK) {
		NL_SET_ERR_MSG_MOD(extack, "a loopback device cannot be a switch port");
		return -EINVAL;
	}
	if (dev->type != ARPHRD_ETHER || dev->addr_len != ETH_ALEN) {
		NL_SET_ERR_MSG_MOD(extack, "only Ethernet devices can be switch ports");
		return -EINVAL;
	}
	if (vsw_is_internal_dev(dev)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "a switch cannot be a port of a switch (itself or another)");
		return -ELOOP;
	}
	master = netdev_master_upper_dev_get((struct net_device *)dev);
	if (master) {
		NL_SET_ERR_MSG_MOD(extack, "the device already has a master: detach it first");
		return -EBUSY;
	}
	if (rtnl_dereference(dev->rx_handler)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "the device is in use by another receive handler (bridge, bond, macvlan, ...)");
		return -EBUSY;
	}
	return 0;
}

static int vsw_netdev_create(struct vsw_vport *vport, struct netlink_ext_ack *extack)
{
	struct net_device *dev = vport->dev;
	int err;

	err = vsw_netdev_check(vport, extack);
	if (err)
		return err;

	/* So that `ip link show master sw0` lists it, and stacking loops are refused. */
	err = netdev_master_upper_dev_link(dev, vport->dp->dev, NULL, NULL, extack);
	if (err)
		return err;
	err = netdev_rx_handler_register(dev, vsw_netdev_frame_hook, vport);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack, "cannot register the receive handler");
		goto err_unlink;
	}
	/* A port receives every frame on its wire, not only those for its own MAC. */
	err = dev_set_promiscuity(dev, 1);
	if (err)
		goto err_unregister;
	/* LRO merges frames into one that cannot be forwarded. Linked below us, it stays off. */
	dev_disable_lro(dev);
	return 0;

err_unregister:
	netdev_rx_handler_unregister(dev);
err_unlink:
	netdev_upper_dev_unlink(dev, vport->dp->dev);
	return err;
}

/*
 * Gives the device back as it was: no handler, its promiscuity count, no
 * master. Unregistering the handler waits for frames already in it.
 */
static void vsw_netdev_destroy(struct vsw_vport *vport)
{
	struct net_device *dev = vport->dev;

	dev_set_promiscuity(dev, -1);
	netdev_rx_handler_unregister(dev);
	netdev_upper_dev_unlink(dev, vport->dp->dev);
}

static void vsw_netdev_send(struct vsw_vport *vport, struct sk_buff *skb)
{
	skb->dev = vport->dev;
	dev_queue_xmit(skb);
}

const struct vsw_vport_ops vsw_netdev_vport_ops = {
	.type		= VSW_VPORT_NETDEV,
	.create		= vsw_netdev_create,
	.destroy	= vsw_netdev_destroy,
	.send		= vsw_netdev_send,
};
