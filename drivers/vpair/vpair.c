// SPDX-License-Identifier: GPL-2.0
/*
 * vpair: a pair of Ethernet devices joined back to back, as veth.
 *
 * What one end transmits, the other receives: ndo_start_xmit hands the skb to
 * the peer with the kernel's forwarding helper (the same scrub and MTU check
 * as dev_forward_skb()), either straight into the peer's backlog or, when the
 * peer has GRO on, into a ring that the peer's NAPI poll feeds to GRO.
 *
 *	ip link add vp0 type vpair peer name vp1 [netns NS] [address MAC] [mtu N]
 *
 * The two ends are created and destroyed as one. Counters are per CPU, and
 * consistent across the pair as on a wire: a frame that leaves one end is tx
 * there, and on the other end either rx or a receive drop with its reason.
 */

#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/if_vlan.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/ptr_ring.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <linux/version.h>

#include <net/rtnetlink.h>
#include <net/sock.h>

#include <uapi/linux/vpair.h>
#include <vdev.h>

#define VPAIR_DRV_NAME		"vpair"
#define VPAIR_DRV_VERSION	"1.0"
#define VPAIR_RING_SIZE		256

/* Why a frame was lost, one ethtool counter each; tx_ and rx_ say which end lost it. */
enum vpair_drop {
	VPAIR_DROP_TX_NO_PEER,	/* peer gone (pair being deleted) or down */
	VPAIR_DROP_TX_RUNT,	/* shorter than an Ethernet header */
	VPAIR_DROP_RX_MTU,	/* larger than the receiver's MTU */
	VPAIR_DROP_RX_NOMEM,	/* zerocopy pages could not be copied */
	VPAIR_DROP_RX_BACKLOG,	/* receive backlog or GRO ring full */
	VPAIR_DROP_MAX
};

static const char * const vpair_drop_names[VPAIR_DROP_MAX] = {
	[VPAIR_DROP_TX_NO_PEER]	= "tx_drop_no_peer",
	[VPAIR_DROP_TX_RUNT]	= "tx_drop_runt",
	[VPAIR_DROP_RX_MTU]	= "rx_drop_mtu",
	[VPAIR_DROP_RX_NOMEM]	= "rx_drop_nomem",
	[VPAIR_DROP_RX_BACKLOG]	= "rx_drop_backlog",
};

#define VPAIR_RX_DROPS	(BIT(VPAIR_DROP_RX_MTU) | BIT(VPAIR_DROP_RX_NOMEM) | \
			 BIT(VPAIR_DROP_RX_BACKLOG))

/*
 * Packets and bytes live in the core's dev->tstats (bpf_redirect_peer()
 * counts there too, which is why ndo_get_peer_dev requires them); these are
 * the per-CPU counters of our own (include/vdev.h), by index.
 */
enum vpair_ctr {
	VPAIR_RX_NAPI,				/* of rx_packets, through the GRO ring */
	VPAIR_DROPS,				/* + enum vpair_drop */
	VPAIR_NUM_CTRS = VPAIR_DROPS + VPAIR_DROP_MAX
};

/* The receive side's GRO path: senders produce into the ring, NAPI consumes. */
struct vpair_rq {
	struct napi_struct	napi;
	struct ptr_ring		ring;
	/* NAPI is scheduled: senders skip the atomic napi_schedule_prep(). */
	bool			rx_notify_masked;
	struct net_device	*dev;
};

struct vpair_priv {
	struct net_device __rcu		*peer;
	/* Set while GRO is on and the device is up; senders test it under RCU. */
	struct vpair_rq __rcu		*napi_rq;
	struct vpair_rq			rq;
	struct vdev_pcpu_ctrs __percpu	*stats;	/* enum vpair_ctr */
};

/*
 * statistics
 */

static void vpair_count_drop(struct net_device *dev, enum vpair_drop reason)
{
	struct vpair_priv *priv = netdev_priv(dev);

	vdev_ctr_inc(priv->stats, VPAIR_DROPS + reason);
}

