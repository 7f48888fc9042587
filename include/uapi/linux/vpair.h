/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vpair: a veth-style pair of network devices. Netlink attributes of the
 * "vpair" link kind, carried in IFLA_LINKINFO / IFLA_INFO_DATA. Shared by
 * the driver and the iproute2 plugin (link_vpair.so).
 */
#ifndef _UAPI_LINUX_VPAIR_H
#define _UAPI_LINUX_VPAIR_H

enum {
	VPAIR_INFO_UNSPEC,
	/*
	 * RTM_NEWLINK only: the peer, laid out as veth's VETH_INFO_PEER: a
	 * struct ifinfomsg followed by IFLA_* attributes (IFLA_IFNAME,
	 * IFLA_ADDRESS, IFLA_MTU, IFLA_NET_NS_PID/FD, ...).
	 */
	VPAIR_INFO_PEER,
	/* dumps: the peer's ifindex (u32), in the peer's namespace */
	VPAIR_INFO_PEER_IFINDEX,
	/* dumps: 1 while the receive side runs the NAPI/GRO path (u8) */
	VPAIR_INFO_GRO,
	__VPAIR_INFO_MAX
};

#define VPAIR_INFO_MAX (__VPAIR_INFO_MAX - 1)

#endif /* _UAPI_LINUX_VPAIR_H */
