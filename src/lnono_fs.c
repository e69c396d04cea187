/* Files and directories for the Lua side: resolving and listing paths
 * (the start-up fast paths), the supervisor's held directories, the sealed
 * policy the command can read back, and the audit log. */
#define _GNU_SOURCE
#include "lnono.h"
#include "fdpass.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <locale.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
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
/* An entry's type from readdir's d_type, lstat asked only where the file
 * system leaves it unknown: DT_DIR, DT_LNK, DT_REG or DT_UNKNOWN (anything
 * else), or -1 when the entry is gone since it was listed. */
static int entry_type(int dfd, const char *name, unsigned char type)
{
	struct stat st;
	if (type != DT_UNKNOWN)
		return type == DT_DIR || type == DT_LNK || type == DT_REG ? type : DT_UNKNOWN;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	return S_ISDIR(st.st_mode) ? DT_DIR : S_ISLNK(st.st_mode) ? DT_LNK
		: S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
}

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
		char kind;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    strncmp(e->d_name, prefix, plen) != 0)
			continue;
		int type = entry_type(dirfd(d), e->d_name, e->d_type);
		if (type < 0) {
			errno = 0;
			continue; /* gone since readdir */
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
 * errno when `dir` cannot be opened.  The blocklist's look-up: some forty
 * names in each command directory, most of them absent.  One lookup of one
 * component per name, where core.resolve walks the whole path and builds
 * an error for each absent one; and where the directory is small (one
 * block of entries: /usr/local/bin, /usr/sbin here) one listing instead,
 * a few system calls for all the names (present_listed).  A regular
 * file's canonical path is its name beneath a canonical `dir`; anything
 * else is then resolved as any other path. */
#define PRESENT_LIST_BYTES 4096 /* a directory's st_size worth listing */
#define PRESENT_LIST_NAMES 8    /* fewer names: one lookup each is cheaper */

static int name_order(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void present_mark(lua_State *L, const char *name, int regular)
{
	lua_pushstring(L, regular ? "file" : "other");
	lua_setfield(L, -2, name);
}

/* The names (sorted, n of them) that the listing of `dfd` (opened for
 * reading) holds, into the table on top of the stack; 0, or -errno when
 * the listing failed part way (the caller looks the names up instead). */
static int present_listed(lua_State *L, int dfd, const char **want, size_t n)
{
	char buf[8192] __attribute__((aligned(8)));
	long got;

	while ((got = syscall(SYS_getdents64, dfd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < got;) {
			struct dirent64 *e = (struct dirent64 *)(buf + off);
			const char *name = e->d_name;
			off += e->d_reclen;
			int type;
			if (bsearch(&name, want, n, sizeof(*want), name_order) &&
			    (type = entry_type(dfd, name, e->d_type)) >= 0)
				present_mark(L, name, type == DT_REG);
		}
	}
	return got < 0 ? -errno : 0;
}

static int l_present(lua_State *L)
{
	const char *dir = luaL_checkstring(L, 1);
	luaL_checktype(L, 2, LUA_TTABLE);
	struct stat st;
	lua_Integer n = luaL_len(L, 2);
	luaL_argcheck(L, n >= 0 && n < INT_MAX / 2, 2, "too many names");

	/* the names without a '/', sorted (strings `names` holds, so they
	 * stay while it does) */
	const char **want = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof(*want), 0);
	size_t k = 0;
	for (lua_Integer i = 1; i <= n; i++) {
		const char *name = lua_geti(L, 2, i) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
		lua_pop(L, 1);
		if (name && !strchr(name, '/'))
			want[k++] = name;
	}
	qsort(want, k, sizeof(*want), name_order);

	int dfd = -1;
	if (k >= PRESENT_LIST_NAMES &&
	    (dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0 &&
	    fstat(dfd, &st) == 0 && st.st_size <= PRESENT_LIST_BYTES) {
		lua_createtable(L, 0, 8);
		if (present_listed(L, dfd, want, k) == 0) {
			close(dfd);
			return 1;
		}
		lua_pop(L, 1); /* looked up one by one instead */
	}
	if (dfd < 0 && (dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return lnono_push_error(L, errno, dir);
	lua_createtable(L, 0, 8);
	for (size_t i = 0; i < k; i++)
		if (fstatat(dfd, want[i], &st, AT_SYMLINK_NOFOLLOW) == 0)
			present_mark(L, want[i], S_ISREG(st.st_mode));
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
 * not even its creator, can change again (every seal set); or nil, msg,
 * errno.  EFBIG for a text beyond RLIMIT_FSIZE: the write would raise
 * SIGXFSZ, which ends nono. */
static int l_sealed_memfd(lua_State *L)
{
	size_t len;
	const char *text = luaL_checklstring(L, 1, &len);
	struct lfd *f = newfd(L, close_plain, "close");
	struct rlimit fsize;
	if (getrlimit(RLIMIT_FSIZE, &fsize) == 0 && fsize.rlim_cur != RLIM_INFINITY &&
	    len > fsize.rlim_cur)
		return lnono_push_error(L, EFBIG, "the file size limit");
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

/* -- the sealed policy, handed over when asked for --
 *
 * `nono why --self` answers from the policy of the sandbox it runs in.
 * nono run hands the command one end of a socket pair (NONO_POLICY_FD);
 * a reader sends a byte on it, and the supervisor answers with the sealed
 * memory file (SCM_RIGHTS), made the first time it is asked for.  A run
 * nobody asks makes none: the export costs about as much as the rest of
 * the policy did to build.  A reply without a descriptor says the
 * supervisor could not make it. */

/* core.policy_channel() -> ask, answer: the command's end (blocking) and
 * the supervisor's (non-blocking: a reader that never takes its answer
 * cannot stall it); or nil, msg, errno. */
static int l_policy_channel(lua_State *L)
{
	int sv[2];
	struct lfd *ask = newfd(L, close_plain, "close");
	struct lfd *answer = newfd(L, close_plain, "close");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return lnono_push_error(L, errno, "socketpair");
	ask->fd = sv[0];
	answer->fd = sv[1];
	if (fcntl(sv[1], F_SETFL, O_NONBLOCK) < 0)
		return lnono_push_error(L, errno, "fcntl");
	return 2;
}

/* At most this many requests are answered per call: a command that asks
 * without end must not keep the supervisor from its other work (a
 * time-limited grant's expiry, threat row 30). */
#define ASKS_PER_CALL 64

/* core.answer_asks(answer, fd) -> n: a reply to each request waiting on
 * `answer` (ASKS_PER_CALL at most; the rest wait for the next call):
 * `fd` (a sealed memory file), or a refusal when it is nil.  A reply the
 * asking end has no room for is dropped (its reader times out); so is one
 * the kernel refuses (too many descriptors in flight).  Descriptors sent
 * with a request are not taken (no room is given for them). */
static int l_answer_asks(lua_State *L)
{
	int sock = lnono_checkfd(L, 1);
	int fd = lua_isnoneornil(L, 2) ? -1 : lnono_checkfd(L, 2);
	lua_Integer n = 0;
	char byte;

	while (n < ASKS_PER_CALL && recv(sock, &byte, 1, MSG_DONTWAIT) == 1) {
		n++;
		if (fd >= 0)
			fdpass_send(sock, &fd, 1);
		else
			send(sock, "-", 1, MSG_DONTWAIT | MSG_NOSIGNAL);
	}
	lua_pushinteger(L, n);
	return 1;
}

/* The policy behind `fd`, asked for: a descriptor to close, or -errno. */
static int ask_policy(int fd, int wait_ms)
{
	struct pollfd reply = { .fd = fd, .events = POLLIN };
	int got;
	ssize_t n;

	do
		n = send(fd, "?", 1, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	do
		n = poll(&reply, 1, wait_ms);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ETIMEDOUT;
	/* (a refusal carries no descriptor) */
	int err = fdpass_recv(fd, &got, 1, 0);
	return err == -EPROTO ? -ENODATA : err < 0 ? err : got;
}

/* core.read_sealed(fd [, wait_ms]) -> text, or nil, msg, errno: what a
 * sealed memory file holds, as sealed_memfd leaves it; `fd` is that file,
 * or the socket nono run hands down, which is asked for it (up to
 * `wait_ms`, default 10 s). */
static int l_read_sealed(lua_State *L)
{
	lua_Integer given = luaL_checkinteger(L, 1);
	lua_Integer wait_ms = luaL_optinteger(L, 2, 10000);
	luaL_Buffer b;
	char chunk[4096];
	off_t off = 0;
	ssize_t n;
	struct stat st;

	luaL_argcheck(L, given >= 0 && given <= INT_MAX, 1, "expected a descriptor");
	luaL_argcheck(L, wait_ms >= 0 && wait_ms <= INT_MAX, 2, "expected milliseconds");
	int fd = (int)given;
	if (fstat(fd, &st) < 0)
		return lnono_push_error(L, errno, "not a sealed policy");
	if (S_ISSOCK(st.st_mode)) {
		int *owned = lnono_newfd(L); /* (closed with it, whatever happens) */
		*owned = ask_policy(fd, (int)wait_ms);
		if (*owned < 0) {
			int err = -*owned;
			*owned = -1;
			return lnono_push_error(L, err, err == ENODATA
				? "nono run could not hand over its policy"
				: err == ETIMEDOUT ? "nono run did not answer"
				: "asking nono run for its policy");
		}
		fd = *owned;
	}
	int seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0)
		return lnono_push_error(L, errno, "not a sealed policy");
	if ((seals & SEALS) != SEALS)
		return lnono_push_error(L, EPERM, "not a sealed policy");
	luaL_buffinit(L, &b);
	for (;;) {
		n = pread(fd, chunk, sizeof(chunk), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return lnono_push_error(L, errno, "read");
		if (n == 0)
			break;
		luaL_addlstring(&b, chunk, (size_t)n);
		off += n;
	}
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
	{ "policy_channel", l_policy_channel },
	{ "answer_asks", l_answer_asks },
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
	luaL_setfuncs(L, fs_funcs, 0);
}
