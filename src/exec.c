#define _GNU_SOURCE
#include "exec.h"

#include <errno.h>
#include <limits.h>
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
#include <poll.h>
#include <time.h>
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
	[STAGE_NAMESPACE] = "read-only and no-exec mounts in a private user and mount namespace",
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
_Static_assert(NFORWARDED == sizeof(((struct exec_session *)0)->saved) /
				     sizeof(struct sigaction),
	       "exec_session.saved holds one action per forwarded signal");

static volatile sig_atomic_t child_pid;
static volatile sig_atomic_t child_in_own_session;
/* Signals passed on since the last exec_wait (a bit per signal number). */
static volatile sig_atomic_t forwarded_mask;

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
	if (child_pid > 0 && kill((pid_t)child_pid, sig) == 0)
		forwarded_mask |= 1 << sig;
}

/* Only there to interrupt ppoll in exec_wait when a child ends. */
static void on_child(int sig)
{
	(void)sig;
}

static void set_forwarding(struct exec_session *s)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = forward;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NFORWARDED; i++)
		sigaction(forwarded[i], &sa, &s->saved[i]);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_child;
	sa.sa_flags = SA_NOCLDSTOP | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, &s->saved_chld);
}

static void restore_signals(const struct exec_session *s)
{
	for (size_t i = 0; i < NFORWARDED; i++)
		sigaction(forwarded[i], &s->saved[i], NULL);
	sigaction(SIGCHLD, &s->saved_chld, NULL);
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

	/* The supervisor made itself non-dumpable; that would leave this
	 * child's /proc files owned by root, and an unprivileged user could
	 * not write its namespace's uid_map.  execve resets it anyway. */
	if (prctl(PR_SET_DUMPABLE, 1L, 0L, 0L, 0L) < 0)
		child_fail(pipe_fd, STAGE_PDEATHSIG, errno);

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
	/* ...but for the sealed, read-only policy `nono why --self` reads. */
	int keep = policy_inherit_fd(p);
	if (keep >= 0 && fcntl(keep, F_SETFD, 0) < 0)
		child_fail(pipe_fd, STAGE_CLOSE_FDS, errno);

	/* Row 5: without a controlling terminal, TIOCSTI cannot reach the
	 * user's terminal even through an inherited descriptor (the kernel
	 * allows it only on the caller's own controlling terminal).  Kept
	 * when the command is interactive; the filter then refuses TIOCSTI. */
	if (policy_session(p) == POLICY_SESSION_NEW && setsid() < 0)
		child_fail(pipe_fd, STAGE_SESSION, errno);

	/* Row 13: the session keyring is inherited, and with it whatever the
	 * user's login put there.  A new, empty, anonymous one replaces it
	 * (a kernel without keys support has nothing to hide).  Inside an
	 * outer sandbox (nono within nono) keyctl is refused outright: then
	 * no keyring can be reached from here either, and our own filter
	 * below refuses it again. */
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 &&
	    errno != ENOSYS &&
	    !(errno == EPERM &&
	      syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID,
		      KEY_SPEC_SESSION_KEYRING, 0) < 0 &&
	      errno == EPERM))
		child_fail(pipe_fd, STAGE_KEYRING, errno);

	/* Read-only binds where Landlock cannot protect a file inside a
	 * directory the command may write (see ns.h), and read-only no-exec
	 * binds over the blocked commands.  Before dropping
	 * capabilities: the new user namespace grants the ones mount needs,
	 * and the drop below takes them away again.  Also the namespace the
	 * supervisor mounts over an expired time-limited grant in. */
	char *const *binds;
	size_t nbinds = policy_pins(p, &binds);
	if (policy_private_mounts(p)) {
		/* A mount over the working directory or above it leaves this
		 * process in the directory beneath the mount, where none of the
		 * binds are: `.git/config` from a pinned project root would be
		 * the writable one.  So the directory is entered again, by name,
		 * once everything is mounted. */
		char cwd[PATH_MAX];
		int have_cwd = getcwd(cwd, sizeof(cwd)) != NULL;
		int nerr = ns_enter(getuid(), getgid());
		/* pins first: the read-only binds beneath them go on top */
		for (size_t i = 0; nerr == 0 && i < nbinds; i++)
			nerr = ns_pin(binds[i]);
		nbinds = policy_ro_binds(p, &binds);
		for (size_t i = 0; nerr == 0 && i < nbinds; i++)
			nerr = ns_bind_readonly(binds[i], 0);
		nbinds = policy_noexec_binds(p, &binds);
		for (size_t i = 0; nerr == 0 && i < nbinds; i++)
			nerr = ns_bind_readonly(binds[i], 1);
		if (nerr == 0 && have_cwd && chdir(cwd) < 0)
			nerr = -errno;
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

int exec_start(struct nono_policy *p, char *const argv[], char *const envp[],
	       struct exec_session *s, struct exec_outcome *out)
{
	struct sock_filter insns[SECCOMP_MAX_INSNS];
	struct sock_fprog filter;
	sigset_t all;
	struct report r;
	int pipefd[2], ruleset, status;
	pid_t pid, self = getpid();
	ssize_t n;

	memset(out, 0, sizeof(*out));
	out->kind = EXEC_SETUP_FAILED;
	s->pid = 0;

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
	 * child that has not yet reset its handlers.  The session keeps
	 * SIGCHLD and the forwarded signals blocked but inside exec_wait. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &s->oldmask);
	child_pid = 0;
	forwarded_mask = 0;
	child_in_own_session = policy_session(p) == POLICY_SESSION_NEW;
	set_forwarding(s);
	pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		child_apply_and_exec(p, ruleset, &filter, pipefd[1], self, argv,
				     envp, &s->oldmask);
	}
	if (pid < 0) {
		out->stage = "fork";
		out->code = errno;
		restore_signals(s);
		sigprocmask(SIG_SETMASK, &s->oldmask, NULL);
		close(pipefd[0]);
		close(pipefd[1]);
		close(ruleset);
		return -out->code;
	}
	child_pid = pid;
	sigemptyset(&all);
	sigaddset(&all, SIGCHLD);
	for (size_t i = 0; i < NFORWARDED; i++)
		sigaddset(&all, forwarded[i]);
	sigprocmask(SIG_SETMASK, &s->oldmask, NULL);
	sigprocmask(SIG_BLOCK, &all, NULL);
	close(pipefd[1]);
	close(ruleset);

	do
		n = read(pipefd[0], &r, sizeof(r));
	while (n < 0 && errno == EINTR);
	close(pipefd[0]);

	if (n == (ssize_t)sizeof(r) && r.stage >= 0 && r.stage <= STAGE_EXEC) {
		/* The command never ran: the child exits right after. */
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		exec_finish(s);
		out->kind = r.stage == STAGE_EXEC ? EXEC_NOT_EXECUTED
						  : EXEC_SETUP_FAILED;
		out->stage = stage_names[r.stage];
		out->code = r.err;
		return 0;
	}
	s->pid = pid;
	out->kind = EXEC_EXITED;
	return 0;
}

