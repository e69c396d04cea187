/* lnono_ephemeral.c — the primitives of ephemeral sessions for nono.core:
 * plan:add_overlay and plan:add_overlay_rule (overlay.h), and the upper
 * layer's walk and commit (commit.h).  nono/ephemeral.lua drives them. */
#define _GNU_SOURCE
#include "lnono.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>

#include "commit.h"
#include "policy.h"

static int fail(lua_State *L, int err, const char *what)
{
	return lnono_push_error(L, err, what);
}

static int ok(lua_State *L)
{
	lua_pushboolean(L, 1);
	return 1;
}

/* The result of a primitive that returns 0 or -errno. */
static int done(lua_State *L, int err, const char *rel)
{
	return err < 0 ? fail(L, -err, rel) : ok(L);
}

static struct nono_policy *policy_arg(lua_State *L)
{
	struct nono_policy **box = luaL_checkudata(L, 1, LNONO_PLAN_MT);
	if (!*box)
		luaL_error(L, "nono.core: policy is closed");
	return *box;
}

/* plan:add_overlay(target, upper, work) -> true | nil, msg, errno */
static int l_add_overlay(lua_State *L)
{
	struct nono_policy *p = policy_arg(L);
	const char *target = luaL_checkstring(L, 2);
	int err = policy_add_overlay(p, target, luaL_checkstring(L, 3),
				     luaL_checkstring(L, 4));
	return done(L, err, target);
}

/* plan:add_overlay_rule(path, mask) -> true | nil, msg, errno */
static int l_add_overlay_rule(lua_State *L)
{
	struct nono_policy *p = policy_arg(L);
	const char *path = luaL_checkstring(L, 2);
	int err = policy_add_overlay_rule(p, path, (uint64_t)luaL_checkinteger(L, 3));
	return done(L, err, path);
}

/* Each function below names its roots in its first n arguments (absolute,
 * no symlink on the way).  open_roots checks them all before it opens any
 * (an argument error unwinds past the caller), and closes what it opened if
 * one fails; the caller checks its other arguments before, and closes the
 * roots with close_roots before it returns. */
static void close_roots(int n, const int fd[])
{
	for (int i = 0; i < n; i++)
		close(fd[i]);
}

static int open_roots(lua_State *L, int n, int fd[])
{
	for (int i = 0; i < n; i++)
		luaL_checkstring(L, i + 1);
	for (int i = 0; i < n; i++) {
		const char *root = lua_tostring(L, i + 1);
		fd[i] = commit_open_root(root);
		if (fd[i] < 0) {
			close_roots(i, fd);
			return fail(L, -fd[i], root);
		}
	}
	return 0;
}

static const char *const kinds[] = {
	[UPPER_FILE] = "file", [UPPER_DIR] = "dir", [UPPER_OPAQUE] = "opaque",
	[UPPER_SYMLINK] = "symlink", [UPPER_WHITEOUT] = "whiteout",
	[UPPER_REFUSED] = "refused",
};

static int push_entry(void *ctx, const struct upper_entry *e)
{
	lua_State *L = ctx;
	lua_createtable(L, 0, 6);
	lua_pushstring(L, e->rel);
	lua_setfield(L, -2, "path");
	lua_pushstring(L, kinds[e->kind]);
	lua_setfield(L, -2, "kind");
	lua_pushinteger(L, (lua_Integer)e->mode);
	lua_setfield(L, -2, "mode");
	lua_pushboolean(L, e->stripped);
	lua_setfield(L, -2, "stripped");
	if (e->target) {
		lua_pushstring(L, e->target);
		lua_setfield(L, -2, "target");
	}
	if (e->why) {
		lua_pushstring(L, e->why);
		lua_setfield(L, -2, "why");
	}
	lua_seti(L, -2, (lua_Integer)luaL_len(L, -2) + 1);
	return 0;
}

/* core.upper_scan(upper) -> { {path, kind, mode, stripped, target, why}, ... }
 * (a directory before its entries) | nil, msg, errno */
static int l_upper_scan(lua_State *L)
{
	int upper, r;
	lua_settop(L, 1);
	luaL_checkstack(L, 8, NULL);
	if ((r = open_roots(L, 1, &upper)))
		return r;
	lua_newtable(L);
	int err = upper_walk(upper, push_entry, L);
	close(upper);
	return err < 0 ? fail(L, -err, lua_tostring(L, 1)) : 1;
}

