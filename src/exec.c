#define _GNU_SOURCE
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <linux/close_range.h>
#include <linux/keyctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "landlock.h"
#include "ns.h"
#include "seccomp.h"

extern char **environ;

/* What the child reports through the close-on-exec pipe when a step fails.
 * End of file on the pipe means execve succeeded. */
enum stage {
	STAGE_PDEATHSIG,
	STAGE_SIGNALS,
	STAGE_CLOSE_FDS,
	STAGE_SESSION,
	STAGE_KEYRING,
	STAGE_NAMESPACE,
	STAGE_RLIMITS,
	STAGE_CAPS,
	STAGE_NO_NEW_PRIVS,
	STAGE_LANDLOCK,
	STAGE_SECCOMP,
	STAGE_EXEC,
};

static const char *const stage_names[] = {
	[STAGE_PDEATHSIG] = "parent-death signal",
	[STAGE_SIGNALS] = "signal dispositions",
	[STAGE_CLOSE_FDS] = "closing inherited file descriptors",
	[STAGE_SESSION] = "setsid",
	[STAGE_KEYRING] = "joining a new session keyring",
	[STAGE_NAMESPACE] = "read-only mounts in a private user and mount namespace",
	[STAGE_RLIMITS] = "RLIMIT_CORE",
	[STAGE_CAPS] = "dropping capabilities",
	[STAGE_NO_NEW_PRIVS] = "no_new_privs",
	[STAGE_LANDLOCK] = "Landlock restrict_self",
	[STAGE_SECCOMP] = "installing the seccomp filter",
	[STAGE_EXEC] = "execve",
};

struct report {
	int stage;
	int err;
};

/* Signals the supervisor passes on to the sandboxed command. */
static const int forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2 };
#define NFORWARDED (sizeof(forwarded) / sizeof(forwarded[0]))

static volatile sig_atomic_t child_pid;
static volatile sig_atomic_t child_in_own_session;

static void forward(int sig, siginfo_t *info, void *ctx)
{
	(void)ctx;
	/* A terminal sends SIGINT/SIGQUIT/SIGHUP to the whole foreground
	 * process group (si_code SI_KERNEL): a child in our session got its
	 * own copy, and passing it on again would deliver it twice.  Signals
	 * sent by a process (kill, timeout, systemd) reach only us and are
	 * passed on, as is everything once the child has its own session. */
	if (info->si_code == SI_KERNEL && !child_in_own_session)
		return;
	if (child_pid > 0)
		kill((pid_t)child_pid, sig);
}

static void set_forwarding(struct sigaction *saved)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = forward;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NFORWARDED; i++)
		sigaction(forwarded[i], &sa, &saved[i]);
}

static void restore_signals(const struct sigaction *saved)
{
	for (size_t i = 0; i < NFORWARDED; i++)
		sigaction(forwarded[i], &saved[i], NULL);
}

static _Noreturn void child_fail(int pipe_fd, enum stage stage, int err)
{
	struct report r = { .stage = stage, .err = err };
	ssize_t n = write(pipe_fd, &r, sizeof(r));
	(void)n;
	_exit(stage == STAGE_EXEC ? 127 : 126);
}

