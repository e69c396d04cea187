/* pty.c — the command's terminal where namespaces work and one of fds 0,
 * 1 and 2 is a terminal of the launcher's: a pty of the sandbox's own
 * devpts instance, whose master the supervisor relays to the launcher's
 * terminal, and from it when stdin is that terminal (row 29: the
 * launcher's terminal is then not reachable from inside at all, and ptys
 * made inside work).  Internal. */
#ifndef NONO_PTY_H
#define NONO_PTY_H

#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <termios.h>

/* In the forked child, once the devpts instance is mounted: open a pty
 * through the instance's own ptmx (/dev/pts/ptmx: a master opened through
 * the single-file bind over /dev/ptmx cannot find its slave), give the
 * slave the terminal settings and window size of the first of fds 0, 1
 * and 2 that is a terminal, send the master and the slave over `sock`
 * (SCM_RIGHTS) and close the master.  Returns the slave (close-on-exec),
 * or -errno.  Only async-signal-safe calls. */
int pty_child_open(int sock);

/* In the command's process, before its signals are unblocked: with
 * `ctty`, a process group of its own in the session whose controlling
 * terminal `slave` is (the caller's parent made it), in the terminal's
 * foreground; and the slave over those of fds 0, 1 and 2 that are a
 * terminal.  0 or -errno. */
int pty_child_take(int slave, int ctty);

#define PTY_BUF 4096

/* The supervisor's side of one relay. */
struct pty_relay {
	int master;       /* nonblocking; -1 once it failed */
	int slave;        /* held, so that the pty never hangs up */
	int in;           /* the launcher's terminal as input (fd 0); -1 at EOF,
			   * or when stdin is no terminal (output only) */
	int tty;          /* the launcher's terminal, for its window size */
	int out;          /* where the command's output goes: fd 1, 2 or 0 */
	int raw;          /* the launcher's terminal is in raw mode now */
	int have_saved;
	struct termios saved; /* its settings before the relay */
	char to_cmd[PTY_BUF], to_user[PTY_BUF];
	size_t to_cmd_len, to_cmd_off, to_user_len, to_user_off;
	struct sigaction old_winch, old_cont;
};

/* Receive the master and a slave from `sock` (the child sent them before
 * the command ran) and start relaying: a SIGWINCH handler, nothing else
 * yet (raw mode comes with pty_fill, in the foreground).  0 or -errno. */
int pty_start(struct pty_relay *r, int sock);

/* Before a poll: take the window size after a SIGWINCH, enter raw mode
 * when in the terminal's foreground, and fill `fds` (room for 3) with what
 * to wait for.  Returns how many. */
int pty_fill(struct pty_relay *r, struct pollfd *fds);

/* After the poll: move what is ready, as far as it goes without blocking
 * on the master (a write to the launcher's terminal may block). */
void pty_handle(struct pty_relay *r, const struct pollfd *fds);

/* The launcher's terminal back as it was (before stopping nono; pty_fill
 * makes it raw again once in the foreground). */
void pty_suspend(struct pty_relay *r);

/* The command has ended: what is left in the master goes out. */
void pty_drain(struct pty_relay *r);

/* The end: terminal settings and SIGWINCH/SIGCONT back, master closed.
 * (Until then, exit() also puts the settings back.) */
void pty_end(struct pty_relay *r);

#endif
