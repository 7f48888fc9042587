// SPDX-License-Identifier: GPL-2.0
/*
 * Internal ports besides port 0 (ovs-dpctl add-if dp0 int1,type=internal; a
 * bridge's own port under ovs-vswitchd): a device of their own, made and
 * deleted with the port, whose transmit enters the datapath and to which the
 * datapath delivers up the host's stack, as the switch's own device does for
 * port 0. It shows the switch as its master. It is not an rtnl kind: `ip link
 * del` refuses it, and it stays in its namespace; the port leaves with
 * del-if, or with the datapath.
 */

#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>

#include "datapath.h"

struct vsw_intport {
	struct vsw_vport __rcu	*vport;
};

static netdev_tx_t vsw_intport_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct vsw_intport *ip = netdev_priv(dev);
	struct vsw_vport *vport;

	rcu_read_lock();
	vport = rcu_dereference(ip->vport);
	if (likely(vport && skb->len >= ETH_HLEN)) {
		vsw_vport_receive(vport, skb);
	} else {
		dev_core_stats_tx_dropped_inc(dev);
		kfree_skb(skb);
	}
	rcu_read_unlock();
	return NETDEV_TX_OK;
}

static void vsw_intport_get_stats64(struct net_device *dev, struct rtnl_link_stats64 *stats)
{
	struct vsw_intport *ip = netdev_priv(dev);

	rcu_read_lock();
	vsw_internal_port_stats(rcu_dereference(ip->vport), stats);
	rcu_read_unlock();
	/* the core adds its own tx_dropped (a frame sent after the port left) */
}

static const struct net_device_ops vsw_intport_netdev_ops = {
	.ndo_open		= vsw_internal_open,
	.ndo_stop		= vsw_internal_stop,
	.ndo_start_xmit		= vsw_intport_xmit,
	.ndo_get_stats64	= vsw_intport_get_stats64,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_validate_addr	= eth_validate_addr,
};

#define VSW_INTPORT_FEATURES	(NETIF_F_SG | NETIF_F_FRAGLIST | NETIF_F_HW_CSUM | \
				 NETIF_F_HIGHDMA | NETIF_F_GSO_SOFTWARE | \
				 NETIF_F_HW_VLAN_CTAG_TX | NETIF_F_HW_VLAN_STAG_TX)

static void vsw_intport_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->netdev_ops = &vsw_intport_netdev_ops;
	dev->needs_free_netdev = true;
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE | IFF_NO_QUEUE;
	dev->features |= VSW_INTPORT_FEATURES;
	dev->hw_features = VSW_INTPORT_FEATURES;
	dev->vlan_features = VSW_INTPORT_FEATURES &
			     ~(NETIF_F_HW_VLAN_CTAG_TX | NETIF_F_HW_VLAN_STAG_TX);
	vdev_set_lltx(dev);
	vdev_set_netns_local(dev);
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = ETH_MAX_MTU;
	eth_hw_addr_random(dev);
}

/* The port behind an internal port's device, or NULL: RTNL or RCU held. */
struct vsw_vport *vsw_intport_vport(const struct net_device *dev)
{
	struct vsw_intport *ip;

	if (dev->netdev_ops != &vsw_intport_netdev_ops)
		return NULL;
	ip = netdev_priv(dev);
	return rcu_dereference_rtnl(ip->vport);
}

/* The device of a new internal port named @name in @net, registered. RTNL held. */
struct net_device *vsw_intport_dev_create(struct net *net, const char *name,
					  struct netlink_ext_ack *extack)
{
	struct net_device *dev;
	int err;

	dev = alloc_netdev(sizeof(struct vsw_intport), name, NET_NAME_USER, vsw_intport_setup);
	if (!dev)
		return ERR_PTR(-ENOMEM);
	dev_net_set(dev, net);
	err = register_netdevice(dev);
	if (err) {
		free_netdev(dev);
		if (err == -EEXIST)
			NL_SET_ERR_MSG_MOD(extack, "a device of that name exists");
		return ERR_PTR(err);
	}
	return dev;
}

/*
 * The port's device goes with it, unless it is going already: being
 * unregistered, or queued on a kill list by its namespace's exit (which
 * queues devices newest first, so this one before its datapath's dellink
 * runs; unregistering it here would take it off that list's walk).
 */
void vsw_intport_dev_destroy(struct net_device *dev)
{
	if (dev->reg_state == NETREG_REGISTERED && list_empty(&dev->unreg_list))
		unregister_netdevice(dev);
}

static int vsw_intport_create(struct vsw_vport *vport, struct netlink_ext_ack *extack)
{
	struct vsw_intport *ip = netdev_priv(vport->dev);
	int err;

	err = netdev_master_upper_dev_link(vport->dev, vport->dp->dev, NULL, NULL, extack);
	if (err)
		return err;
	rcu_assign_pointer(ip->vport, vport);
	return 0;
}

static void vsw_intport_destroy(struct vsw_vport *vport)
{
	struct vsw_intport *ip = netdev_priv(vport->dev);

	/* nothing enters from it any more: its transmit drops (readers are done after RCU) */
	RCU_INIT_POINTER(ip->vport, NULL);
	netdev_upper_dev_unlink(vport->dev, vport->dp->dev);
	vsw_intport_dev_destroy(vport->dev);
}

const struct vsw_vport_ops vsw_intport_vport_ops = {
	.type		= VSW_VPORT_INTPORT,
	.create		= vsw_intport_create,
	.destroy	= vsw_intport_destroy,
	.send		= vsw_internal_send,
};
