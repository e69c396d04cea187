/* Files and directories for the Lua side: resolving and listing paths
 * (the start-up fast paths), the supervisor's held directories, the sealed
 * policy the command can read back, and the audit log. */
#define _GNU_SOURCE
#include "lnono.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>

static int l_realpath(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	char *real = realpath(path, NULL);
	if (!real)
		return lnono_push_error(L, errno, path);
	lua_pushstring(L, real);
	free(real);
	return 1;
}

/* -- start-up fast paths: listing and adding the entries of a narrowed
 * directory (docs/benchmarks.md).  The default blocklist narrows /usr/bin
 * and /usr/sbin entry by entry: about 1,000 rules at every start. -- */

/* Sort keys of core.list_dir: the name after the kind byte, compared as
 * Lua compares strings (strcoll), so the order is the one table.sort gave;
 * strcmp where the collation is "C" (the host never sets a locale), which
 * orders the same and is faster. */
static int list_dir_coll(const void *a, const void *b)
{
	return strcoll(*(const char *const *)a + 1, *(const char *const *)b + 1);
}

static int list_dir_bytes(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a + 1, *(const char *const *)b + 1);
}

/* core.list_dir(dir [, skip_links [, prefix]]) -> names, kinds, or nil,
 * msg, errno.
 * names: the entries of `dir` but "." and "..", sorted as table.sort sorts
 * strings; kinds[i]: "directory", "link", "file" or "other", from
 * readdir's d_type (lstat only where the file system leaves it unknown):
 * narrowing lists large directories (/usr/bin, a home), where a stat, a
 * table keyed by name and a sort in Lua per entry were most of the cost.
 * With `skip_links`, symlinks are left out (narrowing gives them no rule);
 * with `prefix`, names that do not start with it (the blocklist's "mkfs.*"
 * lists /usr/sbin for a few names out of hundreds). */
#define DIR_MT "nono.core.dir"

/* The DIR * of a listing under way, closed by the collector if a memory
 * error unwinds the listing (luaL_Buffer allocates as it grows). */
static int dir_gc(lua_State *L)
{
	DIR **box = luaL_checkudata(L, 1, DIR_MT);
	if (*box)
		closedir(*box);
	*box = NULL;
	return 0;
}

