/* lnono_fsat.c — directory-descriptor file operations for nono's state
 * directory and for rollback restores (lua/nono/state.lua,
 * lua/nono/restore.lua).  A tree a session could write is walked one
 * component at a time with O_NOFOLLOW from a directory descriptor: a symlink planted anywhere on the way is
 * refused (ELOOP or ENOTDIR), never followed, so nothing here writes
 * outside the directory it started from.  Same shape as lnono.c: misuse
 * raises, failures of the operating system return nil, message, errno. */
#define _GNU_SOURCE
#include "lnono.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>

static int check_fd(lua_State *L, int arg)
{
	lua_Integer fd = luaL_checkinteger(L, arg);
	luaL_argcheck(L, fd >= 0 && fd <= INT_MAX, arg, "expected a descriptor");
	return (int)fd;
}

/* A single name: not empty, no '/', not "." or "..". */
static const char *check_name(lua_State *L, int arg)
{
	size_t len;
	const char *name = luaL_checklstring(L, arg, &len);
	luaL_argcheck(L, len > 0 && len < 256 && !memchr(name, '/', len)
		      && strlen(name) == len && strcmp(name, ".") != 0
		      && strcmp(name, "..") != 0, arg, "expected one file name");
	return name;
}

/* core.dir_open(path) -> fd: a directory the caller trusts as named (the
 * home directory, a recorded root), symlinks on the way followed. */
static int l_dir_open(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return lnono_push_error(L, errno, path);
	lua_pushinteger(L, fd);
	return 1;
}

/* core.dir_at(fd, "a/b/c" [, mode]) -> fd: the directory beneath `fd`,
 * each component opened with O_NOFOLLOW; with `mode`, a missing component
 * is made with it.  A component that is a symlink fails (ELOOP, or
 * ENOTDIR), and so does "." or "..": nothing is reached outside `fd`. */
static int l_dir_at(lua_State *L)
{
	int fd = check_fd(L, 1);
	size_t len;
	const char *rel = luaL_checklstring(L, 2, &len);
	int create = !lua_isnoneornil(L, 3);
	mode_t mode = create ? (mode_t)(luaL_checkinteger(L, 3) & 07777) : 0;
	char comp[256];
	int cur = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (cur < 0)
		return lnono_push_error(L, errno, "dup");
	const char *p = rel;
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		if (n == 0) {
			p++;
			continue;
		}
		if (n >= sizeof(comp) || (n == 1 && p[0] == '.')
		    || (n == 2 && p[0] == '.' && p[1] == '.')) {
			close(cur);
			return lnono_push_error(L, EINVAL, rel);
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		int next = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && create) {
			if (mkdirat(cur, comp, mode) < 0 && errno != EEXIST) {
				int err = errno;
				close(cur);
				return lnono_push_error(L, err, rel);
			}
			next = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		int err = errno;
		close(cur);
		if (next < 0)
			return lnono_push_error(L, err, rel);
		cur = next;
		p += n;
	}
	lua_pushinteger(L, cur);
	return 1;
}

static const char *type_name(mode_t m)
{
	return S_ISDIR(m) ? "directory" : S_ISREG(m) ? "file" : S_ISLNK(m) ? "link" : "other";
}

/* core.stat_at(fd [, name]) -> { type, mode, uid, size, mtime_ns,
 * ctime_ns, ino, dev, nlink }: of `fd` itself, or of `name` beneath it
 * without following a symlink. */
static int l_stat_at(lua_State *L)
{
	int fd = check_fd(L, 1);
	const char *name = lua_isnoneornil(L, 2) ? NULL : check_name(L, 2);
	struct stat st;
	if (fstatat(fd, name ? name : "", &st, name ? AT_SYMLINK_NOFOLLOW : AT_EMPTY_PATH) < 0)
		return lnono_push_error(L, errno, name ? name : "fstat");
	lua_createtable(L, 0, 9);
	lua_pushstring(L, type_name(st.st_mode));
	lua_setfield(L, -2, "type");
	lua_pushinteger(L, st.st_mode & 07777);
	lua_setfield(L, -2, "mode");
	lua_pushinteger(L, st.st_uid);
	lua_setfield(L, -2, "uid");
	lua_pushinteger(L, st.st_size);
	lua_setfield(L, -2, "size");
	lua_pushinteger(L, (lua_Integer)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec);
	lua_setfield(L, -2, "mtime_ns");
	lua_pushinteger(L, (lua_Integer)st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec);
	lua_setfield(L, -2, "ctime_ns");
	lua_pushinteger(L, (lua_Integer)st.st_ino);
	lua_setfield(L, -2, "ino");
	lua_pushinteger(L, (lua_Integer)st.st_dev);
	lua_setfield(L, -2, "dev");
	lua_pushinteger(L, (lua_Integer)st.st_nlink);
	lua_setfield(L, -2, "nlink");
	return 1;
}

/* core.fchmod(fd, mode) -> true: of a descriptor, so of what was opened
 * and not of whatever a name points to by now. */
static int l_fchmod(lua_State *L)
{
	int fd = check_fd(L, 1);
	if (fchmod(fd, (mode_t)(luaL_checkinteger(L, 2) & 07777)) < 0)
		return lnono_push_error(L, errno, "fchmod");
	lua_pushboolean(L, 1);
	return 1;
}

