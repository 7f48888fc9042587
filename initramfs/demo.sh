#!/bin/bash
# What `make run` shows: the devices created the way a user would, traffic through them, and their counters.
show() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

echo "== vnet: a NIC whose far end is a responder inside the driver =="
show modprobe vnet
show ip link set vnet0 up
show ip addr add 10.0.0.1/24 dev vnet0
show ip addr add fd00::1/64 dev vnet0
show ping -c 3 -i 0.2 10.0.0.2
show ping -c 3 -i 0.2 10.0.0.77
show ping -c 2 -s 8000 10.0.0.3
sleep 2   # IPv6 duplicate address detection
show ping -6 -c 3 -i 0.2 fd00::2
show ip neigh show dev vnet0
show ip -s link show vnet0
show ethtool -i vnet0
show ethtool -S vnet0

echo
echo "== vpair: a veth-style pair; what one end sends, the other receives =="
show ip link add vp0 type vpair peer name vp1
show ip netns add blue
show ip link set vp1 netns blue
show ip addr add 10.9.0.1/24 dev vp0
show ip link set vp0 up
show ip -n blue addr add 10.9.0.2/24 dev vp1
show ip -n blue link set vp1 up
show ping -c 3 -i 0.2 10.9.0.2
show ip netns exec blue ping -c 3 -i 0.2 10.9.0.1
show ip -d link show vp0
show ip -s link show vp0
show ip -n blue -s link show vp1
show ethtool -S vp0
