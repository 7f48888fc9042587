/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Declarations of the iproute2 `ip` binary that the plugins use: link_vpair.so
 * (drivers/vpair/link_vpair.c) and link_vswitch.so (switch/link_vswitch.c), the same for
 * iproute2 6.1 (Debian 12 bookworm) and 6.15 (Debian 13 trixie).
 *
 * Debian ships no iproute2 development headers, so the types and prototypes below are copied,
 * unchanged in layout and signature, from iproute2 6.1.0 (upstream tag v6.1.0, as shipped in
 * Debian bookworm's source package iproute2 6.1.0-3, iproute2_6.1.0.orig.tar.xz,
 * sha256 5ce12a0fec6b212725ef218735941b2dab76244db7e72646a76021b0537b43ab):
 *
 *	ip/ip_common.h		struct iplink_req, struct link_util, iplink_parse()
 *	include/libnetlink.h	addattr_l(), addattr32(), addattr_nest(), addattr_nest_end(),
 *				NLMSG_TAIL()
 *	include/utils.h		duparg(), get_u32(), matches(), invarg(), incomplete_command()
 *	include/json_print.h	enum output_type, print_color_uint(), print_color_on_off(),
 *				print_color_string()
 *	include/color.h		enum color_attr
 *
 * Checked against iproute2 6.15.0 (Debian trixie's 6.15.0-1): every declaration below is the same
 * there but matches(), which returns int again since 6.8 (was bool): the plugins only test it
 * against 0, so one build serves both. In the 6.15 binary every *_link_util is 72 bytes as in 6.1,
 * all the functions below are exported under these names, and COLOR_NONE is still 6.
 *
 * THESE LAYOUTS ARE NOT A STABLE INTERFACE. struct link_util is used by field offset (the plugin
 * fills it in, ip calls through it): its field order and the function pointer signatures changed
 * in earlier releases (e.g. print_ifla_xstats lost its sockaddr_nl argument) and may change again.
 * Check them before using the plugins with an iproute2 other than 6.1 or 6.15.
 * The functions are resolved at dlopen() time from /sbin/ip, which is linked -export-dynamic.
 */
#ifndef _IPROUTE2_H
#define _IPROUTE2_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

/* ip/ip_common.h */
struct iplink_req {
	struct nlmsghdr		n;
	struct ifinfomsg	i;
	char			buf[1024];
};

struct link_util {
	struct link_util	*next;
	const char		*id;
	int			maxattr;
	int			(*parse_opt)(struct link_util *, int, char **,
					     struct nlmsghdr *);
	void			(*print_opt)(struct link_util *, FILE *,
					     struct rtattr *[]);
	void			(*print_xstats)(struct link_util *, FILE *,
						struct rtattr *);
	void			(*print_help)(struct link_util *, int, char **,
					      FILE *);
	int			(*parse_ifla_xstats)(struct link_util *,
						     int, char **);
	int			(*print_ifla_xstats)(struct nlmsghdr *, void *);
};

int iplink_parse(int argc, char **argv, struct iplink_req *req, char **type);

/* include/libnetlink.h */
int addattr_l(struct nlmsghdr *n, int maxlen, int type,
	      const void *data, int alen);
int addattr32(struct nlmsghdr *n, int maxlen, int type, __u32 data);
struct rtattr *addattr_nest(struct nlmsghdr *n, int maxlen, int type);
int addattr_nest_end(struct nlmsghdr *n, struct rtattr *nest);

#ifndef NLMSG_TAIL
#define NLMSG_TAIL(nmsg) \
	((struct rtattr *) (((void *) (nmsg)) + NLMSG_ALIGN((nmsg)->nlmsg_len)))
#endif

/* include/utils.h */
void duparg(const char *, const char *) __attribute__((noreturn));
int get_u32(__u32 *val, const char *arg, int base);
int matches(const char *prefix, const char *string);	/* bool in 6.1, int since 6.8: test against 0 */
void invarg(const char *, const char *) __attribute__((noreturn));
void incomplete_command(void) __attribute__((noreturn));

/* include/color.h */
enum color_attr {
	COLOR_IFNAME,
	COLOR_MAC,
	COLOR_INET,
	COLOR_INET6,
	COLOR_OPERSTATE_UP,
	COLOR_OPERSTATE_DOWN,
	COLOR_NONE
};

/* include/json_print.h */
enum output_type {
	PRINT_FP = 1,
	PRINT_JSON = 2,
	PRINT_ANY = 4,
};

int print_color_uint(enum output_type t, enum color_attr color,
		     const char *key, const char *fmt, unsigned int value);
int print_color_on_off(enum output_type t, enum color_attr color,
		       const char *key, const char *fmt, bool value);
int print_color_string(enum output_type t, enum color_attr color,
		       const char *key, const char *fmt, const char *value);

#endif /* _IPROUTE2_H */
