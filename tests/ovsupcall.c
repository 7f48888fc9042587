// SPDX-License-Identifier: GPL-2.0
/*
 * ovsupcall: a minimal Open vSwitch datapath listener, for the tests: it takes a port's misses
 * (OVS_PACKET_CMD_MISS) and the userspace action's copies (OVS_PACKET_CMD_ACTION), and sends
 * each missed packet back down with OVS_PACKET_CMD_EXECUTE to be output on another port, as
 * ovs-vswitchd would after deciding where it goes.
 *
 *   ovsupcall listen DP PORT OUT COUNT SECONDS
 *	sets PORT's upcall PID to this socket, prints "listening pid P", then handles upcalls
 *	until COUNT of them (misses and actions) or SECONDS; for each miss, executes output:OUT on the packet (with the
 *	miss's in_port). Sets the PID back to 0 and prints
 *	"misses M actions A executed E refused R last-userdata HEX bad-keys B last-actions T,...",
 *	the last the action types of the last ACTIONS an action upcall carried ("-" for none).
 *   ovsupcall setpid DP PORT PID
 *	sets PORT's upcall PID (a PID nobody listens on makes misses lost).
 *   ovsupcall addport DP DEVICE PID
 *	adds DEVICE to DP as a netdev port with upcall PID (OVS_VPORT_CMD_NEW, as ovs-vswitchd does).
 *   ovsupcall watch DP COUNT SECONDS
 *	joins ovs_vport's multicast group, prints "watching", then one line per notification about
 *	DP's ports, "CMD PORT NAME pid PID" (CMD is new, del, set or get), until COUNT or SECONDS.
 *
 * A miss whose KEY lacks IN_PORT or ETHERNET, or names another port, counts as a bad key. Exit 0
 * when all went as described, 1 otherwise, 2 on a usage or socket error. Built static.
 */
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

#define BUF	70000

static int fd;		/* requests and their acks */
static int lfd;		/* upcalls: the PID a port sends to */
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
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	if (len)
		memcpy(put(m, len), data, len);
	return a;
}

static void nest_end(struct msg *m, struct nlattr *a)
{
	a->nla_len = (uint16_t)(m->buf + m->len - (char *)a);
}

static struct ovs_header *hdr(struct msg *m, int family, uint16_t flags, uint8_t cmd, int ifindex)
{
	struct nlmsghdr *n;
	struct genlmsghdr *g;
	struct ovs_header *oh;

	m->len = 0;
	n = put(m, NLMSG_HDRLEN);
	n->nlmsg_type = (uint16_t)family;
	n->nlmsg_flags = NLM_F_REQUEST | flags;
	n->nlmsg_seq = ++seq;
	g = put(m, GENL_HDRLEN);
	g->cmd = cmd;
	g->version = 1;
	if (ifindex < 0)
		return NULL;
	oh = put(m, sizeof(*oh));
	oh->dp_ifindex = ifindex;
	return oh;
}

/* Sends @m and waits for its answer: the errno of its ack (0), or -1 on a socket error. */
static int transact(struct msg *m)
{
	static char rbuf[BUF];
	struct nlmsghdr *n;
	ssize_t r;

	((struct nlmsghdr *)m->buf)->nlmsg_len = (uint32_t)m->len;
	if (send(fd, m->buf, m->len, 0) < 0)
		return -1;
	for (;;) {
		r = recv(fd, rbuf, sizeof(rbuf), 0);
		if (r < 0)
			return -1;
		for (n = (struct nlmsghdr *)rbuf; NLMSG_OK(n, (unsigned int)r); n = NLMSG_NEXT(n, r))
			if (n->nlmsg_seq == seq && n->nlmsg_type == NLMSG_ERROR)
				return -((struct nlmsgerr *)NLMSG_DATA(n))->error;
	}
}

#define for_each_attr(a, start, len)						\
	for (a = (struct nlattr *)(start); (len) >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && \
	     a->nla_len <= (len);						\
	     len -= NLA_ALIGN(a->nla_len), a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))

/* CTRL_CMD_GETFAMILY for @name: its reply (in a static buffer), NULL on an error. */
static struct nlmsghdr *get_family(const char *name)
{
	static char rbuf[BUF];
	struct nlmsghdr *n = (struct nlmsghdr *)rbuf;
	struct msg m;
	ssize_t r;

