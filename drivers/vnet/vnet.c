// SPDX-License-Identifier: GPL-2.0
/*
 * vnet: a virtual Ethernet NIC whose far end is a responder in the driver.
 *
 * Frames transmitted on a vnet device are answered as a host on the other
 * end of the wire would answer them (ARP, ICMP echo, ICMPv6 echo, neighbour
 * solicitation), and the reply is received back on the same device.  That
 * makes it possible to ping across a link without a second host or netns.
 */

#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>

#include <net/checksum.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ipv6.h>
#include <net/ndisc.h>
#include <net/rtnetlink.h>

#include <vdev.h>

#define VNET_DRV_NAME	"vnet"
#define VNET_DRV_VERSION	"1.0"

/* An 802.1ad service tag plus an 802.1Q customer tag is as deep as we go. */
#define VNET_MAX_VLAN_TAGS	2

/* The only NA option: type, length in units of 8 octets, Ethernet address. */
#define VNET_ND_OPT_LEN		8
#define VNET_NA_LEN		(sizeof(struct nd_msg) + VNET_ND_OPT_LEN)

#define VNET_FEATURES	(NETIF_F_SG | NETIF_F_HIGHDMA | NETIF_F_HW_CSUM | \
			 NETIF_F_HW_VLAN_CTAG_TX | NETIF_F_HW_VLAN_STAG_TX)

/* Frames the far end answers, one ethtool counter each. */
enum vnet_reply {
	VNET_REPLY_ECHO_V4,
	VNET_REPLY_ECHO_V6,
	VNET_REPLY_ARP,
	VNET_REPLY_NA,
	VNET_REPLY_MAX
};

static const char * const vnet_reply_names[VNET_REPLY_MAX] = {
	[VNET_REPLY_ECHO_V4]	= "echo_replies_v4",
	[VNET_REPLY_ECHO_V6]	= "echo_replies_v6",
	[VNET_REPLY_ARP]	= "arp_replies",
	[VNET_REPLY_NA]		= "na_replies",
};

/*
 * Why the far end did not answer a frame.  VNET_DROP_NONE means it did, so
 * the responder can return a single value, as with SKB_NOT_DROPPED_YET.
 */
enum vnet_drop_reason {
	VNET_DROP_NONE,
	VNET_DROP_TRUNCATED,
	VNET_DROP_MALFORMED,
	VNET_DROP_BAD_CSUM,
	VNET_DROP_UNSUPPORTED,
	VNET_DROP_MULTICAST,
	VNET_DROP_DAD,
	VNET_DROP_UNMATCHED_FRAG,	/* a later IPv4 fragment of no echo we answered */
	VNET_DROP_NOMEM,
	VNET_DROP_MAX
};

/* Shown in ethtool -S as drop_<name>. */
static const char * const vnet_drop_names[VNET_DROP_MAX] = {
	[VNET_DROP_TRUNCATED]	= "truncated",
	[VNET_DROP_MALFORMED]	= "malformed",
	[VNET_DROP_BAD_CSUM]	= "bad_csum",
	[VNET_DROP_UNSUPPORTED]	= "unsupported",
	[VNET_DROP_MULTICAST]	= "multicast",
	[VNET_DROP_DAD]		= "dad",
	[VNET_DROP_UNMATCHED_FRAG]	= "unmatched_frag",
	[VNET_DROP_NOMEM]	= "nomem",
};

#define VNET_NUM_STATS	(VNET_REPLY_MAX + VNET_DROP_MAX - 1)

/*
 * The per-CPU counters (include/vdev.h), by index. tx_dropped is not kept:
 * our only own failure is running out of memory, VNET_DROPS + VNET_DROP_NOMEM.
 */
enum vnet_ctr {
	VNET_TX_PACKETS,
	VNET_TX_BYTES,
	VNET_RX_PACKETS,
	VNET_RX_BYTES,
	VNET_RX_DROPPED,
	VNET_REPLIES,				/* + enum vnet_reply */
	VNET_DROPS = VNET_REPLIES + VNET_REPLY_MAX,	/* + enum vnet_drop_reason */
	VNET_NUM_CTRS = VNET_DROPS + VNET_DROP_MAX
};

/*
 * The far end answers ARP and neighbour solicitations for any address. On
 * its own link that is what makes `ping 10.0.0.2` work; behind a switch or a
 * bridge (the request comes from another host's MAC) it would race the
 * address's real owner, so there it answers last: VNET_DEFER_MS later, after
 * any owner's reply has been taken (Linux keeps the first ARP reply for
 * locktime, 1 s) and without the NA override flag.
 */
#define VNET_DEFER_MS		100
#define VNET_DEFER_QLEN		64

/*
 * A later IPv4 fragment carries no ICMP header: it is reflected only if the
 * first fragment of its datagram was an echo request that was answered, as
 * remembered here. A sender puts a datagram's fragments on the wire back to
 * back, so a few datagrams for a short while suffice (a host would wait 30 s,
 * ipfrag_time, to reassemble one).
 */
#define VNET_FRAGS		16
#define VNET_FRAG_LIFETIME	(2 * HZ)

/* The first fragment of an answered echo request: what identifies its datagram (RFC 791). */
struct vnet_frag {
	unsigned long	expires;	/* jiffies */
	__be32		saddr;
	__be32		daddr;
	__be16		id;
	u8		protocol;
	bool		used;
};

struct vnet_skb_cb {
	unsigned long	due;		/* jiffies, for a deferred answer */
	bool		resolution;	/* an ARP reply or a neighbour advertisement */
};

#define VNET_CB(skb)	((struct vnet_skb_cb *)(skb)->cb)

