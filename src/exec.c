#define _GNU_SOURCE
#include "exec.h"
#include "exec_child.h"

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
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <poll.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "landlock.h"
#include "overlay.h"
#include "ns.h"
#include "pty.h"
#include "seccomp.h"
#include "vfork.h"
#include "../vendor/landlock_uapi.h"

extern char **environ;

/* The child's steps, in the order it takes them: an id (what the Lua side
 * chooses a hint by), what the step is (a failure names it), and, for the
 * steps that always run, what the enforcement report says of them. */
const struct exec_stage exec_stages[] = {
	[STAGE_PDEATHSIG] = { "pdeathsig", "parent-death signal",
		"parent-death signal: the command is killed if nono dies" },
	[STAGE_SIGNALS] = { "signals", "signal dispositions", NULL },
	[STAGE_CLOSE_FDS] = { "close_fds", "closing inherited file descriptors",
		"file descriptors above 2 are closed at exec, inherited ones too" },
	[STAGE_SESSION] = { "setsid", "setsid", NULL },
	[STAGE_KEYRING] = { "keyring", "joining a new session keyring",
		"a new, empty session keyring" },
	[STAGE_NAMESPACE] = { "namespace",
		"the mounts of a private user and mount namespace (read-only view, hidden sockets, read-only and no-exec binds)", NULL },
	[STAGE_OVERLAY] = { "overlay", "overlays over the write grants (--ephemeral)", NULL },
	[STAGE_TERMINAL] = { "terminal", "a pseudo-terminal of the sandbox's own as the command's terminal", NULL },
	[STAGE_INIT] = { "init", "starting the init of a private pid namespace", NULL },
	[STAGE_PROC] = { "proc", "mounting /proc for a private pid namespace", NULL },
	[STAGE_RLIMITS] = { "rlimits", "RLIMIT_CORE", "RLIMIT_CORE is 0 (no core dumps)" },
	[STAGE_CAPS] = { "caps", "dropping capabilities",
		"capabilities: all cleared; with any held (root), bounding and ambient "
		"sets emptied and securebits locked" },
	[STAGE_NO_NEW_PRIVS] = { "no_new_privs", "no_new_privs", NULL },
	[STAGE_LANDLOCK] = { "landlock", "Landlock restrict_self", NULL },
	[STAGE_SECCOMP] = { "seccomp", "installing the seccomp filter", NULL },
	[STAGE_EXEC] = { "exec", "execve", NULL },
	{ NULL, NULL, NULL },
};

const int exec_forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGTSTP };
_Static_assert(sizeof(exec_forwarded) / sizeof(exec_forwarded[0]) == NFORWARDED,
	       "NFORWARDED (exec_child.h) counts the forwarded signals");
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
		sigaction(exec_forwarded[i], &sa, &s->saved[i]);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_child;
	sa.sa_flags = SA_NOCLDSTOP | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, &s->saved_chld);
}

static void restore_signals(const struct exec_session *s)
{
	for (size_t i = 0; i < NFORWARDED; i++)
		sigaction(exec_forwarded[i], &s->saved[i], NULL);
	sigaction(SIGCHLD, &s->saved_chld, NULL);
}

void exec_forward_as_init(pid_t cmd, int stops)
{
	is_init = 1;
	child_pid = cmd;
	if (stops) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_child;
		sa.sa_flags = SA_RESTART;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGCHLD, &sa, NULL);
	}
}

/* The first child and the ends of our pipes it closes in its own table. */
struct first_child {
	struct child c;
	int ours[3];
};

static int first_child_start(void *arg)
{
	struct first_child *f = arg;
	for (size_t i = 0; i < sizeof(f->ours) / sizeof(f->ours[0]); i++)
		if (f->ours[i] >= 0)
			close(f->ours[i]);
	exec_child_run(&f->c);
}

/* The first child runs in our memory while we wait (vfork_on_stack),
 * until it has executed the command, or has handed the pid namespace's
 * init over and left: no copy of the launcher's page tables is made for
 * it and torn down after it, and the copy-on-write faults that would
 * follow here are not taken.  What it changes before then is its own
 * task's (exec_child.c).  Its stack has room for the steps' buffers (the
 * init goes on on its copy).  Returns the child's pid, or -1 with errno. */
static pid_t start_first_child(struct first_child *f)
{
	return vfork_on_stack(first_child_start, f, exec_stack_size(f->c.argv, 1024 * 1024));
}

