/* ns.c — a private user and mount namespace for what Landlock cannot say.
 *
 * Landlock can only allow, and a right on a directory holds for everything
 * beneath it: it cannot keep one file read-only inside a directory the
 * command may create and remove in (.git/config inside .git, which git's
 * lock files need).  A read-only bind mount can: a mount point cannot be
 * written, renamed, unlinked or replaced.  Used only where unprivileged user
 * namespaces work; elsewhere the policy narrows the grant instead.
 * Every function returns 0 or -errno and never exits. */
#ifndef NONO_NS_H
#define NONO_NS_H

#include <sys/types.h>

/* Whether this process could enter a new user+mount namespace: tried in a
 * short-lived child.  1, 0, or -errno when the probe itself failed. */
int ns_available(void);

/* Enter a new user and mount namespace, mapping `uid`/`gid` (the caller's
 * own) to themselves, with every mount private so nothing done here
 * propagates out.  For the forked child only: not thread-safe. */
int ns_enter(uid_t uid, gid_t gid);

/* Bind `path` (canonical, absolute) read-only over itself, recursively;
 * also no-exec if `noexec`. */
int ns_bind_readonly(const char *path, int noexec);

/* Bind `path` (canonical, absolute) over itself, recursively, changing
 * nothing else: it can no longer be renamed, removed or replaced.  0 or
 * -errno, as ns_bind_readonly. */
int ns_pin(const char *path);

#endif