struct vnet_priv {
	struct vdev_pcpu_ctrs __percpu	*stats;
	/* Stable for the device's life so the host's neighbour cache holds. */
	u8				far_mac[ETH_ALEN];
	struct net_device		*dev;
	struct sk_buff_head		deferred;
	struct hrtimer			defer_timer;
	/* Transmit runs on any CPU at once (LLTX), with BH off. */
	spinlock_t			frags_lock;
	struct vnet_frag		frags[VNET_FRAGS];
};

/* ARP body for Ethernet/IPv4; the addresses are not naturally aligned. */
struct vnet_arp {
	struct arphdr	hdr;
	u8		sha[ETH_ALEN];
	u8		sip[4];
	u8		tha[ETH_ALEN];
	u8		tip[4];
};

static int vnet_numdevs = 1;
module_param_named(numdevs, vnet_numdevs, int, 0444);
MODULE_PARM_DESC(numdevs, "Number of vnet devices created at load");

static void vnet_count_reply(struct vnet_priv *priv, enum vnet_reply reply)
{
	vdev_ctr_inc(priv->stats, VNET_REPLIES + reply);
}

/*
 * ethtool interface
 */

static void vnet_get_drvinfo(struct net_device *dev,
			     struct ethtool_drvinfo *info)
{
	strscpy(info->driver, VNET_DRV_NAME, sizeof(info->driver));
	strscpy(info->version, VNET_DRV_VERSION, sizeof(info->version));
}

static int vnet_get_sset_count(struct net_device *dev, int sset)
{
	switch (sset) {
	case ETH_SS_STATS:
		return VNET_NUM_STATS;
	default:
		return -EOPNOTSUPP;
	}
}

static void vnet_get_strings(struct net_device *dev, u32 sset, u8 *data)
{
	int i;

	if (sset != ETH_SS_STATS)
		return;

	for (i = 0; i < VNET_REPLY_MAX; i++)
		ethtool_sprintf(&data, "%s", vnet_reply_names[i]);
	for (i = VNET_DROP_NONE + 1; i < VNET_DROP_MAX; i++)
		ethtool_sprintf(&data, "drop_%s", vnet_drop_names[i]);
}

static void vnet_get_ethtool_stats(struct net_device *dev,
				   struct ethtool_stats *estats, u64 *data)
{
	struct vnet_priv *priv = netdev_priv(dev);
	u64 sum[VNET_NUM_CTRS];
	int i;

	vdev_ctrs_sum(priv->stats, VNET_NUM_CTRS, sum);

	/* Same order as vnet_get_strings(). */
	for (i = 0; i < VNET_REPLY_MAX; i++)
		*data++ = sum[VNET_REPLIES + i];
	for (i = VNET_DROP_NONE + 1; i < VNET_DROP_MAX; i++)
		*data++ = sum[VNET_DROPS + i];
}

static const struct ethtool_ops vnet_ethtool_ops = {
	.get_drvinfo		= vnet_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_strings		= vnet_get_strings,
	.get_sset_count		= vnet_get_sset_count,
	.get_ethtool_stats	= vnet_get_ethtool_stats,
	.get_link_ksettings	= vdev_get_link_ksettings,
	.get_ts_info		= ethtool_op_get_ts_info,
};

/*
 * The far end.
 *
 * Every responder works on offsets from skb->data (the Ethernet header) and
 * derives header pointers with vnet_at() only after the last call that may
 * reallocate the head: pskb_may_pull(), pskb_trim_rcsum(),
 * skb_checksum_help(), skb_ensure_writable(), pskb_expand_head().
 */

static void *vnet_at(const struct sk_buff *skb, unsigned int off)
{
	return skb->data + off;
}

static bool vnet_eth_dst_unicast(const struct sk_buff *skb)
{
	const struct ethhdr *eth = vnet_at(skb, 0);

	return is_unicast_ether_addr(eth->h_dest);
}

static void vnet_swap_eth(struct sk_buff *skb)
{
	struct ethhdr *eth = vnet_at(skb, 0);
	u8 tmp[ETH_ALEN] __aligned(2);

	ether_addr_copy(tmp, eth->h_dest);
	ether_addr_copy(eth->h_dest, eth->h_source);
	ether_addr_copy(eth->h_source, tmp);
}

/*
 * Patch the checksum for the new type word (RFC 1624) rather than summing
 * the message again: this is also right for a first fragment, whose
 * checksum covers payload that is not in this skb.
 */
static void vnet_icmp_set_type(u8 *type, u8 code, __sum16 *check, u8 new_type)
{
	__be16 old = htons(*type << 8 | code);

	*type = new_type;
	csum_replace2(check, old, htons(new_type << 8 | code));
}

/*
 * Only a checksum we verified (or wrote) over a whole message may be
 * vouched for; csum_level could be left over from a forwarded skb.
 */
static void vnet_set_rx_csum(struct sk_buff *skb, bool verified)
{
	skb->ip_summed = verified ? CHECKSUM_UNNECESSARY : CHECKSUM_NONE;
	skb->csum_level = 0;
}

/* A local sender may leave the checksum to us, as NETIF_F_HW_CSUM allows. */
static enum vnet_drop_reason vnet_finish_csum(struct sk_buff *skb)
{
	int err;

	if (skb->ip_summed != CHECKSUM_PARTIAL)
		return VNET_DROP_NONE;

	err = skb_checksum_help(skb);
	if (!err)
		return VNET_DROP_NONE;
	return err == -ENOMEM ? VNET_DROP_NOMEM : VNET_DROP_MALFORMED;
}

