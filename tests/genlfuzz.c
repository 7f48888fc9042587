// SPDX-License-Identifier: GPL-2.0
/*
 * genlfuzz: random and mutated messages to the four Open vSwitch datapath generic netlink
 * families (ovs_datapath, ovs_vport, ovs_flow, ovs_packet, ovs_meter), bounded in count and time.
 *
 *   genlfuzz DP MESSAGES SECONDS [SEED]
 *
 * Every message goes to the datapath DP (or to a wrong ifindex, now and then), with a random
 * command (valid or not), random flags, and attributes that are random, boundary-sized, or
 * built from the families' own formats: keys with random attribute types and lengths and
 * nested ENCAPs, action lists with random and valid actions, upcall PIDs, port numbers, names
 * from a small set. A fifth of the messages are a valid flow NEW or packet EXECUTE with a few
 * bytes flipped. Datapaths it makes (named from a small set, or anything) are deleted at the
 * end; if DP goes away (a DEL of it) it is made again, also after the last message, so that DP is
 * there when it exits. Prints the seed first, then
 *
 *   messages N in S s: accepted A, refused R; DP made again M times; by errno: ...
 *
 * Exit 0 unless a socket fails (the verdict is the kernel log's and the leak checks').
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/openvswitch.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF	16384

static int fd, fam[5], ifindex;
static uint32_t seq;
static uint64_t rng;
static const char *dpname;
static unsigned long by_errno[256];

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

static uint32_t below(uint32_t n)
{
	return n ? rnd() % n : 0;
}

struct msg {
	char	buf[BUF];
	size_t	len;
};

static void *put(struct msg *m, size_t len)
{
	void *p = m->buf + m->len;

	if (m->len + NLMSG_ALIGN(len) > BUF - 64)
		return NULL;
	memset(p, 0, NLMSG_ALIGN(len));
	m->len += NLMSG_ALIGN(len);
	return p;
}

/* An attribute of @len bytes (@data, or random bytes); NULL when the message is full. */
static __attribute__((noinline)) struct nlattr *attr(struct msg *m, uint16_t type,
						     const void *data, size_t len)
{
	size_t off = m->len, i;
	struct nlattr *a;

	if (len > BUF || off + NLA_HDRLEN + NLA_ALIGN(len) > BUF - 64)
		return NULL;
	a = (struct nlattr *)(m->buf + off);
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	for (i = 0; i < NLA_ALIGN(len); i++)
		m->buf[off + NLA_HDRLEN + i] = (char)(i >= len ? 0 : data ?
						      ((const uint8_t *)data)[i] : (uint8_t)rnd());
	m->len = off + NLA_HDRLEN + NLA_ALIGN(len);
	return a;
}

static void nest_end(struct msg *m, struct nlattr *a)
{
	if (a)
		a->nla_len = (uint16_t)(m->buf + m->len - (char *)a);
}

static void hdr(struct msg *m, int family, uint16_t flags, uint8_t cmd, int dp)
{
	struct nlmsghdr *n;
	struct genlmsghdr *g;
	struct ovs_header *oh;

	m->len = 0;
	n = put(m, NLMSG_HDRLEN);
	n->nlmsg_type = (uint16_t)family;
	n->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	n->nlmsg_seq = ++seq;
	g = put(m, GENL_HDRLEN);
	g->cmd = cmd;
	g->version = 1;
	if (dp >= 0) {
		oh = put(m, sizeof(*oh));
		oh->dp_ifindex = dp;
	}
}

/* Sends @m, reads until its ack (dump parts and notifications skipped): its errno. */
static int transact(struct msg *m)
{
	static char rbuf[65536];
	struct nlmsghdr *n;
	struct pollfd pfd = { .events = POLLIN };
	ssize_t r;

	((struct nlmsghdr *)m->buf)->nlmsg_len = (uint32_t)m->len;
	if (send(fd, m->buf, m->len, 0) < 0)
		return errno;
	pfd.fd = fd;
	for (;;) {
		if (poll(&pfd, 1, 5000) <= 0)
			return ETIMEDOUT;
		r = recv(fd, rbuf, sizeof(rbuf), 0);
		if (r < 0)
			return errno == ENOBUFS ? 0 : errno;
		for (n = (struct nlmsghdr *)rbuf; NLMSG_OK(n, (unsigned int)r); n = NLMSG_NEXT(n, r)) {
			if (n->nlmsg_seq != seq)
				continue;
			if (n->nlmsg_type == NLMSG_ERROR)
				return -((struct nlmsgerr *)NLMSG_DATA(n))->error;
			if (n->nlmsg_type == NLMSG_DONE)
				return 0;
		}
	}
}

