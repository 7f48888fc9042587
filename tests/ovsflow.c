// SPDX-License-Identifier: GPL-2.0
/*
 * ovsflow: many flows into an Open vSwitch kernel datapath at once, through the ovs_flow generic
 * netlink family (what ovs-dpctl does one process per flow).
 *
 *   ovsflow add DP COUNT [MASKS [vswitchd]]
 *
 * Installs COUNT flows `in_port(1),eth(),eth_type(0x0800),ipv4(dst=D/M),tcp(dst=P)` with
 * distinct D, actions output:2, spread over MASKS distinct masks (1 to 32, default 1: all ipv4
 * dst /32; mask k also matches the TCP destination port's low k % 16 bits, and from k = 16 on
 * the ipv4 dst is a /31), 256 requests in flight.
 * Prints one line:
 *
 *   added N of COUNT in S.SSS s; refused R (first at flow K: ERRNO: EXTACK)
 *
 * With "vswitchd", keys and masks are shaped as ovs-vswitchd's megaflows are: the key has
 * recirc_id and dp_hash (as the kernel's upcall keys do), the mask matches recirc_id, wildcards
 * dp_hash and names the tunnel fields (a TUNNEL nest with the TTL, all wildcarded but that).
 *
 * Exits 0 when every flow was added, 1 when some were refused, 2 on a usage or socket error.
 * The destinations are 10.128.0.0/9 + i, clear of the test networks. Built static.
 */
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/openvswitch.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF	8192
#define WINDOW	256

static int fd;
static uint32_t seq;

struct msg {
	char	buf[BUF];
	size_t	len;
};

static void *put(struct msg *m, size_t len)
{
	void *p = m->buf + m->len;

	memset(p, 0, NLMSG_ALIGN(len));
	m->len += NLMSG_ALIGN(len);
	return p;
}

static struct nlattr *attr(struct msg *m, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a = put(m, NLA_HDRLEN);

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy(put(m, len), data, len);
	return a;
}

static struct nlattr *nest(struct msg *m, uint16_t type)
{
	return attr(m, type, NULL, 0);
}

static void nest_end(struct msg *m, struct nlattr *a)
{
	a->nla_len = (uint16_t)(m->buf + m->len - (char *)a);
}

static void hdr(struct msg *m, uint16_t type, uint16_t flags, uint8_t cmd)
{
	struct nlmsghdr *n;
	struct genlmsghdr *g;

	m->len = 0;
	n = put(m, NLMSG_HDRLEN);
	n->nlmsg_type = type;
	n->nlmsg_flags = NLM_F_REQUEST | flags;
	n->nlmsg_seq = ++seq;
	g = put(m, GENL_HDRLEN);
	g->cmd = cmd;
	g->version = 1;
}

static void finish(struct msg *m)
{
	((struct nlmsghdr *)m->buf)->nlmsg_len = (uint32_t)m->len;
}

