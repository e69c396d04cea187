/* nono-no-landlock MODE COMMAND [ARGS...]: run COMMAND on a machine that
 * lacks what nono needs, or part of it.  The specs run `nono` under it to
 * show that nono refuses to run a command it cannot sandbox, and that it
 * falls back to Landlock narrowing where namespaces do not work.  MODE:
 *
 *   ENOSYS      Landlock's three syscalls fail with ENOSYS, as when the
 *               kernel lacks CONFIG_SECURITY_LANDLOCK (a seccomp filter).
 *   EOPNOTSUPP  the same with EOPNOTSUPP, as when Landlock is built in but
 *               left out of lsm=.
 *   NOSECCOMP   seccomp(2) fails with EINVAL, as on a kernel without
 *               CONFIG_SECCOMP_FILTER.
 *   NOUSERNS    unshare(2) fails with EPERM, as where unprivileged user
 *               namespaces are turned off (sysctl) and under Docker's
 *               default seccomp profile, which refuses unshare itself.
 *   NOUIDMAP    unshare(2) succeeds but writing /proc/self/uid_map fails
 *               (EACCES), as on Ubuntu 23.10 and later, where AppArmor
 *               leaves an unprivileged user namespace without capabilities
 *               (there uid_map fails with EPERM).  seccomp cannot look at
 *               a path, so this is a Landlock ruleset that handles only
 *               write_file (and refer) and grants them beneath every
 *               entry of / but /proc: nothing under /proc can be opened
 *               for writing.
 *   NOMOUNT     every mount call fails with EPERM (mount, umount2,
 *               open_tree, move_mount, fsopen, fsconfig, fsmount, fspick,
 *               mount_setattr), as under an LSM or a filter that allows the
 *               namespace but not mounting in it; unshare and the id maps
 *               work.
 *
 * This is a test helper, not a security boundary: a process of another
 * architecture (or an x32 syscall) gets through the filter untouched.
 * Exit 2 on bad usage, 125 when the filter or ruleset cannot be installed
 * or COMMAND cannot be executed; otherwise COMMAND replaces this process. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "../../vendor/landlock_uapi.h"

#define EXIT_USAGE 2
#define EXIT_FAILED 125

/* x86_64 syscall numbers, fixed by the kernel's syscall table. */
#define NR_LANDLOCK_CREATE_RULESET 444
#define NR_LANDLOCK_ADD_RULE 445
#define NR_LANDLOCK_RESTRICT_SELF 446
#define NR_SECCOMP 317
#define NR_UNSHARE 272
#define NR_MOUNT 165
#define NR_UMOUNT2 166
#define NR_OPEN_TREE 428
#define NR_MOVE_MOUNT 429
#define NR_FSOPEN 430
#define NR_FSCONFIG 431
#define NR_FSMOUNT 432
#define NR_FSPICK 433
#define NR_MOUNT_SETATTR 442

#if defined(__x86_64__) && defined(__NR_mount_setattr)
_Static_assert(__NR_landlock_create_ruleset == NR_LANDLOCK_CREATE_RULESET,
	       "landlock_create_ruleset is not 444");
_Static_assert(__NR_landlock_add_rule == NR_LANDLOCK_ADD_RULE,
	       "landlock_add_rule is not 445");
_Static_assert(__NR_landlock_restrict_self == NR_LANDLOCK_RESTRICT_SELF,
	       "landlock_restrict_self is not 446");
_Static_assert(__NR_seccomp == NR_SECCOMP, "seccomp is not 317");
_Static_assert(__NR_unshare == NR_UNSHARE, "unshare is not 272");
_Static_assert(__NR_mount == NR_MOUNT, "mount is not 165");
_Static_assert(__NR_umount2 == NR_UMOUNT2, "umount2 is not 166");
_Static_assert(__NR_open_tree == NR_OPEN_TREE, "open_tree is not 428");
_Static_assert(__NR_move_mount == NR_MOVE_MOUNT, "move_mount is not 429");
_Static_assert(__NR_fsopen == NR_FSOPEN, "fsopen is not 430");
_Static_assert(__NR_fsconfig == NR_FSCONFIG, "fsconfig is not 431");
_Static_assert(__NR_fsmount == NR_FSMOUNT, "fsmount is not 432");
_Static_assert(__NR_fspick == NR_FSPICK, "fspick is not 433");
_Static_assert(__NR_mount_setattr == NR_MOUNT_SETATTR,
	       "mount_setattr is not 442");