static int family_id(const char *name)
{
	static char rbuf[BUF];
	struct msg m;
	struct nlmsghdr *n;
	struct nlattr *a;
	ssize_t r;
	int rem;

	hdr(&m, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY, -1);
	((struct nlmsghdr *)m.buf)->nlmsg_flags = NLM_F_REQUEST;
	attr(&m, CTRL_ATTR_FAMILY_NAME, name, strlen(name) + 1);
	((struct nlmsghdr *)m.buf)->nlmsg_len = (uint32_t)m.len;
	if (send(fd, m.buf, m.len, 0) < 0)
		return -1;
	r = recv(fd, rbuf, sizeof(rbuf), 0);
	n = (struct nlmsghdr *)rbuf;
	if (r < (ssize_t)NLMSG_HDRLEN || n->nlmsg_type == NLMSG_ERROR)
		return -1;
	rem = (int)n->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	for (a = (struct nlattr *)((char *)NLMSG_DATA(n) + GENL_HDRLEN);
	     rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem;
	     rem -= NLA_ALIGN(a->nla_len), a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			return *(uint16_t *)((char *)a + NLA_HDRLEN);
	return -1;
}

/* Key attribute lengths of the kernel's format, for attributes that are sometimes right. */
static const int key_len[] = {
	[OVS_KEY_ATTR_PRIORITY] = 4, [OVS_KEY_ATTR_IN_PORT] = 4, [OVS_KEY_ATTR_ETHERNET] = 12,
	[OVS_KEY_ATTR_VLAN] = 2, [OVS_KEY_ATTR_ETHERTYPE] = 2, [OVS_KEY_ATTR_IPV4] = 12,
	[OVS_KEY_ATTR_IPV6] = 40, [OVS_KEY_ATTR_TCP] = 4, [OVS_KEY_ATTR_UDP] = 4,
	[OVS_KEY_ATTR_ICMP] = 2, [OVS_KEY_ATTR_ICMPV6] = 2, [OVS_KEY_ATTR_ARP] = 24,
	[OVS_KEY_ATTR_ND] = 28, [OVS_KEY_ATTR_SKB_MARK] = 4, [OVS_KEY_ATTR_SCTP] = 4,
	[OVS_KEY_ATTR_TCP_FLAGS] = 2, [OVS_KEY_ATTR_DP_HASH] = 4, [OVS_KEY_ATTR_RECIRC_ID] = 4,
};

static uint16_t be16(uint16_t v)
{
	return (uint16_t)((v >> 8) | (v << 8));
}

static void rand_key(struct msg *m, uint16_t type, int depth)
{
	struct nlattr *k = attr(m, type, NULL, 0);
	int i, n = (int)below(8);

	for (i = 0; i < n; i++) {
		uint16_t t = (uint16_t)below(34);
		int len;

		if (t == OVS_KEY_ATTR_ENCAP && depth < 3) {
			uint16_t tpid = be16(below(2) ? 0x8100 : 0x88a8), tci = be16(0x1000 | below(4096));

			attr(m, OVS_KEY_ATTR_ETHERTYPE, &tpid, 2);
			attr(m, OVS_KEY_ATTR_VLAN, &tci, 2);
			rand_key(m, OVS_KEY_ATTR_ENCAP, depth + 1);
			continue;
		}
		if (t == OVS_KEY_ATTR_ETHERTYPE && below(2)) {
			static const uint16_t types[] = { 0x0800, 0x86dd, 0x0806, 0x8100, 0x1234, 0x0004 };
			uint16_t et = be16(types[below(6)]);

			attr(m, t, &et, 2);
			continue;
		}
		len = t < sizeof(key_len) / sizeof(key_len[0]) && key_len[t] && below(8) ?
		      key_len[t] : (int)below(48);
		attr(m, t, NULL, (size_t)len);
	}
	nest_end(m, k);
}

static void rand_actions(struct msg *m, uint16_t type, int depth)
{
	struct nlattr *acts = attr(m, type, NULL, 0);
	int i, n = (int)below(6);

	for (i = 0; i < n; i++) {
		uint16_t t = (uint16_t)below(28);
		uint32_t v;

		switch (below(6)) {
		case 0:
			v = below(4) ? below(8) : (below(2) ? 0xfffffffeu : rnd());
			attr(m, OVS_ACTION_ATTR_OUTPUT, &v, 4);
			break;
		case 1:
			if (depth < 4) {
				rand_actions(m, below(2) ? OVS_ACTION_ATTR_CLONE : OVS_ACTION_ATTR_SAMPLE,
					     depth + 1);
				break;
			}
			/* fall through */
		case 2:
			rand_key(m, below(2) ? OVS_ACTION_ATTR_SET : OVS_ACTION_ATTR_SET_MASKED,
				 depth + 1);
			break;
		default:
			attr(m, t, NULL, below(3) ? below(4) * 4 : below(40));
			break;
		}
	}
	nest_end(m, acts);
}

static const char *names[] = { "gfz0", "gfz1", "a0", "b0", "c0", "lo", "nosuch", "" };

static void rand_attrs(struct msg *m, int f)
{
	int i, n = (int)below(6);
	const char *name;

	for (i = 0; i < n; i++) {
		uint16_t t = (uint16_t)below(12);
		uint32_t v;

		switch (below(7)) {
		case 0:
			rand_key(m, t, 0);
			break;
		case 1:
			rand_actions(m, t, 0);
			break;
		case 2:
			name = below(4) ? names[below(8)] : dpname;
			attr(m, t, name, strlen(name) + 1);
			break;
		case 3:
			v = below(2) ? below(8) : rnd();
			attr(m, t, &v, 4);
			break;
		default:
			attr(m, t, NULL, below(3) ? below(6) * 4 : below(80));
			break;
		}
	}
	/* ovs_meter: often an id among a few, and a band that is nearly right */
	if (f == 4 && below(2)) {
		struct nlattr *bands, *band;
		uint32_t v = below(4);

		attr(m, OVS_METER_ATTR_ID, &v, 4);
		if (below(2))
			attr(m, OVS_METER_ATTR_KBPS, NULL, 0);
		bands = attr(m, OVS_METER_ATTR_BANDS, NULL, 0);
		for (i = (int)below(3); i > 0; i--) {
			band = attr(m, OVS_BAND_ATTR_UNSPEC, NULL, 0);
			v = below(4) ? OVS_METER_BAND_TYPE_DROP : rnd();
			attr(m, OVS_BAND_ATTR_TYPE, &v, 4);
			v = below(4) ? below(1000) : rnd();
			attr(m, OVS_BAND_ATTR_RATE, &v, 4);
			v = below(4) ? below(1000) : rnd();
			if (below(8))
				attr(m, OVS_BAND_ATTR_BURST, &v, 4);
			nest_end(m, band);
		}
		nest_end(m, bands);
	}
	/* the commands that want one get a name that will not clash, often */
	if (f == 0 && below(2)) {
		name = names[below(2)];
		attr(m, OVS_DP_ATTR_NAME, name, strlen(name) + 1);
	}
}

/* A valid flow NEW or packet EXECUTE (output to port 2), with a few bytes flipped. */
static void mutated(struct msg *m)
{
	static const uint8_t frame[60] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 1, 0x08, 0x06,
		0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 1, 10, 5, 0, 1, 0, 0, 0, 0, 0, 0, 10, 5, 0, 2,
	};
	struct ovs_key_ethernet eth = { 0 };
	struct ovs_key_ipv4 ip4 = { .ipv4_dst = rnd(), .ipv4_proto = 6 };
	struct ovs_key_tcp tcp = { .tcp_dst = be16(80) };
	uint32_t in_port = 1, out = 2;
	uint16_t et = be16(0x0800);
	struct nlattr *k, *a;
	size_t start, i;
	int flips;

	if (below(2)) {
		hdr(m, fam[2], NLM_F_CREATE, OVS_FLOW_CMD_NEW, ifindex);
		start = m->len;
		k = attr(m, OVS_FLOW_ATTR_KEY, NULL, 0);
		attr(m, OVS_KEY_ATTR_IN_PORT, &in_port, 4);
		attr(m, OVS_KEY_ATTR_ETHERNET, &eth, sizeof(eth));
		attr(m, OVS_KEY_ATTR_ETHERTYPE, &et, 2);
		attr(m, OVS_KEY_ATTR_IPV4, &ip4, sizeof(ip4));
		attr(m, OVS_KEY_ATTR_TCP, &tcp, sizeof(tcp));
		attr(m, OVS_KEY_ATTR_TCP_FLAGS, &(uint16_t){ 0 }, 2);
		nest_end(m, k);
	} else {
		hdr(m, fam[3], 0, OVS_PACKET_CMD_EXECUTE, ifindex);
		start = m->len;
		attr(m, OVS_PACKET_ATTR_PACKET, frame, sizeof(frame));
		k = attr(m, OVS_PACKET_ATTR_KEY, NULL, 0);
		attr(m, OVS_KEY_ATTR_IN_PORT, &in_port, 4);
		nest_end(m, k);
	}
	a = attr(m, ((struct genlmsghdr *)(m->buf + NLMSG_HDRLEN))->cmd == OVS_PACKET_CMD_EXECUTE ?
		 OVS_PACKET_ATTR_ACTIONS : OVS_FLOW_ATTR_ACTIONS, NULL, 0);
	attr(m, OVS_ACTION_ATTR_OUTPUT, &out, 4);
	nest_end(m, a);
	for (flips = 1 + (int)below(4); flips; flips--) {
		i = start + below((uint32_t)(m->len - start));
		m->buf[i] ^= (char)(1 << below(8));
	}
}