static int l_list_dir(lua_State *L)
{
	static const char *const kind_names[] = { "directory", "link", "file", "other" };
	const char *path = luaL_checkstring(L, 1);
	int skip_links = lua_toboolean(L, 2);
	size_t plen = 0;
	const char *given = luaL_optlstring(L, 3, "", &plen);
	char prefix[NAME_MAX + 1];
	luaL_Buffer b;
	struct dirent *e;
	size_t n = 0;
	int err;

	luaL_argcheck(L, plen <= NAME_MAX, 3, "longer than a name");
	memcpy(prefix, given, plen + 1); /* (the string goes with the stack) */
	lua_settop(L, 1);
	DIR **box = lua_newuserdatauv(L, sizeof(*box), 0); /* dir box */
	*box = NULL;
	if (luaL_newmetatable(L, DIR_MT)) {
		lua_pushcfunction(L, dir_gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_setmetatable(L, -2);
	DIR *d = *box = opendir(path);
	if (!d)
		return lnono_push_error(L, errno, path);
	/* One record per entry: a kind byte, the name, a NUL. */
	luaL_buffinit(L, &b);
	errno = 0;
	while ((e = readdir(d))) {
		unsigned char type = e->d_type;
		char kind;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    strncmp(e->d_name, prefix, plen) != 0)
			continue;
		if (type == DT_UNKNOWN) {
			struct stat st;
			if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
				errno = 0;
				continue; /* gone since readdir */
			}
			type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISLNK(st.st_mode) ? DT_LNK
				: S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
		}
		kind = type == DT_DIR ? 0 : type == DT_LNK ? 1 : type == DT_REG ? 2 : 3;
		if (kind == 1 && skip_links) {
			errno = 0;
			continue;
		}
		luaL_addchar(&b, kind);
		luaL_addstring(&b, e->d_name);
		luaL_addchar(&b, '\0');
		n++;
		errno = 0;
	}
	err = errno;
	luaL_pushresult(&b);                               /* dir box blob */
	closedir(d);
	*box = NULL;
	lua_remove(L, 2);                                  /* dir blob */
	if (err)
		return lnono_push_error(L, err, path);
	luaL_argcheck(L, n < INT_MAX, 1, "too many entries");

	size_t len;
	const char *blob = lua_tolstring(L, 2, &len);
	const char **rec = lua_newuserdatauv(L, (n ? n : 1) * sizeof(*rec), 0); /* dir blob rec */
	for (size_t i = 0, off = 0; i < n; i++) {
		rec[i] = blob + off;
		off += strlen(blob + off + 1) + 2;
	}
	const char *coll = setlocale(LC_COLLATE, NULL);
	int bytes = !coll || strcmp(coll, "C") == 0 || strcmp(coll, "POSIX") == 0;
	qsort(rec, n, sizeof(*rec), bytes ? list_dir_bytes : list_dir_coll);
	for (int k = 0; k < 4; k++)
		lua_pushstring(L, kind_names[k]);          /* dir blob rec k1..k4 */
	lua_createtable(L, (int)n, 0);                     /* ... names */
	lua_createtable(L, (int)n, 0);                     /* ... names kinds */
	for (size_t i = 0; i < n; i++) {
		lua_pushstring(L, rec[i] + 1);
		lua_rawseti(L, -3, (lua_Integer)i + 1);
		lua_pushvalue(L, 4 + rec[i][0]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 2;
}

/* Whether `path` is absolute and lexically clean: no empty, "." or ".."
 * component and no trailing '/' ("/" itself is clean).  Such a path that
 * holds no symlink is its own canonical form. */
static int path_is_clean(const char *path)
{
	if (path[0] != '/')
		return 0;
	if (path[1] == '\0')
		return 1;
	for (const char *c = path; *c; ) {
		const char *next = strchr(c + 1, '/');
		size_t len = next ? (size_t)(next - c - 1) : strlen(c + 1);
		if (len == 0 || (len == 1 && c[1] == '.') || (len == 2 && c[1] == '.' && c[2] == '.'))
			return 0;
		if (!next)
			break;
		c = next;
	}
	return 1;
}

static const char *kind_of(mode_t mode)
{
	return S_ISDIR(mode) ? "directory" : S_ISREG(mode) ? "file" : "other";
}

/* core.resolve(path) -> canonical, kind, or nil, msg, errno: what
 * core.realpath(path) and then a stat of the result answered ("path:
 * error" as the message), kind being "directory", "file" or "other".
 * realpath(3) reads every component as a link, one system call each; a
 * clean absolute path is first opened with RESOLVE_NO_SYMLINKS (O_PATH:
 * nothing is read, no device opened): if that succeeds no component is a
 * symlink and the path is its own canonical form, and if it fails for
 * another reason than a symlink (ELOOP) realpath would fail the same way
 * (ENOENT, ENOTDIR, EACCES). */
static int l_resolve(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	struct stat st;

	if (path_is_clean(path)) {
		int fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
		if (fd >= 0) {
			int rc = fstat(fd, &st), err = errno;
			close(fd);
			if (rc < 0)
				return lnono_push_error(L, err, path);
			lua_pushvalue(L, 1);
			lua_pushstring(L, kind_of(st.st_mode));
			return 2;
		}
		if (errno == ENOENT || errno == ENOTDIR || errno == EACCES)
			return lnono_push_error(L, errno, path);
	}
	/* A path through symlinks (/bin, /usr/bin/systemctl): opened as the
	 * kernel resolves it, its name read back from /proc/self/fd, four
	 * calls where realpath(3) reads every component.  A name the kernel
	 * cannot give as a plain absolute path (no /proc, a deleted file, a
	 * mount out of reach) goes to realpath. */
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return lnono_push_error(L, errno, path);
	char link[32], name[PATH_MAX];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, name, sizeof(name));
	int rc = fstat(fd, &st);
	close(fd);
	static const char deleted[] = " (deleted)";
	size_t dl = sizeof(deleted) - 1;
	if (rc == 0 && n > 0 && n < (ssize_t)sizeof(name) && name[0] == '/' &&
	    !((size_t)n >= dl && memcmp(name + n - dl, deleted, dl) == 0)) {
		lua_pushlstring(L, name, (size_t)n);
		lua_pushstring(L, kind_of(st.st_mode));
		return 2;
	}
	char *real = realpath(path, NULL);
	if (!real)
		return lnono_push_error(L, errno, path);
	lua_pushstring(L, real);
	free(real);
	lua_pushstring(L, stat(lua_tostring(L, -1), &st) == 0 ? kind_of(st.st_mode) : "other");
	return 2;
}

/* core.present(dir, names) -> found: each of `names` found in `dir`,
 * mapped to "file" when it is a regular file and to "other" when it is
 * anything else (a symlink, dangling or not, a directory); or nil, msg,
 * errno when `dir` cannot be opened.  The blocklist's look-up: some fifty
 * names in each command directory, most of them absent.  One directory
 * opened and one lookup of one component per name, where core.resolve
 * walks the whole path and builds an error for each absent one.  A
 * regular file's canonical path is its name beneath a canonical `dir`;
 * anything else is then resolved as any other path. */
static int l_present(lua_State *L)
{
	const char *dir = luaL_checkstring(L, 1);
	luaL_checktype(L, 2, LUA_TTABLE);
	struct stat st;
	lua_Integer n = luaL_len(L, 2);

	int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return lnono_push_error(L, errno, dir);
	lua_createtable(L, 0, 8);
	for (lua_Integer i = 1; i <= n; i++) {
		const char *name = (lua_geti(L, 2, i), lua_tostring(L, -1));
		if (name && !strchr(name, '/') &&
		    fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			lua_pushstring(L, S_ISREG(st.st_mode) ? "file" : "other");
			lua_rawset(L, -3);
		} else {
			lua_pop(L, 1);
		}
	}
	close(dfd);
	return 1;
}

/* core.chmod(path, mode) -> true, or nil, message, errno.  The supervisor
 * restores a guarded file's mode with it (guard.lua). */
static int l_chmod(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	lua_Integer mode = luaL_checkinteger(L, 2);
	if (chmod(path, (mode_t)(mode & 07777)) < 0)
		return lnono_push_error(L, errno, path);
	lua_pushboolean(L, 1);
	return 1;
}

/* -- descriptors handed to Lua: userdata born closed, then acquired, with
 * one idempotent close (fd:close(), __close, __gc), the shape liolib gives
 * its files.  A memory error while the object is made leaks nothing: no
 * descriptor is open yet; and one the caller forgets is closed by the
 * collector, not leaked into the command (they are O_CLOEXEC too). -- */

#define FD_MT "nono.core.fd"

struct lfd {
	int fd;              /* -1 before it is acquired and once closed */
	int (*closef)(int);  /* how this kind is closed: 0 or -errno */
	const char *what;    /* names the close in its error */
};

static int close_plain(int fd)
{
	return close(fd) < 0 ? -errno : 0;
}

/* The audit log's: what was written is on the disk when close succeeds. */
static int close_synced(int fd)
{
	int err = fsync(fd) < 0 ? -errno : 0;
	if (close(fd) < 0 && !err)
		err = -errno;
	return err;
}

static struct lfd *newfd(lua_State *L, int (*closef)(int), const char *what)
{
	struct lfd *f = lua_newuserdatauv(L, sizeof(*f), 0);
	f->fd = -1;
	f->closef = closef;
	f->what = what;
	luaL_setmetatable(L, FD_MT);
	return f;
}

int *lnono_newfd(lua_State *L)
{
	return &newfd(L, close_plain, "close")->fd;
}

int lnono_checkfd(lua_State *L, int idx)
{
	struct lfd *f = luaL_checkudata(L, idx, FD_MT);
	luaL_argcheck(L, f->fd >= 0, idx, "the descriptor is closed");
	return f->fd;
}

/* fd:close() -> true, or nil, message, errno: the first close's answer;
 * every later one is true and does nothing. */
static int l_fd_close(lua_State *L)
{
	struct lfd *f = luaL_checkudata(L, 1, FD_MT);
	int fd = f->fd;
	if (fd >= 0) {
		f->fd = -1;
		int err = f->closef(fd);
		if (err < 0)
			return lnono_push_error(L, -err, f->what);
	}
	lua_pushboolean(L, 1);
	return 1;
}

/* fd:fileno() -> the number (to hand on: NONO_POLICY_FD). */
static int l_fd_fileno(lua_State *L)
{
	lua_pushinteger(L, lnono_checkfd(L, 1));
	return 1;
}

static int l_fd_tostring(lua_State *L)
{
	struct lfd *f = luaL_checkudata(L, 1, FD_MT);
	if (f->fd < 0)
		lua_pushliteral(L, "nono.core.fd (closed)");
	else
		lua_pushfstring(L, "nono.core.fd (%d)", f->fd);
	return 1;
}

static const luaL_Reg fd_methods[] = {
	{ "close", l_fd_close },
	{ "fileno", l_fd_fileno },
	{ NULL, NULL },
};

static const luaL_Reg fd_meta[] = {
	{ "__gc", l_fd_close },
	{ "__close", l_fd_close },
	{ "__tostring", l_fd_tostring },
	{ "__index", NULL },
	{ NULL, NULL },
};

/* core.hold_dir(path) -> fd, or nil, message, errno: an O_PATH descriptor
 * on a directory, so that the supervisor can find it again wherever the
 * session moved it (guard.lua); core.held_path(fd) -> where it is now (or
 * nil when it was removed). */
static int l_hold_dir(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	struct lfd *f = newfd(L, close_plain, "close");
	f->fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (f->fd < 0)
		return lnono_push_error(L, errno, path);
	return 1;
}

static int l_held_path(lua_State *L)
{
	char link[64], target[PATH_MAX];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", lnono_checkfd(L, 1));
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return lnono_push_error(L, errno, link);
	target[n] = '\0';
	/* the kernel's mark for a removed directory */
	if (n > 10 && strcmp(target + n - 10, " (deleted)") == 0)
		return 0;
	lua_pushlstring(L, target, (size_t)n);
	return 1;
}

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* core.sealed_memfd(text) -> fd: a memory file holding `text` that nobody,
 * not even its creator, can change again (every seal set). */
static int l_sealed_memfd(lua_State *L)
{
	size_t len;
	const char *text = luaL_checklstring(L, 1, &len);
	struct lfd *f = newfd(L, close_plain, "close");
	int fd = memfd_create("nono-policy", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return lnono_push_error(L, errno, "memfd_create");
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? errno : EIO;
			close(fd);
			return lnono_push_error(L, err, "write");
		}
		done += (size_t)n;
	}
	if (fcntl(fd, F_ADD_SEALS, SEALS) < 0) {
		int err = errno;
		close(fd);
		return lnono_push_error(L, err, "sealing");
	}
	f->fd = fd;
	return 1;
}