static enum vnet_drop_reason vnet_reply_arp(struct vnet_priv *priv,
					    struct sk_buff *skb,
					    unsigned int nh_off)
{
	unsigned int end = nh_off + sizeof(struct vnet_arp);
	struct ethhdr *eth;
	struct vnet_arp *arp;
	__be32 sip, tip;

	if (!pskb_may_pull(skb, end))
		return VNET_DROP_TRUNCATED;

	arp = vnet_at(skb, nh_off);
	if (arp->hdr.ar_hrd != htons(ARPHRD_ETHER) ||
	    arp->hdr.ar_pro != htons(ETH_P_IP) ||
	    arp->hdr.ar_hln != ETH_ALEN || arp->hdr.ar_pln != sizeof(sip))
		return VNET_DROP_MALFORMED;
	if (arp->hdr.ar_op != htons(ARPOP_REQUEST))
		return VNET_DROP_UNSUPPORTED;

	memcpy(&sip, arp->sip, sizeof(sip));
	memcpy(&tip, arp->tip, sizeof(tip));
	/*
	 * Probes (RFC 5227) and gratuitous ARP announce or test an address;
	 * answering them would make the host believe it is a duplicate.
	 */
	if (!sip || sip == tip)
		return VNET_DROP_DAD;

	if (skb_ensure_writable(skb, end))
		return VNET_DROP_NOMEM;

	arp = vnet_at(skb, nh_off);
	arp->hdr.ar_op = htons(ARPOP_REPLY);
	ether_addr_copy(arp->tha, arp->sha);
	ether_addr_copy(arp->sha, priv->far_mac);
	memcpy(arp->sip, &tip, sizeof(tip));
	memcpy(arp->tip, &sip, sizeof(sip));

	eth = vnet_at(skb, 0);
	ether_addr_copy(eth->h_dest, arp->tha);
	ether_addr_copy(eth->h_source, priv->far_mac);

	vnet_set_rx_csum(skb, false);
	VNET_CB(skb)->resolution = true;
	vnet_count_reply(priv, VNET_REPLY_ARP);
	return VNET_DROP_NONE;
}

static bool vnet_frag_is(const struct vnet_frag *f, const struct iphdr *iph)
{
	return f->saddr == iph->saddr && f->daddr == iph->daddr &&
	       f->id == iph->id && f->protocol == iph->protocol;
}

static bool vnet_frag_live(const struct vnet_frag *f, unsigned long now)
{
	return f->used && time_before(now, f->expires);
}

/*
 * The first fragment of an echo request (@iph, as sent) is being answered:
 * its later fragments will be too. A full table gives up its oldest entry.
 */
static void vnet_frag_remember(struct vnet_priv *priv, const struct iphdr *iph)
{
	struct vnet_frag *f, *slot;
	unsigned long now = jiffies;
	int i;

	spin_lock(&priv->frags_lock);
	slot = &priv->frags[0];
	for (i = 0; i < VNET_FRAGS; i++) {
		f = &priv->frags[i];
		if (!vnet_frag_live(f, now) || vnet_frag_is(f, iph)) {
			slot = f;
			break;
		}
		if (time_before(f->expires, slot->expires))
			slot = f;
	}
	slot->saddr = iph->saddr;
	slot->daddr = iph->daddr;
	slot->id = iph->id;
	slot->protocol = iph->protocol;
	slot->expires = now + VNET_FRAG_LIFETIME;
	slot->used = true;
	spin_unlock(&priv->frags_lock);
}

/* Whether @iph, a later fragment, belongs to an echo request whose first fragment was answered. */
static bool vnet_frag_known(struct vnet_priv *priv, const struct iphdr *iph)
{
	unsigned long now = jiffies;
	bool known = false;
	int i;

	spin_lock(&priv->frags_lock);
	for (i = 0; i < VNET_FRAGS && !known; i++)
		known = vnet_frag_live(&priv->frags[i], now) &&
			vnet_frag_is(&priv->frags[i], iph);
	spin_unlock(&priv->frags_lock);
	return known;
}

