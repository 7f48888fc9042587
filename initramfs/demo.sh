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

echo
echo "== switch: a vport/flow datapath bridging the vpair and vnet ports =="
show modprobe vswitch
show ip link add sw0 type vswitch
show ip link add a0 type vpair peer name a1
show ip netns add A
show ip link set a1 netns A
show ip link add b0 type vpair peer name b1
show ip netns add B
show ip link set b1 netns B
show ip link set a0 master sw0
show ip link set b0 master sw0
show ip link set vnet0 master sw0
for d in sw0 a0 b0 vnet0; do ip link set $d up; done
show ip -n A addr add 10.5.0.1/24 dev a1
show ip -n A link set a1 up
show ip -n B addr add 10.5.0.2/24 dev b1
show ip -n B link set b1 up
show ip netns exec A ping -c 3 -i 0.2 10.5.0.2
show ip netns exec A ping -c 3 -i 0.2 10.5.0.99
show ip addr add 10.5.0.254/24 dev sw0
show ping -c 3 -i 0.2 10.5.0.1
show ip link show master sw0
show ip -d link show sw0
show ethtool -S sw0
show ip -s link show sw0

echo
echo "== the same switch through ovs-dpctl (Open vSwitch's datapath interface): flows, then the learning switch =="
show ip link del sw0
show ovs-dpctl add-dp dp0
show ovs-dpctl add-if dp0 a0
show ovs-dpctl add-if dp0 b0
show ovs-dpctl add-if dp0 int1,type=internal
show ovs-dpctl add-flow dp0 'in_port(1),eth(),eth_type(0x0800),ipv4(dst=10.5.0.2/255.255.255.255)' 2
show ovs-dpctl add-flow dp0 'in_port(1),eth(),eth_type(0x0806),arp()' 2
show ip netns exec A ping -c 3 -i 0.2 10.5.0.2
show ovs-dpctl dump-flows dp0
show ovs-dpctl show dp0
show ip link show master dp0
