// SPDX-License-Identifier: GPL-2.0
/*
 * vpair: a pair of Ethernet devices joined back to back, as veth.
 *
 * What one end transmits, the other receives: ndo_start_xmit hands the skb to
 * the peer with the kernel's forwarding helper (the same scrub and MTU check
 * as dev_forward_skb()), either straight into the peer's backlog or, when the
 * peer has GRO on or an XDP program attached, into the ring of one of its
 * receive queues (the sender's transmit queue number), which that queue's
 * NAPI poll feeds to XDP and GRO.
 *
 *	ip link add vp0 [numtxqueues N numrxqueues N] type vpair peer name vp1 \
 *		[netns NS] [address MAC] [mtu N] [numtxqueues N numrxqueues N]
 *	ip link set dev vp1 xdp obj prog.o sec xdp
 *
 * XDP as on veth: native on the receiving end (PASS, DROP, TX back out of it,
 * REDIRECT, ABORTED), and either end is a redirect target (ndo_xdp_xmit),
 * with or without a program on its peer. The two ends are created and
 * destroyed as one. Counters are per CPU or per queue, and consistent across
 * the pair as on a wire: a frame that leaves one end is tx there, and on the
 * other end either rx or a receive drop with its reason.
 */

#include <linux/bpf.h>
#include <linux/bpf_trace.h>
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/filter.h>
#include <linux/if_vlan.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/ptr_ring.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <linux/version.h>

#include <net/rtnetlink.h>
#include <net/sock.h>
#include <net/xdp.h>

#include <uapi/linux/vpair.h>
#include <vdev.h>

#define VPAIR_DRV_NAME		"vpair"
#define VPAIR_DRV_VERSION	"1.0"
#define VPAIR_RING_SIZE		256
#define VPAIR_XDP_HEADROOM	(XDP_PACKET_HEADROOM + NET_IP_ALIGN)
#define VPAIR_XDP_TX_BULK	16	/* XDP_TX frames sent back in one go */
#define VPAIR_XDP_BATCH		16	/* XDP_PASS frames turned into skbs in one go */

/* A ring entry is an skb (ndo_start_xmit) or, with this bit set, an xdp_frame (ndo_xdp_xmit). */
#define VPAIR_XDP_FLAG		BIT(0)

/* Why a frame was lost, one ethtool counter each; tx_ and rx_ say which end lost it. */
enum vpair_drop {
	VPAIR_DROP_TX_NO_PEER,	/* peer gone (pair being deleted) or down */
	VPAIR_DROP_TX_RUNT,	/* shorter than an Ethernet header */
	VPAIR_DROP_RX_MTU,	/* larger than the receiver's MTU */
	VPAIR_DROP_RX_NOMEM,	/* no skb for an XDP frame */
	VPAIR_DROP_RX_RING,	/* NAPI ring full, or left in it when it stopped */
	VPAIR_DROP_RX_BACKLOG,	/* refused by the kernel: backlog full, receiver stopping */
	VPAIR_DROP_MAX
};

static const char * const vpair_drop_names[VPAIR_DROP_MAX] = {
	[VPAIR_DROP_TX_NO_PEER]	= "tx_drop_no_peer",
	[VPAIR_DROP_TX_RUNT]	= "tx_drop_runt",
	[VPAIR_DROP_RX_MTU]	= "rx_drop_mtu",
	[VPAIR_DROP_RX_NOMEM]	= "rx_drop_nomem",
	[VPAIR_DROP_RX_RING]	= "rx_drop_ring",
	[VPAIR_DROP_RX_BACKLOG]	= "rx_drop_backlog",
};

#define VPAIR_RX_DROPS	(BIT(VPAIR_DROP_RX_MTU) | BIT(VPAIR_DROP_RX_NOMEM) | \
			 BIT(VPAIR_DROP_RX_RING) | BIT(VPAIR_DROP_RX_BACKLOG))
/*
 * Losses that the kernel counts itself in the receiver's rx_dropped (its
 * core_stats, added by dev_get_stats()): __dev_forward_skb() and the backlog
 * drop and count the frame there. vpair counts them by reason for ethtool -S
 * and as the sender's tx, never in rx_dropped a second time.
 */
#define VPAIR_RX_DROPS_CORE	BIT(VPAIR_DROP_RX_BACKLOG)

/*
 * Each frame is counted once, where it ends, and both ends' rtnl counters are
 * derived from that (vpair_get_stats64), as on a wire: a frame that leaves
 * one end is tx there, and on the other end either rx or a receive drop.
 *  - into the peer's backlog: the sender's dev->tstats tx (its rx is the
 *    receiver's; bpf_redirect_peer() counts rx there, which is why
 *    ndo_get_peer_dev requires tstats);
 *  - through a ring: the receiving queue's xdp_packets/xdp_bytes (struct
 *    vpair_rq_stats, which the poll writes anyway), a poll at a time;
 *  - lost at the receiver: its drop counter of that reason.
 * So the fast paths write one per-CPU counter a frame, or none, as veth.
 * These are the per-CPU counters of our own (include/vdev.h), by index; after
 * them come two per transmit queue: frames that other devices' XDP programs
 * redirected into this end (ndo_xdp_xmit), and those it could not deliver.
 */
enum vpair_ctr {
	VPAIR_DROPS,				/* + 2 * enum vpair_drop: packets, then bytes */
	VPAIR_NUM_CTRS = VPAIR_DROPS + 2 * VPAIR_DROP_MAX
};

#define VPAIR_DROP_CTR(reason)	(VPAIR_DROPS + 2 * (reason))

#define VPAIR_XMIT_CTR(txq)	(VPAIR_NUM_CTRS + 2 * (txq))
#define VPAIR_XMIT_ERR_CTR(txq)	(VPAIR_NUM_CTRS + 2 * (txq) + 1)

/* What one receive queue's NAPI poll counts, named as veth names them in ethtool -S. */
struct vpair_rq_stats {
	u64_stats_t		xdp_packets;	/* every frame the poll took from the ring */
	u64_stats_t		xdp_bytes;
	u64_stats_t		drops;		/* lost: no memory, failed TX or redirect */
	u64_stats_t		xdp_redirect;
	u64_stats_t		xdp_drops;	/* XDP_DROP, XDP_ABORTED and invalid verdicts */
	u64_stats_t		xdp_tx;
	u64_stats_t		xdp_tx_err;
	struct u64_stats_sync	syncp;
};

enum vpair_rq_stat {
	VPAIR_RQ_XDP_PACKETS, VPAIR_RQ_XDP_BYTES, VPAIR_RQ_DROPS, VPAIR_RQ_XDP_REDIRECT,
	VPAIR_RQ_XDP_DROPS, VPAIR_RQ_XDP_TX, VPAIR_RQ_XDP_TX_ERR, VPAIR_RQ_STATS_LEN
};

