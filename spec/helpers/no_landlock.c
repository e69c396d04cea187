/* nono-no-landlock ERRNO_NAME COMMAND [ARGS...]: run COMMAND on a kernel
 * that appears to have no Landlock.  A seccomp filter makes the three
 * Landlock syscalls fail with ENOSYS (as when the kernel lacks
 * CONFIG_SECURITY_LANDLOCK) or EOPNOTSUPP (as when Landlock is built in but
 * left out of lsm=).  With NOSECCOMP instead, seccomp(2) fails with EINVAL
 * (as on a kernel without CONFIG_SECCOMP_FILTER).  With NOUSERNS, unshare(2)
 * fails with EPERM (as where unprivileged user namespaces are turned off:
 * Ubuntu 24.04's AppArmor rule, most containers).  The specs run `nono`
 * under it to show that nono refuses to run a command it cannot sandbox.
 *
 * This is a test helper, not a security boundary: a process of another
 * architecture (or an x32 syscall) gets through the filter untouched.
 * Exit 2 on bad usage, 125 when the filter cannot be installed or COMMAND
 * cannot be executed; otherwise COMMAND replaces this process. */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#define EXIT_USAGE 2
#define EXIT_FAILED 125

/* x86_64 syscall numbers, fixed by the kernel's syscall table. */
#define NR_LANDLOCK_CREATE_RULESET 444
#define NR_LANDLOCK_ADD_RULE 445
#define NR_LANDLOCK_RESTRICT_SELF 446
#define NR_SECCOMP 317
#define NR_UNSHARE 272

#if defined(__x86_64__) && defined(__NR_landlock_create_ruleset)
_Static_assert(__NR_landlock_create_ruleset == NR_LANDLOCK_CREATE_RULESET,
	       "landlock_create_ruleset is not 444");
_Static_assert(__NR_landlock_add_rule == NR_LANDLOCK_ADD_RULE,
	       "landlock_add_rule is not 445");
_Static_assert(__NR_landlock_restrict_self == NR_LANDLOCK_RESTRICT_SELF,
	       "landlock_restrict_self is not 446");
_Static_assert(__NR_unshare == NR_UNSHARE, "unshare is not 272");
#endif

static void usage(void)
{
	fprintf(stderr,
		"usage: nono-no-landlock ENOSYS|EOPNOTSUPP|NOSECCOMP|NOUSERNS COMMAND [ARGS...]\n"
		"Runs COMMAND with Landlock's syscalls failing with that errno,\n"
		"(NOSECCOMP) with seccomp(2) failing with EINVAL, or (NOUSERNS)\n"
		"with unshare(2) failing with EPERM.\n");
}

/* Fail the syscalls numbered `nr[0..2]` with `err`. */
static int install_filter(const unsigned int nr[3], unsigned int err)
{
	/* Instruction indices, so each jump below can name its target:
	 * a conditional jump's offsets count from the next instruction. */
	enum {
		I_LOAD_ARCH,
		I_CHECK_ARCH,
		I_LOAD_NR,
		I_IS_CREATE,
		I_IS_ADD,
		I_IS_RESTRICT,
		I_DENY,
		I_ALLOW,
		I_COUNT
	};
	struct sock_filter prog[I_COUNT] = {
		[I_LOAD_ARCH] = BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					 offsetof(struct seccomp_data, arch)),
		[I_CHECK_ARCH] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
					  AUDIT_ARCH_X86_64, 0,
					  I_ALLOW - I_CHECK_ARCH - 1),
		[I_LOAD_NR] = BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
				       offsetof(struct seccomp_data, nr)),
		[I_IS_CREATE] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
					 nr[0],
					 I_DENY - I_IS_CREATE - 1, 0),
		[I_IS_ADD] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
				      nr[1],
				      I_DENY - I_IS_ADD - 1, 0),
		[I_IS_RESTRICT] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
					   nr[2],
					   I_DENY - I_IS_RESTRICT - 1,
					   I_ALLOW - I_IS_RESTRICT - 1),
		[I_DENY] = BPF_STMT(BPF_RET | BPF_K,
				    SECCOMP_RET_ERRNO | (err & SECCOMP_RET_DATA)),
		[I_ALLOW] = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog fprog = {
		.len = I_COUNT,
		.filter = prog,
	};

	/* Without no_new_privs an unprivileged process may not add a filter. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		fprintf(stderr, "nono-no-landlock: prctl(PR_SET_NO_NEW_PRIVS): %s\n",
			strerror(errno));
		return -1;
	}
	if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) != 0) {
		fprintf(stderr,
			"nono-no-landlock: seccomp(SECCOMP_SET_MODE_FILTER): %s\n",
			strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const unsigned int landlock[3] = { NR_LANDLOCK_CREATE_RULESET,
						  NR_LANDLOCK_ADD_RULE,
						  NR_LANDLOCK_RESTRICT_SELF };
	static const unsigned int seccomp[3] = { NR_SECCOMP, NR_SECCOMP,
						 NR_SECCOMP };
	static const unsigned int unshare[3] = { NR_UNSHARE, NR_UNSHARE,
						 NR_UNSHARE };
	const unsigned int *nr = landlock;
	unsigned int err;

	if (argc < 3) {
		usage();
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "ENOSYS") == 0) {
		err = ENOSYS;
	} else if (strcmp(argv[1], "EOPNOTSUPP") == 0) {
		err = EOPNOTSUPP;
	} else if (strcmp(argv[1], "NOSECCOMP") == 0) {
		nr = seccomp;
		err = EINVAL;
	} else if (strcmp(argv[1], "NOUSERNS") == 0) {
		nr = unshare;
		err = EPERM;
	} else {
		fprintf(stderr, "nono-no-landlock: unknown errno name '%s'\n",
			argv[1]);
		usage();
		return EXIT_USAGE;
	}

	if (install_filter(nr, err) != 0)
		return EXIT_FAILED;

	execvp(argv[2], &argv[2]);
	fprintf(stderr, "nono-no-landlock: cannot execute '%s': %s\n", argv[2],
		strerror(errno));
	return EXIT_FAILED;
}