#endif

#define MAX_CALLS 16

static void usage(void)
{
	fprintf(stderr,
		"usage: nono-no-landlock MODE COMMAND [ARGS...]\n"
		"Runs COMMAND where part of what nono needs is missing. MODE:\n"
		"  ENOSYS, EOPNOTSUPP  Landlock's syscalls fail with that errno\n"
		"  NOSECCOMP           seccomp(2) fails with EINVAL\n"
		"  NOUSERNS            unshare(2) fails with EPERM (user namespaces\n"
		"                      off, Docker's default seccomp profile)\n"
		"  NOUIDMAP            unshare(2) works, writing uid_map fails with\n"
		"                      EACCES (like Ubuntu's AppArmor restriction)\n"
		"  NOMOUNT             every mount call fails with EPERM\n");
}

/* No_new_privs first: without it an unprivileged process may add neither
 * a seccomp filter nor a Landlock domain. */
static int no_new_privs(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		fprintf(stderr, "nono-no-landlock: prctl(PR_SET_NO_NEW_PRIVS): %s\n",
			strerror(errno));
		return -1;
	}
	return 0;
}

/* No_new_privs, then the filter `prog` of `len` instructions. */
static int load_filter(struct sock_filter *prog, size_t len)
{
	struct sock_fprog fprog = {
		.len = (unsigned short)len,
		.filter = prog,
	};

	if (no_new_privs() != 0)
		return -1;
	if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) != 0) {
		fprintf(stderr,
			"nono-no-landlock: seccomp(SECCOMP_SET_MODE_FILTER): %s\n",
			strerror(errno));
		return -1;
	}
	return 0;
}