static void vpair_get_stats64(struct net_device *dev, struct rtnl_link_stats64 *tot)
{
	struct vpair_priv *priv = netdev_priv(dev);
	u64 sum[VPAIR_NUM_CTRS];
	int i;

	dev_fetch_sw_netstats(tot, dev->tstats);
	vdev_ctrs_sum(priv->stats, VPAIR_NUM_CTRS, sum);
	for (i = 0; i < VPAIR_DROP_MAX; i++) {
		if (BIT(i) & VPAIR_RX_DROPS)
			tot->rx_dropped += sum[VPAIR_DROPS + i];
		else
			tot->tx_dropped += sum[VPAIR_DROPS + i];
	}
	tot->rx_length_errors = sum[VPAIR_DROPS + VPAIR_DROP_RX_MTU];
}

/*
 * ethtool interface
 */

static const char vpair_stat_names[][ETH_GSTRING_LEN] = {
	"peer_ifindex",
	"rx_napi_packets",
};

#define VPAIR_NUM_STATS	(ARRAY_SIZE(vpair_stat_names) + VPAIR_DROP_MAX)

static void vpair_get_drvinfo(struct net_device *dev, struct ethtool_drvinfo *info)
{
	strscpy(info->driver, VPAIR_DRV_NAME, sizeof(info->driver));
	strscpy(info->version, VPAIR_DRV_VERSION, sizeof(info->version));
}

static int vpair_get_sset_count(struct net_device *dev, int sset)
{
	return sset == ETH_SS_STATS ? VPAIR_NUM_STATS : -EOPNOTSUPP;
}

static void vpair_get_strings(struct net_device *dev, u32 sset, u8 *data)
{
	int i;

	if (sset != ETH_SS_STATS)
		return;
	memcpy(data, vpair_stat_names, sizeof(vpair_stat_names));
	data += sizeof(vpair_stat_names);
	for (i = 0; i < VPAIR_DROP_MAX; i++)
		ethtool_sprintf(&data, "%s", vpair_drop_names[i]);
}

static void vpair_get_ethtool_stats(struct net_device *dev, struct ethtool_stats *estats,
				    u64 *data)
{
	struct vpair_priv *priv = netdev_priv(dev);
	struct net_device *peer;
	u64 sum[VPAIR_NUM_CTRS];
	int i;

	rcu_read_lock();
	peer = rcu_dereference(priv->peer);
	*data++ = peer ? peer->ifindex : 0;
	rcu_read_unlock();

	vdev_ctrs_sum(priv->stats, VPAIR_NUM_CTRS, sum);
	for (i = 0; i < VPAIR_NUM_CTRS; i++)
		*data++ = sum[i];
}

static const struct ethtool_ops vpair_ethtool_ops = {
	.get_drvinfo		= vpair_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_link_ksettings	= vdev_get_link_ksettings,
	.get_strings		= vpair_get_strings,
	.get_sset_count		= vpair_get_sset_count,
	.get_ethtool_stats	= vpair_get_ethtool_stats,
	.get_ts_info		= ethtool_op_get_ts_info,
};

/*
 * the data path
 */

/*
 * As veth: a sender with TSO hands over frames that are already as large as
 * GRO would make them, so only frames that can still be merged take the ring.
 */
static bool vpair_gro_worthwhile(const struct net_device *dev, const struct net_device *rcv,
				 const struct sk_buff *skb)
{
	return !(dev->features & NETIF_F_ALL_TSO) ||
	       (skb->destructor == sock_wfree &&
		rcv->features & (NETIF_F_GRO_FRAGLIST | NETIF_F_GRO_UDP_FWD));
}

static int vpair_napi_rx(struct vpair_rq *rq, struct sk_buff *skb)
{
	if (unlikely(ptr_ring_produce(&rq->ring, skb)))
		return NET_RX_DROP;
	/* Write the ring before reading rx_notify_masked; pairs with vpair_poll(). */
	smp_mb();
	if (!READ_ONCE(rq->rx_notify_masked) && napi_schedule_prep(&rq->napi)) {
		WRITE_ONCE(rq->rx_notify_masked, true);
		__napi_schedule(&rq->napi);
	}
	return NET_RX_SUCCESS;
}

