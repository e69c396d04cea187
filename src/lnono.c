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
#include "landlock.h"
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

static const luaL_Reg core_funcs[] = {
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

static void push_constants(lua_State *L)
{
	static const struct constant rights[] = {
		{ "execute", LANDLOCK_ACCESS_FS_EXECUTE },
		{ "write_file", LANDLOCK_ACCESS_FS_WRITE_FILE },
		{ "read_file", LANDLOCK_ACCESS_FS_READ_FILE },
		{ "read_dir", LANDLOCK_ACCESS_FS_READ_DIR },
		{ "remove_dir", LANDLOCK_ACCESS_FS_REMOVE_DIR },
		{ "remove_file", LANDLOCK_ACCESS_FS_REMOVE_FILE },
		{ "make_char", LANDLOCK_ACCESS_FS_MAKE_CHAR },
		{ "make_dir", LANDLOCK_ACCESS_FS_MAKE_DIR },
		{ "make_reg", LANDLOCK_ACCESS_FS_MAKE_REG },
		{ "make_sock", LANDLOCK_ACCESS_FS_MAKE_SOCK },
		{ "make_fifo", LANDLOCK_ACCESS_FS_MAKE_FIFO },
		{ "make_block", LANDLOCK_ACCESS_FS_MAKE_BLOCK },
		{ "make_sym", LANDLOCK_ACCESS_FS_MAKE_SYM },
		{ "refer", LANDLOCK_ACCESS_FS_REFER },
		{ "truncate", LANDLOCK_ACCESS_FS_TRUNCATE },
		{ "ioctl_dev", LANDLOCK_ACCESS_FS_IOCTL_DEV },
		{ "resolve_unix", LANDLOCK_ACCESS_FS_RESOLVE_UNIX },
	};
	static const struct constant net[] = {
		{ "bind_tcp", LANDLOCK_ACCESS_NET_BIND_TCP },
		{ "connect_tcp", LANDLOCK_ACCESS_NET_CONNECT_TCP },
	};
	static const struct constant scopes[] = {
		{ "abstract_unix_socket", LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET },
		{ "signal", LANDLOCK_SCOPE_SIGNAL },
	};
	static const struct constant seccomp[] = {
		{ "net_block", SECCOMP_OPT_NET_BLOCK },
	};
	SET_CONSTANTS(L, "access", rights);
	SET_CONSTANTS(L, "net_access", net);
	SET_CONSTANTS(L, "scope", scopes);
	SET_CONSTANTS(L, "seccomp", seccomp);
	/* plan:apply's flags (nono.h) */
	static const struct constant apply[] = {
		{ "keep_caps", NONO_APPLY_KEEP_CAPS },
	};
	SET_CONSTANTS(L, "apply_flags", apply);
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
	lua_pushinteger(L, NONO_LANDLOCK_ABI_KNOWN);
	lua_setfield(L, -2, "landlock_abi_known");
	lua_pushliteral(L, NONO_VERSION);
	lua_setfield(L, -2, "version");
	return 1;
}
