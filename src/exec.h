/* exec.c — run a command under a policy: fork, apply in the child, exec,
 * and wait in the parent, forwarding signals. */
#ifndef NONO_EXEC_H
#define NONO_EXEC_H

#include <signal.h>
#include <sys/types.h>

#include "policy.h"

struct pty_relay;

enum exec_kind {
	EXEC_EXITED,       /* code = exit status */
	EXEC_SIGNALED,     /* code = signal number */
	EXEC_SETUP_FAILED, /* code = errno; the command never ran */
	EXEC_NOT_EXECUTED, /* code = errno of execve; sandbox was applied */
};

struct exec_outcome {
	enum exec_kind kind;
	int code;
	const char *stage; /* for SETUP_FAILED / NOT_EXECUTED: what failed */
	const char *stage_id; /* and its id: exec_stages[].id, or a step of
			       * the parent: build_filter, ruleset, pipe, fork */
};

/* The child's steps, in order (exec_start says what each does), ended by
 * an entry whose id is NULL: `id` names the step for programs, `what` for
 * people (a failure names it), `says` is what the enforcement report says
 * of a step that always runs (NULL for the others). */
struct exec_stage {
	const char *id;
	const char *what;
	const char *says;
};
extern const struct exec_stage exec_stages[];

/* A command running under a policy, from exec_start to exec_finish. */
struct exec_session {
	pid_t pid; /* 0 once reaped; with the private namespaces, their init */
	int status_fd; /* where that init reports the command's end; or -1 */
	pid_t fg_pgrp; /* the terminal's foreground group to restore, or 0 */
	int stop_fd; /* in a pid namespace's init with a relayed terminal:
		      * where the command's stops are told; else -1 */
	int status_read; /* 1: the init's last word is read already;
			  * -1: it ended without one; 0: neither */
	int st_kind, st_code, st_killed; /* what it said (INIT_STOPPED aside) */
	struct pty_relay *relay; /* the relayed terminal (pty.h), or NULL */
	int watch_fd; /* exec_wait returns when this is readable; or -1 */
	sigset_t oldmask;
	struct sigaction saved[7], saved_chld;
};

/* Build the ruleset from `p`, start a child (in this process's memory,
 * while this process waits: CLONE_VM | CLONE_VFORK, as posix_spawn does),
 * and in it apply, in this order:
 * parent-death signal, close-on-exec for every fd above 2 (but
 * policy_inherit_fd), a new session keyring, the private user, mount, pid
 * and IPC namespaces and their read-only binds if policy_private_mounts,
 * RLIMIT_CORE=0; then, in the process that becomes the command, default
 * signal dispositions, setsid if asked, drop all capabilities (caps.c),
 * no_new_privs, Landlock restrict_self, the seccomp filter, then
 * execvp(argv[0]) with `envp` (NULL: the current environment).
 * With the namespaces, the first child starts the pid namespace's pid 1 as
 * this process's child (a fork), asks the kernel what the ruleset gives
 * the old /proc and tells the init, and exits: that init mounts the
 * namespace's /proc with those rights,
 * drops its capabilities, forks the command, reaps the namespace's
 * orphans, passes on the signals it is sent, and when the command ends
 * kills what is left in the namespace and exits, reporting the command's
 * outcome (exec_wait gives it).  If the init dies (it has a parent-death
 * signal: so does the whole tree when this process dies) the kernel kills
 * every process of the namespace.
 * Without them and with `end_tree` (a caller that is no subreaper: the
 * library's spawn), the first child starts an init all the same, which is
 * the tree's child subreaper instead of a pid 1: it forks the command,
 * reaps its orphans, passes on signals, and when the command ends kills
 * every descendant left, found in /proc, and exits reporting the outcome.
 * Without `end_tree` on the floor, ending the tree is the caller's (nono
 * run's supervisor: supervisor_end_tree).
 * With policy_pty_relay and a terminal among fds 0, 1 and 2, the command's
 * terminal is a pty of the sandbox's own instead (pty.h): exec_wait relays
 * its output to the launcher's terminal; with stdin a terminal also the
 * input (the launcher's terminal in raw mode meanwhile), the pty is the
 * command's controlling terminal, and a stop of the command on it (Ctrl-Z)
 * comes out of exec_wait as SIGTSTP, the launcher's terminal restored
 * first.
 * Returns once execve has succeeded (s->pid is the command, or its init;
 * the parent now forwards SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1 and
 * SIGUSR2 to it until exec_finish), or once it is known the command never
 * ran (s->pid is 0, `out` says why: EXEC_SETUP_FAILED or
 * EXEC_NOT_EXECUTED).  Any failure before execve ends the child before the
 * command runs.  Returns 0, or -errno when the parent itself failed
 * (out->stage names what). */
int exec_start(struct nono_policy *p, char *const argv[], char *const envp[],
	       int end_tree, struct exec_session *s, struct exec_outcome *out);

/* Wait up to `timeout_ms` (-1: no limit) for the command to end, and
 * report what happened first:
 *   EXEC_WAIT_EXITED   the command ended; `out` holds its status
 *   EXEC_WAIT_SIGNAL   signal `*signo` was forwarded to it
 *   EXEC_WAIT_TIMEOUT  the time is up
 *   EXEC_WAIT_READY    s->watch_fd is readable
 * `reap_orphans`: reap any child of this process on the way (the session's
 * subreaper), not only the command. */
enum { EXEC_WAIT_EXITED, EXEC_WAIT_SIGNAL, EXEC_WAIT_TIMEOUT, EXEC_WAIT_READY };
int exec_wait(struct exec_session *s, int timeout_ms, int reap_orphans,
	      struct exec_outcome *out, int *signo);

/* Stop forwarding signals and restore the caller's handlers and mask;
 * and, when the command kept the launcher's terminal and left it to a
 * process group that has ended, give the terminal back to the launcher's
 * group (it was in the foreground when the command started). */
void exec_finish(struct exec_session *s);

/* How many processes the pid namespaces' inits found still running when
 * their commands ended, and killed, since the last call (which resets the
 * count): what the sessions left behind, as supervisor_end_tree counts it
 * where there is no pid namespace. */
int exec_take_left_behind(void);

/* exec_start (ending the tree), exec_wait until the command ends,
 * exec_finish: fills `out`.  Nothing the command started is left running
 * when it returns (but on the floor, a process that cannot be found).
 * Returns 0, or -errno when the parent itself failed. */
int exec_spawn(struct nono_policy *p, char *const argv[],
	       char *const envp[], struct exec_outcome *out);

#endif