int exec_wait(struct exec_session *s, int timeout_ms, int reap_orphans,
	      struct exec_outcome *out, int *signo)
{
	struct timespec ts, *tsp = NULL;
	int status;

	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
		tsp = &ts;
	}
	for (int waited = 0;; waited = 1) {
		/* Our own child only, unless this process is the session's
		 * subreaper: then every orphan of the command is ours to reap
		 * (a library caller's other children are not). */
		pid_t w;
		while ((w = waitpid(reap_orphans ? -1 : s->pid, &status,
				    WNOHANG)) > 0) {
			if (w != s->pid)
				continue;
			child_pid = 0;
			s->pid = 0;
			if (WIFSIGNALED(status)) {
				out->kind = EXEC_SIGNALED;
				out->code = WTERMSIG(status);
			} else {
				out->kind = EXEC_EXITED;
				out->code = WEXITSTATUS(status);
			}
			return EXEC_WAIT_EXITED;
		}
		if (forwarded_mask) {
			int sig = __builtin_ctz((unsigned)forwarded_mask);
			forwarded_mask &= ~(1 << sig);
			*signo = sig;
			return EXEC_WAIT_SIGNAL;
		}
		if (waited && tsp && ts.tv_sec == 0 && ts.tv_nsec == 0)
			return EXEC_WAIT_TIMEOUT;
		/* Signals are delivered only in here (they are blocked
		 * elsewhere), so none is missed between the checks above and
		 * the sleep.  Linux leaves the time not slept in `ts`. */
		struct timespec before, after;
		clock_gettime(CLOCK_MONOTONIC, &before);
		int r = ppoll(NULL, 0, tsp, &s->oldmask);
		if (r == 0)
			return EXEC_WAIT_TIMEOUT;
		if (tsp) {
			clock_gettime(CLOCK_MONOTONIC, &after);
			long long left = (long long)ts.tv_sec * 1000000000LL +
					 ts.tv_nsec -
					 ((long long)(after.tv_sec - before.tv_sec) *
						  1000000000LL +
					  (after.tv_nsec - before.tv_nsec));
			if (left < 0)
				left = 0;
			ts.tv_sec = (time_t)(left / 1000000000LL);
			ts.tv_nsec = (long)(left % 1000000000LL);
		}
	}
}

void exec_finish(struct exec_session *s)
{
	child_pid = 0;
	restore_signals(s);
	sigprocmask(SIG_SETMASK, &s->oldmask, NULL);
}

int exec_spawn(struct nono_policy *p, char *const argv[],
	       char *const envp[], struct exec_outcome *out)
{
	struct exec_session s;
	int signo;
	int err = exec_start(p, argv, envp, &s, out);
	if (err < 0 || s.pid == 0)
		return err;
	while (exec_wait(&s, -1, 0, out, &signo) != EXEC_WAIT_EXITED)
		;
	exec_finish(&s);
	return 0;
}