int exec_start(struct nono_policy *p, char *const argv[], char *const envp[],
	       int end_tree, struct exec_session *s, struct exec_outcome *out)
{
	struct sock_filter insns[SECCOMP_MAX_INSNS];
	struct sock_fprog filter;
	sigset_t all;
	struct report r;
	int pipefd[2], statusfd[2] = { -1, -1 }, ptysock[2] = { -1, -1 };
	int ruleset, status;
	pid_t pid, self = getpid();
	ssize_t n;

	memset(out, 0, sizeof(*out));
	out->kind = EXEC_SETUP_FAILED;
	s->pid = 0;
	s->status_fd = -1;
	s->stop_fd = -1;
	s->status_read = 0;
	s->relay = NULL;
	s->watch_fd = -1;
	/* Row 29: the launcher's terminal relayed, not handed over */
	int relay = policy_private_mounts(p) && policy_pty_relay(p) &&
		    (isatty(STDIN_FILENO) || isatty(STDOUT_FILENO) ||
		     isatty(STDERR_FILENO));
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
		out->stage_id = "build_filter";
		out->code = -err;
		return err;
	}
	ruleset = policy_build_ruleset(p);
	if (ruleset < 0) {
		out->stage = "Landlock ruleset";
		out->stage_id = "ruleset";
		out->code = -ruleset;
		return ruleset;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		out->stage = out->stage_id = "pipe";
		out->code = errno;
		close(ruleset);
		return -out->code;
	}
	/* With the private namespaces, the command's outcome comes from the
	 * pid namespace's init (it cannot die of the command's signal); so
	 * it does from the floor's init, where the caller asks for one. */
	const int with_init = policy_private_mounts(p) || end_tree;
	if (with_init &&
	    pipe2(statusfd, O_CLOEXEC | O_NONBLOCK) < 0) {
		out->stage = out->stage_id = "pipe";
		out->code = errno;
		close(pipefd[0]);
		close(pipefd[1]);
		close(ruleset);
		return -out->code;
	}

	if (relay && socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, ptysock) < 0) {
		out->stage = out->stage_id = "socketpair";
		out->code = errno;
		close(pipefd[0]);
		close(pipefd[1]);
		close(statusfd[0]);
		close(statusfd[1]);
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
	child_in_own_session = policy_session(p) == POLICY_SESSION_NEW || relay;
	set_forwarding(s);
	struct first_child first = {
		.c = {
			.p = p, .ruleset = ruleset, .filter = &filter,
			.pipe_fd = pipefd[1], .status_fd = statusfd[1],
			.pty_sock = ptysock[1],
			.supervisor = self, .argv = argv, .envp = envp,
			.oldmask = &s->oldmask, .pty_slave = -1,
		},
		.ours = { pipefd[0], statusfd[0], ptysock[0] },
	};
	pid = start_first_child(&first);
	if (statusfd[1] >= 0)
		close(statusfd[1]);
	if (ptysock[1] >= 0)
		close(ptysock[1]);
	if (pid < 0) {
		out->stage = out->stage_id = "fork";
		out->code = errno;
		restore_signals(s);
		sigprocmask(SIG_SETMASK, &s->oldmask, NULL);
		close(pipefd[0]);
		close(pipefd[1]);
		if (statusfd[0] >= 0)
			close(statusfd[0]);
		if (ptysock[0] >= 0)
			close(ptysock[0]);
		close(ruleset);
		return -out->code;
	}
	sigemptyset(&all);
	/* (delivered in exec_wait only, as the others: the relay's) */
	if (relay) {
		sigaddset(&all, SIGWINCH);
		sigaddset(&all, SIGCONT);
	}
	sigaddset(&all, SIGCHLD);
	for (size_t i = 0; i < NFORWARDED; i++)
		sigaddset(&all, exec_forwarded[i]);
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
		if (ptysock[0] >= 0)
			close(ptysock[0]);
		exec_finish(s);
		out->kind = r.stage == STAGE_EXEC ? EXEC_NOT_EXECUTED
						  : EXEC_SETUP_FAILED;
		out->stage = exec_stages[r.stage].what;
		out->stage_id = exec_stages[r.stage].id;
		out->code = r.err;
		return 0;
	}
	s->pid = pid;
	s->status_fd = statusfd[0];
	if (relay) {
		/* The master was sent before the command ran; without it the
		 * command would have a terminal no one reads: fail closed. */
		int perr = -ENOMEM;
		s->relay = malloc(sizeof(*s->relay));
		if (s->relay && (perr = pty_start(s->relay, ptysock[0])) < 0) {
			free(s->relay);
			s->relay = NULL;
		}
		close(ptysock[0]);
		if (!s->relay) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			s->pid = 0;
			exec_finish(s);
			out->kind = EXEC_SETUP_FAILED;
			out->stage = exec_stages[STAGE_TERMINAL].what;
			out->stage_id = exec_stages[STAGE_TERMINAL].id;
			out->code = -perr;
			return 0;
		}
	}
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
	int have = 0;

	if (s->status_read > 0) {
		st.kind = s->st_kind;
		st.code = s->st_code;
		st.killed = s->st_killed;
		have = 1;
	} else if (s->status_fd >= 0 && s->status_read == 0) {
		/* (past the stops it told, if any are left unread) */
		while (read(s->status_fd, &st, sizeof(st)) == (ssize_t)sizeof(st))
			if (st.kind != INIT_STOPPED) {
				have = 1;
				break;
			}
	}
	if (s->status_fd >= 0)
		close(s->status_fd);
	s->status_fd = -1;
	if (!have)
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