#define VPAIR_RQ_STAT(i, name, member) \
	[i] = { name, offsetof(struct vpair_rq_stats, member) }

static const struct {
	char	name[ETH_GSTRING_LEN];
	size_t	offset;
} vpair_rq_stats_desc[VPAIR_RQ_STATS_LEN] = {
	VPAIR_RQ_STAT(VPAIR_RQ_XDP_PACKETS,	"xdp_packets",		xdp_packets),
	VPAIR_RQ_STAT(VPAIR_RQ_XDP_BYTES,	"xdp_bytes",		xdp_bytes),
	VPAIR_RQ_STAT(VPAIR_RQ_DROPS,		"drops",		drops),
	VPAIR_RQ_STAT(VPAIR_RQ_XDP_REDIRECT,	"xdp_redirect",		xdp_redirect),
	VPAIR_RQ_STAT(VPAIR_RQ_XDP_DROPS,	"xdp_drops",		xdp_drops),
	VPAIR_RQ_STAT(VPAIR_RQ_XDP_TX,		"xdp_tx",		xdp_tx),
	VPAIR_RQ_STAT(VPAIR_RQ_XDP_TX_ERR,	"xdp_tx_errors",	xdp_tx_err),
};

#define VPAIR_TQ_STATS_LEN	2	/* tx_queue_N_xdp_xmit, tx_queue_N_xdp_xmit_errors */

/*
 * A receive queue. Its ring runs (NAPI added, ring allocated, XDP rxq
 * registered) while the device is up with GRO on or an XDP program attached;
 * senders find it through @napi, which is NULL otherwise, and then hand their
 * frames to the backlog instead.
 */
struct vpair_rq {
	struct napi_struct		napi;
	struct napi_struct __rcu	*napi_on;	/* &napi while the ring runs */
	struct bpf_prog __rcu		*xdp_prog;
	struct net_device		*dev;
	/* NAPI is scheduled: senders skip the atomic napi_schedule_prep(). */
	bool				rx_notify_masked;
	struct ptr_ring			ring;
	struct xdp_rxq_info		xdp_rxq;
	/* as registered; xdp_rxq.mem is set to each buffer's own before its program runs */
	struct xdp_mem_info		xdp_mem;
	struct vpair_rq_stats		stats;
} ____cacheline_aligned_in_smp;

struct vpair_priv {
	struct net_device __rcu		*peer;
	struct vpair_rq			*rq;		/* dev->num_rx_queues of them */
	struct bpf_prog			*xdp_prog;	/* under RTNL; each running rq has a copy */
	/*
	 * The rings of rq[0 .. real_num_rx_queues) run (written under RTNL, set
	 * before they start and cleared after they stop). Senders read it
	 * first, so that while no ring runs they touch no queue.
	 */
	bool				rings_on;
	/*
	 * The receive queues the peer's senders pick from: real_num_rx_queues,
	 * raised after it grows and lowered before it shrinks, so that no frame
	 * carries a receive queue the device no longer has (get_rps_cpu() warns).
	 */
	unsigned int			rx_queues;
	struct vdev_pcpu_ctrs __percpu	*stats;		/* enum vpair_ctr, then VPAIR_XMIT_CTR() */
};

/* XDP_TX frames of one NAPI poll, sent back out of the receiving end in bulk. */
struct vpair_xdp_tx_bq {
	struct xdp_frame	*q[VPAIR_XDP_TX_BULK];
	unsigned int		count;
};

/*
 * statistics
 */

/* A frame of @len bytes (with its Ethernet header) lost by @dev for @reason. */
static void vpair_count_drop(struct net_device *dev, enum vpair_drop reason, unsigned int len)
{
	struct vpair_priv *priv = netdev_priv(dev);

	vdev_ctr_frame(priv->stats, VPAIR_DROP_CTR(reason), len);
}

static u64 vpair_rq_stat(const struct vpair_rq_stats *st, size_t offset)
{
	return u64_stats_read((const u64_stats_t *)((const char *)st + offset));
}

/* The counters of receive queue @q: @sum indexed as vpair_rq_stats_desc. */
static void vpair_rq_stats_sum(const struct net_device *dev, unsigned int q, u64 *sum)
{
	const struct vpair_priv *priv = netdev_priv(dev);
	const struct vpair_rq_stats *st = &priv->rq[q].stats;
	unsigned int start, j;

	do {
		start = u64_stats_fetch_begin(&st->syncp);
		for (j = 0; j < VPAIR_RQ_STATS_LEN; j++)
			sum[j] = vpair_rq_stat(st, vpair_rq_stats_desc[j].offset);
	} while (u64_stats_fetch_retry(&st->syncp, start));
}

/* What the rings of @dev received, every queue it ever ran: packets, bytes. */
static void vpair_rx_napi(const struct net_device *dev, u64 *packets, u64 *bytes)
{
	u64 rq[VPAIR_RQ_STATS_LEN];
	unsigned int i;

	*packets = *bytes = 0;
	for (i = 0; i < dev->num_rx_queues; i++) {
		vpair_rq_stats_sum(dev, i, rq);
		*packets += rq[VPAIR_RQ_XDP_PACKETS];
		*bytes += rq[VPAIR_RQ_XDP_BYTES];
	}
}

