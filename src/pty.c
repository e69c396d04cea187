/* pty.c — the command's own terminal, relayed to the launcher's (pty.h). */
#define _GNU_SOURCE
#include "pty.h"
#include "fdpass.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* The first of fds 0, 1 and 2 that is a terminal, or -1. */
static int first_tty(void)
{
	for (int fd = 0; fd < 3; fd++)
		if (isatty(fd))
			return fd;
	return -1;
}

int pty_child_open(int sock)
{
	struct termios tio;
	struct winsize ws;
	int unlock = 0, slave = -1, err = 0, tty = first_tty();

	/* The instance's own ptmx: TIOCGPTPEER finds the instance from the
	 * mount the master was opened through, and the single-file bind over
	 * /dev/ptmx is not the instance's root. */
	int master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return -errno;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0 ||
	    (slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		err = -errno;
	/* what the user set (erase character, flow control, size) holds */
	if (err == 0 && tcgetattr(tty, &tio) == 0) {
		/* Output is processed once: by this pty when the launcher's
		 * terminal is raw (stdin relayed), else by the launcher's. */
		if (!isatty(STDIN_FILENO))
			tio.c_oflag &= ~(tcflag_t)OPOST;
		if (tcsetattr(slave, TCSANOW, &tio) < 0)
			err = -errno;
	}
	if (err == 0 && ioctl(tty, TIOCGWINSZ, &ws) == 0 &&
	    ioctl(slave, TIOCSWINSZ, &ws) < 0)
		err = -errno;
	/* (the supervisor keeps a slave open too: the pty then never hangs up
	 * while the command's processes have closed theirs, and a later open
	 * of /dev/tty still reaches the relay) */
	if (err == 0) {
		int both[2] = { master, slave };
		err = fdpass_send(sock, both, 2);
	}
	close(master);
	if (err < 0) {
		if (slave >= 0)
			close(slave);
		return err;
	}
	return slave;
}

int pty_child_take(int slave, int ctty)
{
	int was_tty[3];

	for (int fd = 0; fd < 3; fd++)
		was_tty[fd] = isatty(fd);
	/* Its own group, in the foreground: the terminal's job-control
	 * signals then reach it (a group whose parent, the init, is in the
	 * same session is not orphaned, so Ctrl-Z stops it). */
	if (ctty && (setpgid(0, 0) < 0 || tcsetpgrp(slave, getpid()) < 0))
		return -errno;
	for (int fd = 0; fd < 3; fd++)
		if (was_tty[fd] && dup2(slave, fd) < 0)
			return -errno;
	return 0;
}

static volatile sig_atomic_t winched;

/* The relay in progress, for exit(): nono's ways out that skip
 * pty_end (an error after the command started) still give the terminal
 * back.  Not SIGKILL. */
static struct pty_relay *active;
static pid_t active_pid; /* (a forked child's exit() is not ours) */

static void restore_at_exit(void)
{
	if (active && active->raw && getpid() == active_pid)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &active->saved);
}

static void on_winch(int sig)
{
	(void)sig;
	winched = 1;
}

/* Only there to end a poll when nono is continued (fg after bg). */
static void on_cont(int sig)
{
	(void)sig;
}

int pty_start(struct pty_relay *r, int sock)
{
	int both[2];
	struct sigaction sa;

	r->master = r->slave = -1;
	r->raw = 0;
	r->to_cmd_len = r->to_cmd_off = r->to_user_len = r->to_user_off = 0;
	int err = fdpass_recv(sock, both, 2, MSG_DONTWAIT);
	if (err < 0)
		return err;
	r->master = both[0];
	r->slave = both[1];
	/* (the description is ours alone: the child closed its copy) */
	int fl = fcntl(r->master, F_GETFL);
	if (fl < 0 || fcntl(r->master, F_SETFL, fl | O_NONBLOCK) < 0) {
		err = -errno;
		close(r->master);
		close(r->slave);
		r->master = r->slave = -1;
		return err;
	}
	/* Without a terminal on stdin, only the output is relayed, and the
	 * launcher's terminal stays as it is (its Ctrl-C and Ctrl-Z reach
	 * nono, which passes them on as for any command in a session of its
	 * own). */
	r->in = isatty(STDIN_FILENO) ? STDIN_FILENO : -1;
	r->tty = first_tty();
	r->out = isatty(STDOUT_FILENO) ? STDOUT_FILENO
		 : isatty(STDERR_FILENO) ? STDERR_FILENO : STDIN_FILENO;
	r->have_saved = r->in >= 0 && tcgetattr(STDIN_FILENO, &r->saved) == 0;
	/* a resize since the child copied the size is taken at once */
	winched = 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_winch;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGWINCH, &sa, &r->old_winch);
	sa.sa_handler = on_cont;
	sigaction(SIGCONT, &sa, &r->old_cont);
	static int registered;
	if (!registered && atexit(restore_at_exit) == 0)
		registered = 1;
	active = r;
	active_pid = getpid();
	return 0;
}

/* Whether nono may read and set the launcher's terminal now: it is in its
 * foreground, or the terminal is not nono's controlling terminal at all
 * (no job control then applies: a read never raises SIGTTIN). */
static int foreground(const struct pty_relay *r)
{
	if (r->in < 0)
		return 0;
	pid_t fg = tcgetpgrp(STDIN_FILENO);
	return fg == getpgrp() || (fg < 0 && errno == ENOTTY);
}

