/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vport contract: a port of the datapath, whatever is behind it. The
 * datapath only calls vsw_vport_send() and receives through
 * vsw_vport_receive(); a port type is one vsw_vport_ops and one file.
 */
#ifndef _VSW_VPORT_H
#define _VSW_VPORT_H

#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>

#include <vdev.h>

struct vsw_dp;
struct vsw_vport;

enum vsw_vport_type {
	VSW_VPORT_INTERNAL,	/* the switch's own device: sw0 */
	VSW_VPORT_NETDEV,	/* an existing Ethernet device: ip link set DEV master sw0 */
	VSW_VPORT_INTPORT,	/* another internal port, a device of its own (vport-intport.c) */
};

struct vsw_vport_ops {
	enum vsw_vport_type	type;
	/* Ties @vport (port_no, dp, dev set) to its device; undone by destroy. RTNL held. */
	int	(*create)(struct vsw_vport *vport, struct netlink_ext_ack *extack);
	/* Unties it; no new frame enters from it afterwards. RTNL held. */
	void	(*destroy)(struct vsw_vport *vport);
	/* Takes the frame (data at the Ethernet header) out of the port; consumes @skb. */
	void	(*send)(struct vsw_vport *vport, struct sk_buff *skb);
};

/* A port's per-CPU counters (include/vdev.h), by index. */
enum vsw_port_ctr {
	VSW_PORT_RX_PACKETS,	/* entered the datapath from this port */
	VSW_PORT_RX_BYTES,
	VSW_PORT_TX_PACKETS,	/* left the datapath through it */
	VSW_PORT_TX_BYTES,
	VSW_PORT_TX_DROPPED,	/* bound for it, but too big or the port down */
	VSW_PORT_NUM_CTRS
};

struct vsw_vport {
	struct list_head		node;		/* in dp->ports: RCU, written under RTNL */
	struct vsw_dp			*dp;
	struct net_device		*dev;
	netdevice_tracker		dev_tracker;	/* a netdev port's hold on @dev */
	u32				port_no;	/* 0 is the internal port */
	u32				upcall_pid;	/* netlink port for misses, or 0 (RTNL) */
	const struct vsw_vport_ops	*ops;
	struct vdev_pcpu_ctrs __percpu	*stats;	/* enum vsw_port_ctr */
	struct rcu_head			rcu;
};

/* @port_no: the number wanted, or VSW_PORT_ANY for the lowest free one. */
#define VSW_PORT_ANY	U32_MAX
struct vsw_vport *vsw_vport_add(struct vsw_dp *dp, const struct vsw_vport_ops *ops,
				struct net_device *dev, u32 port_no, u32 upcall_pid,
				struct netlink_ext_ack *extack);
void vsw_vport_del(struct vsw_vport *vport);
void vsw_vport_receive(struct vsw_vport *vport, struct sk_buff *skb);
void vsw_vport_send(struct vsw_vport *vport, struct sk_buff *skb);

extern const struct vsw_vport_ops vsw_netdev_vport_ops;
extern const struct vsw_vport_ops vsw_internal_vport_ops;
extern const struct vsw_vport_ops vsw_intport_vport_ops;

static inline bool vsw_vport_is_internal(const struct vsw_vport *vport)
{
	return vport->ops->type == VSW_VPORT_INTERNAL;
}

/* The vport behind a netdev port's device, or NULL: RTNL or RCU held. */
struct vsw_vport *vsw_netdev_vport(const struct net_device *dev);
/* vport-internal.c: what port 0 and the other internal ports share */
int vsw_internal_open(struct net_device *dev);
int vsw_internal_stop(struct net_device *dev);
void vsw_internal_port_stats(const struct vsw_vport *vport, struct rtnl_link_stats64 *stats);
void vsw_internal_send(struct vsw_vport *vport, struct sk_buff *skb);
/* vport-intport.c */
struct vsw_vport *vsw_intport_vport(const struct net_device *dev);
struct net_device *vsw_intport_dev_create(struct net *net, const char *name,
					  struct netlink_ext_ack *extack);
void vsw_intport_dev_destroy(struct net_device *dev);

/* Port 0, or another internal port: OVS_VPORT_TYPE_INTERNAL */
static inline bool vsw_vport_ovs_internal(const struct vsw_vport *vport)
{
	return vport->ops->type != VSW_VPORT_NETDEV;
}

#endif /* _VSW_VPORT_H */