static enum vnet_drop_reason vnet_reply_ipv4(struct vnet_priv *priv,
					     struct sk_buff *skb,
					     unsigned int nh_off)
{
	unsigned int ihl, tot_len, l4_off;
	enum vnet_drop_reason reason;
	struct icmphdr *icmph;
	struct iphdr *iph;
	bool whole;

	if (!pskb_may_pull(skb, nh_off + sizeof(*iph)))
		return VNET_DROP_TRUNCATED;
	iph = vnet_at(skb, nh_off);
	if (iph->version != 4 || iph->ihl < 5)
		return VNET_DROP_MALFORMED;

	ihl = iph->ihl * 4;
	if (!pskb_may_pull(skb, nh_off + ihl))
		return VNET_DROP_TRUNCATED;
	iph = vnet_at(skb, nh_off);
	tot_len = ntohs(iph->tot_len);
	if (tot_len < ihl)
		return VNET_DROP_MALFORMED;
	if (tot_len > skb->len - nh_off)
		return VNET_DROP_TRUNCATED;

	/* Short frames are padded on the wire; the padding is not ours. */
	if (pskb_trim_rcsum(skb, nh_off + tot_len))
		return VNET_DROP_NOMEM;

	iph = vnet_at(skb, nh_off);
	if (ip_fast_csum(iph, iph->ihl))
		return VNET_DROP_BAD_CSUM;
	if (iph->protocol != IPPROTO_ICMP)
		return VNET_DROP_UNSUPPORTED;
	/* Linux ignores broadcast pings by default (icmp_echo_ignore_broadcasts). */
	if (ipv4_is_multicast(iph->daddr) || ipv4_is_lbcast(iph->daddr) ||
	    !vnet_eth_dst_unicast(skb))
		return VNET_DROP_MULTICAST;

	/*
	 * A later fragment carries no ICMP header; the host reassembles the
	 * reflected fragments with the first one, whose type we change, so
	 * only the fragments of an answered echo go back (VNET_FRAGS).  The
	 * header checksum is a sum, so swapping the addresses keeps it valid.
	 */
	if (iph->frag_off & htons(IP_OFFSET)) {
		if (!vnet_frag_known(priv, iph))
			return VNET_DROP_UNMATCHED_FRAG;
		if (skb_ensure_writable(skb, nh_off + sizeof(*iph)))
			return VNET_DROP_NOMEM;
		iph = vnet_at(skb, nh_off);
		swap(iph->saddr, iph->daddr);
		vnet_swap_eth(skb);
		vnet_set_rx_csum(skb, false);
		return VNET_DROP_NONE;
	}
	whole = !(iph->frag_off & htons(IP_MF));

	l4_off = nh_off + ihl;
	if (!pskb_may_pull(skb, l4_off + sizeof(*icmph)))
		return VNET_DROP_TRUNCATED;
	icmph = vnet_at(skb, l4_off);
	if (icmph->type != ICMP_ECHO)
		return VNET_DROP_UNSUPPORTED;

	reason = vnet_finish_csum(skb);
	if (reason != VNET_DROP_NONE)
		return reason;
	if (whole && csum_fold(skb_checksum(skb, l4_off, skb->len - l4_off, 0)))
		return VNET_DROP_BAD_CSUM;

	if (skb_ensure_writable(skb, l4_off + sizeof(*icmph)))
		return VNET_DROP_NOMEM;

	icmph = vnet_at(skb, l4_off);
	vnet_icmp_set_type(&icmph->type, icmph->code, &icmph->checksum,
			   ICMP_ECHOREPLY);
	iph = vnet_at(skb, nh_off);
	if (!whole)
		vnet_frag_remember(priv, iph);
	swap(iph->saddr, iph->daddr);
	vnet_swap_eth(skb);

	vnet_set_rx_csum(skb, whole);
	vnet_count_reply(priv, VNET_REPLY_ECHO_V4);
	return VNET_DROP_NONE;
}

/* Zero when the ICMPv6 message from @l4_off to the end of @skb is intact. */
static __sum16 vnet_icmp6_csum(const struct sk_buff *skb, unsigned int nh_off,
			       unsigned int l4_off)
{
	const struct ipv6hdr *ip6h = vnet_at(skb, nh_off);
	unsigned int len = skb->len - l4_off;

	return csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, len, IPPROTO_ICMPV6,
			       skb_checksum(skb, l4_off, len, 0));
}

static bool vnet_ipv6_dst_unicast(const struct sk_buff *skb,
				  unsigned int nh_off)
{
	const struct ipv6hdr *ip6h = vnet_at(skb, nh_off);

	return !ipv6_addr_is_multicast(&ip6h->daddr) &&
	       vnet_eth_dst_unicast(skb);
}

/* Swapping the addresses leaves the upper-layer pseudo-header sum as is. */
static enum vnet_drop_reason vnet_reflect_ipv6(struct sk_buff *skb,
					       unsigned int nh_off)
{
	struct ipv6hdr *ip6h;

	if (skb_ensure_writable(skb, nh_off + sizeof(*ip6h)))
		return VNET_DROP_NOMEM;

	ip6h = vnet_at(skb, nh_off);
	swap(ip6h->saddr, ip6h->daddr);
	vnet_swap_eth(skb);
	return VNET_DROP_NONE;
}

/* @frag_off is the offset of the fragment header of a later fragment. */
static enum vnet_drop_reason vnet_reply_ipv6_frag(struct sk_buff *skb,
						  unsigned int nh_off,
						  unsigned int frag_off)
{
	enum vnet_drop_reason reason;
	const struct frag_hdr *fh;

	if (!pskb_may_pull(skb, frag_off + sizeof(*fh)))
		return VNET_DROP_TRUNCATED;
	fh = vnet_at(skb, frag_off);
	if (fh->nexthdr != IPPROTO_ICMPV6)
		return VNET_DROP_UNSUPPORTED;
	/* The first fragment of a multicast echo is not answered either. */
	if (!vnet_ipv6_dst_unicast(skb, nh_off))
		return VNET_DROP_MULTICAST;

	reason = vnet_reflect_ipv6(skb, nh_off);
	vnet_set_rx_csum(skb, false);
	return reason;
}

static enum vnet_drop_reason vnet_reply_echo6(struct vnet_priv *priv,
					      struct sk_buff *skb,
					      unsigned int nh_off,
					      unsigned int l4_off, bool whole)
{
	enum vnet_drop_reason reason;
	struct icmp6hdr *icmp6h;

	if (!vnet_ipv6_dst_unicast(skb, nh_off))
		return VNET_DROP_MULTICAST;

	reason = vnet_finish_csum(skb);
	if (reason != VNET_DROP_NONE)
		return reason;
	if (whole && vnet_icmp6_csum(skb, nh_off, l4_off))
		return VNET_DROP_BAD_CSUM;

	if (skb_ensure_writable(skb, l4_off + sizeof(*icmp6h)))
		return VNET_DROP_NOMEM;

	icmp6h = vnet_at(skb, l4_off);
	vnet_icmp_set_type(&icmp6h->icmp6_type, icmp6h->icmp6_code,
			   &icmp6h->icmp6_cksum, ICMPV6_ECHO_REPLY);
	reason = vnet_reflect_ipv6(skb, nh_off);
	if (reason != VNET_DROP_NONE)
		return reason;

	vnet_set_rx_csum(skb, whole);
	vnet_count_reply(priv, VNET_REPLY_ECHO_V6);
	return VNET_DROP_NONE;
}

