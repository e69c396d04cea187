/* overlay.c — write grants as overlays, for ephemeral sessions.
 *
 * With --ephemeral each directory the command may write is mounted over
 * itself as an overlay in the command's private mount namespace: the real
 * directory is the lower layer, read-only to the overlay, and every change
 * lands in an upper directory under nono's state directory, outside every
 * grant, until the user commits or discards it.  Landlock rules belong to
 * inodes, and the overlay's inodes are new ones: the rules beneath each
 * overlay are added again on the overlay's own paths, so a protected name
 * narrowed out of a grant stays out of reach inside the overlay too.
 * Every function returns 0 or -errno and never exits. */
#ifndef NONO_OVERLAY_H
#define NONO_OVERLAY_H

#include <stdint.h>

struct overlay_plan;

/* An empty plan, or NULL on ENOMEM. */
struct overlay_plan *overlay_plan_new(void);

/* Mount an overlay over `target` (absolute, canonical) whose upper and
 * work directories are `upper` and `work` (absolute, on one filesystem,
 * outside `target`).  0, -EINVAL (a relative path), -ENOMEM. */
int overlay_plan_add(struct overlay_plan *o, const char *target,
		     const char *upper, const char *work);

/* Add the Landlock rule `access` on `path` again once the overlays are
 * mounted (a rule on a path beneath one of the targets).  As
 * overlay_plan_add. */
int overlay_plan_rule(struct overlay_plan *o, const char *path,
		      uint64_t access);

void overlay_plan_free(struct overlay_plan *o);

/* In the forked child, inside the private user and mount namespace and
 * before any other mount: mount every overlay (overlayfs with userxattr,
 * through fsopen), then add the plan's rules to `ruleset` on the paths as
 * they now resolve (without following symlinks; a path gone since the
 * plan was made gets none, as when it was listed).  Only system calls:
 * safe between fork and execve.  0, or the -errno of the step that
 * failed. */
int overlay_apply(const struct overlay_plan *o, int ruleset);

#endif
