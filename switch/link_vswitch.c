// SPDX-License-Identifier: GPL-2.0
/*
 * link_vswitch.c - iproute2 `ip link` plugin for the "vswitch" rtnl link kind
 *
 * Build:	gcc -shared -fPIC -O2 -Wall -Wextra -Werror -o link_vswitch.so link_vswitch.c
 * Use:		IP_LIB_DIR=<dir holding link_vswitch.so> ip link add sw0 type vswitch
 *		(the built-in default directory of Debian's ip is /usr/lib/x86_64-linux-gnu/ip)
 *
 * ip dlopen()s link_<kind>.so from $IP_LIB_DIR and takes the symbol <kind>_link_util, so
 * vswitch_link_util is the only exported symbol. Everything else comes from the ip binary,
 * which is linked -export-dynamic.
 *
 * ABI: this plugin targets the UNMODIFIED iproute2 `ip` of Debian bookworm (6.1.0-3) and trixie
 * (6.15.0-1).
 * The struct link_util / struct iplink_req layouts and the prototypes used here are copied from
 * the iproute2 6.1.0 sources into include/iproute2/iproute2.h; they are NOT a stable
 * interface, so re-check them before loading this into another iproute2.
 *
 * `ip -d link show` prints the switch's summary (ageing time, ports, how many FDB entries); the
 * entries themselves are `bridge fdb show dev NAME`, served by the switch device.
 */
#include <stdio.h>
#include <string.h>
#include <linux/if_link.h>
#include <linux/netlink.h>

#include "../include/iproute2/iproute2.h"
#include "../include/uapi/linux/vswitch.h"

#define VSW_REQ_MAXLEN	((int)sizeof(struct iplink_req))

static void vswitch_print_usage(FILE *f)
{
	fprintf(f,
		"Usage: ip link add NAME type vswitch [ ageing_time SECONDS ]\n"
		"       ip link set NAME type vswitch [ ageing_time SECONDS ]\n"
		"\n"
		"Ports join the switch with \"ip link set DEV master NAME\".\n"
		"SECONDS: ageing time of learned FDB entries, 10..1000000 seconds.\n"
		"The FDB: \"bridge fdb show dev NAME\", \"bridge fdb add MAC dev NAME via PORT static\".\n");
}

/* stores the u32 in @rta into @val; false when @rta is absent or too short */
static bool vswitch_get_u32(const struct rtattr *rta, __u32 *val)
{
	if (!rta || RTA_PAYLOAD(rta) < sizeof(__u32))
		return false;
	memcpy(val, RTA_DATA(rta), sizeof(*val));
	return true;
}

/*
 * Called by iplink_modify() only when arguments follow "type vswitch", with the
 * IFLA_INFO_DATA nest already opened in @n (ip closes it after we return).
 */
static int vswitch_parse_opt(struct link_util *lu __attribute__((unused)),
			     int argc, char **argv, struct nlmsghdr *n)
{
	__u32 ageing_time;

	while (argc > 0) {
		if (matches(*argv, "ageing_time") == 0) {
			argv++;
			if (--argc <= 0)
				incomplete_command();
			if (get_u32(&ageing_time, *argv, 0))
				invarg("invalid ageing_time", *argv);
			if (addattr32(n, VSW_REQ_MAXLEN, VSW_INFO_AGEING_TIME,
				      ageing_time) < 0)
				return -1;
		} else if (matches(*argv, "help") == 0) {
			vswitch_print_usage(stderr);
			return -1;
		} else {
			fprintf(stderr, "vswitch: unknown option \"%s\"?\n",
				*argv);
			vswitch_print_usage(stderr);
			return -1;
		}
		argc--;
		argv++;
	}

	return 0;
}

/* @tb is NULL when the dump carries no IFLA_INFO_DATA */
static void vswitch_print_opt(struct link_util *lu __attribute__((unused)),
			      FILE *f __attribute__((unused)), struct rtattr *tb[])
{
	__u32 count, max;
	bool has_count, has_max;

	if (!tb)
		return;

	if (vswitch_get_u32(tb[VSW_INFO_AGEING_TIME], &count))
		print_color_uint(PRINT_ANY, COLOR_NONE, "ageing_time",
				 "ageing_time %u ", count);

	if (vswitch_get_u32(tb[VSW_INFO_PORTS], &count))
		print_color_uint(PRINT_ANY, COLOR_NONE, "ports", "ports %u ",
				 count);

	has_count = vswitch_get_u32(tb[VSW_INFO_FDB_COUNT], &count);
	has_max = vswitch_get_u32(tb[VSW_INFO_FDB_MAX], &max);
	if (has_count)
		print_color_uint(PRINT_JSON, COLOR_NONE, "fdb_count", NULL,
				 count);
	if (has_max)
		print_color_uint(PRINT_JSON, COLOR_NONE, "fdb_max", NULL, max);
	if (has_count && has_max) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%u/%u", count, max);
		print_color_string(PRINT_FP, COLOR_NONE, NULL, "fdb %s ", buf);
	} else if (has_count) {
		print_color_uint(PRINT_FP, COLOR_NONE, NULL, "fdb %u ", count);
	} else if (has_max) {
		print_color_uint(PRINT_FP, COLOR_NONE, NULL, "fdb_max %u ",
				 max);
	}
}

static void vswitch_print_help(struct link_util *lu __attribute__((unused)),
			       int argc __attribute__((unused)),
			       char **argv __attribute__((unused)), FILE *f)
{
	vswitch_print_usage(f);
}

struct link_util vswitch_link_util = {
	.id		= "vswitch",
	.maxattr	= VSW_INFO_MAX,
	.parse_opt	= vswitch_parse_opt,
	.print_opt	= vswitch_print_opt,
	.print_help	= vswitch_print_help,
};
