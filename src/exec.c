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
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <poll.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "landlock.h"
#include "mounts.h"
#include "ns.h"
#include "overlay.h"
#include "seccomp.h"
#include "../vendor/landlock_uapi.h"

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
	STAGE_OVERLAY,
	STAGE_INIT,
	STAGE_PROC,
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
	[STAGE_NAMESPACE] = "the mounts of a private user and mount namespace (read-only view, hidden sockets, read-only and no-exec binds)",
	[STAGE_OVERLAY] = "overlays over the write grants (--ephemeral)",
	[STAGE_INIT] = "starting the init of a private pid namespace",
	[STAGE_PROC] = "mounting /proc for a private pid namespace",
	[STAGE_RLIMITS] = "RLIMIT_CORE",
	[STAGE_CAPS] = "dropping capabilities",
	[STAGE_NO_NEW_PRIVS] = "no_new_privs",
	[STAGE_LANDLOCK] = "Landlock restrict_self",
	[STAGE_SECCOMP] = "installing the seccomp filter",
	[STAGE_EXEC] = "execve",
};

/* Not a step: the first child hands the pid namespace's init over to the
 * supervisor (`err` holds its pid) and leaves. */
#define REPORT_INIT_PID (-1)

struct report {
	int stage;
	int err;
};

/* What a pid namespace's init tells the supervisor when its command has
 * ended: the command's outcome (enum exec_kind, code), and how many
 * processes it then found still running in the namespace and killed. */
struct init_status {
	int kind;
	int code;
	int killed;
};

/* Signals the supervisor passes on to the sandboxed command.  SIGTSTP
 * (Ctrl-Z) is not passed on as it is: the supervisor stops the whole tree
 * and then itself (supervisor.lua), since a command in a session of its own
 * would never see the terminal's. */
static const int forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGTSTP };
#define NFORWARDED (sizeof(forwarded) / sizeof(forwarded[0]))
_Static_assert(NFORWARDED == sizeof(((struct exec_session *)0)->saved) /
				     sizeof(struct sigaction),
	       "exec_session.saved holds one action per forwarded signal");

static volatile sig_atomic_t child_pid;
static volatile sig_atomic_t child_in_own_session;
/* Set in a pid namespace's init: see forward(). */
static volatile sig_atomic_t is_init;
/* Signals passed on since the last exec_wait (a bit per signal number). */
static volatile sig_atomic_t forwarded_mask;
/* What the inits of ended sessions killed (exec_take_left_behind). */
static int left_behind;