/*
 * Make @skb linear, private and exactly @len bytes long, so that a reply of
 * that size can be written over it.
 */
static int vnet_resize(struct sk_buff *skb, unsigned int len)
{
	unsigned int grow;
	int err;

	if (skb->len > len) {
		err = pskb_trim(skb, len);
		if (err)
			return err;
	}

	err = skb_linearize(skb);
	if (err)
		return err;

	grow = len - skb->len;
	/* Room for the growth is all we need; existing tailroom is kept. */
	if (skb_cloned(skb) || skb_tailroom(skb) < grow) {
		err = pskb_expand_head(skb, 0, grow, GFP_ATOMIC);
		if (err)
			return err;
	}
	__skb_put(skb, grow);
	return 0;
}

/*
 * Answer a neighbour solicitation with a solicited advertisement built over
 * it, so that the host learns the far end's link-layer address.
 */
static enum vnet_drop_reason vnet_reply_ns(struct vnet_priv *priv,
					   struct sk_buff *skb,
					   unsigned int nh_off)
{
	unsigned int l4_off = nh_off + sizeof(struct ipv6hdr);
	u8 dst_mac[ETH_ALEN] __aligned(2);
	struct in6_addr target, daddr;
	enum vnet_drop_reason reason;
	struct ipv6hdr *ip6h;
	struct ethhdr *eth;
	struct nd_msg *msg;

	ip6h = vnet_at(skb, nh_off);
	msg = vnet_at(skb, l4_off);
	/* RFC 4861 7.1.1: a hop limit below 255 means it came from off-link. */
	if (ip6h->hop_limit != 255 || msg->icmph.icmp6_code ||
	    skb->len - l4_off < sizeof(*msg))
		return VNET_DROP_MALFORMED;

	reason = vnet_finish_csum(skb);
	if (reason != VNET_DROP_NONE)
		return reason;
	if (vnet_icmp6_csum(skb, nh_off, l4_off))
		return VNET_DROP_BAD_CSUM;

	/* The length was checked: failing here means no memory. */
	if (!pskb_may_pull(skb, l4_off + sizeof(*msg)))
		return VNET_DROP_NOMEM;

	ip6h = vnet_at(skb, nh_off);
	msg = vnet_at(skb, l4_off);
	if (ipv6_addr_is_multicast(&msg->target))
		return VNET_DROP_MALFORMED;
	/* Duplicate address detection: the host must find no one home. */
	if (ipv6_addr_any(&ip6h->saddr))
		return VNET_DROP_DAD;

	/* The head may be reallocated below: keep what the reply needs. */
	target = msg->target;
	daddr = ip6h->saddr;
	eth = vnet_at(skb, 0);
	ether_addr_copy(dst_mac, eth->h_source);

	/* Drops the NS options: the NA carries exactly one of its own. */
	if (vnet_resize(skb, l4_off + VNET_NA_LEN))
		return VNET_DROP_NOMEM;

	/* In-band VLAN tags before nh_off stay: the reply uses the same VLAN. */
	eth = vnet_at(skb, 0);
	ether_addr_copy(eth->h_dest, dst_mac);
	ether_addr_copy(eth->h_source, priv->far_mac);

	ip6h = vnet_at(skb, nh_off);
	ip6_flow_hdr(ip6h, 0, 0);
	ip6h->payload_len = htons(VNET_NA_LEN);
	ip6h->nexthdr = IPPROTO_ICMPV6;
	ip6h->hop_limit = 255;
	ip6h->saddr = target;
	ip6h->daddr = daddr;

	msg = vnet_at(skb, l4_off);
	memset(&msg->icmph, 0, sizeof(msg->icmph));
	msg->icmph.icmp6_type = NDISC_NEIGHBOUR_ADVERTISEMENT;
	msg->icmph.icmp6_solicited = 1;
	/* The owner of the address, for our host; a last resort for others (see VNET_DEFER_MS). */
	msg->icmph.icmp6_override = ether_addr_equal(dst_mac, priv->dev->dev_addr);
	msg->target = target;
	msg->opt[0] = ND_OPT_TARGET_LL_ADDR;
	msg->opt[1] = VNET_ND_OPT_LEN / 8;
	ether_addr_copy(&msg->opt[2], priv->far_mac);
	msg->icmph.icmp6_cksum = csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr,
						 VNET_NA_LEN, IPPROTO_ICMPV6,
						 csum_partial(msg, VNET_NA_LEN,
							      0));

	vnet_set_rx_csum(skb, true);
	VNET_CB(skb)->resolution = true;
	vnet_count_reply(priv, VNET_REPLY_NA);
	return VNET_DROP_NONE;
}

