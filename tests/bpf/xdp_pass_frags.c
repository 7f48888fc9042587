// SPDX-License-Identifier: GPL-2.0
/*
 * XDP_PASS, from a program that declares it handles multi-buffer frames (SEC "xdp.frags": libbpf
 * loads it with BPF_F_XDP_HAS_FRAGS). A driver may then allow a peer MTU beyond one page.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp.frags")
int xdp_pass_frags_prog(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
