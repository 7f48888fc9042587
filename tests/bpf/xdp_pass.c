// SPDX-License-Identifier: GPL-2.0
/* XDP_PASS for every frame: the frame goes on to the stack, through the driver's XDP path. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass_prog(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
