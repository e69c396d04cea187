/* mounts.c — the command's view of the file system, built in its private
 * mount namespace (ns_enter) from the plan (policy.h).
 *
 * Landlock decides what may be opened; it has no right for a file's
 * metadata: chmod, chown, utimes and xattrs of any file the uid owns work
 * wherever the command can walk (threat row 22).  A read-only mount refuses
 * them (EROFS), so outside the write grants every mount is made read-only
 * and nosuid; the write grants are bound back as they were.  The same
 * namespace hides the sockets of outside daemons (row 9: before Landlock
 * ABI 9 connect() is no Landlock right) under empty mounts, and keeps the
 * protections mounts give (ns.h).  Every function returns 0 or -errno and
 * never exits. */
#ifndef NONO_MOUNTS_H
#define NONO_MOUNTS_H

#include <stdint.h>

#include "policy.h"

/* The most write grants and overs the read-only view binds (their
 * detached copies are held at once, on the stack: the forked child
 * allocates nothing).  More: -E2BIG. */
#define MOUNTS_MAX_RW 256

/* In the forked child, after ns_enter: in this order, the read-only view
 * with the write grants bound back (policy_ro_view, policy_rw_binds) and
 * the overs on top (policy_overs: a private /tmp), the hidden paths, a
 * devpts instance of the command's own (policy_devpts) (policy_hides), the pins, the read-only binds and the
 * read-only no-exec binds (ns.h).  Each step on top of the ones before: a
 * protection inside a write grant stays in force.  `*failed` is left
 * naming the path (or "/") being mounted when it fails; the caller then
 * ends the child: the command must not run without its view. */
int mounts_apply(const struct nono_policy *p, const char **failed);

/* After mounts_apply with policy_devpts: Landlock rules in `ruleset`
 * (which handles `handled`) for the new instance's pseudo-terminals and
 * its ptmx at /dev/ptmx, new inodes no rule names yet. */
int mounts_devpts_rules(int ruleset, uint64_t handled);

/* The read-only view of the whole tree (no write grant), in the probe's
 * child: what ns_available tries before it says namespaces work. */
int mounts_readonly_root(void);

#endif
