#define _GNU_SOURCE
#include "commit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <linux/openat2.h>

#define MAX_DEPTH 256

static long beneath(int dir, const char *rel, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, dir, rel, &how, sizeof(how));
	return fd < 0 ? -errno : fd;
}

int commit_open_root(const char *root)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	if (root[0] != '/')
		return -EINVAL;
	long fd = syscall(SYS_openat2, AT_FDCWD, root, &how, sizeof(how));
	return fd < 0 ? -errno : (int)fd;
}

/* `rel` as names only: not empty, not absolute, no "", "." or "..". */
static int valid_rel(const char *rel)
{
	const char *p = rel;
	if (!*rel || *rel == '/' || strlen(rel) >= PATH_MAX)
		return 0;
	while (*p) {
		const char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);
		if (n == 0 || n > NAME_MAX || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		p = *end ? end + 1 : end;
	}
	return 1;
}

/* The directory holding `rel`, opened beneath `root`, and the last name
 * of `rel` in `*name`: the *at calls below act on that name only, and
 * none of them follows a final symlink. */
static int open_parent(int root, const char *rel, const char **name)
{
	if (!valid_rel(rel))
		return -EINVAL;
	const char *slash = strrchr(rel, '/');
	if (!slash) {
		*name = rel;
		int fd = fcntl(root, F_DUPFD_CLOEXEC, 0);
		return fd < 0 ? -errno : fd;
	}
	char dir[PATH_MAX];
	memcpy(dir, rel, (size_t)(slash - rel));
	dir[slash - rel] = '\0';
	*name = slash + 1;
	return (int)beneath(root, dir, O_PATH | O_DIRECTORY, 0);
}

int commit_lstat(int root, const char *rel, struct stat *st)
{
	const char *name;
	int dir = open_parent(root, rel, &name);
	if (dir < 0)
		return dir;
	int err = fstatat(dir, name, st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
	close(dir);
	return err;
}

/* -- the walk ------------------------------------------------------------ */

struct walk {
	int upper;
	int (*visit)(void *ctx, const struct upper_entry *e);
	void *ctx;
	char path[PATH_MAX];
};

static int has_xattr(int fd, const char *name, char *value, size_t size)
{
	ssize_t n = fgetxattr(fd, name, value, size);
	if (n < 0 && errno == ERANGE) { /* there, longer than any we know */
		value[0] = '\0';
		return 1;
	}
	if (n < 0)
		return 0;
	value[(size_t)n < size ? (size_t)n : size - 1] = '\0';
	return 1;
}

/* Overlayfs marks an opaque directory with overlay.opaque "y" (user.* with
 * userxattr, trusted.* without); "x" only says it holds xattr whiteouts. */
static int opaque(int fd)
{
	char v[4];
	return (has_xattr(fd, "user.overlay.opaque", v, sizeof(v)) && v[0] == 'y') ||
	       (has_xattr(fd, "trusted.overlay.opaque", v, sizeof(v)) && v[0] == 'y');
}

/* A symlink the real tree may get: relative, climbing no higher than the
 * tree's root from where it lies (`rel`), and no ".." after a name (so a
 * link inside the tree, itself checked, cannot be climbed out of). */
static int stays_inside(const char *rel, const char *target)
{
	int depth = 0, named = 0;
	if (!*target || *target == '/')
		return 0;
	for (const char *p = rel; *p; p++)
		depth += *p == '/';
	for (const char *p = target; *p;) {
		const char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (named || --depth < 0)
				return 0;
		} else if (n > 0 && !(n == 1 && p[0] == '.')) {
			named = 1;
		}
		p = *end ? end + 1 : end;
	}
	return 1;
}

static int walk_dir(struct walk *w, size_t len, int depth);