/* With a relayed terminal: the init's status pipe, read as it speaks.
 * Returns 1 when it told of a stop of the command. */
static int read_init_status(struct exec_session *s)
{
	struct init_status st;
	ssize_t n = read(s->status_fd, &st, sizeof(st));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n == (ssize_t)sizeof(st) && st.kind == INIT_STOPPED)
		return 1;
	/* its last word (kept for take_init_status), or its end */
	if (n == (ssize_t)sizeof(st)) {
		s->status_read = 1;
		s->st_kind = st.kind;
		s->st_code = st.code;
		s->st_killed = st.killed;
	} else {
		s->status_read = -1;
	}
	return 0;
}

int exec_wait(struct exec_session *s, int timeout_ms, int reap_orphans,
	      struct exec_outcome *out, int *signo)
{
	struct timespec ts, *tsp = NULL;
	struct pollfd fds[5];
	int status, stopped = 0;

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
		int flags = WNOHANG | (s->stop_fd >= 0 ? WUNTRACED : 0);
		while ((w = waitpid(reap_orphans ? -1 : s->pid, &status,
				    flags)) > 0) {
			if (w != s->pid)
				continue;
			if (WIFSTOPPED(status)) {
				/* (an init with a relayed terminal) */
				struct init_status st = { .kind = INIT_STOPPED,
							  .code = WSTOPSIG(status) };
				if (st.code != SIGSTOP) {
					ssize_t n = write(s->stop_fd, &st, sizeof(st));
					(void)n;
				}
				continue;
			}
			child_pid = 0;
			s->pid = 0;
			if (WIFSIGNALED(status)) {
				out->kind = EXEC_SIGNALED;
				out->code = WTERMSIG(status);
			} else {
				out->kind = EXEC_EXITED;
				out->code = WEXITSTATUS(status);
			}
			if (s->relay)
				pty_drain(s->relay);
			take_init_status(s, out);
			return EXEC_WAIT_EXITED;
		}
		if (forwarded_mask || stopped) {
			int sig = SIGTSTP;
			if (!stopped) {
				sig = __builtin_ctz((unsigned)forwarded_mask);
				forwarded_mask &= ~(1 << sig);
			}
			/* nono stops next: the launcher's terminal as it was */
			if (sig == SIGTSTP && s->relay)
				pty_suspend(s->relay);
			*signo = sig;
			return EXEC_WAIT_SIGNAL;
		}
		if (waited && tsp && ts.tv_sec == 0 && ts.tv_nsec == 0)
			return EXEC_WAIT_TIMEOUT;
		int nfds = 0, status_at = -1, watch_at = -1;
		if (s->watch_fd >= 0) {
			watch_at = nfds++;
			fds[watch_at].fd = s->watch_fd;
			fds[watch_at].events = POLLIN;
			fds[watch_at].revents = 0;
		}
		if (s->relay) {
			nfds += pty_fill(s->relay, fds + nfds);
			if (s->status_fd >= 0 && s->status_read == 0) {
				status_at = nfds++;
				fds[status_at].fd = s->status_fd;
				fds[status_at].events = POLLIN;
				fds[status_at].revents = 0;
			}
		}
		/* Signals are delivered only in here (they are blocked
		 * elsewhere), so none is missed between the checks above and
		 * the sleep.  Linux leaves the time not slept in `ts`. */
		struct timespec before, after;
		clock_gettime(CLOCK_MONOTONIC, &before);
		int r = ppoll(nfds ? fds : NULL, (nfds_t)nfds, tsp, &s->oldmask);
		if (r == 0)
			return EXEC_WAIT_TIMEOUT;
		if (r > 0 && s->relay) {
			pty_handle(s->relay, fds + (watch_at + 1));
			if (status_at >= 0 && fds[status_at].revents)
				stopped = read_init_status(s);
		}
		if (r > 0 && watch_at >= 0 && fds[watch_at].revents)
			return EXEC_WAIT_READY;
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
	if (s->relay) {
		pty_end(s->relay);
		free(s->relay);
		s->relay = NULL;
	}
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
	int err = exec_start(p, argv, envp, 1, &s, out);
	if (err < 0 || s.pid == 0)
		return err;
	while (exec_wait(&s, -1, 0, out, &signo) != EXEC_WAIT_EXITED)
		;
	exec_finish(&s);
	return 0;
}

