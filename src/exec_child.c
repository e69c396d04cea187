/* exec_child.c — the children of a session: the command's own steps, and
 * the pid namespace's init.  Between clone and execve only
 * async-signal-safe calls: the plan, the filter and the arguments were all
 * made ready by exec_start in the parent.  The first child and the
 * command's process run in their parent's memory until they exec or exit
 * (vfork_on_stack, vfork.c): of what they change, the parent sees errno
 * and the dumpable flag (vfork_on_stack puts it back); what the first
 * child finds for those after it (the relayed terminal) is kept on its own
 * stack, in its copy of the struct child. */
#define _GNU_SOURCE
#include "exec.h"
#include "exec_child.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <linux/keyctl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "landlock.h"
#include "mounts.h"
#include "netns.h"
#include "overlay.h"
#include "pty.h"
#include "ns.h"
#include "seccomp.h"
#include "supervisor.h"
#include "vfork.h"
#include "../vendor/landlock_uapi.h"

extern char **environ;

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

size_t exec_stack_size(char *const argv[], size_t room)
{
	size_t argc = 0;
	while (argv[argc])
		argc++;
	return (argc + 8) * sizeof(char *) + room;
}

/* The command's own steps, in the process that executes it: default
 * signal dispositions, setsid if asked, no capability, no_new_privs,
 * Landlock, the seccomp filter, execve.  Only async-signal-safe calls. */
