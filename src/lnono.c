/* The module table of `nono.core` (lnono.h): kernel facts, small facts
 * of the process, and the other files' functions (lnono_open_*). */
#define _GNU_SOURCE
#include "lnono.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>

#include "../include/nono.h"
#include "../vendor/landlock_uapi.h"
#include "exec.h"
#include "landlock.h"
#include "lproxy.h"
#include "seccomp.h"

int lnono_push_error(lua_State *L, int err, const char *what)
{
	lua_pushnil(L);
	if (what)
		lua_pushfstring(L, "%s: %s", what, strerror(err));
	else
		lua_pushstring(L, strerror(err));
	lua_pushinteger(L, err);
	return 3;
}

static int l_landlock_abi(lua_State *L)
{
	int abi = landlock_abi();
	if (abi < 0)
		return lnono_push_error(L, -abi, "landlock_create_ruleset");
	lua_pushinteger(L, abi);
	return 1;
}

static int l_fs_rights_for_abi(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)landlock_fs_rights_for_abi(
				   (int)luaL_checkinteger(L, 1)));
	return 1;
}

static int l_net_rights_for_abi(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)landlock_net_rights_for_abi(
				   (int)luaL_checkinteger(L, 1)));
	return 1;
}

static int l_scopes_for_abi(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)landlock_scopes_for_abi(
				   (int)luaL_checkinteger(L, 1)));
	return 1;
}

static int l_fs_file_rights(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)landlock_fs_file_rights());
	return 1;
}

extern char **environ;

/* The launcher's environment as a list of "NAME=value" strings. */
static int l_environ(lua_State *L)
{
	lua_Integer n = 0;
	lua_newtable(L);
	for (char **e = environ; e && *e; e++) {
		lua_pushstring(L, *e);
		lua_rawseti(L, -2, ++n);
	}
	return 1;
}

static int l_isatty(lua_State *L)
{
	lua_pushboolean(L, isatty((int)luaL_checkinteger(L, 1)));
	return 1;
}

static int l_strerror(lua_State *L)
{
	lua_pushstring(L, strerror((int)luaL_checkinteger(L, 1)));
	return 1;
}

static int l_getpid(lua_State *L)
{
	lua_pushinteger(L, getpid());
	return 1;
}

/* core.geteuid(): whose files a policy input must be (row 27). */
static int l_geteuid(lua_State *L)
{
	lua_pushinteger(L, geteuid());
	return 1;
}

/* core.signame(9) -> "SIGKILL" */
static int l_signame(lua_State *L)
{
	const char *abbrev = sigabbrev_np((int)luaL_checkinteger(L, 1));
	lua_pushfstring(L, "SIG%s", abbrev ? abbrev : "?");
	return 1;
}

/* Milliseconds on `clock`: CLOCK_MONOTONIC for the supervisor's timers,
 * CLOCK_REALTIME (since the epoch) for the audit log. */
static int push_clock_ms(lua_State *L, clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	lua_pushinteger(L, (lua_Integer)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
	return 1;
}

static int l_monotonic_ms(lua_State *L)
{
	return push_clock_ms(L, CLOCK_MONOTONIC);
}

static int l_time_ms(lua_State *L)
{
	return push_clock_ms(L, CLOCK_REALTIME);
}

/* core.exec_stages() -> { {id=, what=, says=}, ... }: the child's steps
 * in order (exec.c); an outcome's stage_id is one of these ids or a step
 * of the parent's (build_filter, ruleset, pipe, fork). */
static int l_exec_stages(lua_State *L)
{
	lua_newtable(L);
	for (int i = 0; exec_stages[i].id; i++) {
		lua_createtable(L, 0, 3);
		lua_pushstring(L, exec_stages[i].id);
		lua_setfield(L, -2, "id");
		lua_pushstring(L, exec_stages[i].what);
		lua_setfield(L, -2, "what");
		if (exec_stages[i].says) {
			lua_pushstring(L, exec_stages[i].says);
			lua_setfield(L, -2, "says");
		}
		lua_rawseti(L, -2, i + 1);
	}
	return 1;
}

static void push_syscalls(lua_State *L, const struct seccomp_rule *r)
{
	lua_newtable(L);
	for (int i = 0; r[i].name; i++) {
		if (r[i].what) {
			lua_createtable(L, 0, 2);
			lua_pushstring(L, r[i].name);
			lua_setfield(L, -2, "name");
			lua_pushstring(L, r[i].what);
			lua_setfield(L, -2, "what");
		} else {
			lua_pushstring(L, r[i].name);
		}
		lua_rawseti(L, -2, i + 1);
	}
}

/* core.seccomp_rules() -> { denied = { name, ... }, unimplemented =
 * { name, ... }, by_argument = { {name=, what=}, ... } }: the tables the
 * filter is built from (seccomp.c), for the report. */
static int l_seccomp_rules(lua_State *L)
{
	lua_createtable(L, 0, 3);
	push_syscalls(L, seccomp_denied);
	lua_setfield(L, -2, "denied");
	push_syscalls(L, seccomp_unimplemented);
	lua_setfield(L, -2, "unimplemented");
	push_syscalls(L, seccomp_by_argument);
	lua_setfield(L, -2, "by_argument");
	return 1;
}

/* core.caller_line(short_src [, level]) -> the current line of the first
 * Lua frame at `level` (default 1: the caller's caller) or above whose
 * chunk is named `short_src`, or nil.  What error("", level) would put
 * before its message (luaL_where) at each level in turn, asked in one
 * call: profiles name their lines this way, about a hundred times per
 * load, where probing with pcall(error, ...) made a string per level. */
static int l_caller_line(lua_State *L)
{
	const char *want = luaL_checkstring(L, 1);
	int level = (int)luaL_optinteger(L, 2, 1);
	lua_Debug ar;

	for (; level < 64 && lua_getstack(L, level, &ar); level++) {
		if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0 &&
		    strcmp(ar.short_src, want) == 0) {
			lua_pushinteger(L, ar.currentline);
			return 1;
		}
	}
	lua_pushnil(L);
	return 1;
}