static void forward(int sig, siginfo_t *info, void *ctx)
{
	(void)ctx;
	/* A terminal sends SIGINT/SIGQUIT/SIGHUP to the whole foreground
	 * process group (si_code SI_KERNEL): a child in our session got its
	 * own copy, and passing it on again would deliver it twice.  Signals
	 * sent by a process (kill, timeout, systemd) reach only us and are
	 * passed on, as is everything once the child has its own session.
	 * A pid namespace's init stays in the supervisor's process group:
	 * what the terminal sends it, the supervisor passes on already (or
	 * the command got itself). */
	if (sig == SIGTSTP) {
		/* a pid namespace's init never stops on its own account */
		if (!is_init)
			forwarded_mask |= 1 << sig;
		return;
	}
	if (info->si_code == SI_KERNEL && (is_init || !child_in_own_session))
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

static void report_to(int pipe_fd, int stage, int err)
{
	struct report r = { .stage = stage, .err = err };
	ssize_t n = write(pipe_fd, &r, sizeof(r));
	(void)n;
}

static _Noreturn void child_fail(int pipe_fd, enum stage stage, int err)
{
	report_to(pipe_fd, (int)stage, err);
	_exit(stage == STAGE_EXEC ? 127 : 126);
}

/* What the forked children need; all of it set up before fork. */
struct child {
	const struct nono_policy *p;
	int ruleset;
	const struct sock_fprog *filter;
	int pipe_fd;   /* the report pipe's write end */
	int status_fd; /* the init's status pipe, write end; -1 without */
	pid_t supervisor;
	char *const *argv;
	char *const *envp;
	const sigset_t *oldmask;
};

/* The command's own steps, in the process that executes it: default
 * signal dispositions, setsid if asked, no capability, no_new_privs,
 * Landlock, the seccomp filter, execve.  Only async-signal-safe calls. */
static _Noreturn void command_exec(const struct child *c)
{
	struct sigaction dfl;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (size_t i = 0; i < NFORWARDED; i++)
		if (sigaction(forwarded[i], &dfl, NULL) < 0)
			child_fail(c->pipe_fd, STAGE_SIGNALS, errno);
	if (sigaction(SIGCHLD, &dfl, NULL) < 0 ||
	    sigprocmask(SIG_SETMASK, c->oldmask, NULL) < 0)
		child_fail(c->pipe_fd, STAGE_SIGNALS, errno);

	/* Row 5: without a controlling terminal, TIOCSTI cannot reach the
	 * user's terminal even through an inherited descriptor (the kernel
	 * allows it only on the caller's own controlling terminal).  Kept
	 * when the command is interactive; the filter then refuses TIOCSTI. */
	if (policy_session(c->p) == POLICY_SESSION_NEW && setsid() < 0)
		child_fail(c->pipe_fd, STAGE_SESSION, errno);

	/* Row 17: launched as root, the command keeps no capability. */
	int cerr = caps_drop_all();
	if (cerr < 0)
		child_fail(c->pipe_fd, STAGE_CAPS, -cerr);

	/* Setuid binaries must not regain what the sandbox takes away; it is
	 * also what lets an unprivileged process call restrict_self. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) < 0)
		child_fail(c->pipe_fd, STAGE_NO_NEW_PRIVS, errno);

	int err = landlock_restrict(c->ruleset);
	if (err < 0)
		child_fail(c->pipe_fd, STAGE_LANDLOCK, -err);

	/* Last, so that nothing above is filtered: from here the only call
	 * left is execve, which the filter allows. */
	err = seccomp_install(c->filter);
	if (err < 0)
		child_fail(c->pipe_fd, STAGE_SECCOMP, -err);

	execvpe(c->argv[0], c->argv, c->envp ? c->envp : environ);
	child_fail(c->pipe_fd, STAGE_EXEC, errno);
}

/* Which of reading files and listing directories the ruleset allows
 * beneath /proc (the one mounted now): asked of the kernel in a throwaway
 * child under the ruleset, as Landlock rules cannot be read back.  A mask
 * of Landlock rights; 0 when the child cannot tell. */
static uint64_t proc_rights(int ruleset)
{
	int status;
	pid_t t = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (t == 0) {
		int bits = 0, fd;
		if (landlock_restrict(ruleset) < 0)
			_exit(0);
		if ((fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0)
			bits |= 1, close(fd);
		if ((fd = open("/proc/version", O_RDONLY | O_CLOEXEC)) >= 0)
			bits |= 2, close(fd);
		_exit(bits);
	}
	if (t < 0)
		return 0;
	while (waitpid(t, &status, 0) < 0)
		if (errno != EINTR)
			return 0;
	if (!WIFEXITED(status))
		return 0;
	return (WEXITSTATUS(status) & 1 ? LANDLOCK_ACCESS_FS_READ_DIR : 0) |
	       (WEXITSTATUS(status) & 2 ? LANDLOCK_ACCESS_FS_READ_FILE : 0);
}

/* Start the namespace's pids at a random point rather than at 2 in every
 * session, as the host's would be: scripts name files in directories that
 * sessions share (/tmp) after $$, and two sessions would collide.  Best
 * effort: ns_last_pid needs CONFIG_CHECKPOINT_RESTORE. */
static void scatter_pids(void)
{
	char buf[32];
	long max = 32768;
	unsigned r;
	ssize_t n;

	int fd = open("/proc/sys/kernel/pid_max", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			max = atol(buf);
		}
	}
	/* (a new namespace's own limit may be above its parent's: numbers
	 * stay below the classic default, where the host's usually are) */
	if (max > 32768)
		max = 32768;
	if (max / 2 <= 300 || getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		return;
	/* (no stdio after fork) */
	unsigned long last = 300 + r % (unsigned long)(max / 2 - 300);
	char *p = buf + sizeof(buf);
	do
		*--p = (char)('0' + last % 10);
	while ((last /= 10) > 0);
	fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = write(fd, p, (size_t)(buf + sizeof(buf) - p));
	(void)n;
	close(fd);
}

/* pid 1 of the command's pid namespace, a child of the supervisor: it
 * mounts the namespace's /proc, starts the command, reaps every orphan of
 * the namespace, passes on what the supervisor forwards (pid 1 receives
 * only the signals it handles), and when the command ends kills what is
 * left in the namespace and tells the supervisor the command's outcome.
 * When it dies, for whatever reason, the kernel kills every process of
 * the namespace: its parent-death signal ends the whole tree with nono. */
static _Noreturn void init_run(const struct child *c)
{
	struct pollfd alive = { .fd = c->status_fd, .events = POLLOUT };

	/* Its parent is the supervisor from the start (CLONE_PARENT), which
	 * is not visible from in here (getppid() is 0): the supervisor holds
	 * the status pipe's only read end, so a write end without a reader
	 * (POLLERR) means it is gone already. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		child_fail(c->pipe_fd, STAGE_PDEATHSIG, errno);
	if (poll(&alive, 1, 0) < 0 || (alive.revents & POLLERR))
		child_fail(c->pipe_fd, STAGE_PDEATHSIG, ESRCH);

	/* Row 29: /proc shows this namespace only, so no outside process's
	 * command line, environment or status is in reach.  Landlock's rule
	 * for the old /proc does not reach the new one (a rule is found on
	 * the way up from a file, and the way up skips the directory a mount
	 * covers), so the new one gets what the policy let the command do
	 * with the old: read and list, or nothing.  The rule goes into the
	 * policy's own ruleset (the plan's), one more per session. */
	uint64_t rights = proc_rights(c->ruleset);
	int err = ns_mount_proc();
	if (err == 0 && rights) {
		int fd = open("/proc", O_PATH | O_CLOEXEC);
		err = fd < 0 ? -errno
			     : landlock_ruleset_add_path(c->ruleset, fd, rights);
		if (fd >= 0)
			close(fd);
	}
	if (err < 0)
		child_fail(c->pipe_fd, STAGE_PROC, -err);

	scatter_pids();

	/* A command in a session of its own gets the terminal's signals only
	 * through the supervisor.  Out of the terminal's foreground group, the
	 * init gets them only that way too: a terminal's SIGINT and the
	 * supervisor's copy of it, both pending at once (right after a Ctrl-Z
	 * and fg, or under load), would be one signal, the terminal's, which
	 * the init does not pass on. */
	if (policy_session(c->p) == POLICY_SESSION_NEW && setpgid(0, 0) < 0)
		child_fail(c->pipe_fd, STAGE_SIGNALS, errno);

	/* Told apart from the supervisor in ps and /proc; and the
	 * capabilities the user namespace gave are needed no longer. */
	prctl(PR_SET_NAME, (unsigned long)"nono-init", 0L, 0L, 0L);
	err = caps_drop_all();
	if (err < 0)
		child_fail(c->pipe_fd, STAGE_CAPS, -err);

	pid_t cmd = fork();
	if (cmd < 0)
		child_fail(c->pipe_fd, STAGE_INIT, errno);
	if (cmd == 0)
		command_exec(c);

	/* Nothing of the launcher's stays open here but the status pipe (the
	 * command has its own copies), and no directory is held: the
	 * supervisor counts a working directory inside an expired grant as
	 * a hold on it. */
	if (c->status_fd > 0)
		syscall(SYS_close_range, 0U, (unsigned)c->status_fd - 1, 0U);
	syscall(SYS_close_range, (unsigned)c->status_fd + 1, ~0U, 0U);
	if (chdir("/") < 0)
		_exit(126);

	struct exec_session own = { .pid = cmd, .oldmask = *c->oldmask,
				    .status_fd = -1 };
	struct exec_outcome out;
	int signo;
	is_init = 1;
	child_pid = cmd;
	while (exec_wait(&own, -1, 1, &out, &signo) != EXEC_WAIT_EXITED)
		;

	/* Row 20: nothing the command started outlives it.  kill(-1) from
	 * pid 1 reaches every other process of the namespace; none can fork
	 * once the signal is pending. */
	struct init_status st = { .kind = out.kind, .code = out.code };
	int status;
	kill(-1, SIGKILL);
	for (;;) {
		pid_t w = waitpid(-1, &status, 0);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			break;
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			st.killed++;
	}
	ssize_t n = write(c->status_fd, &st, sizeof(st));
	(void)n;
	_exit(0);
}

/* Runs in the forked child: only async-signal-safe calls until execve. */
static _Noreturn void child_apply_and_exec(const struct child *c)
{
	const struct nono_policy *p = c->p;
	int pipe_fd = c->pipe_fd;

	/* The supervisor made itself non-dumpable; that would leave this
	 * child's /proc files owned by root, and an unprivileged user could
	 * not write its namespace's uid_map.  execve resets it anyway. */
	if (prctl(PR_SET_DUMPABLE, 1L, 0L, 0L, 0L) < 0)
		child_fail(pipe_fd, STAGE_PDEATHSIG, errno);

	/* Nothing outlives the supervisor: if it dies, so does the command. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		child_fail(pipe_fd, STAGE_PDEATHSIG, errno);
	if (getppid() != c->supervisor)
		child_fail(pipe_fd, STAGE_PDEATHSIG, ESRCH);

	/* Threat row 4: no descriptor but stdin, stdout and stderr reaches the
	 * command, whoever opened it (our launcher's or its parent's).  Marked
	 * close-on-exec rather than closed so the report pipe still works. */
	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		child_fail(pipe_fd, STAGE_CLOSE_FDS, errno);
	/* ...but for the sealed, read-only policy `nono why --self` reads. */
	int keep = policy_inherit_fd(p);
	if (keep >= 0 && fcntl(keep, F_SETFD, 0) < 0)
		child_fail(pipe_fd, STAGE_CLOSE_FDS, errno);

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

	/* The command's view of the file system (mounts.h): read-only outside
	 * the write grants, outside daemons' sockets hidden, read-only binds
	 * where Landlock cannot protect a file inside a directory the command
	 * may write, read-only no-exec binds over the blocked commands.  Before
	 * dropping capabilities: the new user namespace grants the ones mount
	 * needs, and the drop below takes them away again.  Also the namespace
	 * the supervisor mounts over an expired time-limited grant in. */
	if (policy_private_mounts(p)) {
		/* A mount over the working directory or above it leaves this
		 * process in the directory beneath the mount, where none of the
		 * binds are: `.git/config` from a pinned project root would be
		 * the writable one.  So the directory is entered again, by name,
		 * once everything is mounted. */
		char cwd[PATH_MAX];
		const char *failed;
		int have_cwd = getcwd(cwd, sizeof(cwd)) != NULL;
		int nerr = ns_enter(getuid(), getgid());
		/* The overlays first: the read-only view clones the write
		 * grants as they are then, and the pins and binds beneath them
		 * hold the overlay's files, the ones the command sees. */
		if (nerr == 0 &&
		    (nerr = overlay_apply(policy_overlays(p), c->ruleset)) < 0)
			child_fail(pipe_fd, STAGE_OVERLAY, -nerr);
		if (nerr == 0)
			nerr = mounts_apply(p, &failed);
		if (nerr == 0 && policy_devpts(p))
			nerr = mounts_devpts_rules(c->ruleset,
						   policy_handled_fs(p));
		/* Loopback only: nothing outside, the host's 127.0.0.1 included,
		 * can be reached (a proxy's socket is to be the way out). */
		if (nerr == 0 && policy_private_net(p))
			nerr = ns_net_loopback();
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

	if (c->status_fd < 0)
		command_exec(c);

	/* Rows 20, 29: the command runs in the pid namespace ns_enter made,
	 * whose pid 1 is our next child.  It is made the supervisor's child
	 * (CLONE_PARENT), so that it is the one the supervisor waits for and
	 * signals, and its parent-death signal follows the supervisor; this
	 * process then leaves.  A raw clone: no fork handlers run here. */
	pid_t init = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
	if (init < 0)
		child_fail(pipe_fd, STAGE_INIT, errno);
	if (init == 0)
		init_run(c);
	report_to(pipe_fd, REPORT_INIT_PID, (int)init);
	_exit(0);
}

int exec_start(struct nono_policy *p, char *const argv[], char *const envp[],
	       struct exec_session *s, struct exec_outcome *out)
{
	struct sock_filter insns[SECCOMP_MAX_INSNS];
	struct sock_fprog filter;
	sigset_t all;
	struct report r;
	int pipefd[2], statusfd[2] = { -1, -1 }, ruleset, status;
	pid_t pid, self = getpid();
	ssize_t n;

	memset(out, 0, sizeof(*out));
	out->kind = EXEC_SETUP_FAILED;
	s->pid = 0;
	s->status_fd = -1;
	/* An interactive command hands the terminal to process groups of its
	 * own (a shell's jobs) and gives it back when it ends, but a shell in
	 * the pid namespace cannot name ours: exec_finish takes it back for
	 * the launcher, if it was in the foreground. */
	s->fg_pgrp = 0;
	if (policy_session(p) == POLICY_SESSION_KEEP &&
	    tcgetpgrp(STDIN_FILENO) == getpgrp())
		s->fg_pgrp = getpgrp();

	/* Without the private namespaces there is no pid namespace: the
	 * filter then also keeps the pid arguments to the caller. */
	int err = seccomp_build_filter(policy_seccomp_opts(p) |
					       (policy_private_mounts(p) ? 0 : SECCOMP_OPT_FLOOR),
				       insns, SECCOMP_MAX_INSNS, &filter);
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
	/* With the private namespaces, the command's outcome comes from the
	 * pid namespace's init (it cannot die of the command's signal). */
	if (policy_private_mounts(p) &&
	    pipe2(statusfd, O_CLOEXEC | O_NONBLOCK) < 0) {
		out->stage = "pipe";
		out->code = errno;
		close(pipefd[0]);
		close(pipefd[1]);
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
		struct child c = {
			.p = p, .ruleset = ruleset, .filter = &filter,
			.pipe_fd = pipefd[1], .status_fd = statusfd[1],
			.supervisor = self, .argv = argv, .envp = envp,
			.oldmask = &s->oldmask,
		};
		close(pipefd[0]);
		if (statusfd[0] >= 0)
			close(statusfd[0]);
		child_apply_and_exec(&c);
	}
	if (statusfd[1] >= 0)
		close(statusfd[1]);
	if (pid < 0) {
		out->stage = "fork";
		out->code = errno;
		restore_signals(s);
		sigprocmask(SIG_SETMASK, &s->oldmask, NULL);
		close(pipefd[0]);
		close(pipefd[1]);
		if (statusfd[0] >= 0)
			close(statusfd[0]);
		close(ruleset);
		return -out->code;
	}
	sigemptyset(&all);
	sigaddset(&all, SIGCHLD);
	for (size_t i = 0; i < NFORWARDED; i++)
		sigaddset(&all, forwarded[i]);
	sigprocmask(SIG_SETMASK, &s->oldmask, NULL);
	sigprocmask(SIG_BLOCK, &all, NULL);
	close(pipefd[1]);
	close(ruleset);

	for (;;) {
		do
			n = read(pipefd[0], &r, sizeof(r));
		while (n < 0 && errno == EINTR);
		if (n != (ssize_t)sizeof(r) || r.stage != REPORT_INIT_PID)
			break;
		/* The first child started the pid namespace's init as our
		 * child and leaves: the session is the init's from here. */
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		pid = (pid_t)r.err;
	}
	close(pipefd[0]);
	child_pid = pid;

	if (n == (ssize_t)sizeof(r) && r.stage >= 0 && r.stage <= STAGE_EXEC) {
		/* The command never ran: the child (or the init, once the
		 * command's process has ended) exits right after. */
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (statusfd[0] >= 0)
			close(statusfd[0]);
		exec_finish(s);
		out->kind = r.stage == STAGE_EXEC ? EXEC_NOT_EXECUTED
						  : EXEC_SETUP_FAILED;
		out->stage = stage_names[r.stage];
		out->code = r.err;
		return 0;
	}
	s->pid = pid;
	s->status_fd = statusfd[0];
	out->kind = EXEC_EXITED;
	return 0;
}

/* The pid namespace's init has ended: what it said of the command
 * replaces its own status (it exits 0 once the command has ended).  An
 * init that said nothing was killed (by the supervisor, at a failed
 * expiry): its own status stands. */
static void take_init_status(struct exec_session *s, struct exec_outcome *out)
{
	struct init_status st;

	if (s->status_fd < 0)
		return;
	ssize_t n = read(s->status_fd, &st, sizeof(st));
	close(s->status_fd);
	s->status_fd = -1;
	if (n != (ssize_t)sizeof(st))
		return;
	out->kind = st.kind == EXEC_SIGNALED ? EXEC_SIGNALED : EXEC_EXITED;
	out->code = st.code;
	left_behind += st.killed;
}

int exec_take_left_behind(void)
{
	int n = left_behind;
	left_behind = 0;
	return n;
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
			take_init_status(s, out);
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
	if (s->status_fd >= 0) {
		close(s->status_fd);
		s->status_fd = -1;
	}
	/* Only from a group that is gone: one still running (the launcher's
	 * shell took the terminal back, or a job of the command's lives on)
	 * keeps it. */
	pid_t now = s->fg_pgrp > 0 ? tcgetpgrp(STDIN_FILENO) : -1;
	if (now > 0 && now != s->fg_pgrp && kill(-now, 0) < 0 && errno == ESRCH) {
		sigset_t ttou, old;
		sigemptyset(&ttou);
		sigaddset(&ttou, SIGTTOU);
		sigprocmask(SIG_BLOCK, &ttou, &old);
		tcsetpgrp(STDIN_FILENO, s->fg_pgrp);
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	s->fg_pgrp = 0;
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