static netdev_tx_t vpair_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct vpair_priv *priv = netdev_priv(dev);
	struct net_device *rcv;
	struct vpair_rq *rq;
	unsigned int len;

	rcu_read_lock();
	rcv = rcu_dereference(priv->peer);
	if (unlikely(!rcv || !(rcv->flags & IFF_UP))) {
		vpair_count_drop(dev, VPAIR_DROP_TX_NO_PEER);
		goto free;
	}
	if (unlikely(!pskb_may_pull(skb, ETH_HLEN))) {
		vpair_count_drop(dev, VPAIR_DROP_TX_RUNT);
		goto free;
	}

	skb_tx_timestamp(skb);
	len = skb->len;
	dev_sw_netstats_tx_add(dev, 1, len);

	/*
	 * The MTU test of is_skb_forwardable(), done here to tell the two
	 * receive-side losses apart before the helper below frees the skb.
	 */
	if (unlikely(skb->len > rcv->mtu + rcv->hard_header_len + VLAN_HLEN && !skb_is_gso(skb))) {
		vpair_count_drop(rcv, VPAIR_DROP_RX_MTU);
		goto free;
	}
	rq = rcu_dereference(((struct vpair_priv *)netdev_priv(rcv))->napi_rq);
	if (rq && !vpair_gro_worthwhile(dev, rcv, skb))
		rq = NULL;

	/* Scrubs the skb for the peer's namespace and pulls the Ethernet header. */
	if (unlikely(__dev_forward_skb(rcv, skb) != NET_RX_SUCCESS)) {
		vpair_count_drop(rcv, VPAIR_DROP_RX_NOMEM);
		goto out;
	}

	if (rq) {
		/* Counted as received by vpair_poll(), a batch at a time. */
		if (likely(vpair_napi_rx(rq, skb) == NET_RX_SUCCESS))
			goto out;
		vpair_count_drop(rcv, VPAIR_DROP_RX_BACKLOG);
		goto free;
	}
	/* Frees the skb when the backlog is full. */
	if (likely(__netif_rx(skb) == NET_RX_SUCCESS))
		dev_sw_netstats_rx_add(rcv, len);
	else
		vpair_count_drop(rcv, VPAIR_DROP_RX_BACKLOG);
	goto out;
free:
	kfree_skb(skb);
out:
	rcu_read_unlock();
	return NETDEV_TX_OK;
}

static int vpair_poll(struct napi_struct *napi, int budget)
{
	struct vpair_rq *rq = container_of(napi, struct vpair_rq, napi);
	struct vpair_priv *priv = netdev_priv(rq->dev);
	struct pcpu_sw_netstats *tstats;
	struct sk_buff *skb;
	u64 bytes = 0;
	int done = 0;

	while (done < budget && (skb = __ptr_ring_consume(&rq->ring))) {
		/* As the sender counted it: with the Ethernet header it no longer has. */
		bytes += skb->len + ETH_HLEN;
		skb_prepare_for_gro(skb);
		/*
		 * GRO merges by rewriting skb_shinfo(), which a clone shares with
		 * its other holders (TCP's retransmit queue, a packet tap): only
		 * an skb with a shinfo of its own may go there, as on veth.
		 */
		if (skb_shared(skb) || skb_unclone(skb, GFP_ATOMIC))
			netif_receive_skb(skb);
		else
			napi_gro_receive(napi, skb);
		done++;
	}

	if (done) {
		tstats = this_cpu_ptr(rq->dev->tstats);
		u64_stats_update_begin(&tstats->syncp);
		u64_stats_add(&tstats->rx_packets, done);
		u64_stats_add(&tstats->rx_bytes, bytes);
		u64_stats_update_end(&tstats->syncp);
		vdev_ctr_add(priv->stats, VPAIR_RX_NAPI, done);
	}

	if (done < budget && napi_complete_done(napi, done)) {
		/* A sender that saw the flag set relies on this second look at the ring. */
		smp_store_mb(rq->rx_notify_masked, false);
		if (unlikely(!__ptr_ring_empty(&rq->ring)) && napi_schedule_prep(napi)) {
			WRITE_ONCE(rq->rx_notify_masked, true);
			__napi_schedule(napi);
		}
	}
	return done;
}

static int vpair_napi_enable(struct net_device *dev)
{
	struct vpair_priv *priv = netdev_priv(dev);
	int err;

	err = ptr_ring_init(&priv->rq.ring, VPAIR_RING_SIZE, GFP_KERNEL);
	if (err)
		return err;
	priv->rq.rx_notify_masked = false;
	netif_napi_add(dev, &priv->rq.napi, vpair_poll);
	napi_enable(&priv->rq.napi);
	rcu_assign_pointer(priv->napi_rq, &priv->rq);
	return 0;
}

