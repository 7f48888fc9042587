# One entry point. `make help` lists the targets.
#   KVER=<debian kernel release>  build for and boot another Debian kernel (default: linux-headers-amd64's)
#   KDIR=<kernel build tree>      build the modules against any tree, e.g. /lib/modules/$(uname -r)/build
#   KERNEL=debug                  the debug kernel (KASAN, lockdep, kmemleak ...) built from Debian's source
#   DIST=trixie                   Debian 13: its kernel, gcc and guest userland, from a root of that release
#   CMD='...'  SHARE=<dir>        for `make run`: one command in the guest; a host folder at /mnt/share

TOP    := $(CURDIR)
BUILD  := $(TOP)/build
SCRIPTS := $(TOP)/scripts
export KVER KDIR KERNEL DIST

# test tools: every tests/NAME.c is a static binary build/tools/NAME, installed in the image's /usr/bin
TOOLS   := $(patsubst tests/%.c,$(BUILD)/tools/%,$(wildcard tests/*.c))
# XDP programs for the tests: every tests/bpf/NAME.c is build/bpf/NAME.o (clang's BPF target), in the
# image's /bpf; the uapi's <asm/...> headers are under the multiarch include folder
BPF     := $(patsubst tests/bpf/%.c,$(BUILD)/bpf/%.o,$(wildcard tests/bpf/*.c))
BPF_CFLAGS := -O2 -g -Wall -Werror -target bpf -I/usr/include/$(shell $(CC) -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
# iproute2 plugins: ip looks for link_<kind>.so in IP_LIB_DIR (Debian's default below)
IPLIB   := $(BUILD)/ip/link_vpair.so $(BUILD)/ip/link_vswitch.so
IP_LIB_DIR ?= /usr/lib/x86_64-linux-gnu/ip

.PHONY: all modules tools plugins bpf image run qemu-test soak bench ovs-test check install deb deb-test clean help

all: modules tools plugins

help:
	@echo "make              build the modules and the test tools"
	@echo "make run          boot the guest, show the demo, then a shell (CMD='...' runs one command)"
	@echo "make qemu-test    boot the guest and run the whole test suite"
	@echo "make soak N=10    the test suite N times; prints how many runs passed"
	@echo "make bench        boot the guest and print the benchmark table"
	@echo "make ovs-test     Open vSwitch's own datapath tests on openvswitch.ko and on vswitch (OVS_TESTS='1 5')"
	@echo "make check        sparse (C=2) and W=1 with no warnings, and checkpatch"
	@echo "make install      install the modules (/lib/modules/<KVER>/extra) and the ip plugins"
	@echo "make deb          build/vdev-dkms_<version>_all.deb: the sources for DKMS, the ip plugins"
	@echo "make deb-test     the package built by DKMS for Debian 12 (6.1, 6.12) and 13, and the suite on each"
	@echo "make clean        remove everything generated"

# kbuild runs with KDIR resolved by the scripts (headers installed on demand)
modules:
	@$(SCRIPTS)/deps.sh build
	@[ "$(KERNEL)" != debug ] || $(SCRIPTS)/debug-kernel.sh
	@$(SCRIPTS)/kbuild.sh modules

tools: $(TOOLS)
$(BUILD)/tools/%: tests/%.c
	@$(SCRIPTS)/deps.sh build
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -Werror -pthread -static -o $@ $<

plugins: $(IPLIB)
$(BUILD)/ip/link_vpair.so: drivers/vpair/link_vpair.c include/iproute2/iproute2.h include/uapi/linux/vpair.h
$(BUILD)/ip/link_vswitch.so: switch/link_vswitch.c include/iproute2/iproute2.h include/uapi/linux/vswitch.h
$(IPLIB):
	@mkdir -p $(dir $@)
	$(CC) -shared -fPIC -O2 -Wall -Wextra -Werror -o $@ $<

# only the guest needs them: a plain `make` does not pull in clang
bpf: $(BPF)
$(BUILD)/bpf/%.o: tests/bpf/%.c
	@$(SCRIPTS)/deps.sh bpf
	@mkdir -p $(dir $@)
	clang $(BPF_CFLAGS) -c -o $@ $<

image: all bpf
	@$(SCRIPTS)/deps.sh image
	@$(SCRIPTS)/kernel.sh
	@$(SCRIPTS)/mkimage.sh

run: image
	@$(SCRIPTS)/deps.sh qemu
	@$(SCRIPTS)/run.sh

qemu-test: image
	@$(SCRIPTS)/deps.sh qemu
	@$(SCRIPTS)/qemu-test.sh

soak: image
	@$(SCRIPTS)/deps.sh qemu
	@$(SCRIPTS)/soak.sh

bench: image
	@$(SCRIPTS)/deps.sh qemu
	@$(SCRIPTS)/qemu.sh --log bench --timeout $${BENCH_TIMEOUT:-1800} -- \
		"BENCH_ROUNDS=$${BENCH_ROUNDS:-7} BENCH_SECONDS=$${BENCH_SECONDS:-3} BENCH_FILES='$${BENCH_FILES:-}' /bench/run.sh"

ovs-test: image
	@$(SCRIPTS)/deps.sh qemu
	@$(SCRIPTS)/ovs-test.sh

check:
	@$(SCRIPTS)/deps.sh build check
	@$(SCRIPTS)/check.sh

install: modules plugins
	@$(SCRIPTS)/kbuild.sh modules_install
	install -d $(DESTDIR)$(IP_LIB_DIR)
	install -m 0644 $(IPLIB) $(DESTDIR)$(IP_LIB_DIR)/

deb:
	@$(SCRIPTS)/deps.sh deb
	@$(SCRIPTS)/deb.sh >/dev/null

deb-test:
	@$(SCRIPTS)/deb-test.sh

clean:
	@$(SCRIPTS)/kbuild.sh clean 2>/dev/null || true
	rm -rf $(BUILD)
