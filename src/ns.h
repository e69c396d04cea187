/* ns.c — a private user and mount namespace for what Landlock cannot say.
 *
 * Landlock can only allow, and a right on a directory holds for everything
 * beneath it: it cannot keep one file read-only inside a directory the
 * command may create and remove in (.git/config inside .git, which git's
 * lock files need).  A read-only bind mount can: a mount point cannot be
 * written, renamed, unlinked or replaced.  The same namespaces give the
 * command pid and IPC namespaces of its own: outside processes, their
 * /proc entries and their SysV IPC out of sight (threat row 29).  Used
 * only where the probe below finds that every step works; elsewhere the
 * policy narrows the grant instead.  Every function returns 0 or -errno
 * and never exits. */
#ifndef NONO_NS_H
#define NONO_NS_H

#include <sys/types.h>

/* The step of ns_available that failed, and the errno it failed with.
 * `step` names the call or file ("PR_SET_DUMPABLE", "unshare", "uid_map",
 * "setgroups", "gid_map", "mount" (making every mount private),
 * "open_tree", "mount_setattr", "move_mount", the last three with
 * " (no-exec)" after them for the no-exec bind, "mount_setattr (read-only
 * view)" (every mount read-only, mounts.h), then "fork (pid
 * namespace)" and "mount /proc" for the pid namespace's first process);
 * it points to static storage. */
struct ns_probe {
	const char *step;
	int err;
};

/* Whether the forked child's namespace set-up works here, found by doing
 * it in a short-lived child: ns_enter with this process's ids, then
 * ns_bind_readonly of `path` (an existing file or directory) read-only and
 * again read-only and no-exec, the whole tree read-only (mounts.h), then
 * ns_mount_proc in a child of its own
 * (pid 1 of the new pid namespace).  `path` NULL leaves out the binds.
 * Unshare can succeed where the rest fails (an LSM that leaves the new
 * namespace without capabilities: uid_map then refuses, EPERM), so every
 * step is tried, not only the first.
 * Returns 1 when every step worked; 0 when one failed, `*why` then naming
 * it; -errno when the probe itself could not run (fork, pipe, wait, or a
 * child that ended without a word: -ECHILD). */
int ns_available(const char *path, struct ns_probe *why);

/* Start ns_available's probe of `path` now, in a forked child that runs
 * while the caller goes on (the launcher, first thing for a command that
 * builds a sandbox: the probe's namespace work then overlaps the policy's,
 * on another CPU).  The first ns_available afterwards answers with this
 * probe's result, unless the probe failed binding `path` and it is asked
 * of another path, or its child said nothing (killed): then it probes
 * again itself.  Nothing is reported: a probe that cannot
 * start is left to ns_available.  Not thread-safe. */
void ns_probe_early(const char *path);

/* Whether nothing seen here says the namespaces cannot work: no sysctl
 * that refuses them (user.max_user_namespaces 0; for a user other than
 * root, kernel.unprivileged_userns_clone 0 or Ubuntu's
 * kernel.apparmor_restrict_unprivileged_userns 1), and no seccomp filter
 * on this process (a container's, or an outer sandbox's, may refuse
 * unshare or mount).  A hint, never an answer: see ns_assume. */
int ns_likely(void);

/* The launcher's choice where ns_likely says so (main.c): no probe ahead
 * of the run.  The command's own first child then tries the namespaces
 * for real, and only if a step of the sandbox's set-up fails is
 * ns_available asked, to tell a machine without namespaces (the command
 * is started again on the floor) from a failure to report (cli.lua).
 * ns_assumable: whether that choice was made and no probe was started. */
void ns_assume(void);
int ns_assumable(void);

/* Enter a new user and mount namespace, mapping `uid`/`gid` (the caller's
 * own) to themselves, with every mount private so nothing done here
 * propagates out; and new IPC (SysV IPC and POSIX message queues of its
 * own), UTS (host and domain name) and pid namespaces, the pid
 * namespace's pid 1 being the caller's next child.  For the forked child only: not thread-safe. */
int ns_enter(uid_t uid, gid_t gid);

/* Enter a new network namespace whose only device is loopback, brought
 * up: 127.0.0.1 and ::1 work inside, nothing outside (not the host's
 * loopback either) can be reached or reach in.  After ns_enter (its
 * capabilities).  For --net-block, and for an allow-list, whose proxy's
 * socket is then made inside (netns.c). */
int ns_net_loopback(void);

/* Mount a fresh /proc over /proc, showing the caller's pid namespace.
 * For pid 1 of the namespace ns_enter made (its mount namespace, its
 * capabilities); -EPERM where /proc is partly hidden by other mounts. */
int ns_mount_proc(void);

/* Bind `path` (canonical, absolute) read-only over itself, recursively;
 * also no-exec if `noexec`. */
int ns_bind_readonly(const char *path, int noexec);

/* Bind `path` (canonical, absolute) over itself, recursively, changing
 * nothing else: it can no longer be renamed, removed or replaced.  0 or
 * -errno, as ns_bind_readonly. */
int ns_pin(const char *path);

#endif
