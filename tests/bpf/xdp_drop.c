// SPDX-License-Identifier: GPL-2.0
/* XDP_DROP for every frame: nothing reaches the stack; the driver counts each as an XDP drop. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_drop_prog(struct xdp_md *ctx)
{
	return XDP_DROP;
}

char _license[] SEC("license") = "GPL";
