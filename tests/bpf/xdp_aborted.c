// SPDX-License-Identifier: GPL-2.0
/*
 * XDP_ABORTED for every frame: a program's error exit. The frame is dropped as for XDP_DROP (and
 * counted with the XDP drops), and the xdp:xdp_exception tracepoint fires.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_aborted_prog(struct xdp_md *ctx)
{
	return XDP_ABORTED;
}

char _license[] SEC("license") = "GPL";