static void vpair_get_stats64(struct net_device *dev, struct rtnl_link_stats64 *tot)
{
	struct vpair_priv *priv = netdev_priv(dev);
	u64 sum[VPAIR_NUM_CTRS], rq[VPAIR_RQ_STATS_LEN], err[2], packets, bytes;
	struct rtnl_link_stats64 direct = {};
	struct net_device *peer;
	unsigned int i;

	/* tx: into the peer's backlog; rx: bpf_redirect_peer() */
	dev_fetch_sw_netstats(tot, dev->tstats);
	vdev_ctrs_sum(priv->stats, VPAIR_NUM_CTRS, sum);
	for (i = 0; i < VPAIR_DROP_MAX; i++) {
		if (!(BIT(i) & VPAIR_RX_DROPS))
			tot->tx_dropped += sum[VPAIR_DROP_CTR(i)];
		else if (!(BIT(i) & VPAIR_RX_DROPS_CORE))
			tot->rx_dropped += sum[VPAIR_DROP_CTR(i)];
	}
	tot->rx_length_errors = sum[VPAIR_DROP_CTR(VPAIR_DROP_RX_MTU)];

	/*
	 * What the rings took (rx), and what the XDP path lost after taking it;
	 * XDP_DROP is a verdict, not a loss.
	 */
	for (i = 0; i < dev->num_rx_queues; i++) {
		vpair_rq_stats_sum(dev, i, rq);
		tot->rx_packets += rq[VPAIR_RQ_XDP_PACKETS];
		tot->rx_bytes += rq[VPAIR_RQ_XDP_BYTES];
		tot->rx_dropped += rq[VPAIR_RQ_DROPS];
		tot->tx_dropped += rq[VPAIR_RQ_XDP_TX_ERR];	/* XDP_TX is a transmit */
	}
	/* Redirected into this end and not delivered: lost on the way out. */
	for (i = 0; i < dev->num_tx_queues; i++) {
		vdev_ctrs_sum_range(priv->stats, VPAIR_XMIT_CTR(i), 2, err);
		tot->tx_dropped += err[1];
	}

	/* What the peer counted of the frames between the two ends (freed after a grace period). */
	rcu_read_lock();
	peer = rcu_dereference(priv->peer);
	if (peer) {
		struct vpair_priv *peer_priv = netdev_priv(peer);

		dev_fetch_sw_netstats(&direct, peer->tstats);
		tot->rx_packets += direct.tx_packets;
		tot->rx_bytes += direct.tx_bytes;
		vpair_rx_napi(peer, &packets, &bytes);
		tot->tx_packets += packets;
		tot->tx_bytes += bytes;
		vdev_ctrs_sum(peer_priv->stats, VPAIR_NUM_CTRS, sum);
		for (i = 0; i < VPAIR_DROP_MAX; i++) {
			if (BIT(i) & VPAIR_RX_DROPS) {
				tot->tx_packets += sum[VPAIR_DROP_CTR(i)];
				tot->tx_bytes += sum[VPAIR_DROP_CTR(i) + 1];
			}
		}
	}
	rcu_read_unlock();
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
	if (sset != ETH_SS_STATS)
		return -EOPNOTSUPP;
	return VPAIR_NUM_STATS + VPAIR_RQ_STATS_LEN * dev->real_num_rx_queues +
	       VPAIR_TQ_STATS_LEN * dev->real_num_tx_queues;
}

static void vpair_get_strings(struct net_device *dev, u32 sset, u8 *data)
{
	unsigned int i, j;

	if (sset != ETH_SS_STATS)
		return;
	memcpy(data, vpair_stat_names, sizeof(vpair_stat_names));
	data += sizeof(vpair_stat_names);
	for (i = 0; i < VPAIR_DROP_MAX; i++)
		ethtool_sprintf(&data, "%s", vpair_drop_names[i]);
	for (i = 0; i < dev->real_num_rx_queues; i++)
		for (j = 0; j < VPAIR_RQ_STATS_LEN; j++)
			ethtool_sprintf(&data, "rx_queue_%u_%.18s", i, vpair_rq_stats_desc[j].name);
	for (i = 0; i < dev->real_num_tx_queues; i++) {
		ethtool_sprintf(&data, "tx_queue_%u_xdp_xmit", i);
		ethtool_sprintf(&data, "tx_queue_%u_xdp_xmit_errors", i);
	}
}

static void vpair_get_ethtool_stats(struct net_device *dev, struct ethtool_stats *estats,
				    u64 *data)
{
	struct vpair_priv *priv = netdev_priv(dev);
	struct net_device *peer;
	unsigned int i;
	u64 bytes;

	rcu_read_lock();
	peer = rcu_dereference(priv->peer);
	*data++ = peer ? peer->ifindex : 0;
	rcu_read_unlock();

	vpair_rx_napi(dev, data++, &bytes);		/* rx_napi_packets */
	/* Packets only: every other counter of vpair_ctr is the bytes of the one before. */
	for (i = 0; i < VPAIR_NUM_CTRS; i += 2) {
		vdev_ctrs_sum_range(priv->stats, i, 1, data);
		data++;
	}
	for (i = 0; i < dev->real_num_rx_queues; i++) {
		vpair_rq_stats_sum(dev, i, data);
		data += VPAIR_RQ_STATS_LEN;
	}
	for (i = 0; i < dev->real_num_tx_queues; i++) {
		vdev_ctrs_sum_range(priv->stats, VPAIR_XMIT_CTR(i), VPAIR_TQ_STATS_LEN, data);
		data += VPAIR_TQ_STATS_LEN;
	}
}

static void vpair_get_channels(struct net_device *dev, struct ethtool_channels *ch)
{
	ch->tx_count = dev->real_num_tx_queues;
	ch->rx_count = dev->real_num_rx_queues;
	ch->max_tx = dev->num_tx_queues;
	ch->max_rx = dev->num_rx_queues;
}

static int vpair_set_channels(struct net_device *dev, struct ethtool_channels *ch);

static const struct ethtool_ops vpair_ethtool_ops = {
	.get_drvinfo		= vpair_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_link_ksettings	= vdev_get_link_ksettings,
	.get_strings		= vpair_get_strings,
	.get_sset_count		= vpair_get_sset_count,
	.get_ethtool_stats	= vpair_get_ethtool_stats,
	.get_ts_info		= ethtool_op_get_ts_info,
	.get_channels		= vpair_get_channels,
	.set_channels		= vpair_set_channels,
};

/*
 * the data path
 */

static bool vpair_is_xdp_frame(const void *ptr)
{
	return (unsigned long)ptr & VPAIR_XDP_FLAG;
}

static struct xdp_frame *vpair_ptr_to_xdp(void *ptr)
{
	return (void *)((unsigned long)ptr & ~VPAIR_XDP_FLAG);
}

static void *vpair_xdp_to_ptr(struct xdp_frame *frame)
{
	return (void *)((unsigned long)frame | VPAIR_XDP_FLAG);
}

/*
 * As veth: a sender with TSO hands over frames that are already as large as
 * GRO would make them, so only frames that can still be merged take the ring.
 * While the receiver runs XDP, its peer (the sender) has TSO off: all do.
 */
static bool vpair_gro_worthwhile(const struct net_device *dev, const struct net_device *rcv,
				 const struct sk_buff *skb)
{
	return !(dev->features & NETIF_F_ALL_TSO) ||
	       (skb->destructor == sock_wfree &&
		rcv->features & (NETIF_F_GRO_FRAGLIST | NETIF_F_GRO_UDP_FWD));
}

/* After a produce: wake the queue's NAPI unless it is already scheduled. */
static void vpair_rq_kick(struct vpair_rq *rq)
{
	/* Write the ring before reading rx_notify_masked; pairs with vpair_poll(). */
	smp_mb();
	if (!READ_ONCE(rq->rx_notify_masked) && napi_schedule_prep(&rq->napi)) {
		WRITE_ONCE(rq->rx_notify_masked, true);
		__napi_schedule(&rq->napi);
	}
}

/*
 * The receive queue of @rcv that a frame sent on queue @txq lands on: the same
 * number, or wrapped when the receiver has fewer, so that every frame meets
 * the receiver's XDP program whatever the channel counts of the two ends.
 */