/* -- a sealed memory file written after the command has started -- */

/* Its size, fixed before anyone else holds it: the text's length (8 bytes,
 * this machine's order), then the text.  Only the pages written take
 * memory.  Within RLIMIT_FSIZE: a larger size would not be set, and its
 * SIGXFSZ would end nono. */
#define LATER_CAP ((size_t)1 << 30)
#define LATER_MT "nono.core.later"

struct later {
	char *map;  /* this process's writable view; MAP_FAILED once gone */
	size_t cap; /* the file's size */
};

static void later_unmap(struct later *w)
{
	if (w->map != MAP_FAILED)
		munmap(w->map, w->cap);
	w->map = MAP_FAILED;
}

static int l_later_gc(lua_State *L)
{
	later_unmap(luaL_checkudata(L, 1, LATER_MT));
	return 0;
}

/* fill(text) -> true, or nil, message, errno: `text` into the file, then
 * every seal (upvalues: the view, the fd object).  Once only. */
static int l_later_fill(lua_State *L)
{
	size_t len;
	const char *text = luaL_checklstring(L, 1, &len);
	struct later *w = luaL_checkudata(L, lua_upvalueindex(1), LATER_MT);
	int fd = lnono_checkfd(L, lua_upvalueindex(2));
	luaL_argcheck(L, w->map != MAP_FAILED, 1, "filled already");
	uint64_t have = len;
	int err = len <= w->cap - sizeof(have) ? 0 : EFBIG;
	if (!err) {
		memcpy(w->map + sizeof(have), text, len);
		memcpy(w->map, &have, sizeof(have));
	}
	later_unmap(w);
	/* (no writable mapping is left: F_SEAL_WRITE takes) */
	if (fcntl(fd, F_ADD_SEALS, SEALS) < 0 && !err)
		err = errno;
	if (err)
		return lnono_push_error(L, err, "the sealed policy");
	lua_pushboolean(L, 1);
	return 1;
}