	hdr(&m, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY, -1);
	attr(&m, CTRL_ATTR_FAMILY_NAME, name, strlen(name) + 1);
	((struct nlmsghdr *)m.buf)->nlmsg_len = (uint32_t)m.len;
	if (send(fd, m.buf, m.len, 0) < 0)
		return NULL;
	r = recv(fd, rbuf, sizeof(rbuf), 0);
	if (r < (ssize_t)NLMSG_HDRLEN || n->nlmsg_type == NLMSG_ERROR)
		return NULL;
	return n;
}

static int family_id(const char *name)
{
	struct nlmsghdr *n = get_family(name);
	struct nlattr *a;
	int rem;

	if (!n)
		return -1;
	rem = (int)n->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	for_each_attr(a, (char *)NLMSG_DATA(n) + GENL_HDRLEN, rem)
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			return *(uint16_t *)((char *)a + NLA_HDRLEN);
	return -1;
}

/* The id of multicast group @group of family @name, or -1. */
static int mcast_group(const char *name, const char *group)
{
	struct nlmsghdr *n = get_family(name);
	struct nlattr *a, *g, *f;
	int rem, grem, frem, id;

	if (!n)
		return -1;
	rem = (int)n->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	for_each_attr(a, (char *)NLMSG_DATA(n) + GENL_HDRLEN, rem) {
		if ((a->nla_type & NLA_TYPE_MASK) != CTRL_ATTR_MCAST_GROUPS)
			continue;
		grem = a->nla_len - NLA_HDRLEN;
		for_each_attr(g, (char *)a + NLA_HDRLEN, grem) {
			const char *gname = NULL;

			id = -1;
			frem = g->nla_len - NLA_HDRLEN;
			for_each_attr(f, (char *)g + NLA_HDRLEN, frem) {
				if (f->nla_type == CTRL_ATTR_MCAST_GRP_NAME)
					gname = (char *)f + NLA_HDRLEN;
				else if (f->nla_type == CTRL_ATTR_MCAST_GRP_ID)
					id = (int)*(uint32_t *)((char *)f + NLA_HDRLEN);
			}
			if (gname && !strcmp(gname, group))
				return id;
		}
	}
	return -1;
}

/* Prints DP's port notifications arriving on @lfd until @count of them or @end. */
static int watch(int vport_family, int ifindex, unsigned long count, time_t end)
{
	static const char *const cmds[] = {
		[OVS_VPORT_CMD_NEW] = "new", [OVS_VPORT_CMD_DEL] = "del",
		[OVS_VPORT_CMD_GET] = "get", [OVS_VPORT_CMD_SET] = "set",
	};
	static char rbuf[BUF];
	unsigned long seen = 0;
	int group = mcast_group(OVS_VPORT_FAMILY, OVS_VPORT_MCGROUP);

	if (group < 0 || setsockopt(lfd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
				    sizeof(group)) < 0) {
		fprintf(stderr, "ovsupcall: joining %s: %s\n", OVS_VPORT_MCGROUP, strerror(errno));
		return 2;
	}
	printf("watching\n");
	fflush(stdout);
	while (seen < count && time(NULL) < end) {
		struct pollfd pfd = { .fd = lfd, .events = POLLIN };
		struct nlmsghdr *n;
		ssize_t r;

		if (poll(&pfd, 1, 200) <= 0)
			continue;
		r = recv(lfd, rbuf, sizeof(rbuf), MSG_DONTWAIT);
		for (n = (struct nlmsghdr *)rbuf; r > 0 && NLMSG_OK(n, (unsigned int)r);
		     n = NLMSG_NEXT(n, r)) {
			struct genlmsghdr *g = NLMSG_DATA(n);
			struct ovs_header *oh = (struct ovs_header *)((char *)g + GENL_HDRLEN);
			const char *name = "-";
			long port = -1, pid = -1;
			struct nlattr *a;
			int rem;

			if (n->nlmsg_type != vport_family || oh->dp_ifindex != ifindex)
				continue;
			rem = (int)n->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN -
			      (int)NLA_ALIGN(sizeof(*oh));
			for_each_attr(a, (char *)oh + NLA_ALIGN(sizeof(*oh)), rem) {
				if (a->nla_type == OVS_VPORT_ATTR_NAME)
					name = (char *)a + NLA_HDRLEN;
				else if (a->nla_type == OVS_VPORT_ATTR_PORT_NO)
					port = *(uint32_t *)((char *)a + NLA_HDRLEN);
				else if (a->nla_type == OVS_VPORT_ATTR_UPCALL_PID)
					pid = *(uint32_t *)((char *)a + NLA_HDRLEN);
			}
			printf("%s %ld %s pid %ld\n", g->cmd <= OVS_VPORT_CMD_SET && cmds[g->cmd] ?
			       cmds[g->cmd] : "?", port, name, pid);
			fflush(stdout);
			seen++;
		}
	}
	return seen < count ? 1 : 0;
}