static unsigned int vpair_rxq(const struct net_device *rcv, unsigned int txq)
{
	const struct vpair_priv *rcv_priv = netdev_priv(rcv);
	unsigned int n = READ_ONCE(rcv_priv->rx_queues);

	return likely(txq < n) ? txq : txq % n;
}

/* Receive queue @rxq of @rcv, or NULL while its ring does not run. Under RCU. */
static struct vpair_rq *vpair_rcv_rq(struct net_device *rcv, unsigned int rxq)
{
	struct vpair_priv *rcv_priv = netdev_priv(rcv);
	struct napi_struct *napi;

	/*
	 * The flag is a hint, set before the rings start and cleared after they
	 * stop; the ring is reached through the pointer: ordered after its start.
	 */
	if (!READ_ONCE(rcv_priv->rings_on))
		return NULL;
	napi = rcu_dereference(rcv_priv->rq[rxq].napi_on);
	return napi ? container_of(napi, struct vpair_rq, napi) : NULL;
}

static netdev_tx_t vpair_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct vpair_priv *priv = netdev_priv(dev);
	struct net_device *rcv;
	struct vpair_rq *rq;
	unsigned int len, rxq;

	rcu_read_lock();
	rcv = rcu_dereference(priv->peer);
	len = skb->len;
	if (unlikely(!rcv || !netif_running(rcv))) {
		vpair_count_drop(dev, VPAIR_DROP_TX_NO_PEER, len);
		goto free;
	}
	if (unlikely(!pskb_may_pull(skb, ETH_HLEN))) {
		vpair_count_drop(dev, VPAIR_DROP_TX_RUNT, len);
		goto free;
	}

	skb_tx_timestamp(skb);

	/*
	 * The MTU test of is_skb_forwardable(), done here to tell the two
	 * receive-side losses apart before the helper below frees the skb.
	 */
	if (unlikely(len > rcv->mtu + rcv->hard_header_len + VLAN_HLEN && !skb_is_gso(skb))) {
		vpair_count_drop(rcv, VPAIR_DROP_RX_MTU, len);
		goto free;
	}
	rxq = vpair_rxq(rcv, skb_get_queue_mapping(skb));
	rq = vpair_rcv_rq(rcv, rxq);
	/* A frame for XDP takes the ring whatever the sender's TSO (being turned off). */
	if (rq && !vpair_gro_worthwhile(dev, rcv, skb) && !rcu_access_pointer(rq->xdp_prog))
		rq = NULL;

	/* Scrubs the skb for the peer's namespace and pulls the Ethernet header. */
	if (unlikely(__dev_forward_skb(rcv, skb) != NET_RX_SUCCESS)) {
		vpair_count_drop(rcv, VPAIR_DROP_RX_BACKLOG, len);
		goto out;
	}
	/* Its queue on the receiver (RPS reads it), not the sender's transmit queue. */
	skb_record_rx_queue(skb, rxq);

	if (rq) {
		/* Counted by vpair_poll(), a batch at a time. */
		if (likely(!ptr_ring_produce(&rq->ring, skb))) {
			vpair_rq_kick(rq);
			goto out;
		}
		vpair_count_drop(rcv, VPAIR_DROP_RX_RING, len);
		goto free;
	}
	/* Frees the skb when the backlog is full. */
	if (likely(__netif_rx(skb) == NET_RX_SUCCESS))
		dev_sw_netstats_tx_add(dev, 1, len);
	else
		vpair_count_drop(rcv, VPAIR_DROP_RX_BACKLOG, len);
	goto out;
free:
	kfree_skb(skb);
out:
	rcu_read_unlock();
	return NETDEV_TX_OK;
}

/*
 * XDP frames out of @dev (a redirect into it, or XDP_TX of its own receive
 * side): into a ring of the peer, or, when the peer runs no ring, built into
 * skbs for its backlog, so that neither needs an XDP program on the peer.
 * Returns how many of @frames it took (the caller frees the rest), or an error
 * when it took none. BH off (NAPI or the devmap flush).
 */
static int vpair_xdp_xmit(struct net_device *dev, int n, struct xdp_frame **frames, u32 flags)
{
	struct vpair_priv *priv = netdev_priv(dev);
	unsigned int max_len, len, direct = 0, bytes = 0;
	int i, nxmit = 0, ret = -ENXIO;
	struct net_device *rcv;
	struct vpair_rq *rq;

	if (unlikely(flags & ~XDP_XMIT_FLAGS_MASK))
		return -EINVAL;

	rcu_read_lock();
	rcv = rcu_dereference(priv->peer);
	if (unlikely(!rcv || !netif_running(rcv)))
		goto out;

	max_len = rcv->mtu + rcv->hard_header_len + VLAN_HLEN;
	rq = vpair_rcv_rq(rcv, vpair_rxq(rcv, smp_processor_id()));
	if (rq) {
		spin_lock(&rq->ring.producer_lock);
		for (i = 0; i < n; i++) {
			if (unlikely(xdp_get_frame_len(frames[i]) > max_len ||
				     __ptr_ring_produce(&rq->ring, vpair_xdp_to_ptr(frames[i]))))
				break;
			nxmit++;
		}
		spin_unlock(&rq->ring.producer_lock);
		if (flags & XDP_XMIT_FLUSH)
			vpair_rq_kick(rq);
	} else {
		for (i = 0; i < n; i++) {
			struct sk_buff *skb;

			len = xdp_get_frame_len(frames[i]);
			if (unlikely(len > max_len))
				break;
			nxmit++;
			skb = xdp_build_skb_from_frame(frames[i], rcv);
			if (unlikely(!skb)) {
				xdp_return_frame(frames[i]);
				vpair_count_drop(rcv, VPAIR_DROP_RX_NOMEM, len);
			} else if (likely(__netif_rx(skb) == NET_RX_SUCCESS)) {
				direct++;
				bytes += len;
			} else {
				vpair_count_drop(rcv, VPAIR_DROP_RX_BACKLOG, len);
			}
		}
		/* Into the peer's backlog: counted as the skb path counts them. */
		if (direct)
			dev_sw_netstats_tx_add(dev, direct, bytes);
	}
	ret = nxmit;
out:
	rcu_read_unlock();
	return ret;
}

static int vpair_ndo_xdp_xmit(struct net_device *dev, int n, struct xdp_frame **frames, u32 flags)
{
	struct vpair_priv *priv = netdev_priv(dev);
	unsigned int txq = smp_processor_id() % READ_ONCE(dev->real_num_tx_queues);
	int sent = vpair_xdp_xmit(dev, n, frames, flags);
	struct vdev_pcpu_ctrs *c = this_cpu_ptr(priv->stats);
	int ok = max(sent, 0);

	u64_stats_update_begin(&c->syncp);
	u64_stats_add(&c->ctr[VPAIR_XMIT_CTR(txq)], ok);
	u64_stats_add(&c->ctr[VPAIR_XMIT_ERR_CTR(txq)], n - ok);
	u64_stats_update_end(&c->syncp);
	return sent;
}