/* core.sealed_later() -> fd, fill; or nil, message, errno: a memory file
 * to hand on now and fill once, later: fill(text), after which it is
 * sealed as sealed_memfd's are (F_SEAL_FUTURE_WRITE besides).  Until then
 * nobody but this process can write it: its size is sealed, and
 * F_SEAL_FUTURE_WRITE refuses write(2) and every new shared writable
 * mapping, so only the one made here writes.  That view is not inherited
 * by a fork (MADV_DONTFORK), so the last seal, which needs it gone, is
 * this process's to set.  Kernels before 5.1 lack the seal: the caller
 * then writes first (sealed_memfd). */
static int l_sealed_later(lua_State *L)
{
	struct lfd *f = newfd(L, close_plain, "close");
	struct later *w = lua_newuserdatauv(L, sizeof(*w), 0);
	w->map = MAP_FAILED;
	w->cap = LATER_CAP;
	luaL_setmetatable(L, LATER_MT);
	struct rlimit fsize;
	if (getrlimit(RLIMIT_FSIZE, &fsize) == 0 && fsize.rlim_cur != RLIM_INFINITY &&
	    fsize.rlim_cur < w->cap)
		w->cap = (size_t)fsize.rlim_cur;
	if (w->cap <= sizeof(uint64_t))
		return lnono_push_error(L, EFBIG, "the file size limit");
	int fd = memfd_create("nono-policy", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return lnono_push_error(L, errno, "memfd_create");
	f->fd = fd;
	const char *step = "ftruncate";
	if (ftruncate(fd, (off_t)w->cap) == 0) {
		step = "mmap";
		w->map = mmap(NULL, w->cap, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	}
	if (w->map != MAP_FAILED) {
		step = "madvise";
		if (madvise(w->map, w->cap, MADV_DONTFORK) == 0) {
			step = "sealing";
			if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
							   F_SEAL_FUTURE_WRITE) == 0) {
				lua_pushvalue(L, -2);
				lua_pushcclosure(L, l_later_fill, 2); /* fd, fill */
				return 2;
			}
		}
	}
	int err = errno;
	later_unmap(w);
	f->fd = -1;
	close(fd);
	return lnono_push_error(L, err, step);
}