/* core.commit_lstat(root, rel) -> { type, mode, ctime, ctime_ns } | nil, msg, errno */
static int l_commit_lstat(lua_State *L)
{
	int root, r;
	struct stat st;
	const char *rel = luaL_checkstring(L, 2);
	if ((r = open_roots(L, 1, &root)))
		return r;
	int err = commit_lstat(root, rel, &st);
	close(root);
	if (err < 0)
		return fail(L, -err, rel);
	lua_createtable(L, 0, 4);
	lua_pushstring(L, S_ISDIR(st.st_mode) ? "dir" : S_ISREG(st.st_mode) ? "file"
			  : S_ISLNK(st.st_mode) ? "symlink" : "other");
	lua_setfield(L, -2, "type");
	lua_pushinteger(L, st.st_mode & 07777);
	lua_setfield(L, -2, "mode");
	lua_pushinteger(L, (lua_Integer)st.st_ctim.tv_sec);
	lua_setfield(L, -2, "ctime");
	lua_pushinteger(L, st.st_ctim.tv_nsec);
	lua_setfield(L, -2, "ctime_ns");
	return 1;
}

/* core.commit_changed_since(root, rel, sec, nsec) -> false | path | nil, msg, errno */
static int l_commit_changed_since(lua_State *L)
{
	int root, r;
	char found[PATH_MAX];
	const char *rel = luaL_checkstring(L, 2);
	struct timespec since = { .tv_sec = (time_t)luaL_checkinteger(L, 3),
				  .tv_nsec = (long)luaL_checkinteger(L, 4) };
	if ((r = open_roots(L, 1, &root)))
		return r;
	int res = commit_changed_since(root, rel, &since, found);
	close(root);
	if (res < 0)
		return fail(L, -res, rel);
	if (res == 0)
		lua_pushboolean(L, 0);
	else
		lua_pushstring(L, found);
	return 1;
}

/* core.commit_same_file(upper, real, rel) -> boolean | nil, msg, errno */
static int l_commit_same_file(lua_State *L)
{
	int fd[2], r;
	const char *rel = luaL_checkstring(L, 3);
	if ((r = open_roots(L, 2, fd)))
		return r;
	int res = commit_same_file(fd[0], fd[1], rel);
	close_roots(2, fd);
	if (res < 0)
		return fail(L, -res, rel);
	lua_pushboolean(L, res);
	return 1;
}

/* core.commit_file(upper, real, rel) -> true | nil, msg, errno */
static int l_commit_file(lua_State *L)
{
	int fd[2], r;
	const char *rel = luaL_checkstring(L, 3);
	if ((r = open_roots(L, 2, fd)))
		return r;
	int err = commit_file(fd[0], fd[1], rel);
	close_roots(2, fd);
	return done(L, err, rel);
}

/* core.commit_dir(real, rel, mode) -> true | nil, msg, errno */
static int l_commit_dir(lua_State *L)
{
	int real, r;
	const char *rel = luaL_checkstring(L, 2);
	mode_t mode = (mode_t)luaL_checkinteger(L, 3);
	if ((r = open_roots(L, 1, &real)))
		return r;
	int err = commit_dir(real, rel, mode);
	close(real);
	return done(L, err, rel);
}

/* core.commit_symlink(real, rel, target) -> true | nil, msg, errno */
static int l_commit_symlink(lua_State *L)
{
	int real, r;
	const char *rel = luaL_checkstring(L, 2), *target = luaL_checkstring(L, 3);
	if ((r = open_roots(L, 1, &real)))
		return r;
	int err = commit_symlink(real, rel, target);
	close(real);
	return done(L, err, rel);
}

/* core.commit_remove(root, rel) -> true | nil, msg, errno */
static int l_commit_remove(lua_State *L)
{
	int root, r;
	const char *rel = luaL_checkstring(L, 2);
	if ((r = open_roots(L, 1, &root)))
		return r;
	int err = commit_remove(root, rel);
	close(root);
	return done(L, err, rel);
}

static const luaL_Reg plan_methods[] = {
	{ "add_overlay", l_add_overlay },
	{ "add_overlay_rule", l_add_overlay_rule },
	{ NULL, NULL },
};

static const luaL_Reg funcs[] = {
	{ "upper_scan", l_upper_scan },
	{ "commit_lstat", l_commit_lstat },
	{ "commit_changed_since", l_commit_changed_since },
	{ "commit_same_file", l_commit_same_file },
	{ "commit_file", l_commit_file },
	{ "commit_dir", l_commit_dir },
	{ "commit_symlink", l_commit_symlink },
	{ "commit_remove", l_commit_remove },
	{ NULL, NULL },
};

void lnono_open_ephemeral(lua_State *L)
{
	luaL_setfuncs(L, funcs, 0);
	luaL_getmetatable(L, LNONO_PLAN_MT);
	if (lua_getfield(L, -1, "__index") == LUA_TTABLE)
		luaL_setfuncs(L, plan_methods, 0);
	lua_pop(L, 2);
}