static enum vnet_drop_reason vnet_reply_ipv6(struct vnet_priv *priv,
					     struct sk_buff *skb,
					     unsigned int nh_off)
{
	unsigned int end = nh_off + sizeof(struct ipv6hdr);
	const struct icmp6hdr *icmp6h;
	const struct ipv6hdr *ip6h;
	unsigned int l4_off;
	__be16 frag_off;
	u8 nexthdr;
	int off;

	if (!pskb_may_pull(skb, end))
		return VNET_DROP_TRUNCATED;
	ip6h = vnet_at(skb, nh_off);
	if (ip6h->version != 6)
		return VNET_DROP_MALFORMED;

	end += ntohs(ip6h->payload_len);
	if (end > skb->len)
		return VNET_DROP_TRUNCATED;
	/* Short frames are padded on the wire; the padding is not ours. */
	if (pskb_trim_rcsum(skb, end))
		return VNET_DROP_NOMEM;

	/*
	 * ipv6_skip_exthdr() reads through skb_header_pointer(), and stops at
	 * the fragment header of a later fragment, returning its offset.
	 * It returns -1 when a header is cut short, or for NEXTHDR_NONE.
	 */
	ip6h = vnet_at(skb, nh_off);
	nexthdr = ip6h->nexthdr;
	off = ipv6_skip_exthdr(skb, nh_off + sizeof(*ip6h), &nexthdr, &frag_off);
	if (off < 0)
		return VNET_DROP_TRUNCATED;
	l4_off = off;
	if (frag_off & htons(IP6_OFFSET))
		return vnet_reply_ipv6_frag(skb, nh_off, l4_off);
	if (nexthdr != IPPROTO_ICMPV6)
		return VNET_DROP_UNSUPPORTED;

	if (!pskb_may_pull(skb, l4_off + sizeof(*icmp6h)))
		return VNET_DROP_TRUNCATED;
	icmp6h = vnet_at(skb, l4_off);

	switch (icmp6h->icmp6_type) {
	case ICMPV6_ECHO_REQUEST:
		return vnet_reply_echo6(priv, skb, nh_off, l4_off,
					!(frag_off & htons(IP6_MF)));
	case NDISC_NEIGHBOUR_SOLICITATION:
		/* Neighbour discovery never travels behind extension headers. */
		if (l4_off != nh_off + sizeof(*ip6h))
			return VNET_DROP_UNSUPPORTED;
		return vnet_reply_ns(priv, skb, nh_off);
	default:
		return VNET_DROP_UNSUPPORTED;
	}
}

/* Turn @skb into the far end's answer, or say why there is none. */
static enum vnet_drop_reason vnet_respond(struct vnet_priv *priv,
					  struct sk_buff *skb)
{
	unsigned int nh_off = ETH_HLEN;
	const struct ethhdr *eth;
	__be16 proto;
	int i;

	if (!pskb_may_pull(skb, ETH_HLEN))
		return VNET_DROP_TRUNCATED;
	eth = vnet_at(skb, 0);
	proto = eth->h_proto;

	/*
	 * In-band tags stay in place so that the reply travels on the same
	 * VLAN; an accelerated tag simply stays in skb->vlan_tci.
	 */
	for (i = 0; i < VNET_MAX_VLAN_TAGS && eth_type_vlan(proto); i++) {
		const struct vlan_hdr *vh;

		if (!pskb_may_pull(skb, nh_off + VLAN_HLEN))
			return VNET_DROP_TRUNCATED;
		vh = vnet_at(skb, nh_off);
		proto = vh->h_vlan_encapsulated_proto;
		nh_off += VLAN_HLEN;
	}

	switch (proto) {
	case htons(ETH_P_ARP):
		return vnet_reply_arp(priv, skb, nh_off);
	case htons(ETH_P_IP):
		return vnet_reply_ipv4(priv, skb, nh_off);
	case htons(ETH_P_IPV6):
		return vnet_reply_ipv6(priv, skb, nh_off);
	default:
		return VNET_DROP_UNSUPPORTED;
	}
}

/* Receive the reply as if it had come in from the wire. */
static void vnet_deliver(struct net_device *dev, struct vdev_pcpu_ctrs __percpu *stats,
			 struct sk_buff *skb)
{
	unsigned int len;
	int ret;

	/* Socket memory and tx metadata belong to the request, not the reply. */
	skb_orphan(skb);
	skb_scrub_packet(skb, true);
	/*
	 * skb_scrub_packet() keeps a mono delivery time (EDT from fq or
	 * SO_TXTIME); left set, it would stop netif_rx() from stamping the
	 * reply and ping would compute its RTT from the wrong time.
	 */
	skb_set_delivery_time(skb, 0, false);
	skb->priority = 0;

	/*
	 * Received on the queue of the number it was sent on (wrapped): its
	 * queue_mapping is still the transmit queue, which RPS would read as a
	 * receive queue, and warn about when beyond the real ones.
	 */
	skb_record_rx_queue(skb, skb_get_queue_mapping(skb) % dev->real_num_rx_queues);

	len = skb->len;
	skb->protocol = eth_type_trans(skb, dev);
	ret = netif_rx(skb);

	if (ret == NET_RX_SUCCESS)
		vdev_ctr_frame(stats, VNET_RX_PACKETS, len);
	else
		vdev_ctr_inc(stats, VNET_RX_DROPPED);
}

/*
 * Queues an answer to another host's request; see VNET_DEFER_MS. The queue's
 * lock also orders the timer's arming (transmit has BH off, the timer runs
 * in softirq: a plain spin_lock serves both).
 *
 * Transmit can outlive ndo_stop: an AF_PACKET socket with PACKET_QDISC_BYPASS
 * reaches ndo_start_xmit through __dev_direct_xmit(), which tests
 * netif_running() before it disables BH, so the close's synchronize_net()
 * does not wait for it. Hence the test again under the lock, which
 * vnet_defer_stop() takes after the core cleared __LINK_STATE_START.
 */
static void vnet_defer(struct vnet_priv *priv, struct sk_buff *skb)
{
	struct sk_buff_head *q = &priv->deferred;

	spin_lock(&q->lock);
	if (unlikely(!netif_running(priv->dev))) {
		/* The link is gone: the answer is lost on the way, not dropped by us. */
		spin_unlock(&q->lock);
		consume_skb(skb);
		return;
	}
	if (skb_queue_len(q) >= VNET_DEFER_QLEN) {
		spin_unlock(&q->lock);
		vdev_ctr_inc(priv->stats, VNET_RX_DROPPED);
		kfree_skb(skb);
		return;
	}
	VNET_CB(skb)->due = jiffies + msecs_to_jiffies(VNET_DEFER_MS);
	__skb_queue_tail(q, skb);
	if (!hrtimer_is_queued(&priv->defer_timer))
		hrtimer_start(&priv->defer_timer, ms_to_ktime(VNET_DEFER_MS),
			      HRTIMER_MODE_REL_SOFT);
	spin_unlock(&q->lock);
}

