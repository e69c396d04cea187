/* api.c — the C API (include/nono.h) over policy.c, landlock.c, seccomp.c
 * and exec.c.  nono_apply is also what the Lua module's plan:apply() calls:
 * there is one way to sandbox the calling process. */
#define _GNU_SOURCE
#include "../include/nono.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../vendor/landlock_uapi.h"
#include "caps.h"
#include "exec.h"
#include "landlock.h"
#include "policy.h"
#include "seccomp.h"

int nono_landlock_abi(void)
{
	return landlock_abi();
}

struct nono_policy *nono_policy_new(void)
{
	int abi = landlock_abi();
	struct nono_policy *p;

	if (abi < 0) {
		errno = -abi;
		return NULL;
	}
	p = policy_new(landlock_fs_rights_for_abi(abi));
	if (!p) {
		errno = ENOMEM;
		return NULL;
	}
	/* As `nono run` always does: signals and abstract unix sockets reach
	 * only processes inside the sandbox (ABI 6; nothing below). */
	policy_set_scoped(p, landlock_scopes_for_abi(abi));
	return p;
}

int nono_policy_allow(struct nono_policy *p, const char *path, unsigned access)
{
	/* The classes of lua/nono/policy.lua (M.classes): keep them equal. */
	const uint64_t read = LANDLOCK_ACCESS_FS_READ_FILE |
		LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_EXECUTE;
	const uint64_t write = LANDLOCK_ACCESS_FS_WRITE_FILE |
		LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_MAKE_REG |
		LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_SYM |
		LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |
		LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_REFER;
	uint64_t mask = 0;
	struct stat st;
	char *real;
	int err;

	if (!p || !path || !access ||
	    (access & ~(unsigned)(NONO_READ | NONO_WRITE | NONO_IOCTL)))
		return -EINVAL;
	if (access & NONO_READ)
		mask |= read;
	if (access & NONO_WRITE)
		mask |= write;
	if (access & NONO_IOCTL)
		mask |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	if (!(real = realpath(path, NULL)))
		return -errno;
	if (stat(real, &st) < 0) {
		err = -errno;
		free(real);
		return err;
	}
	mask &= policy_handled_fs(p);
	if (!S_ISDIR(st.st_mode))
		mask &= landlock_fs_file_rights();
	err = policy_add_path(p, real, mask);
	free(real);
	return err;
}

int nono_policy_net_block(struct nono_policy *p, int on)
{
	int abi = landlock_abi();

	if (!p)
		return -EINVAL;
	int err = policy_set_net(p, on && abi > 0 ? landlock_net_rights_for_abi(abi) : 0);
	if (err < 0)
		return err;
	return policy_set_seccomp(p, on ? SECCOMP_OPT_NET_BLOCK : 0);
}

/* Threads in this process, from /proc/self/status; -errno if unreadable. */
static int thread_count(void)
{
	char line[256];
	int n = -ENOENT;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	fclose(f);
	return n;
}

/* The irreversible steps of nono_apply, in order; 0 or -errno of the first
 * that failed. */
static int apply_steps(int ruleset, const struct sock_fprog *filter,
		       unsigned flags)
{
	int err;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) < 0)
		return -errno;
	if (!(flags & NONO_APPLY_KEEP_CAPS) && (err = caps_drop_all()) < 0)
		return err;
	if ((err = landlock_restrict(ruleset)) < 0)
		return err;
	return seccomp_install(filter);
}

/* Do the irreversible steps once in a short-lived child first: it has this
 * process's credentials, Landlock domain and filters, so whatever the
 * kernel would refuse here (a 17th Landlock layer: E2BIG; the filters'
 * instruction budget: ENOMEM; capabilities without CAP_SETPCAP: EPERM) it
 * refuses there, while this process is still as it was.  The answer comes
 * through a pipe, not the exit status: a caller that ignores SIGCHLD or
 * reaps every child itself must not turn a refusal into a success. */