/* core.read_sealed(fd [, wait_ms]) -> text, or nil, msg, errno when `fd`
 * is not a memory file sealed as sealed_memfd leaves it.  One that
 * sealed_later made and its maker has not filled yet (the command can get
 * there first) is waited for, up to `wait_ms` (default 10 s). */
static int l_read_sealed(lua_State *L)
{
	lua_Integer fd = luaL_checkinteger(L, 1);
	lua_Integer wait_ms = luaL_optinteger(L, 2, 10000);
	luaL_Buffer b;
	char chunk[4096];
	off_t off = 0;
	ssize_t n;

	luaL_argcheck(L, fd >= 0 && fd <= INT_MAX, 1, "expected a descriptor");
	const int pending = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE;
	int seals;
	for (int waited = 0;; waited++) {
		seals = fcntl((int)fd, F_GET_SEALS);
		if (seals < 0)
			return lnono_push_error(L, errno, "not a sealed policy");
		if ((seals & SEALS) == SEALS)
			break;
		/* (sealed against more seals before it was filled: it never
		 * will be) */
		if ((seals & (pending | F_SEAL_WRITE | F_SEAL_SEAL)) != pending)
			return lnono_push_error(L, EPERM, "not a sealed policy");
		if (waited >= wait_ms)
			return lnono_push_error(L, ETIMEDOUT, "the sealed policy was never completed");
		struct timespec ms = { 0, 1000000 };
		nanosleep(&ms, NULL);
	}
	/* sealed_later's: its length first; sealed_memfd's: all of it */
	int bounded = (seals & F_SEAL_FUTURE_WRITE) != 0;
	uint64_t left = UINT64_MAX;
	if (bounded) {
		struct stat st;
		if (fstat((int)fd, &st) < 0 ||
		    pread((int)fd, &left, sizeof(left), 0) != (ssize_t)sizeof(left) ||
		    left > (uint64_t)st.st_size - sizeof(left))
			return lnono_push_error(L, EIO, "the sealed policy");
		off = sizeof(left);
	}
	luaL_buffinit(L, &b);
	while (left > 0) {
		size_t want = left < sizeof(chunk) ? (size_t)left : sizeof(chunk);
		n = pread((int)fd, chunk, want, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return lnono_push_error(L, errno, "read");
		if (n == 0)
			break;
		luaL_addlstring(&b, chunk, (size_t)n);
		off += n;
		left -= (uint64_t)n;
	}
	if (bounded && left > 0)
		return lnono_push_error(L, EIO, "the sealed policy");
	luaL_pushresult(&b);
	return 1;
}

/* core.log_open(path) -> fd: append-only, created 0600 if missing, not
 * through a symlink, closed on exec; fd:close() fsyncs before it closes. */
static int l_log_open(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	struct lfd *f = newfd(L, close_synced, "closing the log");
	f->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
				  O_CLOEXEC | O_NOCTTY, 0600);
	if (f->fd < 0)
		return lnono_push_error(L, errno, path);
	return 1;
}