static void vpair_rq_stats_add(struct vpair_rq *rq, const struct vpair_rq_stats *add)
{
	unsigned int j;

	u64_stats_update_begin(&rq->stats.syncp);
	for (j = 0; j < VPAIR_RQ_STATS_LEN; j++) {
		size_t off = vpair_rq_stats_desc[j].offset;

		u64_stats_add((u64_stats_t *)((char *)&rq->stats + off), vpair_rq_stat(add, off));
	}
	u64_stats_update_end(&rq->stats.syncp);
}

/* XDP_TX: the frames go back out of the end that received them, to its peer. */
static void vpair_xdp_flush_bq(struct vpair_rq *rq, struct vpair_xdp_tx_bq *bq,
			       struct vpair_rq_stats *st)
{
	int sent, i, err = 0;

	sent = vpair_xdp_xmit(rq->dev, bq->count, bq->q, XDP_XMIT_FLUSH);
	if (sent < 0) {
		err = sent;
		sent = 0;
	}
	for (i = sent; unlikely(i < bq->count); i++)
		xdp_return_frame(bq->q[i]);
	trace_xdp_bulk_tx(rq->dev, sent, bq->count - sent, err);
	u64_stats_add(&st->xdp_tx, sent);
	u64_stats_add(&st->xdp_tx_err, bq->count - sent);
	bq->count = 0;
}

static int vpair_xdp_tx(struct vpair_rq *rq, struct xdp_buff *xdp, struct vpair_xdp_tx_bq *bq,
			struct vpair_rq_stats *st)
{
	struct xdp_frame *frame = xdp_convert_buff_to_frame(xdp);

	if (unlikely(!frame))
		return -EOVERFLOW;
	if (unlikely(bq->count == VPAIR_XDP_TX_BULK))
		vpair_xdp_flush_bq(rq, bq, st);
	bq->q[bq->count++] = frame;
	return 0;
}

/* A frame redirected into the peer: the program sees it as it came. NULL when consumed. */
static struct xdp_frame *vpair_xdp_rcv_frame(struct vpair_rq *rq, struct bpf_prog *prog,
					     struct xdp_frame *frame, struct vpair_xdp_tx_bq *bq,
					     struct vpair_rq_stats *st)
{
	struct xdp_frame orig_frame;
	struct xdp_buff xdp;
	u32 act;

	xdp_convert_frame_to_buff(frame, &xdp);
	xdp.rxq = &rq->xdp_rxq;
	/*
	 * The frame's memory type, for the program too: bpf_xdp_adjust_tail()
	 * returns a frag it cuts off as the rxq's type says.
	 */
	xdp.rxq->mem = frame->mem;

	act = bpf_prog_run_xdp(prog, &xdp);
	switch (act) {
	case XDP_PASS:
		if (xdp_update_frame_from_buff(&xdp, frame))
			goto drop;
		return frame;
	case XDP_TX:
		orig_frame = *frame;
		if (unlikely(vpair_xdp_tx(rq, &xdp, bq, st) < 0)) {
			trace_xdp_exception(rq->dev, prog, act);
			frame = &orig_frame;
			goto drop;
		}
		return NULL;
	case XDP_REDIRECT:
		orig_frame = *frame;
		if (xdp_do_redirect(rq->dev, &xdp, prog)) {
			frame = &orig_frame;
			goto drop;
		}
		u64_stats_inc(&st->xdp_redirect);
		return NULL;
	default:
		bpf_warn_invalid_xdp_action(rq->dev, prog, act);
		fallthrough;
	case XDP_ABORTED:
		trace_xdp_exception(rq->dev, prog, act);
		fallthrough;
	case XDP_DROP:
		u64_stats_inc(&st->xdp_drops);
		xdp_return_frame(frame);
		return NULL;
	}
drop:
	u64_stats_inc(&st->drops);
	xdp_return_frame(frame);
	return NULL;
}

/* XDP_PASS frames, up to VPAIR_XDP_BATCH: skbs for the stack, allocated together. */
static void vpair_xdp_pass_frames(struct vpair_rq *rq, void **frames, int n,
				  struct vpair_rq_stats *st)
{
	void *skbs[VPAIR_XDP_BATCH];
	int i;

	if (xdp_alloc_skb_bulk(skbs, n, GFP_ATOMIC | __GFP_ZERO) < 0) {
		for (i = 0; i < n; i++)
			xdp_return_frame(frames[i]);
		u64_stats_add(&st->drops, n);
		return;
	}
	for (i = 0; i < n; i++) {
		struct sk_buff *skb = __xdp_build_skb_from_frame(frames[i], skbs[i], rq->dev);

		if (!skb) {
			xdp_return_frame(frames[i]);
			u64_stats_inc(&st->drops);
			continue;
		}
		napi_gro_receive(&rq->napi, skb);
	}
}

/* XDP_TX and XDP_REDIRECT keep the skb's pages: one more reference on each. */
static void vpair_xdp_get(struct xdp_buff *xdp)
{
	struct skb_shared_info *sinfo = xdp_get_shared_info_from_buff(xdp);
	int i;

	get_page(virt_to_page(xdp->data));
	if (likely(!xdp_buff_has_frags(xdp)))
		return;
	for (i = 0; i < sinfo->nr_frags; i++)
		get_page(skb_frag_page(&sinfo->frags[i]));
}

/*
 * An XDP program may write the frame, grow it at the head and hand its pages
 * on: it needs an skb of its own, with XDP_PACKET_HEADROOM, in page-backed
 * memory. Others are copied into order-0 pages, not linearized (as veth).
 */