static const luaL_Reg core_funcs[] = {
	{ "caller_line", l_caller_line },
	{ "exec_stages", l_exec_stages },
	{ "seccomp_rules", l_seccomp_rules },
	{ "landlock_abi", l_landlock_abi },
	{ "fs_rights_for_abi", l_fs_rights_for_abi },
	{ "fs_file_rights", l_fs_file_rights },
	{ "net_rights_for_abi", l_net_rights_for_abi },
	{ "scopes_for_abi", l_scopes_for_abi },
	{ "strerror", l_strerror },
	{ "isatty", l_isatty },
	{ "environ", l_environ },
	{ "getpid", l_getpid },
	{ "geteuid", l_geteuid },
	{ "signame", l_signame },
	{ "monotonic_ms", l_monotonic_ms },
	{ "time_ms", l_time_ms },
	{ NULL, NULL },
};

struct constant {
	const char *name;
	uint64_t value;
};

/* Set core[field] to a table of the `n` constants. */
static void set_constants(lua_State *L, const char *field,
			  const struct constant *c, size_t n)
{
	lua_createtable(L, 0, (int)n);       /* core t */
	for (size_t i = 0; i < n; i++) {
		lua_pushinteger(L, (lua_Integer)c[i].value);
		lua_setfield(L, -2, c[i].name);
	}
	lua_setfield(L, -2, field);          /* core */
}

#define SET_CONSTANTS(L, field, array)                                     \
	set_constants(L, field, array, sizeof(array) / sizeof(array[0]))

/* Set core[list] to landlock.c's table `r`, one { name, bit, abi, class,
 * on_files } per right in bit order, and core[map] to name = bit: the Lua
 * side builds its classes, masks and reports from these, not from a copy. */
static void set_rights(lua_State *L, const char *list, const char *map,
		       const struct landlock_right *r)
{
	size_t n = 0;
	while (r[n].name)
		n++;
	lua_createtable(L, (int)n, 0);       /* core list */
	lua_createtable(L, 0, (int)n);       /* core list map */
	for (size_t i = 0; i < n; i++) {
		lua_createtable(L, 0, 5);    /* core list map right */
		lua_pushstring(L, r[i].name);
		lua_setfield(L, -2, "name");
		lua_pushinteger(L, (lua_Integer)r[i].bit);
		lua_setfield(L, -2, "bit");
		lua_pushinteger(L, r[i].abi);
		lua_setfield(L, -2, "abi");
		if (r[i].class) {
			lua_pushstring(L, r[i].class);
			lua_setfield(L, -2, "class");
		}
		lua_pushboolean(L, r[i].on_files);
		lua_setfield(L, -2, "on_files");
		lua_rawseti(L, -3, (lua_Integer)i + 1);
		lua_pushinteger(L, (lua_Integer)r[i].bit);
		lua_setfield(L, -2, r[i].name);
	}
	lua_setfield(L, -3, map);            /* core list */
	lua_setfield(L, -2, list);           /* core */
}

static void push_constants(lua_State *L)
{
	set_rights(L, "rights", "access", landlock_fs_rights);
	set_rights(L, "net_rights", "net_access", landlock_net_rights);
	set_rights(L, "scopes", "scope", landlock_scopes);
	static const struct constant seccomp[] = {
		{ "net_block", SECCOMP_OPT_NET_BLOCK },
	};
	SET_CONSTANTS(L, "seccomp", seccomp);
	/* plan:apply's flags (nono.h) */
	static const struct constant apply[] = {
		{ "keep_caps", NONO_APPLY_KEEP_CAPS },
	};
	SET_CONSTANTS(L, "apply_flags", apply);
	/* The errnos the Lua side tells apart, by name (failures return the
	 * number: `nil, message, errno`). */
	static const struct constant errnos[] = {
		{ "EPERM", EPERM }, { "ENOENT", ENOENT }, { "ESRCH", ESRCH },
		{ "E2BIG", E2BIG }, { "EACCES", EACCES }, { "EBUSY", EBUSY },
		{ "EEXIST", EEXIST }, { "ENOTDIR", ENOTDIR }, { "EISDIR", EISDIR },
		{ "EINVAL", EINVAL }, { "ENOSPC", ENOSPC }, { "ELOOP", ELOOP },
		{ "ENOSYS", ENOSYS }, { "EOPNOTSUPP", EOPNOTSUPP },
	};
	SET_CONSTANTS(L, "errno", errnos);
}

int luaopen_nono_core(lua_State *L)
{
	luaL_newlib(L, core_funcs);          /* core */
	lnono_open_plan(L);
	lnono_open_fs(L);
	lnono_open_fsat(L);
	lnono_open_proc(L);
	lnono_open_ephemeral(L);
	push_constants(L);
	lproxy_open(L);
	lua_pushinteger(L, NONO_LANDLOCK_ABI_KNOWN);
	lua_setfield(L, -2, "landlock_abi_known");
	lua_pushliteral(L, NONO_VERSION);
	lua_setfield(L, -2, "version");
	return 1;
}