/* core.list_at(fd) -> { name, ... }: the entries of the directory `fd`. */
static int l_list_at(lua_State *L)
{
	int fd = check_fd(L, 1);
	int dup = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dup < 0)
		return lnono_push_error(L, errno, "opendir");
	DIR *d = fdopendir(dup);
	if (!d) {
		int err = errno;
		close(dup);
		return lnono_push_error(L, err, "opendir");
	}
	struct dirent *e;
	lua_Integer n = 0;
	lua_newtable(L);
	errno = 0;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		lua_pushstring(L, e->d_name);
		lua_rawseti(L, -2, ++n);
	}
	int err = errno;
	closedir(d);
	if (err)
		return lnono_push_error(L, err, "readdir");
	return 1;
}

/* A name beside `name` in the same directory for the temporary copy. */
static void temp_name(char *buf, size_t size)
{
	static unsigned counter;
	snprintf(buf, size, ".nono-restore.%ld.%u", (long)getpid(), counter++);
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* core.write_at(fd, name, data, mode) -> true: `name` in the directory
 * `fd` replaced whole by `data` with `mode`: written to a new file beside
 * it (O_EXCL, O_NOFOLLOW), synced, then renamed over it.  Interrupted, the
 * old content or the new one is there, never half of one; a symlink at
 * `name` is replaced, not followed.  A directory at `name` fails
 * (EISDIR): the caller removes it first. */
static int l_write_at(lua_State *L)
{
	int dir = check_fd(L, 1);
	const char *name = check_name(L, 2);
	size_t len;
	const char *data = luaL_checklstring(L, 3, &len);
	mode_t mode = (mode_t)(luaL_checkinteger(L, 4) & 01777);
	char tmp[64];
	temp_name(tmp, sizeof(tmp));
	int fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return lnono_push_error(L, errno, name);
	int err = 0;
	if (write_all(fd, data, len) < 0 || fchmod(fd, mode) < 0 || fsync(fd) < 0)
		err = errno;
	if (close(fd) < 0 && !err)
		err = errno;
	if (!err && renameat(dir, tmp, dir, name) < 0)
		err = errno;
	if (err) {
		unlinkat(dir, tmp, 0);
		return lnono_push_error(L, err, name);
	}
	lua_pushboolean(L, 1);
	return 1;
}

/* core.symlink_at(fd, name, target) -> true: `name` replaced by a symlink
 * to `target` (made beside it, renamed over it). */
static int l_symlink_at(lua_State *L)
{
	int dir = check_fd(L, 1);
	const char *name = check_name(L, 2);
	const char *target = luaL_checkstring(L, 3);
	char tmp[64];
	temp_name(tmp, sizeof(tmp));
	if (symlinkat(target, dir, tmp) < 0)
		return lnono_push_error(L, errno, name);
	if (renameat(dir, tmp, dir, name) < 0) {
		int err = errno;
		unlinkat(dir, tmp, 0);
		return lnono_push_error(L, err, name);
	}
	lua_pushboolean(L, 1);
	return 1;
}

/* core.readlink_at(fd, name) -> target. */
static int l_readlink_at(lua_State *L)
{
	int dir = check_fd(L, 1);
	const char *name = check_name(L, 2);
	char buf[4096];
	ssize_t n = readlinkat(dir, name, buf, sizeof(buf));
	if (n < 0)
		return lnono_push_error(L, errno, name);
	if ((size_t)n == sizeof(buf))
		return lnono_push_error(L, ENAMETOOLONG, name);
	lua_pushlstring(L, buf, (size_t)n);
	return 1;
}

/* core.unlink_at(fd, name [, is_dir]) -> true: unlinkat, AT_REMOVEDIR for
 * an (empty) directory. */
static int l_unlink_at(lua_State *L)
{
	int dir = check_fd(L, 1);
	const char *name = check_name(L, 2);
	if (unlinkat(dir, name, lua_toboolean(L, 3) ? AT_REMOVEDIR : 0) < 0)
		return lnono_push_error(L, errno, name);
	lua_pushboolean(L, 1);
	return 1;
}

/* core.fsync_fd(fd) -> true: a directory's renames made durable. */
static int l_fsync_fd(lua_State *L)
{
	if (fsync(check_fd(L, 1)) < 0)
		return lnono_push_error(L, errno, "fsync");
	lua_pushboolean(L, 1);
	return 1;
}

static const luaL_Reg fsat_funcs[] = {
	{ "dir_open", l_dir_open },
	{ "dir_at", l_dir_at },
	{ "stat_at", l_stat_at },
	{ "fchmod", l_fchmod },
	{ "list_at", l_list_at },
	{ "write_at", l_write_at },
	{ "symlink_at", l_symlink_at },
	{ "readlink_at", l_readlink_at },
	{ "unlink_at", l_unlink_at },
	{ "fsync_fd", l_fsync_fd },
	{ NULL, NULL },
};

void lnono_open_fsat(lua_State *L)
{
	luaL_setfuncs(L, fsat_funcs, 0);
}
