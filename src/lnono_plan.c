/* The plan (struct nono_policy, policy.c) and the session (exec.c) as Lua
 * userdata, created closed and then acquired, as liolib does: a failure
 * between the two leaves nothing for the collector to free twice. */
#define _GNU_SOURCE
#include "lnono.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <lauxlib.h>

#include "../include/nono.h"
#include "exec.h"
#include "ns.h"
#include "policy.h"

#define PLAN_MT LNONO_PLAN_MT
#define SESSION_MT "nono.core.session"

static struct nono_policy **plan_box(lua_State *L)
{
	return (struct nono_policy **)luaL_checkudata(L, 1, PLAN_MT);
}

static struct nono_policy *plan_check(lua_State *L)
{
	struct nono_policy **box = plan_box(L);
	if (!*box)
		luaL_error(L, "nono.core: the plan is closed");
	return *box;
}

static int l_plan_new(lua_State *L)
{
	uint64_t handled = (uint64_t)luaL_checkinteger(L, 1);
	struct nono_policy **box = lua_newuserdatauv(L, sizeof(*box), 0);
	*box = NULL;
	luaL_setmetatable(L, PLAN_MT);
	*box = policy_new(handled);
	if (!*box)
		return luaL_error(L, "nono.core: out of memory");
	return 1;
}

static int l_plan_add_path(lua_State *L)
{
	struct nono_policy *p = plan_check(L);
	const char *path = luaL_checkstring(L, 2);
	uint64_t access = (uint64_t)luaL_checkinteger(L, 3);
	int err = policy_add_path(p, path, access);
	if (err < 0)
		return lnono_push_error(L, -err, path);
	lua_pushboolean(L, 1);
	return 1;
}

static int add_bind(lua_State *L,
		    int (*add)(struct nono_policy *, const char *))
{
	const char *path = luaL_checkstring(L, 2);
	int err = add(plan_check(L), path);
	if (err < 0)
		return lnono_push_error(L, -err, path);
	lua_pushboolean(L, 1);
	return 1;
}

static int l_plan_add_ro_bind(lua_State *L)
{
	return add_bind(L, policy_add_ro_bind);
}

static int l_plan_add_pin(lua_State *L)
{
	return add_bind(L, policy_add_pin);
}

static int l_plan_add_noexec_bind(lua_State *L)
{
	return add_bind(L, policy_add_noexec_bind);
}

static int l_plan_add_rw_bind(lua_State *L)
{
	return add_bind(L, policy_add_rw_bind);
}

static int l_plan_add_hide(lua_State *L)
{
	return add_bind(L, policy_add_hide);
}

/* plan:add_over(source, target, readonly) -> true, or nil, msg, errno */
static int l_plan_add_over(lua_State *L)
{
	const char *source = luaL_checkstring(L, 2);
	int err = policy_add_over(plan_check(L), source, luaL_checkstring(L, 3),
				  lua_toboolean(L, 4));
	if (err < 0)
		return lnono_push_error(L, -err, source);
	lua_pushboolean(L, 1);
	return 1;
}

static int l_plan_set_devpts(lua_State *L)
{
	policy_set_devpts(plan_check(L));
	return 0;
}

static int l_plan_set_pty_relay(lua_State *L)
{
	policy_set_pty_relay(plan_check(L));
	return 0;
}

static int l_plan_set_ro_view(lua_State *L)
{
	policy_set_ro_view(plan_check(L));
	return 0;
}

/* ns_available([path]): true; or false, the step that failed, its errno's
 * name ("EPERM") and number; or nil, message, errno when the probe itself
 * could not run. */
static int l_ns_available(lua_State *L)
{
	struct ns_probe why;
	int r = ns_available(luaL_optstring(L, 1, NULL), &why);
	if (r < 0)
		return lnono_push_error(L, -r, "user namespace probe");
	lua_pushboolean(L, r);
	if (r)
		return 1;
	const char *name = strerrorname_np(why.err);
	lua_pushstring(L, why.step);
	if (name)
		lua_pushstring(L, name);
	else
		lua_pushfstring(L, "errno %d", why.err);
	lua_pushinteger(L, why.err);
	return 4;
}

/* ns_assumable(): true where the launcher started no probe ahead of a
 * plain run (ns.h): the run's own set-up tries the namespaces. */
static int l_ns_assumable(lua_State *L)
{
	lua_pushboolean(L, ns_assumable());
	return 1;
}

static int l_plan_set_net(lua_State *L)
{
	if (policy_set_net(plan_check(L), (uint64_t)luaL_checkinteger(L, 2)) < 0)
		return luaL_error(L, "nono.core: set_net after add_path");
	return 0;
}

