// SPDX-License-Identifier: GPL-2.0
/*
 * The internal vport: the switch's own device (sw0), port 0. What the host
 * transmits on it enters the datapath; what the datapath sends to it goes up
 * the host stack through netif_rx(). Ports join through its ndo_add_slave.
 */

#include <linux/etherdevice.h>
#include <linux/netdevice.h>

#include "datapath.h"

static netdev_tx_t vsw_internal_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct vsw_dp *dp = vsw_internal_dp(dev);
	struct vsw_vport *vport;

	rcu_read_lock();
	vport = rcu_dereference(dp->internal);
	if (likely(vport))
		vsw_vport_receive(vport, skb);
	else
		kfree_skb(skb);
	rcu_read_unlock();
	return NETDEV_TX_OK;
}

int vsw_internal_open(struct net_device *dev)
{
	netif_carrier_on(dev);
	return 0;
}

int vsw_internal_stop(struct net_device *dev)
{
	netif_carrier_off(dev);
	return 0;
}

/*
 * An internal port's counters as its device shows them (@vport may be NULL:
 * gone). Seen from the host the directions are swapped: what it sent entered
 * the switch. RCU held.
 */
void vsw_internal_port_stats(const struct vsw_vport *vport, struct rtnl_link_stats64 *stats)
{
	u64 tot[VSW_PORT_NUM_CTRS];

	if (!vport)
		return;
	vdev_ctrs_sum(vport->stats, VSW_PORT_NUM_CTRS, tot);
	stats->tx_packets = tot[VSW_PORT_RX_PACKETS];
	stats->tx_bytes = tot[VSW_PORT_RX_BYTES];
	stats->rx_packets = tot[VSW_PORT_TX_PACKETS];
	stats->rx_bytes = tot[VSW_PORT_TX_BYTES];
	stats->rx_dropped = tot[VSW_PORT_TX_DROPPED];
}

static void vsw_internal_get_stats64(struct net_device *dev, struct rtnl_link_stats64 *stats)
{
	rcu_read_lock();
	vsw_internal_port_stats(rcu_dereference(vsw_internal_dp(dev)->internal), stats);
	rcu_read_unlock();
}

/* An MTU the user set stays: the ports no longer change it (vsw_dp_mtu_auto_adjust()). */
static int vsw_internal_change_mtu(struct net_device *dev, int new_mtu)
{
	WRITE_ONCE(dev->mtu, new_mtu);
	vsw_internal_dp(dev)->mtu_set_by_user = true;
	return 0;
}

static int vsw_internal_add_slave(struct net_device *dev, struct net_device *port_dev,
				  struct netlink_ext_ack *extack)
{
	struct vsw_dp *dp = vsw_internal_dp(dev);
	struct vsw_vport *vport;

	vport = vsw_vport_add(dp, &vsw_netdev_vport_ops, port_dev, VSW_PORT_ANY, 0, extack);
	if (IS_ERR(vport))
		return PTR_ERR(vport);
	vsw_dp_mtu_auto_adjust(dp);
	return 0;
}

static int vsw_internal_del_slave(struct net_device *dev, struct net_device *port_dev)
{
	struct vsw_dp *dp = vsw_internal_dp(dev);
	struct vsw_vport *vport = vsw_netdev_vport(port_dev);

	if (!vport || vport->dp != dp)
		return -EINVAL;
	vsw_vport_del(vport);
	vsw_dp_mtu_auto_adjust(dp);
	return 0;
}

static const struct net_device_ops vsw_internal_netdev_ops = {
	.ndo_init		= vsw_dp_init,
	.ndo_uninit		= vsw_dp_uninit,
	.ndo_open		= vsw_internal_open,
	.ndo_stop		= vsw_internal_stop,
	.ndo_start_xmit		= vsw_internal_xmit,
	.ndo_get_stats64	= vsw_internal_get_stats64,
	.ndo_change_mtu		= vsw_internal_change_mtu,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_validate_addr	= eth_validate_addr,
	.ndo_add_slave		= vsw_internal_add_slave,
	.ndo_del_slave		= vsw_internal_del_slave,
	.ndo_fdb_add		= vsw_fdb_add,
	.ndo_fdb_del		= vsw_fdb_del,
	.ndo_fdb_dump		= vsw_fdb_dump,
	.ndo_fdb_get		= vsw_fdb_get,
};

bool vsw_is_internal_dev(const struct net_device *dev)
{
	return dev->netdev_ops == &vsw_internal_netdev_ops;
}

#define VSW_INTERNAL_FEATURES	(NETIF_F_SG | NETIF_F_FRAGLIST | NETIF_F_HW_CSUM | \
				 NETIF_F_HIGHDMA | NETIF_F_GSO_SOFTWARE | \
				 NETIF_F_HW_VLAN_CTAG_TX | NETIF_F_HW_VLAN_STAG_TX)

void vsw_internal_setup(struct net_device *dev)
{
	ether_setup(dev);

	dev->netdev_ops = &vsw_internal_netdev_ops;
	dev->ethtool_ops = &vsw_dp_ethtool_ops;
	dev->needs_free_netdev = true;
	dev->priv_destructor = vsw_dp_free;

	/* The datapath takes the skb as it is; flooding clones it. */
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE | IFF_NO_QUEUE;
	dev->features |= VSW_INTERNAL_FEATURES;
	dev->hw_features = VSW_INTERNAL_FEATURES;
	dev->vlan_features = VSW_INTERNAL_FEATURES &
			     ~(NETIF_F_HW_VLAN_CTAG_TX | NETIF_F_HW_VLAN_STAG_TX);
	vdev_set_lltx(dev);
	/* Its ports stay in this namespace: the datapath cannot be split across two. */
	vdev_set_netns_local(dev);

	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = ETH_MAX_MTU;
	eth_hw_addr_random(dev);
}

static int vsw_internal_create(struct vsw_vport *vport, struct netlink_ext_ack *extack)
{
	return 0;
}

static void vsw_internal_destroy(struct vsw_vport *vport)
{
}

/* What the datapath sends to an internal port goes up its device's stack. */
void vsw_internal_send(struct vsw_vport *vport, struct sk_buff *skb)
{
	struct net_device *dev = vport->dev;

	/*
	 * As received on its port, the frame was PACKET_OTHERHOST there (not for
	 * that device's MAC); eth_type_trans() only ever downgrades pkt_type.
	 */
	skb_scrub_packet(skb, false);
	/*
	 * The queue it had is its input port's (or the transmit queue of the
	 * port it left): none of this device's. Not recorded, RPS hashes it.
	 */
	skb_set_queue_mapping(skb, 0);
	skb->protocol = eth_type_trans(skb, dev);
	skb_postpull_rcsum(skb, eth_hdr(skb), ETH_HLEN);
	netif_rx(skb);
}

const struct vsw_vport_ops vsw_internal_vport_ops = {
	.type		= VSW_VPORT_INTERNAL,
	.create		= vsw_internal_create,
	.destroy	= vsw_internal_destroy,
	.send		= vsw_internal_send,
};