/* Runs in the forked child: only async-signal-safe calls until execve. */
static _Noreturn void child_apply_and_exec(const struct nono_policy *p,
					    int ruleset,
					    const struct sock_fprog *filter,
					    int pipe_fd, pid_t supervisor,
					    char *const argv[],
					    char *const envp[],
					    const sigset_t *oldmask)
{
	struct sigaction dfl;

	/* Nothing outlives the supervisor: if it dies, so does the command. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		child_fail(pipe_fd, STAGE_PDEATHSIG, errno);
	if (getppid() != supervisor)
		child_fail(pipe_fd, STAGE_PDEATHSIG, ESRCH);

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (size_t i = 0; i < NFORWARDED; i++)
		if (sigaction(forwarded[i], &dfl, NULL) < 0)
			child_fail(pipe_fd, STAGE_SIGNALS, errno);
	if (sigprocmask(SIG_SETMASK, oldmask, NULL) < 0)
		child_fail(pipe_fd, STAGE_SIGNALS, errno);

	/* Threat row 4: no descriptor but stdin, stdout and stderr reaches the
	 * command, whoever opened it (our launcher's or its parent's).  Marked
	 * close-on-exec rather than closed so the report pipe still works. */
	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		child_fail(pipe_fd, STAGE_CLOSE_FDS, errno);

	/* Row 5: without a controlling terminal, TIOCSTI cannot reach the
	 * user's terminal even through an inherited descriptor (the kernel
	 * allows it only on the caller's own controlling terminal).  Kept
	 * when the command is interactive; the filter then refuses TIOCSTI. */
	if (policy_session(p) == POLICY_SESSION_NEW && setsid() < 0)
		child_fail(pipe_fd, STAGE_SESSION, errno);

	/* Row 13: the session keyring is inherited, and with it whatever the
	 * user's login put there.  A new, empty, anonymous one replaces it
	 * (a kernel without keys support has nothing to hide). */
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 &&
	    errno != ENOSYS)
		child_fail(pipe_fd, STAGE_KEYRING, errno);

	/* Read-only binds where Landlock cannot protect a file inside a
	 * directory the command may write (see ns.h).  Before dropping
	 * capabilities: the new user namespace grants the ones mount needs,
	 * and the drop below takes them away again. */
	char *const *binds;
	size_t nbinds = policy_ro_binds(p, &binds);
	if (nbinds > 0) {
		int nerr = ns_enter(getuid(), getgid());
		for (size_t i = 0; nerr == 0 && i < nbinds; i++)
			nerr = ns_bind_readonly(binds[i]);
		if (nerr < 0)
			child_fail(pipe_fd, STAGE_NAMESPACE, -nerr);
	}

	/* Row 21: no core dump, so no core_pattern helper runs on our behalf
	 * outside the sandbox and no memory image lands on disk. */
	struct rlimit nocore = { 0, 0 };
	if (setrlimit(RLIMIT_CORE, &nocore) < 0)
		child_fail(pipe_fd, STAGE_RLIMITS, errno);

	/* Row 17: launched as root, the command keeps no capability. */
	int cerr = caps_drop_all();
	if (cerr < 0)
		child_fail(pipe_fd, STAGE_CAPS, -cerr);

	/* Setuid binaries must not regain what the sandbox takes away; it is
	 * also what lets an unprivileged process call restrict_self. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) < 0)
		child_fail(pipe_fd, STAGE_NO_NEW_PRIVS, errno);

	int err = landlock_restrict(ruleset);
	if (err < 0)
		child_fail(pipe_fd, STAGE_LANDLOCK, -err);

	/* Last, so that nothing above is filtered: from here the only call
	 * left is execve, which the filter allows. */
	err = seccomp_install(filter);
	if (err < 0)
		child_fail(pipe_fd, STAGE_SECCOMP, -err);

	execvpe(argv[0], argv, envp ? envp : environ);
	child_fail(pipe_fd, STAGE_EXEC, errno);
}

int exec_spawn(struct nono_policy *p, char *const argv[],
	       char *const envp[], struct exec_outcome *out)
{
	struct sigaction saved[NFORWARDED];
	struct sock_filter insns[SECCOMP_MAX_INSNS];
	struct sock_fprog filter;
	sigset_t all, oldmask;
	struct report r;
	int pipefd[2], ruleset, status;
	pid_t pid, self = getpid();
	ssize_t n;

	memset(out, 0, sizeof(*out));
	out->kind = EXEC_SETUP_FAILED;

	int err = seccomp_build_filter(policy_seccomp_opts(p), insns,
				       SECCOMP_MAX_INSNS, &filter);
	if (err < 0) {
		out->stage = "seccomp filter";
		out->code = -err;
		return err;
	}
	ruleset = policy_build_ruleset(p);
	if (ruleset < 0) {
		out->stage = "Landlock ruleset";
		out->code = -ruleset;
		return ruleset;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		out->stage = "pipe";
		out->code = errno;
		close(ruleset);
		return -out->code;
	}

	/* Block signals across fork so a forwarded signal cannot reach a
	 * child that has not yet reset its handlers. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &oldmask);
	child_pid = 0;
	child_in_own_session = policy_session(p) == POLICY_SESSION_NEW;
	set_forwarding(saved);
	pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		child_apply_and_exec(p, ruleset, &filter, pipefd[1], self, argv,
				     envp, &oldmask);
	}
	if (pid < 0) {
		out->stage = "fork";
		out->code = errno;
		restore_signals(saved);
		sigprocmask(SIG_SETMASK, &oldmask, NULL);
		close(pipefd[0]);
		close(pipefd[1]);
		close(ruleset);
		return -out->code;
	}
	child_pid = pid;
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	close(pipefd[1]);
	close(ruleset);

	do
		n = read(pipefd[0], &r, sizeof(r));
	while (n < 0 && errno == EINTR);
	close(pipefd[0]);

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			status = 0;
			break;
		}
	}
	child_pid = 0;
	restore_signals(saved);

	if (n == (ssize_t)sizeof(r) && r.stage >= 0 && r.stage <= STAGE_EXEC) {
		out->kind = r.stage == STAGE_EXEC ? EXEC_NOT_EXECUTED
						  : EXEC_SETUP_FAILED;
		out->stage = stage_names[r.stage];
		out->code = r.err;
	} else if (WIFSIGNALED(status)) {
		out->kind = EXEC_SIGNALED;
		out->code = WTERMSIG(status);
	} else {
		out->kind = EXEC_EXITED;
		out->code = WEXITSTATUS(status);
	}
	return 0;
}