static int vpair_skb_to_xdp_buff(struct vpair_rq *rq, struct xdp_buff *xdp, struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	u32 frame_sz;

	if (skb_shared(skb) || skb_head_is_locked(skb) || skb_is_nonlinear(skb) ||
	    skb_headroom(skb) < XDP_PACKET_HEADROOM) {
		u32 max_head = SKB_WITH_OVERHEAD(PAGE_SIZE - VPAIR_XDP_HEADROOM);
		u32 size, len, off;
		struct sk_buff *nskb;
		struct page *page;
		int i, head_off;

		if (skb->len > PAGE_SIZE * MAX_SKB_FRAGS + max_head)
			goto drop;
		page = alloc_page(GFP_ATOMIC | __GFP_NOWARN);
		if (!page)
			goto drop;
		nskb = build_skb(page_address(page), PAGE_SIZE);
		if (!nskb) {
			put_page(page);
			goto drop;
		}
		skb_reserve(nskb, VPAIR_XDP_HEADROOM);
		size = min_t(u32, skb->len, max_head);
		if (skb_copy_bits(skb, 0, nskb->data, size))
			goto drop_nskb;
		skb_put(nskb, size);
		skb_copy_header(nskb, skb);
		head_off = skb_headroom(nskb) - skb_headroom(skb);
		skb_headers_offset_update(nskb, head_off);

		off = size;
		len = skb->len - off;
		for (i = 0; i < MAX_SKB_FRAGS && off < skb->len; i++) {
			page = alloc_page(GFP_ATOMIC | __GFP_NOWARN);
			if (!page)
				goto drop_nskb;
			size = min_t(u32, len, PAGE_SIZE);
			skb_add_rx_frag(nskb, i, page, 0, size, PAGE_SIZE);
			if (skb_copy_bits(skb, off, page_address(page), size))
				goto drop_nskb;
			len -= size;
			off += size;
		}
		consume_skb(skb);
		skb = nskb;
		goto convert;
drop_nskb:
		consume_skb(nskb);
		goto drop;
	}
convert:
	/* The head always has tailroom for skb_shared_info. */
	frame_sz = skb_end_pointer(skb) - skb->head;
	frame_sz += SKB_DATA_ALIGN(sizeof(struct skb_shared_info));
	xdp_init_buff(xdp, frame_sz, &rq->xdp_rxq);
	xdp_prepare_buff(xdp, skb->head, skb_headroom(skb), skb_headlen(skb), true);
	if (skb_shinfo(skb)->nr_frags) {
		skb_shinfo(skb)->xdp_frags_size = skb->data_len;
		xdp_buff_set_frags_flag(xdp);
	} else {
		xdp_buff_clear_frags_flag(xdp);
	}
	*pskb = skb;
	return 0;
drop:
	consume_skb(skb);
	*pskb = NULL;
	return -ENOMEM;
}

/* An skb from the peer's ndo_start_xmit, through the program. Returns it for XDP_PASS. */
static struct sk_buff *vpair_xdp_rcv_skb(struct vpair_rq *rq, struct bpf_prog *prog,
					 struct sk_buff *skb, struct vpair_xdp_tx_bq *bq,
					 struct vpair_rq_stats *st)
{
	void *orig_data, *orig_data_end;
	struct xdp_buff xdp;
	u32 act, metalen;
	int off;

	__skb_push(skb, skb->data - skb_mac_header(skb));
	if (vpair_skb_to_xdp_buff(rq, &xdp, &skb)) {
		u64_stats_inc(&st->drops);
		return NULL;
	}
	orig_data = xdp.data;
	orig_data_end = xdp.data_end;
	/* Pages of an skb (or our copy): not the type a frame before it left there. */
	xdp.rxq->mem = rq->xdp_mem;

	act = bpf_prog_run_xdp(prog, &xdp);
	switch (act) {
	case XDP_PASS:
		break;
	case XDP_TX:
		vpair_xdp_get(&xdp);
		consume_skb(skb);
		if (unlikely(vpair_xdp_tx(rq, &xdp, bq, st) < 0)) {
			trace_xdp_exception(rq->dev, prog, act);
			goto drop_buff;
		}
		return NULL;
	case XDP_REDIRECT:
		vpair_xdp_get(&xdp);
		consume_skb(skb);
		if (xdp_do_redirect(rq->dev, &xdp, prog))
			goto drop_buff;
		u64_stats_inc(&st->xdp_redirect);
		return NULL;
	default:
		bpf_warn_invalid_xdp_action(rq->dev, prog, act);
		fallthrough;
	case XDP_ABORTED:
		trace_xdp_exception(rq->dev, prog, act);
		fallthrough;
	case XDP_DROP:
		u64_stats_inc(&st->xdp_drops);
		kfree_skb(skb);
		return NULL;
	}

	/* What bpf_xdp_adjust_head/_tail/_meta did to the frame, done to the skb. */
	off = orig_data - xdp.data;
	if (off > 0)
		__skb_push(skb, off);
	else if (off < 0)
		__skb_pull(skb, -off);
	skb_reset_mac_header(skb);

	skb->len -= skb->data_len;
	if (xdp_buff_has_frags(&xdp)) {
		skb->data_len = skb_shinfo(skb)->xdp_frags_size;
		skb->len += skb->data_len;
	} else {
		skb->data_len = 0;
	}
	off = xdp.data_end - orig_data_end;
	if (off != 0) {
		skb_set_tail_pointer(skb, xdp.data_end - xdp.data);
		skb->len += off;
	}
	skb->protocol = eth_type_trans(skb, rq->dev);
	metalen = xdp.data - xdp.data_meta;
	if (metalen)
		skb_metadata_set(skb, metalen);
	return skb;

drop_buff:
	u64_stats_inc(&st->drops);
	xdp_return_buff(&xdp);
	return NULL;
}

static void vpair_gro_receive(struct vpair_rq *rq, struct sk_buff *skb)
{
	/*
	 * GRO merges by rewriting skb_shinfo(), which a clone shares with its
	 * other holders (TCP's retransmit queue, a packet tap): only an skb
	 * with a shinfo of its own may go there, as on veth.
	 */
	if (skb_shared(skb) || skb_unclone(skb, GFP_ATOMIC))
		netif_receive_skb(skb);
	else
		napi_gro_receive(&rq->napi, skb);
}