static int walk_entry(struct walk *w, int dirfd, const char *name, size_t len,
		      int depth)
{
	struct upper_entry e = { .rel = w->path };
	struct stat st;
	char target[PATH_MAX], v[4];
	size_t n = strlen(name);

	if (len + n + 2 > sizeof(w->path))
		return w->visit(w->ctx, &(struct upper_entry){
			.rel = w->path, .kind = UPPER_REFUSED, .why = "path too long" });
	if (len)
		w->path[len++] = '/';
	memcpy(w->path + len, name, n + 1);
	len += n;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	e.mode = st.st_mode;
	if (S_ISCHR(st.st_mode) && st.st_rdev == 0) {
		e.kind = UPPER_WHITEOUT;
	} else if (S_ISDIR(st.st_mode)) {
		if (depth >= MAX_DEPTH) {
			e.kind = UPPER_REFUSED;
			e.why = "directories nested too deep";
			return w->visit(w->ctx, &e);
		}
		long fd = beneath(w->upper, w->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
		if (fd < 0)
			return (int)fd;
		e.kind = opaque((int)fd) ? UPPER_OPAQUE : UPPER_DIR;
		close((int)fd);
		int r = w->visit(w->ctx, &e);
		return r ? r : walk_dir(w, len, depth + 1);
	} else if (S_ISREG(st.st_mode)) {
		long fd = beneath(w->upper, w->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0);
		if (fd < 0)
			return (int)fd;
		if (has_xattr((int)fd, "user.overlay.whiteout", v, sizeof(v)) ||
		    has_xattr((int)fd, "trusted.overlay.whiteout", v, sizeof(v))) {
			e.kind = UPPER_WHITEOUT;
		} else if (has_xattr((int)fd, "user.overlay.metacopy", v, sizeof(v)) ||
			   has_xattr((int)fd, "trusted.overlay.metacopy", v, sizeof(v)) ||
			   has_xattr((int)fd, "user.overlay.redirect", v, sizeof(v)) ||
			   has_xattr((int)fd, "trusted.overlay.redirect", v, sizeof(v))) {
			e.kind = UPPER_REFUSED;
			e.why = "an overlay metacopy or redirect, not the file's content";
		} else {
			e.kind = UPPER_FILE;
			e.stripped = (st.st_mode & (S_ISUID | S_ISGID | S_ISVTX)) != 0;
		}
		close((int)fd);
	} else if (S_ISLNK(st.st_mode)) {
		ssize_t t = readlinkat(dirfd, name, target, sizeof(target) - 1);
		if (t < 0)
			return -errno;
		target[t] = '\0';
		e.target = target;
		if (stays_inside(w->path, target)) {
			e.kind = UPPER_SYMLINK;
		} else {
			e.kind = UPPER_REFUSED;
			e.why = "a symlink leading out of the tree";
		}
	} else {
		e.kind = UPPER_REFUSED;
		e.why = S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device node"
			: S_ISFIFO(st.st_mode) ? "a fifo" : "a socket";
	}
	return w->visit(w->ctx, &e);
}

/* The entries of the directory w->path[0..len) (the root when len is 0). */
static int walk_dir(struct walk *w, size_t len, int depth)
{
	w->path[len] = '\0';
	long fd = len ? beneath(w->upper, w->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0)
		      : beneath(w->upper, ".", O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return (int)fd;
	DIR *d = fdopendir((int)fd);
	if (!d) {
		close((int)fd);
		return -errno;
	}
	int r = 0;
	struct dirent *de;
	while (r == 0 && (errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		r = walk_entry(w, dirfd(d), de->d_name, len, depth);
		w->path[len] = '\0';
	}
	if (r == 0 && errno)
		r = -errno;
	closedir(d);
	return r;
}

int upper_walk(int upper, int (*visit)(void *ctx, const struct upper_entry *e),
	       void *ctx)
{
	struct walk *w = malloc(sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->upper = upper;
	w->visit = visit;
	w->ctx = ctx;
	int r = walk_dir(w, 0, 0);
	free(w);
	return r;
}

/* -- the real tree -------------------------------------------------------- */

static int newer(const struct stat *st, const struct timespec *since)
{
	return st->st_ctim.tv_sec > since->tv_sec ||
	       (st->st_ctim.tv_sec == since->tv_sec &&
		st->st_ctim.tv_nsec >= since->tv_nsec);
}

static int changed_in(int root, char *path, const struct timespec *since,
		      char *found, int depth)
{
	struct stat st;
	int err = commit_lstat(root, path, &st);
	if (err < 0)
		return err;
	if (newer(&st, since)) {
		snprintf(found, PATH_MAX, "%s", path);
		return 1;
	}
	if (!S_ISDIR(st.st_mode))
		return 0;
	if (depth >= MAX_DEPTH)
		return -ELOOP;
	long fd = beneath(root, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (fd < 0)
		return (int)fd;
	DIR *d = fdopendir((int)fd);
	if (!d) {
		close((int)fd);
		return -errno;
	}
	size_t len = strlen(path);
	int r = 0;
	struct dirent *de;
	while (r == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (len + strlen(de->d_name) + 2 > PATH_MAX) {
			r = -ENAMETOOLONG;
			break;
		}
		path[len] = '/';
		strcpy(path + len + 1, de->d_name);
		r = changed_in(root, path, since, found, depth + 1);
		path[len] = '\0';
	}
	closedir(d);
	return r;
}

int commit_changed_since(int root, const char *rel,
			 const struct timespec *since, char *found)
{
	char path[PATH_MAX];
	if (!valid_rel(rel))
		return -EINVAL;
	strcpy(path, rel);
	return changed_in(root, path, since, found, 0);
}

int commit_same_file(int upper, int real, const char *rel)
{
	struct stat a, b;
	char x[65536], y[sizeof(x)];
	int r = 0;
	if (!valid_rel(rel))
		return -EINVAL;
	long u = beneath(upper, rel, O_RDONLY | O_NOFOLLOW, 0);
	if (u < 0)
		return (int)u;
	long v = beneath(real, rel, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0);
	if (v < 0) {
		close((int)u);
		return v == -ENOENT || v == -ELOOP ? 0 : (int)v;
	}
	if (fstat((int)u, &a) < 0 || fstat((int)v, &b) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(a.st_mode) || !S_ISREG(b.st_mode) || a.st_size != b.st_size ||
	    (a.st_mode & 0777) != (b.st_mode & 07777))
		goto out;
	for (;;) {
		ssize_t n = read((int)u, x, sizeof(x));
		if (n < 0) {
			r = -errno;
			goto out;
		}
		if (n == 0) {
			r = 1;
			goto out;
		}
		for (ssize_t got = 0; got < n;) {
			ssize_t m = read((int)v, y + got, (size_t)(n - got));
			if (m <= 0) {
				r = m < 0 ? -errno : 0;
				goto out;
			}
			got += m;
		}
		if (memcmp(x, y, (size_t)n) != 0)
			goto out;
	}
out:
	close((int)u);
	close((int)v);
	return r;
}

static int remove_in(int dir, const char *name, int depth)
{
	struct stat st;
	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dir, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	if (depth >= MAX_DEPTH)
		return -ELOOP;
	int fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	/* overlayfs leaves its work directory mode 0: ours to open again */
	if (fd < 0 && errno == EACCES && st.st_uid == geteuid() &&
	    fchmodat(dir, name, 0700, AT_SYMLINK_NOFOLLOW) == 0)
		fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	int r = 0;
	struct dirent *de;
	while (r == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			r = remove_in(dirfd(d), de->d_name, depth + 1);
	}
	closedir(d);
	if (r == 0 && unlinkat(dir, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		r = -errno;
	return r;
}

int commit_remove(int root, const char *rel)
{
	const char *name;
	int dir = open_parent(root, rel, &name);
	if (dir < 0)
		return dir == -ENOENT ? 0 : dir;
	int r = remove_in(dir, name, 0);
	close(dir);
	return r;
}

/* A name of our own next to `name` in `dir`, created exclusively (a file
 * left by an interrupted commit is not reused, and none is followed). */
static int temp_name(char *buf, size_t size, unsigned n)
{
	return snprintf(buf, size, ".nono-commit.%d.%u", (int)getpid(), n) < (int)size ? 0 : -ENAMETOOLONG;
}

static int sync_dir(int dir)
{
	int fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return r;
}

static int copy_fd(int from, int to)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(from, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		for (ssize_t off = 0; off < n;) {
			ssize_t m = write(to, buf + off, (size_t)(n - off));
			if (m < 0)
				return -errno;
			off += m;
		}
	}
}

/* Make room for a non-directory at `name`: a directory there goes. */
static int clear_dir(int dir, const char *name)
{
	struct stat st;
	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
		return remove_in(dir, name, 0);
	return 0;
}

int commit_file(int upper, int real, const char *rel)
{
	const char *name;
	char tmp[64];
	struct stat st;
	int dir = -1, out = -1, r;
	long in = beneath(upper, rel, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0);
	if (in < 0)
		return (int)in;
	if (fstat((int)in, &st) < 0) {
		r = -errno;
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		goto done;
	}
	dir = r = open_parent(real, rel, &name);
	if (r < 0)
		goto done;
	for (unsigned n = 0; out < 0 && n < 100; n++) {
		if ((r = temp_name(tmp, sizeof(tmp), n)) < 0)
			goto done;
		out = r = (int)beneath(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
		if (r < 0 && r != -EEXIST)
			goto done;
	}
	if (out < 0)
		goto done;
	if ((r = copy_fd((int)in, out)) < 0 ||
	    (fchmod(out, st.st_mode & 0777) < 0 && (r = -errno)) ||
	    (fsync(out) < 0 && (r = -errno)) ||
	    (r = clear_dir(dir, name)) < 0 ||
	    (renameat(dir, tmp, dir, name) < 0 && (r = -errno))) {
		unlinkat(dir, tmp, 0);
		goto done;
	}
	r = sync_dir(dir);
done:
	if (out >= 0)
		close(out);
	if (dir >= 0)
		close(dir);
	close((int)in);
	return r;
}

int commit_dir(int real, const char *rel, mode_t mode)
{
	const char *name;
	struct stat st;
	int dir = open_parent(real, rel, &name), r = 0;
	if (dir < 0)
		return dir;
	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode) &&
	    unlinkat(dir, name, 0) < 0)
		r = -errno;
	if (r == 0 && mkdirat(dir, name, 0700) < 0 && errno != EEXIST)
		r = -errno;
	if (r == 0) {
		int fd = (int)beneath(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
		if (fd < 0)
			r = fd;
		else if (fchmod(fd, mode & 0777) < 0)
			r = -errno;
		if (fd >= 0)
			close(fd);
	}
	close(dir);
	return r;
}

int commit_symlink(int real, const char *rel, const char *target)
{
	const char *name;
	char tmp[64];
	int dir = open_parent(real, rel, &name), r = -EEXIST;
	if (dir < 0)
		return dir;
	for (unsigned n = 0; r == -EEXIST && n < 100; n++) {
		if ((r = temp_name(tmp, sizeof(tmp), n)) < 0)
			break;
		r = symlinkat(target, dir, tmp) < 0 ? -errno : 0;
	}
	if (r == 0 && ((r = clear_dir(dir, name)) < 0 ||
		       (renameat(dir, tmp, dir, name) < 0 && (r = -errno))))
		unlinkat(dir, tmp, 0);
	if (r == 0)
		r = sync_dir(dir);
	close(dir);
	return r;
}
