// SPDX-License-Identifier: GPL-2.0
/*
 * XDP_REDIRECT through a device map: every frame leaves by the device in slot 0 of tx_port (its
 * ndo_xdp_xmit). The map is pinned by name, so that it outlives `ip` and the test can fill it:
 * iproute2 pins it as /sys/fs/bpf/xdp/globals/tx_port, and
 *   bpftool map update pinned /sys/fs/bpf/xdp/globals/tx_port key 0 0 0 0 value <ifindex, 4 bytes LE>
 * puts the target in. An empty slot makes bpf_redirect_map() return its flags' action bits:
 * XDP_ABORTED here, so frames are dropped (and counted as XDP drops) until the map is filled.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tx_port SEC(".maps");

SEC("xdp")
int xdp_redirect_map_prog(struct xdp_md *ctx)
{
	return bpf_redirect_map(&tx_port, 0, 0);
}

char _license[] SEC("license") = "GPL";