static int set_pid(int vport_family, int ifindex, uint32_t port, uint32_t pid)
{
	struct msg m;

	hdr(&m, vport_family, NLM_F_ACK, OVS_VPORT_CMD_SET, ifindex);
	attr(&m, OVS_VPORT_ATTR_PORT_NO, &port, sizeof(port));
	attr(&m, OVS_VPORT_ATTR_UPCALL_PID, &pid, sizeof(pid));
	return transact(&m);
}

int main(int argc, char **argv)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int vport_family, packet_family, ifindex, bufsize = 4 << 20;
	unsigned long misses = 0, actions = 0, executed = 0, refused = 0, bad = 0, count;
	uint32_t port, out;
	char userdata[80] = "-", acts[80] = "-";
	socklen_t salen = sizeof(sa);
	time_t end;
	static char rbuf[BUF];

	if (argc < 5 || (strcmp(argv[1], "listen") && strcmp(argv[1], "setpid") &&
			 strcmp(argv[1], "addport") && strcmp(argv[1], "watch")) ||
	    (!strcmp(argv[1], "listen") && argc < 7)) {
		fprintf(stderr, "usage: ovsupcall listen DP PORT OUT COUNT SECONDS | setpid DP PORT PID |\n"
			"       addport DP DEVICE PID | watch DP COUNT SECONDS\n");
		return 2;
	}
	ifindex = (int)if_nametoindex(argv[2]);
	port = (uint32_t)strtoul(argv[3], NULL, 0);
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	lfd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (!ifindex || fd < 0 || lfd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &salen) < 0) {
		fprintf(stderr, "ovsupcall: %s: %s\n", argv[2], strerror(errno));
		return 2;
	}
	setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof(bufsize));
	vport_family = family_id(OVS_VPORT_FAMILY);
	packet_family = family_id(OVS_PACKET_FAMILY);
	if (vport_family < 0 || packet_family < 0) {
		fprintf(stderr, "ovsupcall: no ovs_vport/ovs_packet family\n");
		return 2;
	}
	if (!strcmp(argv[1], "watch"))
		return watch(vport_family, ifindex, strtoul(argv[3], NULL, 0),
			     time(NULL) + strtol(argv[4], NULL, 0));
	if (!strcmp(argv[1], "addport")) {
		uint32_t type = OVS_VPORT_TYPE_NETDEV, pid = (uint32_t)strtoul(argv[4], NULL, 0);
		struct msg m;
		int err;

		hdr(&m, vport_family, NLM_F_ACK, OVS_VPORT_CMD_NEW, ifindex);
		attr(&m, OVS_VPORT_ATTR_NAME, argv[3], strlen(argv[3]) + 1);
		attr(&m, OVS_VPORT_ATTR_TYPE, &type, sizeof(type));
		attr(&m, OVS_VPORT_ATTR_UPCALL_PID, &pid, sizeof(pid));
		err = transact(&m);
		if (err)
			fprintf(stderr, "ovsupcall: adding %s: %s\n", argv[3], strerror(err));
		return err ? 1 : 0;
	}
	if (!strcmp(argv[1], "setpid")) {
		int err = set_pid(vport_family, ifindex, port, (uint32_t)strtoul(argv[4], NULL, 0));

		if (err)
			fprintf(stderr, "ovsupcall: setting the PID: %s\n", strerror(err));
		return err ? 1 : 0;
	}
	out = (uint32_t)strtoul(argv[4], NULL, 0);
	count = strtoul(argv[5], NULL, 0);
	end = time(NULL) + strtol(argv[6], NULL, 0);
	if (set_pid(vport_family, ifindex, port, sa.nl_pid)) {
		fprintf(stderr, "ovsupcall: setting the PID failed\n");
		return 2;
	}
	printf("listening pid %u\n", sa.nl_pid);
	fflush(stdout);

	while (misses + actions < count && time(NULL) < end) {
		struct pollfd pfd = { .fd = lfd, .events = POLLIN };
		struct nlmsghdr *n;
		ssize_t r;

		if (poll(&pfd, 1, 200) <= 0)
			continue;
		r = recv(lfd, rbuf, sizeof(rbuf), MSG_DONTWAIT);
		if (r < 0)
			continue;
		for (n = (struct nlmsghdr *)rbuf; NLMSG_OK(n, (unsigned int)r); n = NLMSG_NEXT(n, r)) {
			struct genlmsghdr *g = NLMSG_DATA(n);
			struct nlattr *a, *packet = NULL, *key = NULL, *ud = NULL, *k, *al = NULL;
			int rem, krem, in_port = -1, eth = 0;

			if (n->nlmsg_type != packet_family)
				continue;
			rem = (int)n->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN -
			      (int)NLA_ALIGN(sizeof(struct ovs_header));
			for_each_attr(a, (char *)g + GENL_HDRLEN + NLA_ALIGN(sizeof(struct ovs_header)),
				      rem) {
				if (a->nla_type == OVS_PACKET_ATTR_PACKET)
					packet = a;
				else if ((a->nla_type & NLA_TYPE_MASK) == OVS_PACKET_ATTR_KEY)
					key = a;
				else if (a->nla_type == OVS_PACKET_ATTR_USERDATA)
					ud = a;
				else if ((a->nla_type & NLA_TYPE_MASK) == OVS_PACKET_ATTR_ACTIONS)
					al = a;
			}
			if (key) {
				krem = key->nla_len - NLA_HDRLEN;
				for_each_attr(k, (char *)key + NLA_HDRLEN, krem) {
					if (k->nla_type == OVS_KEY_ATTR_IN_PORT)
						in_port = (int)*(uint32_t *)((char *)k + NLA_HDRLEN);
					if (k->nla_type == OVS_KEY_ATTR_ETHERNET)
						eth = 1;
				}
			}
			if (g->cmd == OVS_PACKET_CMD_ACTION) {
				actions++;
				if (al) {
					int arem = al->nla_len - NLA_HDRLEN, off = 0;
					struct nlattr *x;

					acts[0] = 0;
					for_each_attr(x, (char *)al + NLA_HDRLEN, arem)
						if (off < 70)
							off += sprintf(acts + off, "%s%d", off ? "," : "",
								       x->nla_type & NLA_TYPE_MASK);
				}
				if (ud) {
					int i, len = ud->nla_len - NLA_HDRLEN;

					for (i = 0; i < len && i < 32; i++)
						sprintf(userdata + 2 * i, "%02x",
							((unsigned char *)ud + NLA_HDRLEN)[i]);
				}
				continue;
			}
			if (g->cmd != OVS_PACKET_CMD_MISS)
				continue;
			misses++;
			if (!packet || !key || !eth || in_port != (int)port) {
				bad++;
				continue;
			}
			{
				struct msg m;
				struct nlattr *nest;
				uint32_t ip = (uint32_t)in_port;

				hdr(&m, packet_family, NLM_F_ACK, OVS_PACKET_CMD_EXECUTE, ifindex);
				attr(&m, OVS_PACKET_ATTR_PACKET, (char *)packet + NLA_HDRLEN,
				     packet->nla_len - NLA_HDRLEN);
				nest = attr(&m, OVS_PACKET_ATTR_KEY, NULL, 0);
				attr(&m, OVS_KEY_ATTR_IN_PORT, &ip, sizeof(ip));
				nest_end(&m, nest);
				nest = attr(&m, OVS_PACKET_ATTR_ACTIONS, NULL, 0);
				attr(&m, OVS_ACTION_ATTR_OUTPUT, &out, sizeof(out));
				nest_end(&m, nest);
				if (transact(&m))
					refused++;
				else
					executed++;
			}
		}
	}
	set_pid(vport_family, ifindex, port, 0);
	printf("misses %lu actions %lu executed %lu refused %lu last-userdata %s bad-keys %lu "
	       "last-actions %s\n", misses, actions, executed, refused, userdata, bad, acts);
	return refused || bad || misses + actions < count ? 1 : 0;
}
