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
	VSW_INFO_FDB_COUNT,	/* u32, dump only: learned entries in the forwarding database */
	VSW_INFO_FDB_MAX,	/* u32, dump only: how many entries the database holds at most */
	VSW_INFO_FDB,		/* nest of VSW_FDB_ENTRY, dump only (the first VSW_FDB_DUMP_MAX) */
	VSW_INFO_PORTS,		/* u32, dump only: attached ports, the internal one included */
	__VSW_INFO_MAX
};

#define VSW_INFO_MAX (__VSW_INFO_MAX - 1)

/* One forwarding database entry, nested in VSW_INFO_FDB as VSW_FDB_ENTRY. */
enum {
	VSW_FDB_UNSPEC,
	VSW_FDB_ENTRY,		/* nest of the attributes below */
	VSW_FDB_MAC,		/* 6 bytes */
	VSW_FDB_VLAN,		/* u16: VLAN id, 0 for untagged frames */
	VSW_FDB_PORT,		/* u32: ifindex of the port's device */
	VSW_FDB_AGE,		/* u32: seconds since the MAC was last seen */
	__VSW_FDB_MAX
};

#define VSW_FDB_MAX (__VSW_FDB_MAX - 1)

#define VSW_FDB_DUMP_MAX	64

#endif /* _UAPI_LINUX_VSWITCH_H */
