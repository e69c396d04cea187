/* Runs every seccomp filter nono builds (each option set) through a small
 * classic-BPF interpreter, for every system call number up to 1023 and
 * argument values that reach each branch, and checks that what the filter
 * answers is what its tables say: a refused call EPERM whatever its
 * arguments, an unimplemented one ENOSYS, a call the tables do not name
 * allowed whatever its arguments, x32 numbers and other architectures
 * killed.  (The calls looked at by argument are tried in the kernel by
 * seccomp_spec.)  Prints "ok", or each disagreement, and the program's
 * length per option set. */
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

#include "../../src/seccomp.h"

#define BAD 0xdeadU /* an instruction the filter should not hold */

#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#define FOREIGN AUDIT_ARCH_I386
#define X32_BIT 0x40000000U
#else
#define ARCH AUDIT_ARCH_AARCH64
#define FOREIGN AUDIT_ARCH_ARM
#define X32_BIT 0U
#endif

static uint32_t run(const struct sock_fprog *p, const struct seccomp_data *d)
{
	uint32_t a = 0;
	for (unsigned pc = 0; pc < p->len; pc++) {
		const struct sock_filter *f = &p->filter[pc];
		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (f->k + 4 > sizeof(*d))
				return BAD;
			memcpy(&a, (const char *)d + f->k, 4);
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += a == f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			pc += a >= f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			pc += a > f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			pc += (a & f->k) ? f->jt : f->jf;
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			a &= f->k;
			break;
		case BPF_RET | BPF_K:
			return f->k;
		default:
			return BAD;
		}
	}
	return BAD; /* ran off the end */
}

static int in(const struct seccomp_rule *t, uint32_t nr)
{
	for (; t->name; t++)
		if ((uint32_t)t->nr == nr)
			return 1;
	return 0;
}

/* The calls the floor's filter looks at too (seccomp.c, not in the
 * tables): their answers depend on the arguments. */
static int floor_only(uint32_t nr)
{
	return nr == SYS_sched_setaffinity || nr == SYS_sched_setscheduler ||
	       nr == SYS_sched_setparam || nr == SYS_sched_setattr || nr == SYS_kill;
}

int main(void)
{
	static const uint64_t vals[] = { 0, 1, 2, 3, 10, 0x80, 0x800, 0x5412, 04000,
					 02000, 0x10000000, 0x80000000, 0xffffffff,
					 0xffffffff00000000ULL };
	const int nv = (int)(sizeof(vals) / sizeof(vals[0]));
	int bad = 0;

	for (unsigned opts = 0; opts < 8; opts++) {
		struct sock_filter insns[SECCOMP_MAX_INSNS];
		struct sock_fprog prog;
		if (seccomp_build_filter(opts, insns, SECCOMP_MAX_INSNS, &prog) != 0) {
			printf("options %u: the filter was not built\n", opts);
			return 1;
		}
		printf("options %u: %u instructions\n", opts, prog.len);
		for (uint32_t nr = 0; nr < 1024; nr++) {
			uint32_t want;
			if (in(seccomp_denied, nr))
				want = SECCOMP_RET_ERRNO | EPERM;
			else if (in(seccomp_unimplemented, nr))
				want = SECCOMP_RET_ERRNO | ENOSYS;
			else if (in(seccomp_by_argument, nr) ||
				 ((opts & SECCOMP_OPT_FLOOR) && floor_only(nr)))
				want = 0; /* depends: only killed or BAD is wrong */
			else
				want = SECCOMP_RET_ALLOW;
			for (int i = 0; i < nv; i++)
				for (int j = 0; j < nv; j++) {
					struct seccomp_data d = { .nr = (int)nr, .arch = ARCH };
					for (int k = 0; k < 6; k++)
						d.args[k] = vals[(i + k * j) % nv];
					uint32_t got = run(&prog, &d);
					int wrong = want ? got != want
							 : (got == BAD || got == SECCOMP_RET_KILL_PROCESS);
					/* x32 numbers and other architectures: killed */
					if (X32_BIT) {
						d.nr = (int)(nr | X32_BIT);
						wrong |= run(&prog, &d) != SECCOMP_RET_KILL_PROCESS;
						d.nr = (int)nr;
					}
					d.arch = FOREIGN;
					wrong |= run(&prog, &d) != SECCOMP_RET_KILL_PROCESS;
					if (wrong && bad++ < 20)
						printf("options %u: call %u answered %#x\n", opts, nr, got);
				}
		}
	}
	puts(bad ? "wrong" : "ok");
	return bad != 0;
}