static int vpair_poll(struct napi_struct *napi, int budget)
{
	struct vpair_rq *rq = container_of(napi, struct vpair_rq, napi);
	struct vpair_rq_stats st = {};
	void *pass[VPAIR_XDP_BATCH];
	struct vpair_xdp_tx_bq bq;
	struct bpf_prog *prog;
	int done = 0, npass = 0;
	u64 bytes = 0;
	void *ptr;

	bq.count = 0;
	xdp_set_return_frame_no_direct();
	rcu_read_lock();
	prog = rcu_dereference(rq->xdp_prog);
	while (done < budget && (ptr = __ptr_ring_consume(&rq->ring))) {
		done++;
		if (vpair_is_xdp_frame(ptr)) {
			struct xdp_frame *frame = vpair_ptr_to_xdp(ptr);

			bytes += xdp_get_frame_len(frame);
			if (prog)
				frame = vpair_xdp_rcv_frame(rq, prog, frame, &bq, &st);
			if (!frame)
				continue;
			pass[npass++] = frame;
			if (npass == VPAIR_XDP_BATCH) {
				vpair_xdp_pass_frames(rq, pass, npass, &st);
				npass = 0;
			}
		} else {
			struct sk_buff *skb = ptr;

			/* As the sender counted it: with the Ethernet header it no longer has. */
			bytes += skb->len + ETH_HLEN;
			skb_prepare_for_gro(skb);
			if (prog)
				skb = vpair_xdp_rcv_skb(rq, prog, skb, &bq, &st);
			if (skb)
				vpair_gro_receive(rq, skb);
		}
	}
	if (npass)
		vpair_xdp_pass_frames(rq, pass, npass, &st);
	if (bq.count)
		vpair_xdp_flush_bq(rq, &bq, &st);
	rcu_read_unlock();
	if (u64_stats_read(&st.xdp_redirect))
		xdp_do_flush();
	xdp_clear_return_frame_no_direct();

	if (done) {
		/* rx here, tx of the peer (vpair_get_stats64) */
		u64_stats_add(&st.xdp_packets, done);
		u64_stats_add(&st.xdp_bytes, bytes);
		vpair_rq_stats_add(rq, &st);
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

/* The length of a ring entry as the sender counted it, with the Ethernet header. */
static unsigned int vpair_ptr_len(void *ptr)
{
	if (vpair_is_xdp_frame(ptr))
		return xdp_get_frame_len(vpair_ptr_to_xdp(ptr));
	return ((struct sk_buff *)ptr)->len + ETH_HLEN;
}

static void vpair_ptr_free(void *ptr)
{
	if (vpair_is_xdp_frame(ptr))
		xdp_return_frame(vpair_ptr_to_xdp(ptr));
	else
		kfree_skb(ptr);
}

/*
 * The rings of queues [start, end): allocated, NAPI added and enabled, the XDP
 * rxq registered, the program installed, and only then shown to senders.
 */
static int vpair_rings_start(struct net_device *dev, unsigned int start, unsigned int end)
{
	struct vpair_priv *priv = netdev_priv(dev);
	unsigned int i;
	int err;

	for (i = start; i < end; i++) {
		struct vpair_rq *rq = &priv->rq[i];

		err = ptr_ring_init(&rq->ring, VPAIR_RING_SIZE, GFP_KERNEL);
		if (err)
			goto err_ring;
		netif_napi_add(dev, &rq->napi, vpair_poll);
		err = xdp_rxq_info_reg(&rq->xdp_rxq, dev, i, rq->napi.napi_id);
		if (err)
			goto err_napi;
		err = xdp_rxq_info_reg_mem_model(&rq->xdp_rxq, MEM_TYPE_PAGE_SHARED, NULL);
		if (err)
			goto err_rxq;
		rq->xdp_mem = rq->xdp_rxq.mem;
		continue;
err_rxq:
		xdp_rxq_info_unreg(&rq->xdp_rxq);
err_napi:
		netif_napi_del(&rq->napi);
		ptr_ring_cleanup(&rq->ring, NULL);
err_ring:
		while (i-- > start) {
			rq = &priv->rq[i];
			xdp_rxq_info_unreg(&rq->xdp_rxq);
			netif_napi_del(&rq->napi);
			ptr_ring_cleanup(&rq->ring, NULL);
		}
		return err;
	}
	for (i = start; i < end; i++) {
		struct vpair_rq *rq = &priv->rq[i];

		rq->rx_notify_masked = false;
		rcu_assign_pointer(rq->xdp_prog, priv->xdp_prog);
		napi_enable(&rq->napi);
		rcu_assign_pointer(rq->napi_on, &rq->napi);
	}
	return 0;
}

static void vpair_rings_stop(struct net_device *dev, unsigned int start, unsigned int end)
{
	struct vpair_priv *priv = netdev_priv(dev);
	unsigned int i;
	void *ptr;

	for (i = start; i < end; i++)
		RCU_INIT_POINTER(priv->rq[i].napi_on, NULL);
	/* No sender may still be producing when a ring goes away. */
	synchronize_net();
	for (i = start; i < end; i++) {
		struct vpair_rq *rq = &priv->rq[i];

		napi_disable(&rq->napi);
		RCU_INIT_POINTER(rq->xdp_prog, NULL);
		/*
		 * What the ring still holds was never received: lost at the
		 * receive side. Counted with BH off, as every other writer of
		 * the counters.
		 */
		local_bh_disable();
		while ((ptr = __ptr_ring_consume(&rq->ring))) {
			vpair_count_drop(dev, VPAIR_DROP_RX_RING, vpair_ptr_len(ptr));
			vpair_ptr_free(ptr);
		}
		local_bh_enable();
		ptr_ring_cleanup(&rq->ring, NULL);
		rq->xdp_rxq.mem = rq->xdp_mem;
		xdp_rxq_info_unreg(&rq->xdp_rxq);
		__netif_napi_del(&rq->napi);
	}
	/* One grace period for all the queues' NAPI, before any can be added again. */
	synchronize_net();
}

/* The rings run while the device is up and GRO is on or an XDP program is attached. */
static bool vpair_wants_rings(const struct net_device *dev, netdev_features_t features)
{
	const struct vpair_priv *priv = netdev_priv(dev);

	return netif_running(dev) && (priv->xdp_prog || (features & NETIF_F_GRO));
}

/* Starts or stops the rings to match vpair_wants_rings(). Under RTNL. */
static int vpair_rings_update(struct net_device *dev, netdev_features_t features)
{
	struct vpair_priv *priv = netdev_priv(dev);
	bool want = vpair_wants_rings(dev, features);
	int err;

	if (want == priv->rings_on)
		return 0;
	if (want) {
		/* Before the first ring shows: no frame skips a program meanwhile. */
		WRITE_ONCE(priv->rings_on, true);
		err = vpair_rings_start(dev, 0, dev->real_num_rx_queues);
		if (err) {
			WRITE_ONCE(priv->rings_on, false);
			return err;
		}
	} else {
		vpair_rings_stop(dev, 0, dev->real_num_rx_queues);
		WRITE_ONCE(priv->rings_on, false);
	}
	return 0;
}

/*
 * Receive queues [@to, @from) of @dev go: senders stop picking them, their
 * rings stop, and only then does the device stop counting them. Under RTNL.
 */
static void vpair_rx_shrink(struct net_device *dev, unsigned int from, unsigned int to)
{
	struct vpair_priv *priv = netdev_priv(dev);

	WRITE_ONCE(priv->rx_queues, to);
	/*
	 * A sender that read the old count is done: no frame goes to a queue
	 * past @to, none finds a ring below stopped and takes the backlog past
	 * the XDP program, and each that went up the backlog was steered.
	 */
	synchronize_net();
	if (priv->rings_on)
		vpair_rings_stop(dev, to, from);
	/* A shrink only removes sysfs entries. */
	if (netif_set_real_num_rx_queues(dev, to))
		netdev_warn(dev, "kept %u receive queues, %u in use\n",
			    dev->real_num_rx_queues, to);
}

/*
 * Channels, as on veth: the counts may change while the device is up. An
 * added receive queue's ring starts before the device counts the queue, and
 * senders pick it last; a removed one goes in the reverse order.
 */
static int vpair_set_channels(struct net_device *dev, struct ethtool_channels *ch)
{
	struct vpair_priv *priv = netdev_priv(dev);
	unsigned int old_rx = dev->real_num_rx_queues, new_rx = ch->rx_count;
	int err;

	if (!new_rx || !ch->tx_count)
		return -EINVAL;
	if (new_rx > old_rx) {
		if (priv->rings_on) {
			err = vpair_rings_start(dev, old_rx, new_rx);
			if (err)
				return err;
		}
		err = netif_set_real_num_rx_queues(dev, new_rx);
		if (err) {
			if (priv->rings_on)
				vpair_rings_stop(dev, old_rx, new_rx);
			return err;
		}
	}
	/* Only a grow can fail (ENOMEM): all stays as it was. */
	err = netif_set_real_num_tx_queues(dev, ch->tx_count);
	if (err) {
		if (new_rx > old_rx)
			vpair_rx_shrink(dev, new_rx, old_rx);
		return err;
	}
	if (new_rx > old_rx)
		WRITE_ONCE(priv->rx_queues, new_rx);
	else if (new_rx < old_rx)
		vpair_rx_shrink(dev, old_rx, new_rx);
	return 0;
}

/*
 * XDP
 */

/* The largest frame an XDP program of @prog's kind can see whole, as the peer's MTU. */
static unsigned int vpair_xdp_max_mtu(const struct net_device *peer, const struct bpf_prog *prog)
{
	unsigned int max_mtu = SKB_WITH_OVERHEAD(PAGE_SIZE - VPAIR_XDP_HEADROOM) -
			       peer->hard_header_len;

	/* A program that handles multi-buffer frames takes pages beyond the head. */
	if (prog->aux->xdp_has_frags)
		max_mtu += PAGE_SIZE * MAX_SKB_FRAGS;
	return max_mtu;
}

static int vpair_xdp_set(struct net_device *dev, struct bpf_prog *prog,
			 struct netlink_ext_ack *extack)
{
	struct vpair_priv *priv = netdev_priv(dev);
	struct bpf_prog *old_prog = priv->xdp_prog;
	struct net_device *peer = rtnl_dereference(priv->peer);
	unsigned int max_mtu = 0, i;
	int err;

	if (prog) {
		if (!peer) {
			NL_SET_ERR_MSG_MOD(extack, "cannot attach XDP to an end without a peer");
			return -ENOTCONN;
		}
		max_mtu = vpair_xdp_max_mtu(peer, prog);
		if (peer->mtu > max_mtu) {
			NL_SET_ERR_MSG_MOD(extack,
					   "the peer's MTU is too large for XDP (a frags program takes more)");
			return -ERANGE;
		}
	}

	priv->xdp_prog = prog;
	err = vpair_rings_update(dev, dev->features);
	if (err) {
		priv->xdp_prog = old_prog;
		NL_SET_ERR_MSG_MOD(extack, "cannot start the receive rings for XDP");
		return err;
	}
	if (priv->rings_on)
		for (i = 0; i < dev->real_num_rx_queues; i++)
			rcu_assign_pointer(priv->rq[i].xdp_prog, prog);

	/*
	 * While a program runs here, the peer sends frames it can see whole:
	 * no GSO, and no MTU above what fits a page (or the frags' pages).
	 */
	if (peer) {
		if (prog) {
			peer->hw_features &= ~NETIF_F_GSO_SOFTWARE;
			peer->max_mtu = max_mtu;
		} else {
			peer->hw_features |= NETIF_F_GSO_SOFTWARE;
			peer->max_mtu = ETH_MAX_MTU;
		}
		if (!!old_prog != !!prog)
			netdev_update_features(peer);
	}
	/* Freed after an RCU grace period: a poll that still runs it is safe. */
	if (old_prog)
		bpf_prog_put(old_prog);
	return 0;
}

static int vpair_bpf(struct net_device *dev, struct netdev_bpf *xdp)
{
	switch (xdp->command) {
	case XDP_SETUP_PROG:
		return vpair_xdp_set(dev, xdp->prog, xdp->extack);
	default:
		return -EINVAL;
	}
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

	err = vpair_rings_update(dev, dev->features);
	if (err)
		return err;

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
	/* Not running any more (__LINK_STATE_START is clear): the rings stop. */
	return vpair_rings_update(dev, dev->features);
}

/* While the peer runs XDP, this end sends it frames an XDP program can see whole: no GSO. */
static netdev_features_t vpair_fix_features(struct net_device *dev, netdev_features_t features)
{
	struct vpair_priv *priv = netdev_priv(dev);
	struct net_device *peer = rtnl_dereference(priv->peer);

	if (peer && ((struct vpair_priv *)netdev_priv(peer))->xdp_prog)
		features &= ~NETIF_F_GSO_SOFTWARE;
	return features;
}

/* GRO on or off starts or stops the rings, unless XDP keeps them running. */
static int vpair_set_features(struct net_device *dev, netdev_features_t features)
{
	return vpair_rings_update(dev, features);
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

	unsigned int i;

	priv->stats = vdev_ctrs_alloc(VPAIR_XMIT_CTR(dev->num_tx_queues));
	if (!priv->stats)
		return -ENOMEM;
	priv->rx_queues = dev->real_num_rx_queues;
	priv->rq = kvcalloc(dev->num_rx_queues, sizeof(*priv->rq),
			    GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL);
	if (!priv->rq) {
		free_percpu(priv->stats);
		priv->stats = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < dev->num_rx_queues; i++) {
		priv->rq[i].dev = dev;
		u64_stats_init(&priv->rq[i].stats.syncp);
	}
	return 0;
}

/* Also runs when register_netdevice() fails after ndo_init succeeded. */
static void vpair_dev_free(struct net_device *dev)
{
	struct vpair_priv *priv = netdev_priv(dev);

	kvfree(priv->rq);
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
	.ndo_fix_features	= vpair_fix_features,
	.ndo_set_features	= vpair_set_features,
	.ndo_features_check	= passthru_features_check,
	.ndo_get_peer_dev	= vpair_get_peer_dev,
	.ndo_bpf		= vpair_bpf,
	.ndo_xdp_xmit		= vpair_ndo_xdp_xmit,
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
	/* Redirect targets without an XDP program on the peer: its backlog takes the frames. */
	vdev_xdp_set_features(dev, NETDEV_XDP_ACT_BASIC | NETDEV_XDP_ACT_REDIRECT |
			      NETDEV_XDP_ACT_RX_SG | NETDEV_XDP_ACT_NDO_XMIT |
			      NETDEV_XDP_ACT_NDO_XMIT_SG);
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
