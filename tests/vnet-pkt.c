// SPDX-License-Identifier: GPL-2.0
/*
 * vnet-pkt: put raw Ethernet frames on a device (AF_PACKET) for the tests.
 *
 *   vnet-pkt [--bypass] send IFACE HEX [COUNT]      send the frame COUNT times (default 1)
 *   vnet-pkt [--bypass] xchg IFACE HEX [TIMEOUT_MS] send it, print the first frame received on IFACE
 *                                                   in hex (exit 1 when nothing arrives in time)
 *   vnet-pkt [--bypass] fuzz IFACE SEED COUNT HEX...  send COUNT frames made from the given templates
 *                                                   by random truncation, byte flips and length-field
 *                                                   damage
 *   vnet-pkt [--bypass] flood IFACE HEX [SECONDS]   print "flooding" once bound to IFACE, send the
 *                                                   frame over and over until IFACE is gone, then
 *                                                   print "sent N" (exit 0); exit 1 if IFACE is
 *                                                   still there after SECONDS (default 60)
 *
 * --bypass sets PACKET_QDISC_BYPASS: the frames go from the socket straight to the driver's
 * ndo_start_xmit, past the qdisc layer and its synchronisation with the device going down.
 *
 * HEX may contain spaces, ':' and '.' between bytes. Built static so it runs in the guest as is.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FRAME 65536

/* @proto 0: a socket that only sends (no receive hook, so no copy of every frame on IFACE). */
static int open_socket(const char *ifname, struct sockaddr_ll *sll, uint16_t proto, int bypass)
{
	int fd = socket(AF_PACKET, SOCK_RAW, htons(proto));

	if (fd < 0) {
		perror("socket(AF_PACKET)");
		exit(2);
	}
	if (bypass && setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &bypass, sizeof(bypass)) < 0) {
		perror("PACKET_QDISC_BYPASS");
		exit(2);
	}
	memset(sll, 0, sizeof(*sll));
	sll->sll_family = AF_PACKET;
	sll->sll_protocol = htons(proto);
	sll->sll_ifindex = if_nametoindex(ifname);
	if (!sll->sll_ifindex) {
		fprintf(stderr, "no device %s\n", ifname);
		exit(2);
	}
	if (bind(fd, (struct sockaddr *)sll, sizeof(*sll)) < 0) {
		perror("bind");
		exit(2);
	}
	return fd;
}

static size_t parse_hex(const char *s, unsigned char *out, size_t max)
{
	size_t n = 0;
	int half = -1;

	for (; *s; s++) {
		int v;

		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else if (*s == ' ' || *s == ':' || *s == '.' || *s == '\n')
			continue;
		else {
			fprintf(stderr, "bad hex character '%c'\n", *s);
			exit(2);
		}
		if (half < 0) {
			half = v;
			continue;
		}
		if (n == max) {
			fprintf(stderr, "frame longer than %zu bytes\n", max);
			exit(2);
		}
		out[n++] = (unsigned char)(half << 4 | v);
		half = -1;
	}
	if (half >= 0) {
		fprintf(stderr, "odd number of hex digits\n");
		exit(2);
	}
	return n;
}

static void send_frame(int fd, const unsigned char *frame, size_t len)
{
	if (send(fd, frame, len, 0) < 0 && errno != ENOBUFS) {
		perror("send");
		exit(2);
	}
}

/*
 * The receive path moves an outer VLAN tag out of the frame into skb->vlan_tci; AF_PACKET hands it
 * back as auxdata. Put it back in place so the caller sees the frame as it was on the wire.
 */
static ssize_t recv_frame(int fd, unsigned char *buf, size_t size)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl;
	struct sockaddr_ll from;
	struct iovec iov = { .iov_base = buf + 4, .iov_len = size - 4 };
	struct msghdr msg = {
		.msg_name = &from, .msg_namelen = sizeof(from),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = &ctl, .msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *cmsg;
	ssize_t got = recvmsg(fd, &msg, 0);

	if (got < 0 || from.sll_pkttype == PACKET_OUTGOING)
		return -1;
	memmove(buf, buf + 4, got);
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		struct tpacket_auxdata aux;
		uint16_t tag[2];

		if (cmsg->cmsg_level != SOL_PACKET || cmsg->cmsg_type != PACKET_AUXDATA)
			continue;
		memcpy(&aux, CMSG_DATA(cmsg), sizeof(aux));
		if (!(aux.tp_status & TP_STATUS_VLAN_VALID) || got < 12)
			continue;
		tag[0] = htons(aux.tp_status & TP_STATUS_VLAN_TPID_VALID ? aux.tp_vlan_tpid : 0x8100);
		tag[1] = htons(aux.tp_vlan_tci);
		memmove(buf + 16, buf + 12, got - 12);
		memcpy(buf + 12, tag, 4);
		got += 4;
	}
	return got;
}