static int l_plan_set_scoped(lua_State *L)
{
	if (policy_set_scoped(plan_check(L), (uint64_t)luaL_checkinteger(L, 2)) < 0)
		return luaL_error(L, "nono.core: set_scoped after add_path");
	return 0;
}

static int l_plan_set_seccomp(lua_State *L)
{
	struct nono_policy *p = plan_check(L);
	lua_Integer opts = luaL_checkinteger(L, 2);
	luaL_argcheck(L, opts >= 0 && policy_set_seccomp(p, (unsigned)opts) == 0,
		      2, "unknown seccomp option");
	return 0;
}

static int l_plan_set_session(lua_State *L)
{
	static const char *const names[] = { "keep", "new", NULL };
	static const int values[] = { POLICY_SESSION_KEEP, POLICY_SESSION_NEW };
	struct nono_policy *p = plan_check(L);
	policy_set_session(p, values[luaL_checkoption(L, 2, NULL, names)]);
	return 0;
}

/* Copy a Lua sequence of strings into a NULL-terminated array kept alive as
 * a userdata on the stack (freed by the GC even if an error unwinds). */
static char **checkstrings(lua_State *L, int idx, int allow_empty)
{
	lua_Integer n;
	char **v;

	luaL_checktype(L, idx, LUA_TTABLE);
	n = luaL_len(L, idx);
	luaL_argcheck(L, allow_empty || n > 0, idx, "empty list");
	luaL_argcheck(L, n >= 0 && n < 65536, idx, "too many entries");
	v = lua_newuserdatauv(L, (size_t)(n + 1) * sizeof(char *), 1);
	lua_pushvalue(L, idx);
	lua_setiuservalue(L, -2, 1); /* keeps the strings alive */
	for (lua_Integer i = 1; i <= n; i++) {
		lua_geti(L, idx, i);
		if (lua_type(L, -1) != LUA_TSTRING)
			luaL_argerror(L, idx, "expected a list of strings");
		v[i - 1] = (char *)lua_tostring(L, -1);
		lua_pop(L, 1);
	}
	v[n] = NULL;
	return v;
}

/* The outcome of a command that ended or never ran, as spawn returns it. */
static void push_outcome(lua_State *L, const struct exec_outcome *out)
{
	static const char *const kinds[] = {
		[EXEC_EXITED] = "exited",
		[EXEC_SIGNALED] = "signaled",
		[EXEC_SETUP_FAILED] = "setup_failed",
		[EXEC_NOT_EXECUTED] = "not_executed",
	};
	lua_createtable(L, 0, 4);
	lua_pushstring(L, kinds[out->kind]);
	lua_setfield(L, -2, "kind");
	lua_pushinteger(L, out->code);
	lua_setfield(L, -2, "code");
	if (out->stage) {
		lua_pushstring(L, out->stage);
		lua_setfield(L, -2, "stage");
		lua_pushstring(L, out->stage_id);
		lua_setfield(L, -2, "stage_id");
		lua_pushstring(L, strerrorname_np(out->code));
		lua_setfield(L, -2, "error");
		lua_pushstring(L, strerror(out->code));
		lua_setfield(L, -2, "message");
	}
}

static int l_plan_spawn(lua_State *L)
{
	struct nono_policy *p = plan_check(L);
	lua_settop(L, 3); /* the arrays below are pushed above the arguments */
	char **argv = checkstrings(L, 2, 0);
	char **envp = lua_isnoneornil(L, 3) ? NULL : checkstrings(L, 3, 1);
	struct exec_outcome out;

	exec_spawn(p, argv, envp, &out);
	push_outcome(L, &out);
	return 1;
}

/* plan:apply([flags]) -> true, or nil, msg, errno: sandbox this process
 * (nono_apply_flags, api.c: all or nothing; aborts if it fails midway).
 * flags: core.apply_flags (keep_caps). */
static int l_plan_apply(lua_State *L)
{
	struct nono_policy *p = plan_check(L);
	lua_Integer flags = luaL_optinteger(L, 2, 0);
	luaL_argcheck(L, flags >= 0 && flags <= (lua_Integer)NONO_APPLY_KEEP_CAPS,
		      2, "unknown apply flag");
	int err = nono_apply_flags(p, (unsigned)flags);
	if (err == -EBUSY)
		return lnono_push_error(L, EBUSY, "more than one thread");
	if (err < 0)
		return lnono_push_error(L, -err, "apply");
	lua_pushboolean(L, 1);
	return 1;
}