int pty_fill(struct pty_relay *r, struct pollfd *fds)
{
	struct winsize ws;

	if (winched && r->master >= 0) {
		winched = 0;
		/* the kernel sends the command SIGWINCH when the size changes */
		if (ioctl(r->tty, TIOCGWINSZ, &ws) == 0)
			ioctl(r->master, TIOCSWINSZ, &ws);
	}
	int fg = foreground(r);
	/* Raw: every key, Ctrl-C and Ctrl-Z included, goes to the command's
	 * terminal, whose own settings decide what they do.  Only in the
	 * foreground: from the background tcsetattr would stop nono. */
	if (fg && !r->raw && r->have_saved) {
		struct termios t = r->saved;
		cfmakeraw(&t);
		if (tcsetattr(STDIN_FILENO, TCSADRAIN, &t) == 0)
			r->raw = 1;
	}
	short m = 0;
	if (r->master >= 0 && r->to_user_len == 0)
		m |= POLLIN;
	if (r->master >= 0 && r->to_cmd_len > 0)
		m |= POLLOUT;
	/* (a descriptor asked for nothing would still wake the poll when it
	 * hangs up: it is left out instead) */
	fds[0].fd = m ? r->master : -1;
	fds[0].events = m;
	fds[1].fd = r->to_user_len > 0 ? r->out : -1;
	fds[1].events = POLLOUT;
	/* Input only in the foreground: a read from the background would
	 * stop nono (SIGTTIN) or fail (EIO) */
	fds[2].fd = fg && r->in >= 0 && r->to_cmd_len == 0 ? r->in : -1;
	fds[2].events = POLLIN;
	for (int i = 0; i < 3; i++)
		fds[i].revents = 0;
	return 3;
}

/* Write from buf[*off, *len) to fd; at the end, or when fd is no more,
 * the buffer is empty again.  Returns the errno that ended it, or 0. */
static int flush_some(int fd, const char *buf, size_t *off, size_t *len)
{
	ssize_t k = write(fd, buf + *off, *len - *off);
	if (k < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (k < 0) {
		*off = *len = 0;
		return errno;
	}
	*off += (size_t)k;
	if (*off == *len)
		*off = *len = 0;
	return 0;
}

void pty_handle(struct pty_relay *r, const struct pollfd *fds)
{
	if (fds[2].fd >= 0 && fds[2].revents) {
		ssize_t k = read(r->in, r->to_cmd, sizeof(r->to_cmd));
		if (k > 0) {
			r->to_cmd_len = (size_t)k;
			r->to_cmd_off = 0;
		} else if (k == 0 || (errno != EINTR && errno != EAGAIN &&
				      !(errno == EIO && !foreground(r)))) {
			/* the terminal hung up: nothing more to read */
			r->in = -1;
		}
	}
	if (fds[0].fd >= 0 && (fds[0].revents & (POLLOUT | POLLHUP | POLLERR)) &&
	    r->to_cmd_len > 0 &&
	    flush_some(r->master, r->to_cmd, &r->to_cmd_off, &r->to_cmd_len) == EIO) {
		close(r->master);
		r->master = -1;
	}
	if (fds[0].fd >= 0 && r->master >= 0 && r->to_user_len == 0 &&
	    (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
		ssize_t k = read(r->master, r->to_user, sizeof(r->to_user));
		if (k > 0) {
			r->to_user_len = (size_t)k;
			r->to_user_off = 0;
		} else if (k == 0 || (errno != EINTR && errno != EAGAIN)) {
			/* (EIO: no process holds the command's terminal now) */
			close(r->master);
			r->master = -1;
		}
	}
	if (fds[1].fd >= 0 && fds[1].revents && r->to_user_len > 0)
		flush_some(r->out, r->to_user, &r->to_user_off, &r->to_user_len);
}

/* Everything buffered for the launcher's terminal, written out, waiting
 * as a blocking write would (the terminal's description may have been
 * made nonblocking by another of its users). */
static void flush_user(struct pty_relay *r)
{
	struct pollfd out = { .fd = r->out, .events = POLLOUT };

	while (r->to_user_len > 0) {
		size_t before = r->to_user_len - r->to_user_off;
		if (flush_some(r->out, r->to_user, &r->to_user_off, &r->to_user_len))
			break;
		if (r->to_user_len > 0 && r->to_user_len - r->to_user_off == before &&
		    poll(&out, 1, -1) < 0 && errno != EINTR)
			break;
	}
}

/* What the master holds now, written out: at most `rounds` buffers (a
 * command still running may write on). */
static void flush_master(struct pty_relay *r, int rounds)
{
	flush_user(r);
	while (r->master >= 0 && rounds-- > 0) {
		ssize_t k = read(r->master, r->to_user, sizeof(r->to_user));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		r->to_user_len = (size_t)k;
		r->to_user_off = 0;
		flush_user(r);
	}
}

void pty_suspend(struct pty_relay *r)
{
	/* (the echo of the Ctrl-Z that stopped the command goes out before
	 * the launcher's shell reports the stop, not after the fg) */
	flush_master(r, 16);
	if (r->raw && tcsetattr(STDIN_FILENO, TCSADRAIN, &r->saved) == 0)
		r->raw = 0;
}

void pty_drain(struct pty_relay *r)
{
	/* The command's processes are all gone: what they wrote is in the
	 * master already (a nonblocking read waits for the kernel's buffer
	 * work before it answers EAGAIN). */
	flush_master(r, INT_MAX);
}

void pty_end(struct pty_relay *r)
{
	pty_suspend(r);
	r->raw = 0;
	if (r->master >= 0)
		close(r->master);
	if (r->slave >= 0)
		close(r->slave);
	r->master = r->slave = -1;
	sigaction(SIGWINCH, &r->old_winch, NULL);
	sigaction(SIGCONT, &r->old_cont, NULL);
	if (active == r)
		active = NULL;
}
