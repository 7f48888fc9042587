// SPDX-License-Identifier: GPL-2.0
/*
 * tstamp-hold: keeps the kernel's receive timestamps wanted (netstamp_needed_key on) while it runs,
 * so that the static key does not flip each time a ping (SO_TIMESTAMP) starts or ends.
 *
 *   tstamp-hold
 *
 * Opens a UDP socket with SO_TIMESTAMP and sleeps until killed. Why: every flip of a static key
 * patches kernel text with int3 while the other vCPU runs it, and QEMU's multi-threaded TCG now and
 * then runs a stale translation of such text: an "Oops: int3" at code that is no longer int3 (seen
 * twice in a day on 6.12, both at netstamp_needed_key's branches in netif_rx_internal() and
 * __netif_receive_skb_core()). tests/run.sh starts it before the suite. Built static.
 */
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0), on = 1;

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_TIMESTAMP, &on, sizeof(on)) < 0) {
		perror("tstamp-hold");
		return 1;
	}
	for (;;)
		pause();
}
