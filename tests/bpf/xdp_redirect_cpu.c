// SPDX-License-Identifier: GPL-2.0
/*
 * XDP_REDIRECT to a CPU map: every frame goes to CPU 1's queue of cpu_map, where the map's kernel
 * thread builds it into an skb for the stack of the device it arrived on. Pinned by name, as
 * tx_port of xdp_redirect_map.c: iproute2 pins it as /sys/fs/bpf/xdp/globals/cpu_map, and
 *   bpftool map update pinned /sys/fs/bpf/xdp/globals/cpu_map key 1 0 0 0 value <qsize, 4 bytes LE> 0 0 0 0
 * gives CPU 1 a queue. An empty slot makes bpf_redirect_map() return XDP_ABORTED.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct bpf_cpumap_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} cpu_map SEC(".maps");

SEC("xdp")
int xdp_redirect_cpu_prog(struct xdp_md *ctx)
{
	return bpf_redirect_map(&cpu_map, 1, 0);
}

char _license[] SEC("license") = "GPL";
