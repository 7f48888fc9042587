/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The datapath: its ports, its forwarding database and its counters. One
 * lives in the private area of each switch's internal device (sw0).
 */
#ifndef _VSW_DATAPATH_H
#define _VSW_DATAPATH_H

#include <linux/bitmap.h>
#include <linux/netdevice.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "flow.h"
#include "flow_table.h"
#include "vport.h"

#define VSW_DRV_NAME		"vswitch"
#define VSW_DRV_VERSION		"1.0"
#define VSW_MAX_PORTS		1024	/* vport.c's refusal says so */
#define VSW_FDB_BITS		10
#define VSW_FDB_MAX_ENTRIES	8192
#define VSW_AGEING_DEFAULT	300	/* seconds, as the Linux bridge */
#define VSW_AGEING_MIN		10
#define VSW_AGEING_MAX		1000000

/* Why the datapath dropped a frame; ethtool -S sw0 shows drop_<name>. */
enum vsw_drop {
	VSW_DROP_INVALID,	/* no whole Ethernet header, or a multicast source MAC */
	VSW_DROP_SAME_PORT,	/* its destination was learned on the port it came in on */
	VSW_DROP_LOOP,		/* nested too deep in datapaths: a loop through internal ports */
	VSW_DROP_MTU,		/* larger than the egress port's MTU */
	VSW_DROP_PORT_DOWN,	/* the egress port's device is down */
	VSW_DROP_NOMEM,		/* no memory for a copy while flooding */
	VSW_DROP_LRO,		/* merged by LRO on its port: its segments are lost */
	VSW_DROP_NO_PORT,	/* a flow's output to a port number that has no port */
	VSW_DROP_NO_FLOW,	/* recirculated, and no flow for the new recirc_id */
	VSW_DROP_METER,		/* over a flow's meter's rate (the meter action) */
	VSW_DROP_MAX
};

/* The datapath's per-CPU counters (include/vdev.h), by index. */
enum vsw_dp_ctr {
	VSW_DP_PROCESSED,	/* frames that entered the datapath */
	VSW_DP_FLOODED,		/* of those, sent to every other port */
	VSW_DP_LEARNED,		/* new forwarding database entries */
	VSW_DP_MOVED,		/* entries that moved to another port */
	VSW_DP_FDB_FULL,	/* MACs not learned: database full */
	VSW_DP_LINK_LOCAL,	/* to 01:80:c2:00:00:01..0f: dropped or left to the port's stack */
	VSW_DP_FLOW_HIT,	/* frames a flow matched */
	VSW_DP_FLOW_MISSED,	/* frames no flow matched (to the learning switch) */
	VSW_DP_MASK_HIT,	/* masks probed for the frames that hit */
	VSW_DP_CACHE_HIT,	/* hits on the first probe, the per-CPU mask cache's */
	VSW_DP_LOST,		/* upcalls that could not be sent */
	VSW_DP_DROPS,		/* + enum vsw_drop */
	VSW_DP_NUM_CTRS = VSW_DP_DROPS + VSW_DROP_MAX
};

/* What the user made of an entry (bridge fdb add); a learned one has none. */
#define VSW_FDB_STATIC		BIT(0)	/* never ages */
#define VSW_FDB_PERMANENT	BIT(1)	/* never ages, never moves */
#define VSW_FDB_STICKY		BIT(2)	/* learning does not move it to another port */

struct vsw_fdb_entry {
	struct hlist_node	hnode;
	struct rcu_head		rcu;
	/* Written locklessly on a MAC move; the port outlives its entries. */
	struct vsw_vport	*port;
	unsigned long		updated;	/* jiffies when last seen as a source */
	unsigned long		used;		/* jiffies when last looked up as a destination */
	u8			mac[ETH_ALEN];
	u16			vid;
	u8			flags;		/* VSW_FDB_*, written under the lock */
};

/* Keyed by {MAC, VLAN}; readers under RCU, writers under @lock. */
struct vsw_fdb {
	spinlock_t		lock;		/* writers: learning, bridge fdb, ageing, flush */
	unsigned int		count;		/* written under @lock, read without */
	unsigned long		ageing;		/* jiffies */
	u32			seed;
	struct delayed_work	gc;
	struct hlist_head	table[1 << VSW_FDB_BITS];
};

struct vsw_dp {
	struct net_device	*dev;		/* the internal device */
	struct vsw_vport __rcu	*internal;	/* port 0 */
	struct list_head	ports;		/* RCU readers, RTNL writers */
	unsigned int		nports;
	u32			user_features;	/* OVS_DP_F_*, set through ovs_datapath (RTNL) */
	bool			mtu_set_by_user;	/* else it follows the ports' (RTNL) */
	DECLARE_BITMAP(port_nos, VSW_MAX_PORTS);
	struct vsw_vport __rcu	*vports[VSW_MAX_PORTS];	/* by port number */
	struct vsw_fdb		fdb;
	struct vsw_flow_table	table;
	struct xarray		meters;		/* struct vsw_meter by id (meter.c) */
	unsigned int		nmeters;
	struct vdev_pcpu_ctrs __percpu *stats;	/* enum vsw_dp_ctr */
};

