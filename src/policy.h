/* policy.c — the validated plan the kernel rules are built from.
 *
 * The Lua side decides which paths get which rights; this object holds the
 * result after C has checked it: every path opened once, without following
 * symlinks, as the fd Landlock will be given.  Nothing here touches the
 * calling process's own restrictions: exec.c applies the plan in a child. */
#ifndef NONO_POLICY_H
#define NONO_POLICY_H

#include <stddef.h>
#include <stdint.h>

struct nono_policy;

/* A plan whose Landlock ruleset handles `handled_fs`; NULL on ENOMEM. */
struct nono_policy *policy_new(uint64_t handled_fs);

/* Grant `access` beneath `canonical_path`, which must be absolute and free
 * of symlinks (the caller canonicalised it once).  The path is opened here
 * with RESOLVE_NO_SYMLINKS, so a symlink swapped in since is refused, not
 * followed, and that fd is handed to Landlock (the first call creates the
 * ruleset).  Returns 0, or:
 *   -EINVAL   a right the ruleset does not handle, or a relative path
 *   -ENOTDIR  a directory right (list, create, remove) on a non-directory
 *   -ELOOP    a component of the path is (now) a symlink
 *   the errno of openat2(2) (-ENOENT, -EACCES, ...), or of Landlock's
 *   ruleset calls (-ENOSYS, -EOPNOTSUPP: no Landlock) */
int policy_add_path(struct nono_policy *p, const char *canonical_path,
		    uint64_t access);

/* policy_add_path(canonical_dir + "/" + names[i], masks[i]) for each
 * i < n, in order, with the same checks, for the entries of one directory
 * (a narrowed /usr/bin is about 1,000 rules at every start): the directory
 * is opened once without following symlinks (one swapped in since it was
 * listed is refused: -ELOOP), and each entry beneath that descriptor, also
 * without following one; the entry's type is checked only where its
 * rights need a directory.  With `skip_missing`, an entry gone since the
 * listing (ENOENT), or the whole directory gone, gets no rule: there is
 * nothing left to grant.  Returns 0, or the errors of policy_add_path
 * (-EINVAL also for a name that is empty, ".", ".." or holds a '/'), with
 * *failed the index of the entry that failed (0 when the directory did). */
int policy_add_entries(struct nono_policy *p, const char *canonical_dir,
		       const char *const *names, const uint64_t *masks,
		       size_t n, int skip_missing, size_t *failed);

uint64_t policy_handled_fs(const struct nono_policy *p);

/* Network rights the ruleset handles (Landlock ABI 4: TCP bind and
 * connect): denied but for policy_add_port's rules.  Before the first
 * policy_add_path or policy_add_port; -EBUSY after it. */
int policy_set_net(struct nono_policy *p, uint64_t handled_net);
/* Allow `access` (handled network rights) for TCP port `port` on any
 * address (the egress proxy's port).  0, or -EINVAL (a right not handled,
 * a port above 65535), or the errno of Landlock's ruleset calls. */
int policy_add_port(struct nono_policy *p, uint64_t port, uint64_t access);

/* IPC scopes (Landlock ABI 6): signals and abstract unix sockets reach
 * only processes inside the same sandbox.  Before the first
 * policy_add_path; -EBUSY after it. */
int policy_set_scoped(struct nono_policy *p, uint64_t scoped);

/* Options of the seccomp filter (SECCOMP_OPT_*, seccomp.h); the filter
 * itself is always installed.  0, or -EINVAL for an unknown option. */
int policy_set_seccomp(struct nono_policy *p, unsigned opts);
unsigned policy_seccomp_opts(const struct nono_policy *p);

/* Whether the command keeps the launcher's session (and so its
 * controlling terminal) or gets a new one with setsid(2).  0, or -EINVAL. */
enum { POLICY_SESSION_KEEP, POLICY_SESSION_NEW };
int policy_set_session(struct nono_policy *p, int session);
int policy_session(const struct nono_policy *p);

/* The Landlock ruleset holding every rule, as a new O_CLOEXEC fd the
 * caller closes; or -errno (from landlock_ruleset_create, -EMFILE). */
int policy_build_ruleset(struct nono_policy *p);

/* Mount `canonical_path` read-only over itself in a private user+mount
 * namespace the command runs in (ns.c).  0, -EINVAL (relative), -ENOMEM. */
int policy_add_ro_bind(struct nono_policy *p, const char *canonical_path);
size_t policy_ro_binds(const struct nono_policy *p, char *const **paths);

/* Mount `canonical_path` read-only and no-exec over itself in the same
 * namespace: a blocked command cannot be executed, not even through ld.so
 * (no PROT_EXEC mapping from a noexec mount).  As policy_add_ro_bind. */
int policy_add_noexec_bind(struct nono_policy *p, const char *canonical_path);
size_t policy_noexec_binds(const struct nono_policy *p, char *const **paths);