static int family_id(const char *name)
{
	struct msg m;
	char rbuf[BUF];
	struct nlmsghdr *n;
	struct nlattr *a;
	ssize_t r;
	int rem;

	hdr(&m, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY);
	attr(&m, CTRL_ATTR_FAMILY_NAME, name, strlen(name) + 1);
	finish(&m);
	if (send(fd, m.buf, m.len, 0) < 0)
		return -1;
	r = recv(fd, rbuf, sizeof(rbuf), 0);
	n = (struct nlmsghdr *)rbuf;
	if (r < (ssize_t)NLMSG_HDRLEN || n->nlmsg_type == NLMSG_ERROR)
		return -1;
	a = (struct nlattr *)((char *)NLMSG_DATA(n) + GENL_HDRLEN);
	rem = (int)n->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	for (; rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem;
	     rem -= NLA_ALIGN(a->nla_len), a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			return *(uint16_t *)((char *)a + NLA_HDRLEN);
	return -1;
}

/* One flow's key or mask: in_port, eth, ethertype, ipv4 dst, tcp dst, tcp flags (wildcarded). */
static int vswitchd_style;

static void key(struct msg *m, uint16_t type, uint32_t in_port, uint32_t dst, uint16_t dport,
		int is_mask)
{
	struct nlattr *k = nest(m, type);

	if (vswitchd_style) {
		uint32_t recirc = is_mask ? 0xffffffffu : 0, hash = 0;

		attr(m, OVS_KEY_ATTR_RECIRC_ID, &recirc, sizeof(recirc));
		attr(m, OVS_KEY_ATTR_DP_HASH, &hash, sizeof(hash));
		if (is_mask) {
			struct nlattr *t = nest(m, OVS_KEY_ATTR_TUNNEL);

			attr(m, OVS_TUNNEL_KEY_ATTR_TTL, &(uint8_t){ 0xff }, 1);
			nest_end(m, t);
		}
	}
	struct ovs_key_ethernet eth = { 0 };
	struct ovs_key_ipv4 ip4 = { 0 };
	struct ovs_key_tcp tcp = { 0 };
	uint16_t etype = htons(is_mask ? 0xffff : 0x0800);

	attr(m, OVS_KEY_ATTR_IN_PORT, &in_port, sizeof(in_port));
	attr(m, OVS_KEY_ATTR_ETHERNET, &eth, sizeof(eth));
	attr(m, OVS_KEY_ATTR_ETHERTYPE, &etype, sizeof(etype));
	ip4.ipv4_dst = dst;
	ip4.ipv4_proto = is_mask ? 0xff : 6;
	attr(m, OVS_KEY_ATTR_IPV4, &ip4, sizeof(ip4));
	tcp.tcp_dst = dport;
	attr(m, OVS_KEY_ATTR_TCP, &tcp, sizeof(tcp));
	/* a TCP key has its flags too (openvswitch.ko refuses one without: "Missing key") */
	attr(m, OVS_KEY_ATTR_TCP_FLAGS, &(uint16_t){ 0 }, sizeof(uint16_t));
	nest_end(m, k);
}

int main(int argc, char **argv)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	unsigned long count, masks = 1, sent = 0, acked = 0, added = 0, refused = 0;
	unsigned long first_bad = 0;
	char first_err[300] = "";
	struct timespec t0, t1;
	int family, ifindex, bufsize = 8 << 20;
	uint32_t seq0;
	char rbuf[BUF];

	if (argc < 4 || strcmp(argv[1], "add")) {
		fprintf(stderr, "usage: ovsflow add DP COUNT [MASKS [vswitchd]]\n");
		return 2;
	}
	count = strtoul(argv[3], NULL, 0);
	if (argc > 4)
		masks = strtoul(argv[4], NULL, 0);
	vswitchd_style = argc > 5 && !strcmp(argv[5], "vswitchd");
	if (!masks || masks > 32) {
		fprintf(stderr, "ovsflow: MASKS is 1 to 32\n");
		return 2;
	}
	ifindex = (int)if_nametoindex(argv[2]);
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (!ifindex || fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "ovsflow: %s: %s\n", argv[2], strerror(errno));
		return 2;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof(bufsize));
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &(int){ 1 }, sizeof(int));
	family = family_id(OVS_FLOW_FAMILY);
	if (family < 0) {
		fprintf(stderr, "ovsflow: no %s family\n", OVS_FLOW_FAMILY);
		return 2;
	}

	seq0 = seq;	/* flow i goes with sequence number seq0 + 1 + i */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (acked < count) {
		while (sent < count && sent - acked < WINDOW) {
			struct msg m;
			struct ovs_header *oh;
			struct nlattr *acts;
			uint32_t out = 2, dst = htonl(0x0a800000u + (uint32_t)sent);
			unsigned long k = sent % masks;
			/* mask k: the ipv4 dst (/32, /31 from k = 16), k % 16 low bits of the TCP port */
			uint16_t pmask = htons((uint16_t)((1u << (k % 16)) - 1));
			uint32_t dmask = htonl(k < 16 ? 0xffffffffu : 0xfffffffeu);

			hdr(&m, (uint16_t)family, NLM_F_CREATE | NLM_F_ACK, OVS_FLOW_CMD_NEW);
			oh = put(&m, sizeof(*oh));
			oh->dp_ifindex = ifindex;
			key(&m, OVS_FLOW_ATTR_KEY, 1, dst, htons(80), 0);
			key(&m, OVS_FLOW_ATTR_MASK, 0xffffffffu, dmask, pmask, 1);
			acts = nest(&m, OVS_FLOW_ATTR_ACTIONS);
			attr(&m, OVS_ACTION_ATTR_OUTPUT, &out, sizeof(out));
			nest_end(&m, acts);
			finish(&m);
			if (send(fd, m.buf, m.len, 0) < 0) {
				fprintf(stderr, "ovsflow: send: %s\n", strerror(errno));
				return 2;
			}
			sent++;
		}
		ssize_t r = recv(fd, rbuf, sizeof(rbuf), 0);
		struct nlmsghdr *n = (struct nlmsghdr *)rbuf;

		if (r < 0) {
			fprintf(stderr, "ovsflow: recv: %s\n", strerror(errno));
			return 2;
		}
		for (; NLMSG_OK(n, (unsigned int)r); n = NLMSG_NEXT(n, r)) {
			struct nlmsgerr *e = NLMSG_DATA(n);

			if (n->nlmsg_type != NLMSG_ERROR)
				continue;
			acked++;
			if (!e->error) {
				added++;
				continue;
			}
			if (!refused++) {
				const char *why = "";
				struct nlattr *a;
				int rem;

				/* the extack message after the echoed request header */
				a = (struct nlattr *)((char *)e + sizeof(*e) +
						      (n->nlmsg_flags & NLM_F_CAPPED ? 0 :
						       NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN));
				rem = (int)((char *)n + n->nlmsg_len - (char *)a);
				for (; rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
				       a->nla_len <= rem;
				     rem -= NLA_ALIGN(a->nla_len),
				     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))
					if (a->nla_type == NLMSGERR_ATTR_MSG)
						why = (char *)a + NLA_HDRLEN;
				first_bad = n->nlmsg_seq - seq0 - 1;
				snprintf(first_err, sizeof(first_err), "%s: %s", strerror(-e->error),
					 why);
			}
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("added %lu of %lu in %.3f s; refused %lu", added, count,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, refused);
	if (refused)
		printf(" (first at flow %lu: %s)", first_bad, first_err);
	printf("\n");
	return refused ? 1 : 0;
}