static void vpair_napi_disable(struct net_device *dev)
{
	struct vpair_priv *priv = netdev_priv(dev);
	struct sk_buff *skb;

	if (!rtnl_dereference(priv->napi_rq))
		return;
	RCU_INIT_POINTER(priv->napi_rq, NULL);
	/* No sender may still be producing when the ring goes away. */
	synchronize_net();
	napi_disable(&priv->rq.napi);
	netif_napi_del(&priv->rq.napi);
	/*
	 * What the ring still holds was never received: lost at the receive
	 * side. Counted with BH off, as every other writer of the counters.
	 */
	local_bh_disable();
	while ((skb = __ptr_ring_consume(&priv->rq.ring))) {
		vpair_count_drop(dev, VPAIR_DROP_RX_BACKLOG);
		kfree_skb(skb);
	}
	local_bh_enable();
	ptr_ring_cleanup(&priv->rq.ring, NULL);
}

/*
 * net_device ops
 */

static int vpair_open(struct net_device *dev)
{
	struct vpair_priv *priv = netdev_priv(dev);
	struct net_device *peer = rtnl_dereference(priv->peer);
	int err;

	if (!peer)
		return -ENOTCONN;

	if (dev->features & NETIF_F_GRO) {
		err = vpair_napi_enable(dev);
		if (err)
			return err;
	}

	/* The cable carries a signal only when both ends are up. */
	if (peer->flags & IFF_UP) {
		netif_carrier_on(dev);
		netif_carrier_on(peer);
	}
	return 0;
}

static int vpair_close(struct net_device *dev)
{
	struct vpair_priv *priv = netdev_priv(dev);
	struct net_device *peer = rtnl_dereference(priv->peer);

	netif_carrier_off(dev);
	if (peer)
		netif_carrier_off(peer);
	vpair_napi_disable(dev);
	return 0;
}

static int vpair_set_features(struct net_device *dev, netdev_features_t features)
{
	netdev_features_t changed = features ^ dev->features;

	if (!(changed & NETIF_F_GRO) || !(dev->flags & IFF_UP))
		return 0;
	if (features & NETIF_F_GRO)
		return vpair_napi_enable(dev);
	vpair_napi_disable(dev);
	return 0;
}

static int vpair_get_iflink(const struct net_device *dev)
{
	struct vpair_priv *priv = netdev_priv(dev);
	struct net_device *peer;
	int iflink;

	rcu_read_lock();
	peer = rcu_dereference(priv->peer);
	iflink = peer ? peer->ifindex : 0;
	rcu_read_unlock();
	return iflink;
}

/* Callers hold rcu_read_lock(). */
static struct net_device *vpair_get_peer_dev(struct net_device *dev)
{
	struct vpair_priv *priv = netdev_priv(dev);

	return rcu_dereference(priv->peer);
}

/* Neither end filters multicast: it receives what its peer sends. */
static void vpair_set_rx_mode(struct net_device *dev)
{
}

static int vpair_dev_init(struct net_device *dev)
{
	struct vpair_priv *priv = netdev_priv(dev);

	priv->stats = vdev_ctrs_alloc(VPAIR_NUM_CTRS);
	if (!priv->stats)
		return -ENOMEM;
	priv->rq.dev = dev;
	return 0;
}

/* Also runs when register_netdevice() fails after ndo_init succeeded. */
static void vpair_dev_free(struct net_device *dev)
{
	struct vpair_priv *priv = netdev_priv(dev);

	free_percpu(priv->stats);
}

static const struct net_device_ops vpair_netdev_ops = {
	.ndo_init		= vpair_dev_init,
	.ndo_open		= vpair_open,
	.ndo_stop		= vpair_close,
	.ndo_start_xmit		= vpair_xmit,
	.ndo_get_stats64	= vpair_get_stats64,
	.ndo_set_rx_mode	= vpair_set_rx_mode,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_validate_addr	= eth_validate_addr,
	.ndo_get_iflink		= vpair_get_iflink,
	.ndo_set_features	= vpair_set_features,
	.ndo_features_check	= passthru_features_check,
	.ndo_get_peer_dev	= vpair_get_peer_dev,
};