/* Delivers the answers that are due and arms itself again for the next one. */
static enum hrtimer_restart vnet_defer_fire(struct hrtimer *timer)
{
	struct vnet_priv *priv = container_of(timer, struct vnet_priv, defer_timer);
	struct sk_buff_head *q = &priv->deferred;
	struct sk_buff_head due;
	struct sk_buff *skb;

	__skb_queue_head_init(&due);
	spin_lock(&q->lock);
	while ((skb = skb_peek(q))) {
		long wait = (long)(VNET_CB(skb)->due - jiffies);

		if (wait > 0) {
			hrtimer_start(timer, ms_to_ktime(jiffies_to_msecs(wait)),
				      HRTIMER_MODE_REL_SOFT);
			break;
		}
		__skb_unlink(skb, q);
		__skb_queue_tail(&due, skb);
	}
	spin_unlock(&q->lock);

	while ((skb = __skb_dequeue(&due)))
		vnet_deliver(priv->dev, priv->stats, skb);
	return HRTIMER_NORESTART;
}

/*
 * Empties the queue and stops the timer for good: called once the device is
 * no longer running (ndo_stop, ndo_uninit), when vnet_defer() queues nothing.
 */
static void vnet_defer_stop(struct vnet_priv *priv)
{
	struct sk_buff_head *q = &priv->deferred;
	struct sk_buff_head stale;

	__skb_queue_head_init(&stale);
	spin_lock_bh(&q->lock);
	skb_queue_splice_init(q, &stale);
	spin_unlock_bh(&q->lock);
	/* The queue is empty and stays so: a running callback cannot re-arm it. */
	hrtimer_cancel(&priv->defer_timer);
	__skb_queue_purge(&stale);
}

static netdev_tx_t vnet_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct vnet_priv *priv = netdev_priv(dev);
	enum vnet_drop_reason reason;

	/* The wire takes every frame, whether or not the far end answers. */
	vdev_ctr_frame(priv->stats, VNET_TX_PACKETS, skb->len);

	/* Before skb_share_check(): a clone has no socket to report to. */
	skb_tx_timestamp(skb);

	/* The reply reuses the request's buffer, so it must be ours alone. */
	skb = skb_share_check(skb, GFP_ATOMIC);
	if (!skb) {
		vdev_ctr_inc(priv->stats, VNET_DROPS + VNET_DROP_NOMEM);
		return NETDEV_TX_OK;
	}

	/*
	 * Zerocopy pages stay writable by the sender: copy them before
	 * checksums are verified over them, and before they can reach the
	 * receive path.
	 */
	VNET_CB(skb)->resolution = false;
	if (skb_orphan_frags_rx(skb, GFP_ATOMIC))
		reason = VNET_DROP_NOMEM;
	else
		reason = vnet_respond(priv, skb);

	if (reason == VNET_DROP_NONE) {
		if (VNET_CB(skb)->resolution &&
		    !ether_addr_equal(((struct ethhdr *)skb->data)->h_dest, dev->dev_addr))
			vnet_defer(priv, skb);
		else
			vnet_deliver(dev, priv->stats, skb);
		return NETDEV_TX_OK;
	}

	vdev_ctr_inc(priv->stats, VNET_DROPS + reason);
	/*
	 * Only our own failure is a drop; anything else was carried by the
	 * wire and ignored by the far end, as a real host would.
	 */
	if (reason == VNET_DROP_NOMEM)
		kfree_skb_reason(skb, SKB_DROP_REASON_NOMEM);
	else
		consume_skb(skb);
	return NETDEV_TX_OK;
}

/*
 * net_device ops
 */

static int vnet_open(struct net_device *dev)
{
	netif_carrier_on(dev);
	return 0;
}

static int vnet_close(struct net_device *dev)
{
	struct vnet_priv *priv = netdev_priv(dev);

	netif_carrier_off(dev);
	vnet_defer_stop(priv);
	return 0;
}

static void vnet_get_stats64(struct net_device *dev,
			     struct rtnl_link_stats64 *tot)
{
	struct vnet_priv *priv = netdev_priv(dev);
	u64 sum[VNET_NUM_CTRS];

	vdev_ctrs_sum(priv->stats, VNET_NUM_CTRS, sum);
	tot->tx_packets = sum[VNET_TX_PACKETS];
	tot->tx_bytes = sum[VNET_TX_BYTES];
	tot->tx_dropped = sum[VNET_DROPS + VNET_DROP_NOMEM];
	tot->rx_packets = sum[VNET_RX_PACKETS];
	tot->rx_bytes = sum[VNET_RX_BYTES];
	tot->rx_dropped = sum[VNET_RX_DROPPED];
}

/* Two ends with one address would make the replies look like our own frames. */
static void vnet_pick_far_mac(struct net_device *dev)
{
	struct vnet_priv *priv = netdev_priv(dev);

	do {
		eth_random_addr(priv->far_mac);
	} while (ether_addr_equal(priv->far_mac, dev->dev_addr));
}

static int vnet_set_mac_address(struct net_device *dev, void *p)
{
	struct vnet_priv *priv = netdev_priv(dev);
	const struct sockaddr *addr = p;

	if (ether_addr_equal((const u8 *)addr->sa_data, priv->far_mac))
		return -EADDRNOTAVAIL;
	return eth_mac_addr(dev, p);
}

