/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the kernels the drivers build for (Debian's 6.1 and 6.12), in one place.
 */
#ifndef _VDEV_COMPAT_H
#define _VDEV_COMPAT_H

#include <linux/netdevice.h>

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

#endif /* _VDEV_COMPAT_H */