/* What the peer accepts whole: nothing needs segmenting or checksumming on the way. */
#define VPAIR_FEATURES	(NETIF_F_SG | NETIF_F_FRAGLIST | NETIF_F_HW_CSUM | NETIF_F_RXCSUM | \
			 NETIF_F_SCTP_CRC | NETIF_F_HIGHDMA | NETIF_F_GSO_SOFTWARE | \
			 NETIF_F_GSO_ENCAP_ALL | NETIF_F_HW_VLAN_CTAG_TX | \
			 NETIF_F_HW_VLAN_CTAG_RX | NETIF_F_HW_VLAN_STAG_TX | \
			 NETIF_F_HW_VLAN_STAG_RX)

#define VPAIR_VLAN_OFFLOADS	(NETIF_F_HW_VLAN_CTAG_TX | NETIF_F_HW_VLAN_STAG_TX | \
				 NETIF_F_HW_VLAN_CTAG_RX | NETIF_F_HW_VLAN_STAG_RX)

static void vpair_setup(struct net_device *dev)
{
	ether_setup(dev);

	/* The skb is handed on, not copied: it must be ours alone. */
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE | IFF_NO_QUEUE | IFF_PHONY_HEADROOM;

	dev->netdev_ops = &vpair_netdev_ops;
	dev->ethtool_ops = &vpair_ethtool_ops;
	dev->features |= VPAIR_FEATURES;
	vdev_set_lltx(dev);
	dev->hw_features = VPAIR_FEATURES;
	dev->hw_enc_features = VPAIR_FEATURES;
	dev->vlan_features = dev->features & ~VPAIR_VLAN_OFFLOADS;
	dev->mpls_features = NETIF_F_HW_CSUM | NETIF_F_GSO_SOFTWARE;
	netif_set_tso_max_size(dev, GSO_MAX_SIZE);

	dev->needs_free_netdev = true;
	dev->priv_destructor = vpair_dev_free;
	dev->pcpu_stat_type = NETDEV_PCPU_STAT_TSTATS;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = ETH_MAX_MTU;
}

/*
 * rtnl link ops
 */

static struct rtnl_link_ops vpair_link_ops;

/*
 * Checks the attributes of either end, as the core would, but says which end
 * is wrong (an extack message must be a literal: one per end).
 */
static int vpair_check_attrs(struct nlattr *tb[], bool peer, struct netlink_ext_ack *extack)
{
	if (tb[IFLA_ADDRESS]) {
		if (nla_len(tb[IFLA_ADDRESS]) != ETH_ALEN) {
			if (peer)
				NL_SET_ERR_MSG_MOD(extack, "peer address must be 6 bytes");
			else
				NL_SET_ERR_MSG_MOD(extack, "address must be 6 bytes");
			return -EINVAL;
		}
		if (!is_valid_ether_addr(nla_data(tb[IFLA_ADDRESS]))) {
			if (peer)
				NL_SET_ERR_MSG_MOD(extack, "peer address must be unicast");
			else
				NL_SET_ERR_MSG_MOD(extack, "address must be unicast");
			return -EADDRNOTAVAIL;
		}
	}
	if (tb[IFLA_MTU]) {
		u32 mtu = nla_get_u32(tb[IFLA_MTU]);

		if (mtu < ETH_MIN_MTU || mtu > ETH_MAX_MTU) {
			if (peer)
				NL_SET_ERR_MSG_MOD(extack, "peer MTU must be within 68..65535");
			else
				NL_SET_ERR_MSG_MOD(extack, "MTU must be within 68..65535");
			return -EINVAL;
		}
	}
	return 0;
}

static int vpair_validate(struct nlattr *tb[], struct nlattr *data[],
			  struct netlink_ext_ack *extack)
{
	return vpair_check_attrs(tb, false, extack);
}

/* GRO stays off until asked for, as on veth: it costs a ring and a NAPI pass. */
static void vpair_gro_off(struct net_device *dev)
{
	dev->features &= ~NETIF_F_GRO;
	dev->wanted_features &= ~NETIF_F_GRO;
	netdev_update_features(dev);
}

static int vpair_newlink(struct net *src_net, struct net_device *dev, struct nlattr *tb[],
			 struct nlattr *data[], struct netlink_ext_ack *extack)
{
	struct nlattr *peer_tb[IFLA_MAX + 1], **tbp = tb;
	unsigned char name_assign_type = NET_NAME_ENUM;
	struct ifinfomsg *ifmp = NULL;
	char ifname[IFNAMSIZ];
	struct net_device *peer;
	struct net *net;
	int err;

