// SPDX-License-Identifier: GPL-2.0
/*
 * link_vpair.c - iproute2 `ip link` plugin for the "vpair" rtnl link kind
 *
 * Build:	gcc -shared -fPIC -O2 -Wall -Wextra -o link_vpair.so link_vpair.c
 * Use:		IP_LIB_DIR=<dir holding link_vpair.so> ip link add A type vpair peer name B
 *		(the built-in default directory of Debian's ip is /usr/lib/x86_64-linux-gnu/ip)
 *
 * ip dlopen()s link_<kind>.so from $IP_LIB_DIR and takes the symbol <kind>_link_util, so
 * vpair_link_util is the only exported symbol. Everything else comes from the ip binary itself.
 *
 * ABI: this plugin targets the UNMODIFIED iproute2 `ip` of Debian bookworm (6.1.0-3) and trixie
 * (6.15.0-1).
 * The struct link_util / struct iplink_req layouts and the prototypes it relies on are copied
 * from the iproute2 6.1.0 sources into include/iproute2/iproute2.h (see there for the exact
 * origin); they are NOT a stable interface, so re-check them before loading this into another
 * iproute2.
 *
 * The VPAIR_INFO_PEER attribute has the VETH_INFO_PEER layout (struct ifinfomsg followed by
 * IFLA_* attributes), so the peer is parsed the way iproute2's ip/link_veth.c does it.
 */
#include <string.h>
#include <linux/if_link.h>

#include "../../include/iproute2/iproute2.h"
#include "../../include/uapi/linux/vpair.h"

#define VPAIR_REQ_MAXLEN	((int)sizeof(struct iplink_req))

static void vpair_print_usage(FILE *f)
{
	fprintf(f,
		"Usage: ip link <options> type vpair [peer <options>]\n"
		"To get <options> type 'ip link add help'\n");
}

/*
 * Called by iplink_modify() only when arguments follow "type vpair", with the
 * IFLA_INFO_DATA nest already opened in @n (ip closes it after we return).
 */
static int vpair_parse_opt(struct link_util *lu __attribute__((unused)),
			   int argc, char **argv, struct nlmsghdr *n)
{
	struct ifinfomsg *ifm = NLMSG_DATA(n);
	struct ifinfomsg *peer_ifm;
	unsigned int ifi_flags, ifi_change;
	int ifi_index;
	struct rtattr *peer;
	char *type = NULL;
	int err;

	if (strcmp(argv[0], "peer") != 0) {
		vpair_print_usage(stderr);
		return -1;
	}

	/*
	 * iplink_parse() treats @n as a whole struct iplink_req and stores the
	 * peer's up/down/... flags and index in the outer ifinfomsg: park the
	 * outer values, let it run, then move the results into the peer's own
	 * ifinfomsg and restore the outer ones.
	 */
	ifi_flags = ifm->ifi_flags;
	ifi_change = ifm->ifi_change;
	ifi_index = ifm->ifi_index;
	ifm->ifi_flags = 0;
	ifm->ifi_change = 0;
	ifm->ifi_index = 0;

	peer = addattr_nest(n, VPAIR_REQ_MAXLEN, VPAIR_INFO_PEER);
	if (!peer)
		goto err_restore;

	/* room for the peer's struct ifinfomsg, right after the attribute header */
	if (NLMSG_ALIGN(n->nlmsg_len) + NLMSG_ALIGN(sizeof(*peer_ifm)) >
	    (unsigned int)VPAIR_REQ_MAXLEN) {
		fprintf(stderr, "vpair: netlink request too long\n");
		goto err_restore;
	}
	peer_ifm = RTA_DATA(peer);
	memset(peer_ifm, 0, sizeof(*peer_ifm));
	n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + NLMSG_ALIGN(sizeof(*peer_ifm));

	err = iplink_parse(argc - 1, argv + 1, (struct iplink_req *)n, &type);
	if (err < 0)
		goto err_restore;

	if (type)
		duparg("type", argv[err]);

	if (err != argc - 1) {
		fprintf(stderr,
			"Garbage instead of arguments \"%s ...\". Try \"ip link help vpair\".\n",
			argv[1 + err]);
		goto err_restore;
	}

	peer_ifm->ifi_index = ifm->ifi_index;
	peer_ifm->ifi_flags = ifm->ifi_flags;
	peer_ifm->ifi_change = ifm->ifi_change;
	ifm->ifi_flags = ifi_flags;
	ifm->ifi_change = ifi_change;
	ifm->ifi_index = ifi_index;

	addattr_nest_end(n, peer);
	return 0;

err_restore:
	ifm->ifi_flags = ifi_flags;
	ifm->ifi_change = ifi_change;
	ifm->ifi_index = ifi_index;
	return -1;
}

/* @tb is NULL when the dump carries no IFLA_INFO_DATA */
static void vpair_print_opt(struct link_util *lu __attribute__((unused)),
			    FILE *f __attribute__((unused)), struct rtattr *tb[])
{
	struct rtattr *rta;

	if (!tb)
		return;

	rta = tb[VPAIR_INFO_PEER_IFINDEX];
	if (rta && RTA_PAYLOAD(rta) >= sizeof(__u32))
		print_color_uint(PRINT_ANY, COLOR_NONE, "peer_ifindex",
				 "peer_ifindex %u ", *(__u32 *)RTA_DATA(rta));

	rta = tb[VPAIR_INFO_GRO];
	if (rta && RTA_PAYLOAD(rta) >= sizeof(__u8))
		print_color_on_off(PRINT_ANY, COLOR_NONE, "gro", "gro %s ",
				   *(__u8 *)RTA_DATA(rta) != 0);
}

static void vpair_print_help(struct link_util *lu __attribute__((unused)),
			     int argc __attribute__((unused)),
			     char **argv __attribute__((unused)), FILE *f)
{
	vpair_print_usage(f);
}

struct link_util vpair_link_util = {
	.id		= "vpair",
	.maxattr	= VPAIR_INFO_MAX,
	.parse_opt	= vpair_parse_opt,
	.print_opt	= vpair_print_opt,
	.print_help	= vpair_print_help,
};
