/* commit.c — reading an ephemeral session's upper layer and applying it to
 * the real tree.
 *
 * The upper layer was written by the sandboxed command, or by hand by
 * anyone who could reach the state directory: it is hostile input (threat
 * row 19 for what it may hold).  So every path below is relative to a
 * directory opened once, and resolved with openat2 RESOLVE_BENEATH and
 * RESOLVE_NO_SYMLINKS: no `..`, absolute path or symlink, planted before
 * or during the commit, makes a write land outside that directory.  What
 * the real tree gets is only regular files (without setuid, setgid or
 * sticky bits), directories and symlinks that stay inside the tree; each
 * file is written to a temporary name and renamed over the old one, so a
 * commit that stops half-way leaves every file either old or new.
 * Every function returns 0 (or what it says) or -errno, and never exits. */
#ifndef NONO_COMMIT_H
#define NONO_COMMIT_H

#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

/* Open `root` (absolute) as the directory every relative path below is
 * resolved beneath, following no symlink on the way: an O_PATH fd, or
 * -errno (-ELOOP for a symlink, -ENOTDIR). */
int commit_open_root(const char *root);

/* What an entry of the upper layer is. */
enum upper_kind {
	UPPER_FILE,     /* a regular file: its content replaces the real one */
	UPPER_DIR,      /* a directory: merged with the real one */
	UPPER_OPAQUE,   /* a directory that replaces the real one whole */
	UPPER_SYMLINK,  /* a symlink whose target stays inside the tree */
	UPPER_WHITEOUT, /* the real entry was removed */
	UPPER_REFUSED,  /* nothing the real tree may get: `why` says what */
};

/* One entry met by upper_walk.  `rel` is relative to the upper root. */
struct upper_entry {
	const char *rel;
	enum upper_kind kind;
	mode_t mode;         /* lstat's st_mode */
	int stripped;        /* a regular file with setuid/setgid/sticky bits */
	const char *target;  /* UPPER_SYMLINK: the link's text */
	const char *why;     /* UPPER_REFUSED: a short reason */
};

/* Visit every entry beneath `upper` (an fd from commit_open_root), a
 * directory before its entries, in readdir order.  `visit` returns 0 to go
 * on, or a value that stops the walk and is returned.  Directories deeper
 * than 256 levels or paths longer than PATH_MAX are refused entries, not
 * errors.  0, -errno, or what `visit` returned. */
int upper_walk(int upper, int (*visit)(void *ctx, const struct upper_entry *e),
	       void *ctx);

/* The real entry at `rel` beneath `root`, not following a symlink: 0 and
 * `*st`, or -ENOENT (it or a directory above it is missing), -ELOOP (a
 * symlink on the way) or another -errno. */
int commit_lstat(int root, const char *rel, struct stat *st);

/* Whether anything at or beneath `rel` was changed (its ctime) at or after
 * `since`: 1 and the first such path (relative to `root`, in `found`,
 * PATH_MAX bytes), 0 if nothing, -ENOENT if `rel` is missing, -errno. */
int commit_changed_since(int root, const char *rel,
			 const struct timespec *since, char *found);

/* Whether the regular file `rel` beneath `upper` and the one beneath
 * `real` have the same bytes and permission bits: 1, 0, or -errno. */
int commit_same_file(int upper, int real, const char *rel);

/* Write the upper file `rel` to the real tree: copied to a temporary
 * file in the real directory, permission bits (mode & 0777), fsync, then
 * renamed over `rel` (a directory there is removed first, `rel` having
 * been checked by the caller).  The real parent directory must exist.
 * 0 or -errno (-ELOOP: a symlink on the way; -EINVAL: not a regular
 * file). */
int commit_file(int upper, int real, const char *rel);

/* mkdir `rel` beneath `real` with `mode & 0777`, or, when a directory is
 * already there, set its permission bits to that; something else there is
 * removed first.  0 or -errno. */
int commit_dir(int real, const char *rel, mode_t mode);

/* Replace `rel` beneath `real` with a symlink to `target` (checked by
 * upper_walk to stay inside the tree).  0 or -errno. */
int commit_symlink(int real, const char *rel, const char *target);

/* Remove `rel` beneath `root`, a whole directory tree if it is one,
 * following no symlink.  Missing is fine.  0 or -errno. */
int commit_remove(int root, const char *rel);

#endif