/* Fail the `n` syscalls numbered in `nr` with `err`. */
static int install_filter(const unsigned int *nr, size_t n, unsigned int err)
{
	/* Load the architecture; anything but x86_64 is allowed.  Load the
	 * number; one comparison per call, each jumping to DENY on a match.
	 * A conditional jump's offsets count from the next instruction. */
	struct sock_filter prog[3 + MAX_CALLS + 2];
	size_t allow = 3 + n, deny = allow + 1, k = 0;

	if (n == 0 || n > MAX_CALLS)
		return -1;
	prog[k++] = (struct sock_filter)BPF_STMT(
		BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	prog[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
					       AUDIT_ARCH_X86_64, 0,
					       (unsigned char)(allow - k - 1));
	k++;
	prog[k++] = (struct sock_filter)BPF_STMT(
		BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	for (size_t i = 0; i < n; i++, k++)
		prog[k] = (struct sock_filter)BPF_JUMP(
			BPF_JMP | BPF_JEQ | BPF_K, nr[i],
			(unsigned char)(deny - k - 1), 0);
	prog[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
						 SECCOMP_RET_ALLOW);
	prog[k++] = (struct sock_filter)BPF_STMT(
		BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (err & SECCOMP_RET_DATA));
	return load_filter(prog, k);
}

/* A Landlock domain in which nothing under /proc can be opened for
 * writing, and everything else can as before: only write_file is handled,
 * and every entry of / but proc gets it.  A right on a directory holds
 * beneath it, across mount points, so /proc cannot be a rule of its own
 * carved out of one on /: each sibling is one instead.  Refer is handled
 * and granted the same way: a domain that leaves it unhandled refuses
 * every rename or link between directories (EXDEV), which would break
 * more than uid_map. */
static int deny_proc_writes(void)
{
	struct landlock_ruleset_attr attr = {
		.handled_access_fs = LANDLOCK_ACCESS_FS_WRITE_FILE,
	};
	struct landlock_path_beneath_attr rule = { 0 };
	struct dirent *e;
	DIR *root;
	int ruleset, abi, ok = 1;

	abi = (int)syscall(__NR_landlock_create_ruleset, NULL, 0,
			   LANDLOCK_CREATE_RULESET_VERSION);
	if (abi >= 2)
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
	ruleset = (int)syscall(__NR_landlock_create_ruleset, &attr,
			       sizeof(attr), 0);
	if (ruleset < 0) {
		fprintf(stderr, "nono-no-landlock: landlock_create_ruleset: %s\n",
			strerror(errno));
		return -1;
	}
	root = opendir("/");
	if (!root) {
		fprintf(stderr, "nono-no-landlock: /: %s\n", strerror(errno));
		close(ruleset);
		return -1;
	}
	while (ok && (e = readdir(root)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    strcmp(e->d_name, "proc") == 0)
			continue;
		/* Followed: /bin -> usr/bin is granted where it leads. */
		rule.parent_fd = openat(dirfd(root), e->d_name,
					O_PATH | O_CLOEXEC);
		if (rule.parent_fd < 0)
			continue;
		/* refer is a directory's right: a file at / takes write_file */
		struct stat st;
		rule.allowed_access = attr.handled_access_fs;
		if (fstat(rule.parent_fd, &st) == 0 && !S_ISDIR(st.st_mode))
			rule.allowed_access = LANDLOCK_ACCESS_FS_WRITE_FILE;
		if (syscall(__NR_landlock_add_rule, ruleset,
			    LANDLOCK_RULE_PATH_BENEATH, &rule, 0) != 0) {
			fprintf(stderr, "nono-no-landlock: landlock_add_rule /%s: %s\n",
				e->d_name, strerror(errno));
			ok = 0;
		}
		close(rule.parent_fd);
	}
	closedir(root);
	if (ok && no_new_privs() != 0)
		ok = 0;
	if (ok && syscall(__NR_landlock_restrict_self, ruleset, 0) != 0) {
		fprintf(stderr, "nono-no-landlock: landlock_restrict_self: %s\n",
			strerror(errno));
		ok = 0;
	}
	close(ruleset);
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	static const unsigned int landlock[] = { NR_LANDLOCK_CREATE_RULESET,
						 NR_LANDLOCK_ADD_RULE,
						 NR_LANDLOCK_RESTRICT_SELF };
	static const unsigned int seccomp[] = { NR_SECCOMP };
	static const unsigned int unshare[] = { NR_UNSHARE };
	static const unsigned int mounts[] = {
		NR_MOUNT,  NR_UMOUNT2, NR_OPEN_TREE, NR_MOVE_MOUNT,
		NR_FSOPEN, NR_FSCONFIG, NR_FSMOUNT, NR_FSPICK,
		NR_MOUNT_SETATTR,
	};
#define CALLS(a) (a), sizeof(a) / sizeof((a)[0])
	int r;

	if (argc < 3) {
		usage();
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "ENOSYS") == 0) {
		r = install_filter(CALLS(landlock), ENOSYS);
	} else if (strcmp(argv[1], "EOPNOTSUPP") == 0) {
		r = install_filter(CALLS(landlock), EOPNOTSUPP);
	} else if (strcmp(argv[1], "NOSECCOMP") == 0) {
		r = install_filter(CALLS(seccomp), EINVAL);
	} else if (strcmp(argv[1], "NOUSERNS") == 0) {
		r = install_filter(CALLS(unshare), EPERM);
	} else if (strcmp(argv[1], "NOUIDMAP") == 0) {
		r = deny_proc_writes();
	} else if (strcmp(argv[1], "NOMOUNT") == 0) {
		r = install_filter(CALLS(mounts), EPERM);
	} else {
		fprintf(stderr, "nono-no-landlock: unknown mode '%s'\n", argv[1]);
		usage();
		return EXIT_USAGE;
	}
	if (r != 0)
		return EXIT_FAILED;

	execvp(argv[2], &argv[2]);
	fprintf(stderr, "nono-no-landlock: cannot execute '%s': %s\n", argv[2],
		strerror(errno));
	return EXIT_FAILED;
}
