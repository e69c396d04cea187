/* supervisor.c — the parent's side of a `nono run` session.
 *
 * The command runs in a child (exec.c); the parent stays outside the
 * sandbox as a small supervisor.  What it adds to exec.c's wait:
 *   - the whole process tree ends with the session: the supervisor is a
 *     child subreaper, so a double-forked, setsid'ed grandchild is reparented
 *     to it, and is killed when the command ends;
 *   - a time-limited grant is taken back by the kernel: the supervisor mounts
 *     an empty, read-only, mode-000 tmpfs over the path inside the command's
 *     own user and mount namespace (joined from a short-lived helper);
 *   - what still holds an expired path open is found from /proc.
 * Every function returns 0 (or a count) or -errno, and never exits. */
#ifndef NONO_SUPERVISOR_H
#define NONO_SUPERVISOR_H

#include <sys/types.h>

/* Make this process a child subreaper and not dumpable (no secrets of the
 * launcher can be read through /proc by anyone without CAP_SYS_PTRACE). */
int supervisor_init(void);

/* The live descendants of this process (a process whose main thread has
 * exited while others run included), parents before their children, in
 * *out (malloc'ed): a count, or -errno. */
int supervisor_descendants(pid_t **out);

/* SIGKILL every descendant of this process now, reaping none (the
 * command's status is still to be collected).  A count, or -errno. */
int supervisor_kill_tree(void);

/* Send `sig` to every descendant of this process (SIGSTOP and SIGCONT for
 * a stopped job).  How many, or -errno as supervisor_kill_tree. */
int supervisor_signal_tree(int sig);

/* Whether descriptor `fd` of process `pid` is this process's descriptor
 * `own_fd`'s open file description (kcmp KCMP_FILE): 1, 0, or -errno
 * (-ENOSYS without CONFIG_KCMP, -EPERM without ptrace access). */
int supervisor_same_file(pid_t pid, int fd, int own_fd);

/* SIGKILL every descendant of this process, reaping them, until none is
 * left.  Returns how many were killed, with those a pid namespace's init
 * killed when its command ended (exec_take_left_behind), or -errno if
 * /proc cannot be read. */
int supervisor_end_tree(void);

/* Hide `path` (canonical, absolute) from the command `pid` (our child, not
 * yet reaped, in its own user+mount namespace): from now on the kernel
 * answers opens beneath it with EACCES.  `dev` and `ino` are those of the
 * file the grant was given: -ESTALE when `path` (walked without following
 * symlinks, in the command's namespace) is another file now, -ELOOP when a
 * component became a symlink; nothing is mounted then. */
int supervisor_expire(pid_t pid, const char *path, dev_t dev, ino_t ino);

/* Call `found(pid, what, ctx)` for every descendant of this process whose
 * working directory, root, executable, open file or mapped file lies at or
 * beneath `path`, in any of its threads (one whose main thread has exited
 * included); `what` names it ("cwd", "fd 3", "fd 4 (thread 1234)" for a
 * thread with a descriptor table of its own, "map", ...), once per
 * process, or is "not inspectable" when /proc would not say.  Returns the
 * number found. */
int supervisor_holders(const char *path,
		       void (*found)(pid_t pid, const char *what, void *ctx),
		       void *ctx);

/* Call fn(pid, tid, state, ctx) for each thread of process `pid`, with the
 * state letter of its /proc stat (R, S, T, Z...).  Returns the sum of fn's
 * results, or the first -errno (of fn, or of reading a thread) other than
 * -ENOENT and -ESRCH, which mean a thread ended meanwhile and are passed
 * over. */
int supervisor_each_task(pid_t pid, int (*fn)(pid_t pid, const char *tid, int state, void *ctx),
			 void *ctx);

/* SIGSTOP every descendant of this process and wait until each of their
 * threads has stopped (or ended): none then runs, so nothing moves between
 * descriptor tables and socket queues while they are read.  How many
 * processes, or -errno: -ETIMEDOUT when one has not stopped within a few
 * seconds (a thread stuck in the kernel), the others left stopped. */
int supervisor_stop_tree(void);

/* Call `found(pid, what, ctx)` for every unix socket a descendant of this
 * process holds (any thread's descriptor table) whose receive queue holds
 * descriptors in flight (SCM_RIGHTS), counted as the kernel's fdinfo
 * "scm_fds" shows them; `what` reads "fd 5 (socket:[1234], 1 in flight)".
 * A descriptor sent and not yet received is in no descriptor table, so
 * supervisor_holders cannot see it: every one is in the queue of some
 * socket a process holds, or of one itself in flight there.  A process or
 * socket that cannot be read counts ("not inspectable"; fail closed).
 * But for the socket whose inode is `own` (0: none), the end of
 * `why --self`'s socket pair the command holds: only its peer, which the
 * supervisor alone holds, can queue anything there, so what is queued is
 * the supervisor's sealed policy.  Returns the number found, or -errno. */
int supervisor_in_flight(unsigned long own,
			 void (*found)(pid_t pid, const char *what, void *ctx),
			 void *ctx);

#endif