/* core.log_write(fd, line): the line whole, or nothing.  One write(2),
 * so that concurrent appends do not interleave within a line; if it is
 * short (a full disk), the rest is tried, and if that fails the file is
 * cut back to where the line began: a partial line would have the next
 * one glued to it.  (A line another process appended after ours in that
 * instant is cut with it; on a full disk its write fails as ours did.)
 * Fails with the errno of the write that failed. */
static int l_log_write(lua_State *L)
{
	int fd = lnono_checkfd(L, 1);
	size_t len, done = 0;
	const char *line = luaL_checklstring(L, 2, &len);
	off_t start = -1;
	int err = 0;

	while (done < len) {
		ssize_t n = write(fd, line + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : ENOSPC;
			break;
		}
		/* O_APPEND left the offset at the end of what was written */
		if (done == 0 && (size_t)n < len)
			start = lseek(fd, 0, SEEK_CUR) - n;
		done += (size_t)n;
	}
	if (!err) {
		lua_pushboolean(L, 1);
		return 1;
	}
	if (done > 0) {
		if (start < 0 || ftruncate(fd, start) < 0) {
			lua_pushnil(L);
			lua_pushfstring(L, "write: %s; the part of the line written could not be "
					"taken back (%s)", strerror(err),
					strerror(start < 0 ? EINVAL : errno));
			lua_pushinteger(L, err);
			return 3;
		}
	}
	return lnono_push_error(L, err, "write");
}

/* core.close_fd(fd): a bare descriptor number some bindings still hand
 * out (the state directory's); the objects above close themselves. */
static int l_close_fd(lua_State *L)
{
	close((int)luaL_checkinteger(L, 1));
	return 0;
}

static const luaL_Reg fs_funcs[] = {
	{ "close_fd", l_close_fd },
	{ "realpath", l_realpath },
	{ "list_dir", l_list_dir },
	{ "resolve", l_resolve },
	{ "present", l_present },
	{ "chmod", l_chmod },
	{ "hold_dir", l_hold_dir },
	{ "held_path", l_held_path },
	{ "sealed_memfd", l_sealed_memfd },
	{ "sealed_later", l_sealed_later },
	{ "read_sealed", l_read_sealed },
	{ "log_open", l_log_open },
	{ "log_write", l_log_write },
	{ NULL, NULL },
};

void lnono_open_fs(lua_State *L)
{
	if (luaL_newmetatable(L, FD_MT)) {
		luaL_setfuncs(L, fd_meta, 0);
		luaL_newlib(L, fd_methods);
		lua_setfield(L, -2, "__index");
	}
	lua_pop(L, 1);
	if (luaL_newmetatable(L, LATER_MT)) {
		lua_pushcfunction(L, l_later_gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_pop(L, 1);
	luaL_setfuncs(L, fs_funcs, 0);
}