static int l_plan_set_private_mounts(lua_State *L)
{
	policy_set_private_mounts(plan_check(L));
	return 0;
}

static int l_plan_set_private_net(lua_State *L)
{
	policy_set_private_net(plan_check(L));
	return 0;
}

static int l_plan_set_inherit_fd(lua_State *L)
{
	struct nono_policy *p = plan_check(L);
	int fd = lnono_checkfd(L, 2);
	luaL_argcheck(L, policy_set_inherit_fd(p, fd) == 0, 2,
		      "expected a descriptor above 2");
	return 0;
}

struct session {
	struct exec_session s;
	int open; /* between a successful start and finish */
};

/* plan:start(argv [, envp]) -> session, or the outcome table when the
 * command never ran.  The session forwards signals until session:finish(). */
static int l_plan_start(lua_State *L)
{
	struct nono_policy *p = plan_check(L);
	lua_settop(L, 3);
	char **argv = checkstrings(L, 2, 0);
	char **envp = lua_isnoneornil(L, 3) ? NULL : checkstrings(L, 3, 1);
	struct exec_outcome out;
	struct session *sn = lua_newuserdatauv(L, sizeof(*sn), 0);
	sn->open = 0;
	luaL_setmetatable(L, SESSION_MT);

	/* (nono run's supervisor, the subreaper, ends the tree itself) */
	exec_start(p, argv, envp, 0, &sn->s, &out);
	if (sn->s.pid == 0) {
		push_outcome(L, &out);
		return 1;
	}
	sn->open = 1;
	return 1; /* the session */
}

static struct session *session_check(lua_State *L)
{
	return luaL_checkudata(L, 1, SESSION_MT);
}

/* session:wait(timeout_ms) -> "exited", outcome | "signal", number |
 * "timeout" | "ready" (the descriptor given to session:watch is
 * readable).  A negative timeout waits for as long as it takes. */
static int l_session_wait(lua_State *L)
{
	struct session *sn = session_check(L);
	lua_Integer ms = luaL_optinteger(L, 2, -1);
	int reap = lua_toboolean(L, 3);
	struct exec_outcome out;
	int signo = 0;

	luaL_argcheck(L, sn->open && sn->s.pid > 0, 1, "the command has ended");
	memset(&out, 0, sizeof(out));
	switch (exec_wait(&sn->s, ms < 0 ? -1 : ms > INT_MAX ? INT_MAX : (int)ms,
			  reap, &out, &signo)) {
	case EXEC_WAIT_EXITED:
		lua_pushliteral(L, "exited");
		push_outcome(L, &out);
		return 2;
	case EXEC_WAIT_SIGNAL:
		lua_pushliteral(L, "signal");
		lua_pushinteger(L, signo);
		return 2;
	case EXEC_WAIT_READY:
		lua_pushliteral(L, "ready");
		return 1;
	}
	lua_pushliteral(L, "timeout");
	return 1;
}

/* session:watch(fd | nil): wait also returns ("ready") when `fd` is
 * readable; nil stops that.  The caller keeps `fd` open meanwhile. */
static int l_session_watch(lua_State *L)
{
	struct session *sn = session_check(L);
	sn->s.watch_fd = lua_isnoneornil(L, 2) ? -1 : lnono_checkfd(L, 2);
	return 0;
}

static int l_session_pid(lua_State *L)
{
	lua_pushinteger(L, session_check(L)->s.pid);
	return 1;
}

static int l_session_finish(lua_State *L)
{
	struct session *sn = session_check(L);
	if (sn->open) {
		sn->open = 0;
		exec_finish(&sn->s);
	}
	return 0;
}

static int l_plan_close(lua_State *L)
{
	struct nono_policy **box = plan_box(L);
	policy_free(*box);
	*box = NULL;
	return 0;
}

/* plan:add_entries(dir, names, masks [, skip_missing]) -> true, or
 * nil, msg, errno, index (of the entry that failed): policy_add_entries,
 * plan:add_path(dir .. "/" .. names[i], masks[i]) for each i with the
 * directory opened once.  Names that are not one entry each, or masks
 * that are not integers, raise before anything is opened. */
