/* policy.c — the validated plan the kernel rules are built from.
 *
 * The Lua side decides which paths get which rights; this object holds the
 * result after C has checked it: every path opened once, without following
 * symlinks, as the fd Landlock will be given.  Nothing here touches the
 * calling process's own restrictions: exec.c applies the plan in a child. */
#ifndef NONO_POLICY_H
#define NONO_POLICY_H

#include <stdint.h>

struct nono_policy;

/* A plan whose Landlock ruleset handles `handled_fs`; NULL on ENOMEM. */
struct nono_policy *policy_new(uint64_t handled_fs);

/* Grant `access` beneath `canonical_path`, which must be absolute and free
 * of symlinks (the caller canonicalised it once).  The path is opened here
 * with RESOLVE_NO_SYMLINKS, so a symlink swapped in since is refused, not
 * followed.  Returns 0, or:
 *   -EINVAL   a right the ruleset does not handle, or a relative path
 *   -ENOTDIR  a directory right (list, create, remove) on a non-directory
 *   -ELOOP    a component of the path is (now) a symlink
 *   -ENOMEM, or the errno of openat2(2) (-ENOENT, -EACCES, ...) */
int policy_add_path(struct nono_policy *p, const char *canonical_path,
		    uint64_t access);

uint64_t policy_handled_fs(const struct nono_policy *p);

/* Create the Landlock ruleset holding every rule: an O_CLOEXEC fd, or
 * -errno from landlock_ruleset_create/landlock_ruleset_add_path. */
int policy_build_ruleset(const struct nono_policy *p);

/* Close every fd the plan holds and free it.  NULL is fine. */
void policy_free(struct nono_policy *p);

#endif