int vsw_dp_init(struct net_device *dev);
void vsw_dp_uninit(struct net_device *dev);
void vsw_dp_free(struct net_device *dev);
void vsw_dp_process(struct vsw_vport *in, struct sk_buff *skb);
void vsw_dp_run(struct vsw_dp *dp, struct sk_buff *skb, struct vsw_vport *in,
		const struct vsw_flow_key *key, const struct vsw_pkt_meta *meta);
void vsw_dp_recirc(struct vsw_dp *dp, struct sk_buff *skb, struct vsw_vport *in,
		   const struct vsw_pkt_meta *meta);
void vsw_dp_count_drop(struct vsw_dp *dp, enum vsw_drop reason);
void vsw_dp_mtu_auto_adjust(struct vsw_dp *dp);
struct vsw_dp *vsw_dp_create(struct net *net, const char *name, int ifindex,
			     struct netlink_ext_ack *extack);
void vsw_dp_destroy(struct vsw_dp *dp);

/* The port numbered @port_no, or NULL: RCU or RTNL held. */
static inline struct vsw_vport *vsw_dp_vport(const struct vsw_dp *dp, u32 port_no)
{
	return port_no < VSW_MAX_PORTS ? rcu_dereference_rtnl(dp->vports[port_no]) : NULL;
}

/* dp_netlink.c: the Open vSwitch datapath families (ovs-dpctl, ovs-vswitchd) */
int vsw_genl_init(void);
void vsw_genl_exit(void);
struct genl_info;
struct ovs_header;
/* as upstream: lenient validation (OVS sets no NLA_F_NESTED) */
#define VSW_GENL_LENIENT	(GENL_DONT_VALIDATE_STRICT | GENL_DONT_VALIDATE_DUMP)
struct ovs_header *vsw_ovs_header(const struct genl_info *info);
struct vsw_dp *vsw_genl_dp(struct net *net, const struct ovs_header *ovs_header,
			   const struct nlattr *name);
/* meter.c: the ovs_meter family and the meter action */
extern struct genl_family vsw_meter_family;
void vsw_meters_init(struct vsw_dp *dp);
void vsw_meters_destroy(struct vsw_dp *dp);
bool vsw_meter_drops(struct vsw_dp *dp, struct sk_buff *skb, u32 id);
void vsw_genl_vport_notify(struct vsw_vport *vport, u8 cmd);
/* What goes up with a frame (upstream's dp_upcall_info). */
struct vsw_upcall {
	u8			cmd;		/* OVS_PACKET_CMD_MISS or _ACTION */
	u32			pid;		/* the listener */
	const struct nlattr	*userdata;	/* the userspace action's USERDATA, echoed */
	const struct nlattr	*actions;	/* with its ACTIONS flag: the list it is in */
	int			actions_len;
	u32			cutlen;		/* a trunc before the userspace action */
};

int vsw_dp_upcall(struct vsw_dp *dp, struct sk_buff *skb, const struct vsw_mkey *key,
		  const struct vsw_upcall *up);
void vsw_dp_execute(struct vsw_dp *dp, struct sk_buff *skb, struct vsw_vport *in,
		    const struct vsw_flow_key *key, const struct vsw_pkt_meta *meta,
		    const struct vsw_actions *acts);

/* fdb.c: the built-in learning switch ("normal") */
int vsw_fdb_init(struct vsw_dp *dp);
void vsw_fdb_destroy(struct vsw_dp *dp);
void vsw_fdb_flush_port(struct vsw_dp *dp, const struct vsw_vport *port);
void vsw_normal(struct vsw_dp *dp, struct sk_buff *skb, const struct vsw_flow_key *key,
		struct vsw_vport *in);
int vsw_fdb_add(struct ndmsg *ndm, struct nlattr *tb[], struct net_device *dev,
		const unsigned char *addr, u16 vid, u16 nlflags, struct netlink_ext_ack *extack);
int vsw_fdb_del(struct ndmsg *ndm, struct nlattr *tb[], struct net_device *dev,
		const unsigned char *addr, u16 vid, struct netlink_ext_ack *extack);
int vsw_fdb_dump(struct sk_buff *skb, struct netlink_callback *cb, struct net_device *dev,
		 struct net_device *filter_dev, int *idx);
int vsw_fdb_get(struct sk_buff *skb, struct nlattr *tb[], struct net_device *dev,
		const unsigned char *addr, u16 vid, u32 portid, u32 seq,
		struct netlink_ext_ack *extack);

extern const struct ethtool_ops vsw_dp_ethtool_ops;

/* vport-internal.c: the switch's own device */
void vsw_internal_setup(struct net_device *dev);
bool vsw_is_internal_dev(const struct net_device *dev);
static inline struct vsw_dp *vsw_internal_dp(const struct net_device *dev)
{
	return netdev_priv(dev);
}

#endif /* _VSW_DATAPATH_H */