static int vnet_dev_init(struct net_device *dev)
{
	struct vnet_priv *priv = netdev_priv(dev);

	priv->stats = vdev_ctrs_alloc(VNET_NUM_CTRS);
	if (!priv->stats)
		return -ENOMEM;
	priv->dev = dev;
	skb_queue_head_init(&priv->deferred);
	spin_lock_init(&priv->frags_lock);
	hrtimer_init(&priv->defer_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	priv->defer_timer.function = vnet_defer_fire;

	/* IFLA_ADDRESS is applied after vnet_setup() chose the far end. */
	if (ether_addr_equal(priv->far_mac, dev->dev_addr))
		vnet_pick_far_mac(dev);
	return 0;
}

/*
 * Unregistering, or a register_netdevice() that failed after ndo_init. No
 * answer or timer may outlive this point (the device is freed next, the
 * module may be unloaded), whatever ndo_stop left. The counters stay until
 * vnet_dev_free(): a bypassing transmit can still run.
 */
static void vnet_dev_uninit(struct net_device *dev)
{
	vnet_defer_stop(netdev_priv(dev));
}

/*
 * Runs after the last reference is gone, and also when register_netdevice()
 * fails after a successful ndo_init.
 */
static void vnet_dev_free(struct net_device *dev)
{
	struct vnet_priv *priv = netdev_priv(dev);

	free_percpu(priv->stats);
	priv->stats = NULL;
}

static const struct net_device_ops vnet_netdev_ops = {
	.ndo_init		= vnet_dev_init,
	.ndo_uninit		= vnet_dev_uninit,
	.ndo_open		= vnet_open,
	.ndo_stop		= vnet_close,
	.ndo_start_xmit		= vnet_xmit,
	.ndo_get_stats64	= vnet_get_stats64,
	.ndo_set_mac_address	= vnet_set_mac_address,
	.ndo_validate_addr	= eth_validate_addr,
};

static void vnet_setup(struct net_device *dev)
{
	ether_setup(dev);

	dev->netdev_ops = &vnet_netdev_ops;
	dev->ethtool_ops = &vnet_ethtool_ops;
	dev->needs_free_netdev = true;
	dev->priv_destructor = vnet_dev_free;

	/* The request's buffer becomes the reply: it cannot be shared. */
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	dev->priv_flags |= IFF_NO_QUEUE | IFF_LIVE_ADDR_CHANGE;

	dev->features |= VNET_FEATURES;
	vdev_set_lltx(dev);
	dev->hw_features |= VNET_FEATURES;
	/* A VLAN device cannot offload its tag a second time. */
	dev->vlan_features |= VNET_FEATURES &
			      ~(NETIF_F_HW_VLAN_CTAG_TX | NETIF_F_HW_VLAN_STAG_TX);

	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = ETH_MAX_MTU;

	eth_hw_addr_random(dev);
	vnet_pick_far_mac(dev);

	/* No cable until the device is opened. */
	netif_carrier_off(dev);
}

/*
 * rtnl link ops
 */

static int vnet_validate(struct nlattr *tb[], struct nlattr *data[],
			 struct netlink_ext_ack *extack)
{
	return vdev_validate_address(tb, extack);
}

/* The core calls this only for a message with IFLA_INFO_DATA: vnet has none. */
static int vnet_changelink(struct net_device *dev, struct nlattr *tb[], struct nlattr *data[],
			   struct netlink_ext_ack *extack)
{
	NL_SET_ERR_MSG_MOD(extack, "vnet has no attributes");
	return -EOPNOTSUPP;
}

static struct rtnl_link_ops vnet_link_ops __read_mostly = {
	.kind		= VNET_DRV_NAME,
	.priv_size	= sizeof(struct vnet_priv),
	.setup		= vnet_setup,
	.validate	= vnet_validate,
	.changelink	= vnet_changelink,
};

/*
 * init/exit
 */

static int __init vnet_init_one(void)
{
	struct net_device *dev;
	int err;

	dev = alloc_netdev(sizeof(struct vnet_priv), VNET_DRV_NAME "%d",
			   NET_NAME_ENUM, vnet_setup);
	if (!dev)
		return -ENOMEM;

	/* Lets rtnl_link_unregister() delete it with the rest at unload. */
	dev->rtnl_link_ops = &vnet_link_ops;
	err = register_netdevice(dev);
	if (err < 0)
		free_netdev(dev);
	return err;
}

static int __init vnet_init(void)
{
	int i, err;

	/*
	 * Registering the kind and creating the devices under the same locks
	 * lets a failure remove them all again, as dummy does.
	 */
	down_write(&pernet_ops_rwsem);
	rtnl_lock();
	err = __rtnl_link_register(&vnet_link_ops);
	if (err < 0)
		goto out;

	for (i = 0; i < vnet_numdevs && !err; i++) {
		err = vnet_init_one();
		cond_resched();
	}
	if (err < 0)
		__rtnl_link_unregister(&vnet_link_ops);

out:
	rtnl_unlock();
	up_write(&pernet_ops_rwsem);
	return err;
}

static void __exit vnet_exit(void)
{
	/* Deletes every vnet device, in every netns, however it was made. */
	rtnl_link_unregister(&vnet_link_ops);
}

module_init(vnet_init);
module_exit(vnet_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Virtual Ethernet NIC answered by a built-in far-end host");
MODULE_VERSION(VNET_DRV_VERSION);
MODULE_ALIAS_RTNL_LINK(VNET_DRV_NAME);
