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
 * ABI: this plugin targets the UNMODIFIED iproute2 6.1 `ip` (Debian bookworm, iproute2 6.1.0-3).
 * The struct link_util / struct iplink_req layouts and the prototypes used here are copied from
 * the iproute2 6.1.0 sources (../drivers/vpair/iproute2-6.1.h and the block below); they are NOT
 * a stable interface, so re-check them before loading this into another iproute2.
 */
#include <stdio.h>
#include <string.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/netlink.h>

#include "../drivers/vpair/iproute2-6.1.h"
#include "../include/uapi/linux/vswitch.h"

/*
 * More of iproute2 6.1's exported functions (include/utils.h, include/json_print.h),
 * plus include/libnetlink.h and include/ll_map.h, copied unchanged from iproute2 6.1.0.
 * Tied to iproute2 6.1 like the rest of this file.
 */
/* include/utils.h */
int get_u32(__u32 *val, const char *arg, int base);
bool matches(const char *prefix, const char *string);
void invarg(const char *, const char *) __attribute__((noreturn));
void incomplete_command(void) __attribute__((noreturn));
/* include/json_print.h */
void open_json_object(const char *str);
void close_json_object(void);
void open_json_array(enum output_type type, const char *delim);
void close_json_array(enum output_type type, const char *delim);
void print_nl(void);
int print_color_string(enum output_type t, enum color_attr color,
		       const char *key, const char *fmt, const char *value);
/* include/libnetlink.h */
int addattr32(struct nlmsghdr *n, int maxlen, int type, __u32 data);
int parse_rtattr_flags(struct rtattr *tb[], int max, struct rtattr *rta,
		       int len, unsigned short flags);
/* include/ll_map.h */
const char *ll_index_to_name(unsigned int idx);
/* end of the iproute2 6.1 declarations */

#define VSW_REQ_MAXLEN	((int)sizeof(struct iplink_req))

static void vswitch_print_usage(FILE *f)
{
	fprintf(f,
		"Usage: ip link add NAME type vswitch [ ageing_time SECONDS ]\n"
		"       ip link set NAME type vswitch [ ageing_time SECONDS ]\n"
		"\n"
		"Ports join the switch with \"ip link set DEV master NAME\".\n"
		"SECONDS: ageing time of learned FDB entries, 10..1000000 seconds.\n");
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

/* "LABEL" plain, then @str coloured (text) or "@key": @str (JSON), then " " */
static void vswitch_print_color_str(const char *label, enum color_attr color,
				    const char *key, const char *str)
{
	if (label)
		print_color_string(PRINT_FP, COLOR_NONE, NULL, "%s", label);
	print_color_string(PRINT_ANY, color, key, "%s", str);
	print_color_string(PRINT_FP, COLOR_NONE, NULL, "%s", " ");
}

/* one VSW_FDB_ENTRY nest: "    fdb MAC vlan VID port DEV age SECONDS" */
static void vswitch_print_fdb_entry(struct rtattr *entry)
{
	struct rtattr *tb[VSW_FDB_MAX + 1];
	struct rtattr *rta;
	char mac[3 * ETH_ALEN];
	__u32 val;

	parse_rtattr_flags(tb, VSW_FDB_MAX, RTA_DATA(entry),
			   RTA_PAYLOAD(entry), NLA_F_NESTED);

	print_nl();
	open_json_object(NULL);
	print_color_string(PRINT_FP, COLOR_NONE, NULL, "%s", "    fdb ");

	rta = tb[VSW_FDB_MAC];
	if (rta && RTA_PAYLOAD(rta) >= ETH_ALEN) {
		const unsigned char *a = RTA_DATA(rta);

		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
			 a[0], a[1], a[2], a[3], a[4], a[5]);
		vswitch_print_color_str(NULL, COLOR_MAC, "mac", mac);
	}

	rta = tb[VSW_FDB_VLAN];
	if (rta && RTA_PAYLOAD(rta) >= sizeof(__u16)) {
		__u16 vlan;

		memcpy(&vlan, RTA_DATA(rta), sizeof(vlan));
		print_color_uint(PRINT_ANY, COLOR_NONE, "vlan", "vlan %u ",
				 vlan);
	}

	if (vswitch_get_u32(tb[VSW_FDB_PORT], &val))
		vswitch_print_color_str("port ", COLOR_IFNAME, "port",
					ll_index_to_name(val));

	if (vswitch_get_u32(tb[VSW_FDB_AGE], &val))
		print_color_uint(PRINT_ANY, COLOR_NONE, "age", "age %u ", val);

	close_json_object();
}

static void vswitch_print_fdb(struct rtattr *fdb)
{
	struct rtattr *entry;
	int len = RTA_PAYLOAD(fdb);
	int printed = 0;

	open_json_array(PRINT_JSON, "fdb");
	for (entry = RTA_DATA(fdb); RTA_OK(entry, len);
	     entry = RTA_NEXT(entry, len)) {
		if ((entry->rta_type & NLA_TYPE_MASK) != VSW_FDB_ENTRY)
			continue;
		vswitch_print_fdb_entry(entry);
		printed++;
	}
	close_json_array(PRINT_JSON, NULL);

	/*
	 * ip goes on with "addrgenmode ... numtxqueues ..." on the current
	 * line: start a fresh detail line so that does not read as part of
	 * the last FDB entry (print_nl() honours -oneline and is a no-op in
	 * JSON, like ip's own multi-line details in ip/ipaddress.c).
	 */
	if (printed) {
		print_nl();
		print_color_string(PRINT_FP, COLOR_NONE, NULL, "%s", "    ");
	}
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

	if (tb[VSW_INFO_FDB])
		vswitch_print_fdb(tb[VSW_INFO_FDB]);
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