static int l_plan_add_entries(lua_State *L)
{
	struct nono_policy *p = plan_check(L);
	const char *dir = luaL_checkstring(L, 2);
	luaL_checktype(L, 3, LUA_TTABLE);
	luaL_checktype(L, 4, LUA_TTABLE);
	int skip_missing = lua_toboolean(L, 5);
	lua_Integer n = luaL_len(L, 3);
	size_t failed;

	luaL_argcheck(L, luaL_len(L, 4) == n, 4, "one mask per name");
	luaL_argcheck(L, n >= 0 && n < INT_MAX / 16, 3, "too many entries");
	lua_settop(L, 4);
	/* Both arrays in one userdata, freed by the collector even when a
	 * check below raises; the names stay owned by table 3. */
	uint64_t *masks = lua_newuserdatauv(L, (size_t)(n ? n : 1) *
					    (sizeof(uint64_t) + sizeof(char *)), 0);
	const char **names = (const char **)(masks + n);
	for (lua_Integer i = 1; i <= n; i++) {
		size_t len;
		lua_geti(L, 3, i);
		const char *name = lua_tolstring(L, -1, &len);
		if (!name || len == 0 || strchr(name, '/') || strlen(name) != len
		    || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			luaL_argerror(L, 3, "expected entry names (no '/', '.' or '..')");
		lua_geti(L, 4, i);
		if (!lua_isinteger(L, -1))
			luaL_argerror(L, 4, "expected integer masks");
		names[i - 1] = name;
		masks[i - 1] = (uint64_t)lua_tointeger(L, -1);
		lua_pop(L, 2); /* table 3 still holds the name */
	}
	int err = policy_add_entries(p, dir, names, masks, (size_t)n,
				     skip_missing, &failed);
	if (err == 0) {
		lua_pushboolean(L, 1);
		return 1;
	}
	lua_geti(L, 3, (lua_Integer)failed + 1);
	lua_pushfstring(L, "%s%s%s", dir, strcmp(dir, "/") == 0 ? "" : "/",
			lua_tostring(L, -1));
	lnono_push_error(L, -err, lua_tostring(L, -1));
	lua_pushinteger(L, (lua_Integer)failed + 1);
	return 4;
}

static const luaL_Reg plan_methods[] = {
	{ "add_path", l_plan_add_path },
	{ "add_entries", l_plan_add_entries },
	{ "set_net", l_plan_set_net },
	{ "add_ro_bind", l_plan_add_ro_bind },
	{ "add_noexec_bind", l_plan_add_noexec_bind },
	{ "add_rw_bind", l_plan_add_rw_bind },
	{ "add_hide", l_plan_add_hide },
	{ "set_ro_view", l_plan_set_ro_view },
	{ "add_over", l_plan_add_over },
	{ "set_devpts", l_plan_set_devpts },
	{ "set_pty_relay", l_plan_set_pty_relay },
	{ "add_pin_bind", l_plan_add_pin },
	{ "set_scoped", l_plan_set_scoped },
	{ "set_seccomp", l_plan_set_seccomp },
	{ "set_session", l_plan_set_session },
	{ "spawn", l_plan_spawn },
	{ "start", l_plan_start },
	{ "set_private_mounts", l_plan_set_private_mounts },
	{ "set_private_net", l_plan_set_private_net },
	{ "set_inherit_fd", l_plan_set_inherit_fd },
	{ "apply", l_plan_apply },
	{ "close", l_plan_close },
	{ NULL, NULL },
};

static const luaL_Reg plan_meta[] = {
	{ "__gc", l_plan_close },
	{ "__close", l_plan_close },
	{ "__index", NULL },
	{ NULL, NULL },
};

static const luaL_Reg session_methods[] = {
	{ "wait", l_session_wait },
	{ "pid", l_session_pid },
	{ "watch", l_session_watch },
	{ "finish", l_session_finish },
	{ NULL, NULL },
};

static const luaL_Reg session_meta[] = {
	{ "__gc", l_session_finish },
	{ "__close", l_session_finish },
	{ "__index", NULL },
	{ NULL, NULL },
};

static const luaL_Reg plan_funcs[] = {
	{ "policy", l_plan_new },
	{ "ns_available", l_ns_available },
	{ "ns_assumable", l_ns_assumable },
	{ NULL, NULL },
};

void lnono_open_plan(lua_State *L)
{
	if (luaL_newmetatable(L, PLAN_MT)) {
		luaL_setfuncs(L, plan_meta, 0);
		luaL_newlib(L, plan_methods);
		lua_setfield(L, -2, "__index");
	}
	lua_pop(L, 1);
	if (luaL_newmetatable(L, SESSION_MT)) {
		luaL_setfuncs(L, session_meta, 0);
		luaL_newlib(L, session_methods);
		lua_setfield(L, -2, "__index");
	}
	lua_pop(L, 1);
	luaL_setfuncs(L, plan_funcs, 0);
}