/* The names of the datapaths there are (a dump), into @names (up to @max of IFNAMSIZ). */
static int dp_names(char (*names)[IFNAMSIZ], int max)
{
	static char rbuf[65536];
	struct nlmsghdr *n;
	struct msg m;
	int count = 0;
	ssize_t r;

	hdr(&m, fam[0], NLM_F_DUMP, OVS_DP_CMD_GET, 0);
	((struct nlmsghdr *)m.buf)->nlmsg_len = (uint32_t)m.len;
	if (send(fd, m.buf, m.len, 0) < 0)
		return 0;
	for (;;) {
		r = recv(fd, rbuf, sizeof(rbuf), 0);
		if (r <= 0)
			return count;
		for (n = (struct nlmsghdr *)rbuf; NLMSG_OK(n, (unsigned int)r); n = NLMSG_NEXT(n, r)) {
			struct nlattr *a;
			int rem;

			if (n->nlmsg_seq != seq)
				continue;
			if (n->nlmsg_type == NLMSG_DONE || n->nlmsg_type == NLMSG_ERROR)
				return count;
			rem = (int)n->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN -
			      (int)NLA_ALIGN(sizeof(struct ovs_header));
			for (a = (struct nlattr *)((char *)NLMSG_DATA(n) + GENL_HDRLEN +
						   NLA_ALIGN(sizeof(struct ovs_header)));
			     rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem;
			     rem -= NLA_ALIGN(a->nla_len),
			     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))
				if (a->nla_type == OVS_DP_ATTR_NAME && count < max)
					snprintf(names[count++], IFNAMSIZ, "%s",
						 (char *)a + NLA_HDRLEN);
		}
	}
}