	if (data && data[VPAIR_INFO_PEER]) {
		struct nlattr *nla_peer = data[VPAIR_INFO_PEER];

		ifmp = nla_data(nla_peer);
		err = rtnl_nla_parse_ifinfomsg(peer_tb, nla_peer, extack);
		if (err < 0)
			return err;
		err = vpair_check_attrs(peer_tb, true, extack);
		if (err < 0)
			return err;
		/*
		 * The core refuses two namespace attributes on the device it
		 * makes; the peer's are ours. rtnl_link_get_net() reads a pid
		 * or an fd: a namespace id needs the caller's socket, which a
		 * newlink does not see, so it is refused rather than ignored.
		 */
		if (!!peer_tb[IFLA_NET_NS_PID] + !!peer_tb[IFLA_NET_NS_FD] +
		    !!peer_tb[IFLA_TARGET_NETNSID] > 1) {
			NL_SET_ERR_MSG_MOD(extack, "peer: one network namespace attribute at most");
			return -EINVAL;
		}
		if (peer_tb[IFLA_TARGET_NETNSID]) {
			NL_SET_ERR_MSG_MOD(extack,
					   "peer: a namespace id is not supported, give a pid or an fd");
			return -EOPNOTSUPP;
		}
		tbp = peer_tb;
	}

	if (ifmp && tbp[IFLA_IFNAME]) {
		nla_strscpy(ifname, tbp[IFLA_IFNAME], IFNAMSIZ);
		name_assign_type = NET_NAME_USER;
	} else {
		snprintf(ifname, IFNAMSIZ, VPAIR_DRV_NAME "%%d");
	}

	net = rtnl_link_get_net(src_net, tbp);
	if (IS_ERR(net)) {
		NL_SET_ERR_MSG_MOD(extack, "peer network namespace not found");
		return PTR_ERR(net);
	}
	/*
	 * The core checked CAP_NET_ADMIN where this end is created; the peer's
	 * namespace is ours to check, or any user could plant a device anywhere.
	 */
	if (!net_eq(net, src_net) && !ns_capable(net->user_ns, CAP_NET_ADMIN)) {
		NL_SET_ERR_MSG_MOD(extack, "no CAP_NET_ADMIN in the peer's network namespace");
		put_net(net);
		return -EPERM;
	}
	if (name_assign_type == NET_NAME_USER &&
	    (__dev_get_by_name(net, ifname) ||
	     (net_eq(net, dev_net(dev)) && tb[IFLA_IFNAME] &&
	      !nla_strcmp(tb[IFLA_IFNAME], ifname)))) {
		NL_SET_ERR_MSG_MOD(extack, "peer name is already in use");
		put_net(net);
		return -EEXIST;
	}

	peer = rtnl_create_link(net, ifname, name_assign_type, &vpair_link_ops, tbp, extack);
	if (IS_ERR(peer)) {
		put_net(net);
		return PTR_ERR(peer);
	}
	if (!tbp[IFLA_ADDRESS] || !ifmp)
		eth_hw_addr_random(peer);
	if (ifmp && dev->ifindex)
		peer->ifindex = ifmp->ifi_index;
	netif_inherit_tso_max(peer, dev);

	err = register_netdevice(peer);
	put_net(net);
	if (err < 0) {
		NL_SET_ERR_MSG_MOD(extack, "cannot register the peer");
		free_netdev(peer);
		return err;
	}
	vpair_gro_off(peer);
	netif_carrier_off(peer);

	err = rtnl_configure_link(peer, ifmp, 0, NULL);
	if (err < 0)
		goto err_unregister_peer;

	/* The peer is registered: this end's name is allocated only now. */
	if (!tb[IFLA_ADDRESS])
		eth_hw_addr_random(dev);
	if (tb[IFLA_IFNAME])
		nla_strscpy(dev->name, tb[IFLA_IFNAME], IFNAMSIZ);
	else
		snprintf(dev->name, IFNAMSIZ, VPAIR_DRV_NAME "%%d");

	err = register_netdevice(dev);
	if (err < 0)
		goto err_unregister_peer;
	netif_carrier_off(dev);