static int rehearse(int ruleset, const struct sock_fprog *filter,
		    unsigned flags)
{
	int fds[2], err = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(fds[0]);
		close(fds[1]);
		return err;
	}
	if (pid == 0) {
		close(fds[0]);
		err = apply_steps(ruleset, filter, flags);
		n = write(fds[1], &err, sizeof(err));
		_exit(n == (ssize_t)sizeof(err) ? 0 : 1);
	}
	close(fds[1]);
	do
		n = read(fds[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(fds[0]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return n == (ssize_t)sizeof(err) ? err : -ECHILD;
}

int nono_apply(struct nono_policy *p)
{
	return nono_apply_flags(p, 0);
}

int nono_apply_flags(struct nono_policy *p, unsigned flags)
{
	struct sock_filter insns[SECCOMP_MAX_INSNS];
	struct sock_fprog filter;
	char *const *binds;
	int threads, ruleset, err;

	if (!p || (flags & ~(unsigned)NONO_APPLY_KEEP_CAPS))
		return -EINVAL;
	/* Landlock (before ABI 8's thread sync) and seccomp without TSYNC
	 * restrict only the calling thread: the others would stay free. */
	threads = thread_count();
	if (threads < 0)
		return threads;
	if (threads > 1)
		return -EBUSY;
	/* Read-only binds need a new mount namespace, which a running process
	 * cannot enter without unsharing what it already holds. */
	if (policy_ro_binds(p, &binds) > 0 || policy_noexec_binds(p, &binds) > 0 ||
	    policy_pins(p, &binds) > 0 || policy_ro_view(p) ||
	    policy_hides(p, &binds) > 0)
		return -EOPNOTSUPP;

	/* Stage 1, reversible: everything that can fail for want of memory,
	 * fds or kernel support is built, and the kernel's answer to stage 2
	 * heard, before anything is changed. */
	/* (a running process has no pid namespace of its own: the floor's
	 * filter) */
	err = seccomp_build_filter(policy_seccomp_opts(p) | SECCOMP_OPT_FLOOR,
				   insns, SECCOMP_MAX_INSNS, &filter);
	if (err < 0)
		return err;
	ruleset = policy_build_ruleset(p);
	if (ruleset < 0)
		return ruleset;
	err = rehearse(ruleset, &filter, flags);
	if (err < 0) {
		close(ruleset);
		return err;
	}

	/* Stage 2, irreversible, and just done in the child: a failure now
	 * would leave the process less sandboxed than the caller asked for
	 * while it believes otherwise, so abort instead.  no_new_privs alone
	 * still returns: nothing else has changed when it fails. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) < 0) {
		err = -errno;
		close(ruleset);
		return err;
	}
	if (!(flags & NONO_APPLY_KEEP_CAPS) && caps_drop_all() < 0)
		abort();
	if (landlock_restrict(ruleset) < 0)
		abort();
	close(ruleset);
	if (seccomp_install(&filter) < 0)
		abort();
	return 0;
}

int nono_spawn(struct nono_policy *p, char *const argv[], char *const envp[],
	       int *status)
{
	struct exec_outcome out;
	int threads, err;

	if (!p || !argv || !argv[0] || !status)
		return -EINVAL;
	/* exec.c waits for SIGCHLD with every other signal blocked in this
	 * thread only: another thread could take the signal and leave this
	 * one waiting for good, and the child after fork would copy locks
	 * other threads hold.  Refused rather than half-working. */
	threads = thread_count();
	if (threads > 1)
		return -EBUSY;
	err = exec_spawn(p, argv, envp, &out);
	switch (out.kind) {
	case EXEC_EXITED:
		*status = W_EXITCODE(out.code, 0);
		return 0;
	case EXEC_SIGNALED:
		*status = W_EXITCODE(0, out.code);
		return 0;
	case EXEC_NOT_EXECUTED:
		*status = W_EXITCODE(127, 0);
		return -out.code;
	case EXEC_SETUP_FAILED:
		break;
	}
	*status = W_EXITCODE(126, 0);
	return err < 0 ? err : -out.code;
}

void nono_policy_free(struct nono_policy *p)
{
	policy_free(p);
}