static int dp_cmd(int cmd, const char *name)
{
	struct msg m;

	hdr(&m, fam[0], 0, (uint8_t)cmd, 0);
	attr(&m, OVS_DP_ATTR_NAME, name, strlen(name) + 1);
	if (cmd == OVS_DP_CMD_NEW) {
		uint32_t pid = 0;

		attr(&m, OVS_DP_ATTR_UPCALL_PID, &pid, 4);
	}
	return transact(&m);
}

int main(int argc, char **argv)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	unsigned long count, sent = 0, accepted = 0, refused = 0, remade = 0;
	struct timespec t0, t1;
	static char was[256][IFNAMSIZ], now[256][IFNAMSIZ];
	int i, before, after, dp_there;
	double secs;
	time_t end;

	if (argc < 4) {
		fprintf(stderr, "usage: genlfuzz DP MESSAGES SECONDS [SEED]\n");
		return 2;
	}
	dpname = argv[1];
	count = strtoul(argv[2], NULL, 0);
	end = time(NULL) + strtol(argv[3], NULL, 0);
	rng = argc > 4 ? strtoull(argv[4], NULL, 0) : (uint64_t)time(NULL) ^ (uint64_t)getpid() << 20;
	rng |= 1;
	printf("genlfuzz: seed %llu, %lu messages or %s s, datapath %s\n", (unsigned long long)rng,
	       count, argv[3], dpname);
	fflush(stdout);
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("genlfuzz: socket");
		return 2;
	}
	fam[0] = family_id(OVS_DATAPATH_FAMILY);
	fam[1] = family_id(OVS_VPORT_FAMILY);
	fam[2] = family_id(OVS_FLOW_FAMILY);
	fam[3] = family_id(OVS_PACKET_FAMILY);
	fam[4] = family_id(OVS_METER_FAMILY);
	if (fam[0] < 0 || fam[1] < 0 || fam[2] < 0 || fam[3] < 0 || fam[4] < 0) {
		fprintf(stderr, "genlfuzz: the ovs_* families are not there\n");
		return 2;
	}
	before = dp_names(was, 256);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (sent < count && time(NULL) < end) {
		struct msg m;
		int err, f;

		ifindex = (int)if_nametoindex(dpname);
		if (!ifindex) {
			dp_cmd(OVS_DP_CMD_NEW, dpname);
			remade++;
			continue;
		}
		if (below(5) == 0) {
			mutated(&m);
		} else {
			static const uint16_t flagsets[] = {
				0, NLM_F_CREATE, NLM_F_ECHO, NLM_F_DUMP, NLM_F_CREATE | NLM_F_ECHO,
			};
			uint16_t flags = flagsets[below(5)];
			int dp = below(10) ? ifindex : (below(2) ? 0 : (int)rnd());

			f = (int)below(5);
			/* no dump of a random command: only GET dumps */
			if (flags & NLM_F_DUMP)
				hdr(&m, fam[f], flags, f == 3 ? 1 : OVS_FLOW_CMD_GET, dp);
			else
				hdr(&m, fam[f], flags, (uint8_t)below(6), dp);
			rand_attrs(&m, f);
		}
		err = transact(&m);
		if (err == ETIMEDOUT) {
			fprintf(stderr, "genlfuzz: no answer in 5 s\n");
			return 1;
		}
		sent++;
		if (err) {
			refused++;
			by_errno[err & 255]++;
		} else {
			accepted++;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* every datapath a NEW made, whatever its name: those that were not there before */
	after = dp_names(now, 256);
	dp_there = 0;
	for (i = 0; i < after; i++) {
		int j, old = !strcmp(now[i], dpname);

		dp_there |= old;
		for (j = 0; j < before && !old; j++)
			old = !strcmp(now[i], was[j]);
		if (!old)
			dp_cmd(OVS_DP_CMD_DEL, now[i]);
	}
	/* the last messages may have deleted DP: the caller gets it back, as the loop would */
	if (!dp_there) {
		int err = dp_cmd(OVS_DP_CMD_NEW, dpname);

		if (err) {
			fprintf(stderr, "genlfuzz: making %s again: %s\n", dpname, strerror(err));
			return 1;
		}
		remade++;
	}
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("messages %lu in %.1f s: accepted %lu, refused %lu; %s made again %lu times; by errno:",
	       sent, secs, accepted, refused, dpname, remade);
	for (i = 0; i < 256; i++)
		if (by_errno[i])
			printf(" %s %lu", strerrorname_np(i) ?: "?", by_errno[i]);
	printf("\n");
	return 0;
}