static _Noreturn void command_exec(const struct child *c)
{
	struct sigaction dfl;

	/* Row 29: the terminal of the sandbox's own, in place of the
	 * launcher's (signals still blocked: tcsetpgrp from a background
	 * group would raise SIGTTOU) */
	if (c->pty_slave >= 0) {
		int perr = pty_child_take(c->pty_slave, c->pty_ctty);
		if (perr < 0)
			child_fail(c->pipe_fd, STAGE_TERMINAL, -perr);
	}

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (size_t i = 0; i < NFORWARDED; i++)
		if (sigaction(exec_forwarded[i], &dfl, NULL) < 0)
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

/* command_exec as a clone's entry point. */
static int command_start(void *arg)
{
	command_exec(arg);
}

/* Row 29: the namespace's /proc is mounted afresh by the init, and
 * Landlock's rule for the old /proc does not reach the new one (a rule is
 * found on the way up from a file, and the way up skips the directory a
 * mount covers).  So the new one gets what the policy lets the command do
 * with the old: read and list, or nothing.  Landlock rules cannot be read
 * back, so the kernel is asked: the first child, which leaves once the
 * init is started, restricts itself with the ruleset and tries the old
 * /proc through a descriptor it opened before the init was started (the
 * init may mount the new one meanwhile), then tells the init through a
 * pipe a mask of Landlock rights, 0 when it cannot tell. */
struct proc_question {
	int proc;    /* the old /proc, O_PATH */
	int pipe[2]; /* to the init */
};

static int proc_question_open(struct proc_question *q)
{
	q->proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (q->proc < 0)
		return -errno;
	if (pipe2(q->pipe, O_CLOEXEC) < 0) {
		int err = -errno;
		close(q->proc);
		return err;
	}
	return 0;
}

static void proc_question_answer(struct proc_question *q, int ruleset)
{
	uint64_t rights = 0;
	int fd;
	if (landlock_restrict(ruleset) == 0) {
		if ((fd = openat(q->proc, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0)
			rights |= LANDLOCK_ACCESS_FS_READ_DIR, close(fd);
		if ((fd = openat(q->proc, "version", O_RDONLY | O_CLOEXEC)) >= 0)
			rights |= LANDLOCK_ACCESS_FS_READ_FILE, close(fd);
	}
	ssize_t n = write(q->pipe[1], &rights, sizeof(rights));
	(void)n;
	close(q->pipe[1]);
	close(q->proc);
}

/* The init's side: the answer, 0 when none came. */
static uint64_t proc_rights(int answer)
{
	uint64_t rights;
	ssize_t n;
	do
		n = read(answer, &rights, sizeof(rights));
	while (n < 0 && errno == EINTR);
	close(answer);
	return n == (ssize_t)sizeof(rights) ? rights : 0;
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
 * the namespace: its parent-death signal ends the whole tree with nono.
 *
 * On the floor (no namespaces) the library's spawn gets one too, as its
 * caller is no subreaper and ends nothing (nono run's supervisor is and
 * does): there it is the tree's child subreaper instead of a pid 1, and
 * ends what is left by walking /proc (supervisor_end_tree), as nono run
 * does.  If it is killed (with its caller), a detached process lives on:
 * the floor's residual of row 20. */
static _Noreturn void init_run(const struct child *c, int proc_answer)
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
	 * command line, environment or status is in reach.  It gets the
	 * rights the first child found the policy gives the old one
	 * (proc_question_answer): the rule goes into the policy's own ruleset
	 * (the plan's), one more per session. */
	const int pid_ns = policy_private_mounts(c->p);
	int err = 0;
	if (pid_ns) {
		err = ns_mount_proc();
		uint64_t rights = proc_rights(proc_answer);
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
	} else if (prctl(PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L) < 0) {
		/* Row 20 on the floor: a double-forked, setsid'ed process is
		 * reparented to this init, not to the host's, and found. */
		child_fail(c->pipe_fd, STAGE_INIT, errno);
	}

	/* A command in a session of its own gets the terminal's signals only
	 * through the supervisor.  Out of the terminal's foreground group, the
	 * init gets them only that way too: a terminal's SIGINT and the
	 * supervisor's copy of it, both pending at once (right after a Ctrl-Z
	 * and fg, or under load), would be one signal, the terminal's, which
	 * the init does not pass on. */
	if (c->pty_slave >= 0 && c->pty_ctty) {
		/* The relayed terminal's session is the init's: the command's
		 * group in it is then not orphaned (its parent is in the same
		 * session), so the terminal's Ctrl-Z stops it, and the init sees
		 * the stop and tells the supervisor. */
		if (setsid() < 0 || ioctl(c->pty_slave, TIOCSCTTY, 0) < 0)
			child_fail(c->pipe_fd, STAGE_TERMINAL, errno);
	} else if (policy_session(c->p) == POLICY_SESSION_NEW && setpgid(0, 0) < 0)
		child_fail(c->pipe_fd, STAGE_SIGNALS, errno);

	/* Told apart from the supervisor in ps and /proc; and the
	 * capabilities the user namespace gave are needed no longer. */
	prctl(PR_SET_NAME, (unsigned long)"nono-init", 0L, 0L, 0L);
	err = caps_drop_all();
	if (err < 0)
		child_fail(c->pipe_fd, STAGE_CAPS, -err);

	/* The command's process runs in our memory until its execve
	 * (vfork_on_stack): what it changes before then (signal dispositions,
	 * session, credentials, Landlock, seccomp) is its own task's, and no
	 * copy of the page tables is made for a process that is about to
	 * replace them. */
	pid_t cmd = vfork_on_stack(command_start, (void *)c, exec_stack_size(c->argv, 64 * 1024));
	if (cmd < 0)
		child_fail(c->pipe_fd, STAGE_INIT, errno);

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
				    .status_fd = -1, .watch_fd = -1,
				    .stop_fd = c->pty_ctty ? c->status_fd : -1 };
	struct exec_outcome out;
	int signo;
	exec_forward_as_init(cmd, c->pty_ctty);
	while (exec_wait(&own, -1, 1, &out, &signo) != EXEC_WAIT_EXITED)
		;

	/* Row 20: nothing the command started outlives it.  kill(-1) from
	 * pid 1 reaches every other process of the namespace; none can fork
	 * once the signal is pending.  On the floor kill(-1) would reach
	 * every process of the user: the descendants are found in /proc
	 * instead.  Should /proc not answer, the init waits until every
	 * process of the tree has ended (orphans are its children): the
	 * caller's spawn then returns late, but nothing is left running. */
	struct init_status st = { .kind = out.kind, .code = out.code };
	int status, ended = 0;
	if (pid_ns) {
		kill(-1, SIGKILL);
	} else {
		exec_take_left_behind(); /* (the caller's, in this copy) */
		int n = supervisor_end_tree();
		st.killed = n > 0 ? n : 0;
		ended = n >= 0;
	}
	while (!ended) {
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
_Noreturn void exec_child_run(const struct child *given)
{
	/* (ours to fill in: the parent's stays as it is, exec.c) */
	struct child own = *given;
	struct child *c = &own;
	const struct nono_policy *p = c->p;
	int pipe_fd = c->pipe_fd;

	/* The supervisor made itself non-dumpable; that would leave this
	 * child's /proc files owned by root, and an unprivileged user could
	 * not write its namespace's uid_map.  The flag is the memory's, which
	 * is the supervisor's (vfork_on_stack puts it back); without namespaces
	 * execve sets it for the command. */
	if (policy_private_mounts(p) && prctl(PR_SET_DUMPABLE, 1L, 0L, 0L, 0L) < 0)
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
		/* Row 33: loopback only, the proxy's socket made here */
		int nport, nfd = policy_netns(p, &nport);
		if (nerr == 0 && nfd >= 0)
			nerr = netns_enter_with_listener(nport, nfd);
		if (nerr < 0)
			child_fail(pipe_fd, STAGE_NAMESPACE, -nerr);
		if (policy_pty_relay(p)) {
			int slave = pty_child_open(c->pty_sock);
			if (slave < 0)
				child_fail(pipe_fd, STAGE_TERMINAL, -slave);
			c->pty_slave = slave;
			c->pty_ctty = isatty(STDIN_FILENO);
		}
	}

	/* Row 21: no core dump, so no core_pattern helper runs on our behalf
	 * outside the sandbox and no memory image lands on disk. */
	struct rlimit nocore = { 0, 0 };
	if (setrlimit(RLIMIT_CORE, &nocore) < 0)
		child_fail(pipe_fd, STAGE_RLIMITS, errno);

	if (c->status_fd < 0)
		command_exec(c);

	/* (the new /proc's question: only where there is a pid namespace) */
	const int pid_ns = policy_private_mounts(p);
	struct proc_question q = { .proc = -1, .pipe = { -1, -1 } };
	int qerr = pid_ns ? proc_question_open(&q) : 0;
	if (qerr < 0)
		child_fail(pipe_fd, STAGE_PROC, -qerr);

	/* Rows 20, 29: the command runs in the pid namespace ns_enter made,
	 * whose pid 1 is our next child (on the floor: the init of the
	 * library's spawn).  It is made the supervisor's child
	 * (CLONE_PARENT), so that it is the one the supervisor waits for and
	 * signals, and its parent-death signal follows the supervisor; this
	 * process then leaves.  A raw clone: no fork handlers run here. */
	pid_t init = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
	if (init < 0)
		child_fail(pipe_fd, STAGE_INIT, errno);
	if (init == 0) {
		if (pid_ns) {
			close(q.proc);
			close(q.pipe[1]);
		}
		init_run(c, q.pipe[0]);
	}
	if (pid_ns) {
		close(q.pipe[0]);
		proc_question_answer(&q, c->ruleset);
	}
	report_to(pipe_fd, REPORT_INIT_PID, (int)init);
	_exit(0);
}