	rcu_assign_pointer(((struct vpair_priv *)netdev_priv(dev))->peer, peer);
	rcu_assign_pointer(((struct vpair_priv *)netdev_priv(peer))->peer, dev);
	vpair_gro_off(dev);
	return 0;

err_unregister_peer:
	unregister_netdevice(peer);
	return err;
}

/*
 * Either end takes the other with it: on ip link del, on the destruction of
 * either namespace, and at module unload. The peers are freed only after an
 * RCU grace period, so senders that still see the pointer are safe.
 */
/*
 * The core calls this for a message with IFLA_INFO_DATA on an existing pair
 * (ip link set vp0 type vpair ...): the peer is made with the pair and the
 * rest is read-only, so it is refused with a reason, never ignored. Without
 * a changelink the core would refuse it without one.
 */
static int vpair_changelink(struct net_device *dev, struct nlattr *tb[], struct nlattr *data[],
			    struct netlink_ext_ack *extack)
{
	NL_SET_ERR_MSG_MOD(extack, "a pair's attributes are set at creation only");
	return -EOPNOTSUPP;
}

static void vpair_dellink(struct net_device *dev, struct list_head *head)
{
	struct vpair_priv *priv = netdev_priv(dev);
	struct net_device *peer = rtnl_dereference(priv->peer);

	RCU_INIT_POINTER(priv->peer, NULL);
	unregister_netdevice_queue(dev, head);
	if (peer) {
		priv = netdev_priv(peer);
		RCU_INIT_POINTER(priv->peer, NULL);
		unregister_netdevice_queue(peer, head);
	}
}

static struct net *vpair_get_link_net(const struct net_device *dev)
{
	struct vpair_priv *priv = netdev_priv(dev);
	struct net_device *peer = rtnl_dereference(priv->peer);

	return peer ? dev_net(peer) : dev_net(dev);
}

static size_t vpair_get_size(const struct net_device *dev)
{
	return nla_total_size(sizeof(u32)) +	/* VPAIR_INFO_PEER_IFINDEX */
	       nla_total_size(sizeof(u8));	/* VPAIR_INFO_GRO */
}

static int vpair_fill_info(struct sk_buff *skb, const struct net_device *dev)
{
	struct vpair_priv *priv = netdev_priv(dev);
	struct net_device *peer;
	int err = 0;

	rcu_read_lock();
	peer = rcu_dereference(priv->peer);
	if (peer)
		err = nla_put_u32(skb, VPAIR_INFO_PEER_IFINDEX, peer->ifindex);
	rcu_read_unlock();
	if (err)
		return -EMSGSIZE;
	if (nla_put_u8(skb, VPAIR_INFO_GRO, !!(dev->features & NETIF_F_GRO)))
		return -EMSGSIZE;
	return 0;
}

static const struct nla_policy vpair_policy[VPAIR_INFO_MAX + 1] = {
	[VPAIR_INFO_PEER]		= { .len = sizeof(struct ifinfomsg) },
	[VPAIR_INFO_PEER_IFINDEX]	= { .type = NLA_REJECT },
	[VPAIR_INFO_GRO]		= { .type = NLA_REJECT },
};

static struct rtnl_link_ops vpair_link_ops = {
	.kind		= VPAIR_DRV_NAME,
	.priv_size	= sizeof(struct vpair_priv),
	.setup		= vpair_setup,
	.validate	= vpair_validate,
	.newlink	= vpair_newlink,
	.changelink	= vpair_changelink,
	.dellink	= vpair_dellink,
	.policy		= vpair_policy,
	.maxtype	= VPAIR_INFO_MAX,
	.get_link_net	= vpair_get_link_net,
	.get_size	= vpair_get_size,
	.fill_info	= vpair_fill_info,
};

static int __init vpair_init(void)
{
	return rtnl_link_register(&vpair_link_ops);
}

static void __exit vpair_exit(void)
{
	/* Deletes every pair, in every namespace. */
	rtnl_link_unregister(&vpair_link_ops);
}

module_init(vpair_init);
module_exit(vpair_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Pair of back-to-back virtual Ethernet devices");
MODULE_VERSION(VPAIR_DRV_VERSION);
MODULE_ALIAS_RTNL_LINK(VPAIR_DRV_NAME);
