/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vswitch: a vport/flow datapath. Netlink attributes of the "vswitch" link
 * kind (IFLA_LINKINFO / IFLA_INFO_DATA of the switch's internal device),
 * shared by the module and the iproute2 plugin (link_vswitch.so).
 */
#ifndef _UAPI_LINUX_VSWITCH_H
#define _UAPI_LINUX_VSWITCH_H

enum {
	VSW_INFO_UNSPEC,
	VSW_INFO_AGEING_TIME,	/* u32 seconds (10..1000000): create, change and dump */
	VSW_INFO_FDB_COUNT,	/* u32, dump only: entries in the forwarding database */
	VSW_INFO_FDB_MAX,	/* u32, dump only: how many entries the database holds at most */
	VSW_INFO_FDB_UNUSED,	/* refused; the entries are in `bridge fdb show dev sw0` */
	VSW_INFO_PORTS,		/* u32, dump only: attached ports, the internal one included */
	__VSW_INFO_MAX
};

#define VSW_INFO_MAX (__VSW_INFO_MAX - 1)

#endif /* _UAPI_LINUX_VSWITCH_H */