/* Mount `canonical_path` over itself in the same namespace, read-write:
 * a directory that must not be renamed, removed or replaced (a
 * repository's .git).  As policy_add_ro_bind. */
int policy_add_pin(struct nono_policy *p, const char *canonical_path);
size_t policy_pins(const struct nono_policy *p, char *const **paths);

/* The mount view (mounts.c): every mount read-only and nosuid in the
 * command's namespace, but `canonical_path` (a write grant, a directory or
 * a regular file), which is bound back as it was, nosuid.  Listed parents
 * first; none beneath another.  policy_set_ro_view turns the view on (with
 * no write grant at all, everything is read-only).  As policy_add_ro_bind. */
void policy_set_ro_view(struct nono_policy *p);
int policy_ro_view(const struct nono_policy *p);
int policy_add_rw_bind(struct nono_policy *p, const char *canonical_path);
size_t policy_rw_binds(const struct nono_policy *p, char *const **paths);

/* With the view, once the write grants are back: `source` bound over
 * `target` (both canonical; a directory of nono's over /tmp, then the
 * grants beneath /tmp over themselves, on top of it), in the order added,
 * copied before anything was made read-only: writable as it was, unless
 * `readonly`.  As policy_add_ro_bind. */
struct policy_over {
	char *source, *target;
	int readonly;
};
int policy_add_over(struct nono_policy *p, const char *source,
		    const char *target, int readonly);
size_t policy_overs(const struct nono_policy *p,
		    const struct policy_over **overs);

/* Hide `canonical_path` in the same namespace: an empty, read-only tmpfs
 * (mode 000) over a directory, an empty mode-000 file over anything else
 * (a socket: connect then fails).  One that is gone by then is skipped.
 * As policy_add_ro_bind. */
int policy_add_hide(struct nono_policy *p, const char *canonical_path);
size_t policy_hides(const struct nono_policy *p, char *const **paths);

/* With the view: a new devpts instance over /dev/pts in the same
 * namespace, its own ptmx bound over /dev/ptmx, so that pseudo-terminals
 * made inside can be opened (mounts.h).  A terminal of the launcher's
 * (its name /dev/pts/N covered) is then relayed: policy_set_pty_relay. */
void policy_set_devpts(struct nono_policy *p);
int policy_devpts(const struct nono_policy *p);

/* With the devpts instance, for a command one of whose fds 0, 1 and 2 is
 * a terminal of the launcher's: the command gets a pty of that instance
 * in its place and the supervisor relays between the two (pty.h).  policy_pty_relay is
 * false without policy_devpts. */
void policy_set_pty_relay(struct nono_policy *p);
int policy_pty_relay(const struct nono_policy *p);

/* Run the command in a private user+mount namespace even when there is no
 * read-only bind, so that the supervisor can take a time-limited grant back
 * by mounting over it (supervisor.c).  Whether one is used: */
void policy_set_private_mounts(struct nono_policy *p);
int policy_private_mounts(const struct nono_policy *p);

/* Also a network namespace of the command's own, with loopback only
 * (ns_net_loopback); implies the private namespaces above. */
void policy_set_private_net(struct nono_policy *p);
int policy_private_net(const struct nono_policy *p);

/* --ephemeral: mount an overlay over the write-granted directory `target`
 * (overlay.h), which also means a private user+mount namespace; and add the
 * rule `access` on `path`, beneath such a target, again on the overlay.
 * 0, -EINVAL (a relative path), -ENOMEM. */
struct overlay_plan;
int policy_add_overlay(struct nono_policy *p, const char *target,
		       const char *upper, const char *work);
int policy_add_overlay_rule(struct nono_policy *p, const char *path,
			    uint64_t access);
const struct overlay_plan *policy_overlays(const struct nono_policy *p);

/* Let the command inherit `fd` (above 2; the caller keeps it open until
 * the command has started): every other descriptor is closed on exec.
 * Used for the sealed policy `nono why --self` reads.  0, or -EINVAL. */
int policy_set_inherit_fd(struct nono_policy *p, int fd);
int policy_inherit_fd(const struct nono_policy *p);

/* Give the command a network namespace of its own, holding only loopback,
 * made in the private user namespace (which this turns on), where a
 * socket listening on 127.0.0.1:`port` is made and sent over the unix
 * socket `send_fd` (netns.c) before the command runs: the egress proxy
 * serves it from outside.  The caller keeps `send_fd` open until the
 * command has started.  0, or -EINVAL. */
int policy_set_netns(struct nono_policy *p, int port, int send_fd);
/* The fd given to policy_set_netns (its port in `*port`), or -1. */
int policy_netns(const struct nono_policy *p, int *port);
/* Close every fd the plan holds and free it.  NULL is fine. */
void policy_free(struct nono_policy *p);

#endif
