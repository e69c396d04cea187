/* exec_child.h — what exec.c (the parent's side of a session) and
 * exec_child.c (the forked children's side) share.  Internal. */
#ifndef NONO_EXEC_CHILD_H
#define NONO_EXEC_CHILD_H

#include <linux/filter.h>
#include <signal.h>
#include <sys/types.h>

#include "policy.h"

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
	STAGE_TERMINAL,
	STAGE_INIT,
	STAGE_PROC,
	STAGE_RLIMITS,
	STAGE_CAPS,
	STAGE_NO_NEW_PRIVS,
	STAGE_LANDLOCK,
	STAGE_SECCOMP,
	STAGE_EXEC,
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

/* An init_status.kind that is not the end: with a relayed terminal, the
 * command was stopped by signal `code` (Ctrl-Z on its terminal), and the
 * supervisor stops with it (as sudo does).  Stops by SIGSTOP are the
 * supervisor's own doing and are not told. */
#define INIT_STOPPED 100

/* Signals the supervisor passes on to the sandboxed command.  SIGTSTP
 * (Ctrl-Z) is not passed on as it is: the supervisor stops the whole tree
 * and then itself (supervisor.lua), since a command in a session of its own
 * would never see the terminal's. */
extern const int exec_forwarded[];
#define NFORWARDED 7

/* What the children need: set up by exec_start before the first child
 * starts, but for the relayed terminal, which the first child finds and
 * writes into its own copy. */
struct child {
	const struct nono_policy *p;
	int ruleset;
	const struct sock_fprog *filter;
	int pipe_fd;   /* the report pipe's write end */
	int status_fd; /* the init's status pipe, write end; -1 without */
	int pty_sock;  /* where the relayed terminal's master goes; or -1 */
	pid_t supervisor;
	char *const *argv;
	char *const *envp;
	const sigset_t *oldmask;
	/* The relayed terminal's slave, opened by the first child (pty.h): the
	 * init's controlling terminal and the command's terminal; or -1. */
	int pty_slave;
	int pty_ctty; /* ...and the command's controlling one: stdin was a terminal */
};

/* The stack of a child that may execvpe `argv`: `room` bytes for its own
 * steps, and room for execvpe's copy of argv (a script run through sh). */
size_t exec_stack_size(char *const argv[], size_t room);

/* In the forked child: apply the plan in the order exec_start documents
 * and exec the command, or report the step that failed on c->pipe_fd and
 * exit.  Only async-signal-safe calls. */
_Noreturn void exec_child_run(const struct child *c);

/* In a pid namespace's init: forward signals to `cmd`, its command, as
 * its init does (exec.c's forward()); `stops`: be woken when a child
 * stops, too (SIGCHLD without SA_NOCLDSTOP). */
void exec_forward_as_init(pid_t cmd, int stops);

#endif
