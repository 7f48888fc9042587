// SPDX-License-Identifier: GPL-2.0
/*
 * tap-hold: a packet tap that holds what it captures while a command runs, then reads it all.
 *
 *   tap-hold IFACE RCVBUF_MB -- CMD [ARG...]
 *
 * Opens a plain (not mmap) AF_PACKET socket on IFACE with a receive buffer of RCVBUF_MB MiB, runs
 * CMD to its end, and only then reads every frame the socket queued. Each queued frame is a clone
 * of the sent skb: if the receiver rewrote the shared skb_shinfo() meanwhile (GRO merging a clone),
 * the read fails with EFAULT or returns fewer bytes than the IPv4 header says the frame holds.
 * Prints one line:
 *
 *   frames N efault N errors N short N drops N
 *
 * (drops: frames the socket lost to a full buffer). Exits 0 when CMD succeeded, 1 when it failed,
 * 2 on a usage or socket error. Built static so it runs in the guest as is.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_FRAME 65536

static int open_tap(const char *ifname, int rcvbuf)
{
	struct sockaddr_ll sll = { 0 };
	int fd;

	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0) {
		perror("socket(AF_PACKET)");
		exit(2);
	}
	/* SO_RCVBUFFORCE goes beyond net.core.rmem_max (root only); SO_RCVBUF up to it otherwise */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf))) {
		perror("setsockopt(SO_RCVBUF)");
		exit(2);
	}
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = if_nametoindex(ifname);
	if (!sll.sll_ifindex) {
		fprintf(stderr, "tap-hold: no device %s\n", ifname);
		exit(2);
	}
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		perror("bind");
		exit(2);
	}
	return fd;
}

static int run(char **argv)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (!pid) {
		execvp(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0) {
		perror("waitpid");
		exit(2);
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	static unsigned char buf[MAX_FRAME];
	unsigned long frames = 0, efault = 0, errors = 0, shortf = 0;
	struct tpacket_stats st = { 0 };
	socklen_t stlen = sizeof(st);
	int fd, rc;

	if (argc < 5 || strcmp(argv[3], "--")) {
		fprintf(stderr, "usage: tap-hold IFACE RCVBUF_MB -- CMD [ARG...]\n");
		return 2;
	}
	fd = open_tap(argv[1], atoi(argv[2]) << 20);
	rc = run(argv + 4);

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
		struct ether_header *eth = (struct ether_header *)buf;

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			/* the failed read still took the frame off the queue */
			if (errno == EFAULT)
				efault++;
			else
				errors++;
			continue;
		}
		frames++;
		if (n > (ssize_t)sizeof(buf)) {
			shortf++;
			continue;
		}
		/* an IPv4 frame holds at least what its header says (more only as padding) */
		if (n >= (ssize_t)(sizeof(*eth) + 20) && eth->ether_type == htons(ETHERTYPE_IP)) {
			const unsigned char *ip = buf + sizeof(*eth);
			size_t tot_len = (size_t)ip[2] << 8 | ip[3];

			if ((size_t)n < sizeof(*eth) + tot_len)
				shortf++;
		}
	}
	getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &stlen);
	printf("frames %lu efault %lu errors %lu short %lu drops %u\n", frames, efault, errors, shortf,
	       st.tp_drops);
	close(fd);
	return rc;
}
