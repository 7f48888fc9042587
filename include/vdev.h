/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the drivers share: per-CPU counters, the link settings of a virtual
 * wire, and what differs between the kernels they build for (Debian's 6.1
 * and 6.12).
 */
#ifndef _VDEV_H
#define _VDEV_H

#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/netdevice.h>
#include <linux/overflow.h>
#include <linux/percpu.h>
#include <linux/u64_stats_sync.h>

#include <net/netlink.h>

/*
 * Per-CPU 64-bit counters: an array behind one syncp, so that a driver names
 * its counters with an enum and adds them all up in one loop.
 */
struct vdev_pcpu_ctrs {
	struct u64_stats_sync	syncp;
	u64_stats_t		ctr[];
};

static inline struct vdev_pcpu_ctrs __percpu *vdev_ctrs_alloc(unsigned int n)
{
	struct vdev_pcpu_ctrs __percpu *ctrs;
	int cpu;

	ctrs = __alloc_percpu(struct_size((struct vdev_pcpu_ctrs *)NULL, ctr, n),
			      __alignof__(struct vdev_pcpu_ctrs));
	if (ctrs)
		for_each_possible_cpu(cpu)
			u64_stats_init(&per_cpu_ptr(ctrs, cpu)->syncp);
	return ctrs;
}

/* Adds @v to counter @i of this CPU; callers run with BH off (softirqs write them too). */
static inline void vdev_ctr_add(struct vdev_pcpu_ctrs __percpu *ctrs, unsigned int i, u64 v)
{
	struct vdev_pcpu_ctrs *c = this_cpu_ptr(ctrs);

	u64_stats_update_begin(&c->syncp);
	u64_stats_add(&c->ctr[i], v);
	u64_stats_update_end(&c->syncp);
}

static inline void vdev_ctr_inc(struct vdev_pcpu_ctrs __percpu *ctrs, unsigned int i)
{
	vdev_ctr_add(ctrs, i, 1);
}

/* A frame of @len bytes: counter @packets and the one after it, its bytes. */
static inline void vdev_ctr_frame(struct vdev_pcpu_ctrs __percpu *ctrs, unsigned int packets,
				  unsigned int len)
{
	struct vdev_pcpu_ctrs *c = this_cpu_ptr(ctrs);

	u64_stats_update_begin(&c->syncp);
	u64_stats_inc(&c->ctr[packets]);
	u64_stats_add(&c->ctr[packets + 1], len);
	u64_stats_update_end(&c->syncp);
}

/* @sum[0 .. @n - 1]: counters @first .. @first + @n - 1 of every CPU added up. */
static inline void vdev_ctrs_sum_range(const struct vdev_pcpu_ctrs __percpu *ctrs,
				       unsigned int first, unsigned int n, u64 *sum)
{
	unsigned int i, start;
	int cpu;

	memset(sum, 0, n * sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct vdev_pcpu_ctrs *c = per_cpu_ptr(ctrs, cpu);

		for (i = 0; i < n; i++) {
			u64 v;

			do {
				start = u64_stats_fetch_begin(&c->syncp);
				v = u64_stats_read(&c->ctr[first + i]);
			} while (u64_stats_fetch_retry(&c->syncp, start));
			sum[i] += v;
		}
	}
}

/* @sum[0 .. @n - 1]: the counters of every CPU added up. */
static inline void vdev_ctrs_sum(const struct vdev_pcpu_ctrs __percpu *ctrs, unsigned int n,
				 u64 *sum)
{
	vdev_ctrs_sum_range(ctrs, 0, n, sum);
}

/* An IFLA_ADDRESS given at creation: six bytes, a unicast address, not zero. */
static inline int vdev_validate_address(struct nlattr *tb[], struct netlink_ext_ack *extack)
{
	if (!tb[IFLA_ADDRESS])
		return 0;
	if (nla_len(tb[IFLA_ADDRESS]) != ETH_ALEN) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_ADDRESS], "address must be 6 bytes");
		return -EINVAL;
	}
	if (!is_valid_ether_addr(nla_data(tb[IFLA_ADDRESS]))) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_ADDRESS], "address must be unicast");
		return -EADDRNOTAVAIL;
	}
	return 0;
}

/* A virtual wire reports what veth does: 10 Gb/s, full duplex. */
static inline int vdev_get_link_ksettings(struct net_device *dev,
					  struct ethtool_link_ksettings *cmd)
{
	cmd->base.speed = SPEED_10000;
	cmd->base.duplex = DUPLEX_FULL;
	cmd->base.port = PORT_TP;
	cmd->base.autoneg = AUTONEG_DISABLE;
	return 0;
}

/* Lockless transmit (per-CPU state only): a feature bit until 6.11, a flag since. */
static inline void vdev_set_lltx(struct net_device *dev)
{
#ifdef NETIF_F_LLTX
	dev->features |= NETIF_F_LLTX;
#else
	dev->lltx = true;
#endif
}

/* The device cannot change namespace: a feature bit until 6.11, netns_immutable since. */
static inline void vdev_set_netns_local(struct net_device *dev)
{
#ifdef NETIF_F_NETNS_LOCAL
	dev->features |= NETIF_F_NETNS_LOCAL;
#else
	dev->netns_immutable = true;
#endif
}

/*
 * The XDP actions a device implements, as the netdev family reports them
 * (NETDEV_XDP_ACT_*, since 6.3; 6.1 has no such report and no such checks).
 */
#ifdef NETDEV_FAMILY_NAME
#define vdev_xdp_set_features(dev, acts)	xdp_set_features_flag(dev, acts)
#else
#define vdev_xdp_set_features(dev, acts)	do { } while (0)
#endif

#endif /* _VDEV_H */