static int cmd_xchg(int fd, const unsigned char *frame, size_t len, int timeout_ms)
{
	static unsigned char buf[MAX_FRAME];
	struct timespec start, now;
	int on = 1;

	if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &on, sizeof(on)) < 0) {
		perror("PACKET_AUXDATA");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	send_frame(fd, frame, len);
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int left, i;
		ssize_t got;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = timeout_ms - (int)((now.tv_sec - start.tv_sec) * 1000 +
					  (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0 || poll(&pfd, 1, left) <= 0)
			return 1;
		got = recv_frame(fd, buf, sizeof(buf));
		if (got < 0)
			continue;
		for (i = 0; i < got; i++)
			printf("%02x", buf[i]);
		printf("\n");
		return 0;
	}
}

static int cmd_fuzz(int fd, unsigned int seed, long count, char **templates, int ntemplates)
{
	static unsigned char tmpl[MAX_FRAME], frame[MAX_FRAME];
	long i;

	srandom(seed);
	for (i = 0; i < count; i++) {
		size_t len = parse_hex(templates[random() % ntemplates], tmpl, sizeof(tmpl));
		int flips = random() % 4, f;

		memcpy(frame, tmpl, len);
		/* damage past the Ethernet addresses, where the parsers are */
		for (f = 0; f < flips && len > 14; f++)
			frame[12 + random() % (len - 12)] = (unsigned char)random();
		switch (random() % 3) {
		case 0: /* truncate anywhere, down to an empty Ethernet payload */
			len = 14 + (len > 14 ? random() % (len - 13) : 0);
			break;
		case 1: /* pad with garbage */
			while (len < sizeof(frame) && len < 1600 && random() % 8)
				frame[len++] = (unsigned char)random();
			break;
		}
		send_frame(fd, frame, len);
	}
	return 0;
}

/*
 * The socket stays bound to IFACE while it goes away: the kernel then answers ENETDOWN while it is
 * down and ENXIO once it is unregistered (the binding's ifindex is gone).
 */
static int cmd_flood(int fd, const unsigned char *frame, size_t len, int seconds)
{
	struct timespec start, now;
	unsigned long sent = 0, tries;
	int sndbuf = 64 << 20;

	/*
	 * A frame the device holds on to (a deferred answer) keeps its share of the send buffer: make
	 * room, so that the flood does not wait for it. SO_SNDBUFFORCE needs CAP_NET_ADMIN; without
	 * it the default buffer serves, only more slowly.
	 */
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf));
	/* bound: the device can go now, this flooder will see it go */
	printf("flooding\n");
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (tries = 1;; tries++) {
		if (send(fd, frame, len, 0) >= 0)
			sent++;
		else if (errno == ENXIO || errno == ENODEV)
			break;
		else if (errno != ENETDOWN && errno != ENOBUFS && errno != EAGAIN) {
			perror("send");
			return 2;
		}
		if (tries % 256)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= seconds) {
			fprintf(stderr, "device still there after %d s (sent %lu)\n", seconds, sent);
			return 1;
		}
	}
	printf("sent %lu\n", sent);
	return 0;
}

int main(int argc, char **argv)
{
	static unsigned char frame[MAX_FRAME];
	struct sockaddr_ll sll;
	int fd, bypass = 0;
	size_t len;

	if (argc > 1 && !strcmp(argv[1], "--bypass")) {
		bypass = 1;
		argv++;
		argc--;
	}
	if (argc < 4) {
		fprintf(stderr, "usage: vnet-pkt [--bypass] send|xchg IFACE HEX [COUNT|TIMEOUT_MS]\n"
				"       vnet-pkt [--bypass] fuzz IFACE SEED COUNT HEX...\n"
				"       vnet-pkt [--bypass] flood IFACE HEX [SECONDS]\n");
		return 2;
	}
	fd = open_socket(argv[2], &sll, strcmp(argv[1], "flood") ? ETH_P_ALL : 0, bypass);
	if (!strcmp(argv[1], "fuzz")) {
		if (argc < 6)
			return 2;
		return cmd_fuzz(fd, (unsigned int)strtoul(argv[3], NULL, 0),
				strtol(argv[4], NULL, 0), argv + 5, argc - 5);
	}
	len = parse_hex(argv[3], frame, sizeof(frame));
	if (!strcmp(argv[1], "send")) {
		long n = argc > 4 ? strtol(argv[4], NULL, 0) : 1;

		while (n-- > 0)
			send_frame(fd, frame, len);
		return 0;
	}
	if (!strcmp(argv[1], "xchg"))
		return cmd_xchg(fd, frame, len, argc > 4 ? atoi(argv[4]) : 1000);
	if (!strcmp(argv[1], "flood"))
		return cmd_flood(fd, frame, len, argc > 4 ? atoi(argv[4]) : 60);
	fprintf(stderr, "unknown command %s\n", argv[1]);
	return 2;
}
