// SPDX-License-Identifier: GPL-2.0
/*
 * cx16: does the (emulated) CPU keep the flags that CMPXCHG16B leaves alone?
 * It only writes ZF; QEMU 7.2's TCG computed the others from a stale state,
 * and with a pointer in that state, RFLAGS' reserved and VM bits too, which
 * took guests down in the kernel's SLUB (scripts/qemu.sh says more).
 * Exit 0: no CMPXCHG16B (says so), or a million tries all right; 1: wrong.
 */
#include <cpuid.h>
#include <stdint.h>
#include <stdio.h>

int main(void)
{
	static unsigned __int128 v __attribute__((aligned(16)));
	unsigned int a, b, c, d;
	unsigned long bad = 0, n;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_CMPXCHG16B)) {
		printf("cx16: the CPU has no cmpxchg16b\n");
		return 0;
	}
	for (n = 0; n < 1000000; n++) {
		uint64_t flags, f0 = 0x203 | 0x80;	/* CF and SF, by popf */

		asm volatile("push %[f0]\n\tpopfq\n\t"
			     "xor %%eax, %%eax\n\t"	/* CF=0 SF=0 ZF=1 PF=1 */
			     "xor %%edx, %%edx\n\txor %%ebx, %%ebx\n\txor %%ecx, %%ecx\n\t"
			     "cmpxchg16b %[m]\n\t"	/* equal: ZF=1, the rest as they were */
			     "pushfq\n\tpop %[f]\n\t"
			     : [f] "=r"(flags), [m] "+m"(v)
			     : [f0] "r"(f0)
			     : "rax", "rbx", "rcx", "rdx", "cc");
		/* CF PF AF ZF SF OF and the reserved bits 22-63 */
		if ((flags & 0xffffffffffc008d5ul) != 0x44 && bad++ < 5)
			printf("cx16: flags after cmpxchg16b %#lx, expected PF ZF (0x44)\n",
			       (unsigned long)flags);
	}
	printf("cx16: %lu of %lu with wrong flags\n", bad, n);
	return bad != 0;
}
