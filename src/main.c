/* The `nono` host: a Lua 5.4 state with only the libraries we need, our Lua
 * modules served from the copies embedded in this binary, and one protected
 * call into lua/nono/cli.lua, which does the rest.
 *
 * The launcher must not be steerable by its environment: there is no package
 * library, so LUA_PATH, LUA_CPATH and LUA_INIT are never read and nothing is
 * loaded from disk; `require` knows only the C modules linked in and the
 * embedded files.  nono's own modules (lua/) are embedded as bytecode that
 * the build compiled from them (cmake/embed.cmake) and are the only chunks
 * loaded in binary mode; everything else, the embedded profiles and any
 * file a user names, is loaded as text only (profile.lua). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lfs.h>
#include <lua.h>
#include <lualib.h>

#include "arena.h"
#include "embedded.h"
#include "lnono.h"
#include "ns.h"

/* Exit status when nono itself fails: the command never ran. */
#define EXIT_SETUP_FAILED 126
/* Exit status when nono's own output could not be written (a closed pipe
 * with SIGPIPE ignored, a full disk): what it printed did not arrive, so
 * neither 0 nor an answer's status (why's 1) may be told.  As env(1) and
 * timeout(1) do for their own failures. */
#define EXIT_OUTPUT_FAILED 125

static const struct embedded_file *embedded_find(const char *name)
{
	for (const struct embedded_file *f = embedded_files; f->name; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

/* Load one of nono's own modules, lua/...: bytecode compiled into this
 * binary at build time, so "b" and nothing else.  Only host_require calls
 * this, with names it made from the "lua/" patterns. */
static int embedded_load(lua_State *L, const struct embedded_file *f)
{
	lua_pushfstring(L, "@%s", f->name);
	int rc = luaL_loadbufferx(L, (const char *)f->data, f->size,
				  lua_tostring(L, -1), "b");
	lua_remove(L, -2);
	return rc;
}

/* Our `require`, in place of the package library (which would link
 * dlopen and read LUA_PATH): a module is a preloaded C function or an
 * embedded file; "nono.cli" -> lua/nono/cli.lua, "nono" -> lua/nono/init.lua.
 * Loaded modules live in the registry's _LOADED table, as with Lua's own. */
static const luaL_Reg preloaded[];

static int host_require(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	const char *patterns[] = { "lua/%s.lua", "lua/%s/init.lua" };
	const struct embedded_file *f = NULL;

	lua_settop(L, 1);
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE); /* name loaded */
	if (lua_getfield(L, 2, name) != LUA_TNIL)                 /* name loaded mod */
		return 1;
	lua_pop(L, 1);
	for (const luaL_Reg *m = preloaded; m->name; m++) {
		if (strcmp(m->name, name) == 0) {
			lua_pushcfunction(L, m->func);
			break;
		}
	}
	if (lua_gettop(L) == 2) {
		const char *dir = luaL_gsub(L, name, ".", "/");   /* name loaded dir */
		for (size_t i = 0; !f && i < sizeof(patterns) / sizeof(patterns[0]); i++) {
			f = embedded_find(lua_pushfstring(L, patterns[i], dir));
			lua_pop(L, 1);
		}
		lua_pop(L, 1);                                    /* name loaded */
		if (!f)
			return luaL_error(L, "module '%s' not found (nono loads only its own embedded modules)", name);
		if (embedded_load(L, f) != LUA_OK)                /* name loaded chunk */
			return lua_error(L);                      /* longjmp */
	}
	lua_pushvalue(L, 1);                                      /* name loaded fn name */
	lua_call(L, 1, 1);                                        /* name loaded mod; may longjmp */
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		lua_pushboolean(L, 1);
	}
	lua_pushvalue(L, -1);                                     /* name loaded mod mod */
	lua_setfield(L, 2, name);                                 /* name loaded mod */
	return 1;
}

/* `require "nono.embedded"`: read-only access to the embedded files
 * (built-in profiles, source text, are looked up here; lua/ entries are
 * bytecode). */
static int l_embedded_read(lua_State *L)
{
	const struct embedded_file *f = embedded_find(luaL_checkstring(L, 1));
	if (!f)
		return 0;
	lua_pushlstring(L, (const char *)f->data, f->size);
	return 1;
}

static int l_embedded_list(lua_State *L)
{
	const char *prefix = luaL_optstring(L, 1, "");
	size_t len = strlen(prefix);
	lua_Integer n = 0;
	lua_newtable(L);
	for (const struct embedded_file *f = embedded_files; f->name; f++) {
		if (strncmp(f->name, prefix, len) == 0) {
			lua_pushstring(L, f->name);
			lua_rawseti(L, -2, ++n);
		}
	}
	return 1;
}

static int luaopen_nono_embedded(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{ "read", l_embedded_read },
		{ "list", l_embedded_list },
		{ NULL, NULL },
	};
	luaL_newlib(L, funcs);
	return 1;
}

static const luaL_Reg preloaded[] = {
	{ "nono.core", luaopen_nono_core },
	{ "nono.embedded", luaopen_nono_embedded },
	{ "lfs", luaopen_lfs },
	{ NULL, NULL },
};

/* Our linit: the libraries the host needs, nothing else (no package, no
 * debug).  LUA_NOENV is set for any library that would consult it. */
static void open_libraries(lua_State *L)
{
	static const luaL_Reg libs[] = {
		{ LUA_GNAME, luaopen_base },
		{ LUA_COLIBNAME, luaopen_coroutine },
		{ LUA_TABLIBNAME, luaopen_table },
		{ LUA_IOLIBNAME, luaopen_io },
		{ LUA_OSLIBNAME, luaopen_os },
		{ LUA_STRLIBNAME, luaopen_string },
		{ LUA_MATHLIBNAME, luaopen_math },
		{ LUA_UTF8LIBNAME, luaopen_utf8 },
		{ NULL, NULL },
	};

	lua_pushboolean(L, 1);
	lua_setfield(L, LUA_REGISTRYINDEX, "LUA_NOENV");
	for (const luaL_Reg *lib = libs; lib->func; lib++) {
		luaL_requiref(L, lib->name, lib->func, 1);
		lua_pop(L, 1);
	}
	lua_register(L, "require", host_require);
	/* Nothing of ours loads code from disk. */
	lua_pushnil(L);
	lua_setglobal(L, "dofile");
	lua_pushnil(L);
	lua_setglobal(L, "loadfile");
}

/* Standard output goes through this, so that a failed write keeps its
 * errno for the message at exit: stdio only keeps an error flag, and the
 * Lua code that writes does not look at what each write returned. */
static int stdout_errno;

static ssize_t stdout_write(void *cookie, const char *buf, size_t size)
{
	size_t done = 0;

	(void)cookie;
	while (done < size) {
		ssize_t n = write(STDOUT_FILENO, buf + done, size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			stdout_errno = n < 0 ? errno : EIO;
			return done > 0 ? (ssize_t)done : -1;
		}
		done += (size_t)n;
	}
	return (ssize_t)done;
}

static void checked_stdout(void)
{
	cookie_io_functions_t io = { .write = stdout_write };
	FILE *out = fopencookie(NULL, "w", io);

	if (!out)
		return; /* stdio's own: the exit status is right, the message vaguer */
	setvbuf(out, NULL, isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF, BUFSIZ);
	stdout = out;
}

static int msghandler(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);
	if (!msg) {
		if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
			return 1;
		msg = lua_pushfstring(L, "(error object is a %s value)",
				      luaL_typename(L, 1));
	}
	luaL_traceback(L, L, msg, 1);
	return 1;
}

/* Everything that may raise runs in here, under one lua_pcall. */
static int pmain(lua_State *L)
{
	int argc = (int)lua_tointeger(L, 1);
	char **argv = (char **)lua_touserdata(L, 2);

	open_libraries(L);
	lua_getglobal(L, "require");
	lua_pushliteral(L, "nono.cli");
	lua_call(L, 1, 1);                           /* cli */
	lua_getfield(L, -1, "main");                 /* cli main */
	lua_createtable(L, argc, 0);                 /* cli main args */
	for (int i = 1; i < argc; i++) {
		lua_pushstring(L, argv[i]);
		lua_rawseti(L, -2, i);
	}
	lua_call(L, 1, 1);                           /* cli status */
	return 1;
}

static int panic(lua_State *L)
{
	const char *msg = lua_tostring(L, -1);
	fprintf(stderr, "nono: fatal Lua error: %s\n", msg ? msg : "?");
	abort();
}

/* The state outlives main: it is not closed on the way out.  exit()
 * flushes stdio and the kernel takes back memory and descriptors, where
 * lua_close would first free every object one by one (about 6 % of the
 * instructions of `nono run --allow .`, the rules of the default policy)
 * after the command has finished.  A static, so that leak checkers see it
 * as reachable. */
static lua_State *volatile host_state;

/* Whether `nono run`'s options (before "--") ask for something that says
 * or records what the sandbox enforces, or makes what depends on it,
 * before it starts: then the probe runs ahead, beside the policy.  A guess
 * from the words alone (a profile's own rollback or ephemeral session is
 * not seen); cli.lua decides for itself, and a wrong guess only costs
 * time. */
static int run_reports_first(int argc, char **argv)
{
	static const char *const words[] = { "--dry-run", "-v", "--verbose",
					     "--audit-log", "--rollback", "--ephemeral" };
	for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
		for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
			size_t n = strlen(words[w]);
			if (strncmp(argv[i], words[w], n) == 0 &&
			    (argv[i][n] == '\0' || argv[i][n] == '='))
				return 1;
		}
	return 0;
}

int main(int argc, char **argv)
{
	/* The commands that build a sandbox probe user namespaces; started
	 * here, before the Lua state exists (ns.h).  A plain `run` where
	 * nothing says they cannot work starts no probe: its sandbox is the
	 * test (ns_assume; cli.lua asks the probe if the set-up fails). */
	if (argc > 1 && strcmp(argv[1], "shell") == 0)
		ns_probe_early(".");
	else if (argc > 1 && strcmp(argv[1], "run") == 0) {
		if (run_reports_first(argc, argv) || !ns_likely())
			ns_probe_early(".");
		else
			ns_assume();
	}
	/* (luaL_newstate's, but the allocator: arena.c; warnings stay off,
	 * as they are there) */
	arena_init();
	lua_State *L = host_state = lua_newstate(arena_lua_alloc, NULL);
	int status;

	if (!L) {
		fputs("nono: cannot create the Lua state: out of memory\n", stderr);
		return EXIT_SETUP_FAILED;
	}
	checked_stdout();
	/* Start-up makes objects that stay live (the modules, the policy),
	 * and little garbage, bounded by what it is given: collecting while
	 * they are made is wasted work (0.1-0.2 ms of `nono run --allow .`),
	 * and once the command has started each page a collection writes is
	 * copied, the pid namespace's init being a copy of this process.  So
	 * the collector is stopped.  cli.lua turns it on before anything that
	 * allocates as it goes (a snapshot's walk, the supervisor's wait once
	 * something wakes it, the walks at the end of a session, the other
	 * commands).  Meanwhile Lua still collects when memory runs out: a
	 * profile's memory limit (core.run_budgeted) is met by collecting. */
	lua_gc(L, LUA_GCSTOP);
	lua_atpanic(L, panic);
	lua_pushcfunction(L, msghandler);
	lua_pushcfunction(L, pmain);
	lua_pushinteger(L, argc);
	lua_pushlightuserdata(L, argv);
	if (lua_pcall(L, 2, 1, 1) != LUA_OK) {
		fprintf(stderr, "nono: internal error: %s\n"
			"nono: nothing was run. Please report this with the command line used.\n",
			lua_tostring(L, -1));
		status = EXIT_SETUP_FAILED;
	} else {
		status = lua_isinteger(L, -1) ? (int)lua_tointeger(L, -1)
					      : EXIT_SETUP_FAILED;
	}
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		int err = stdout_errno ? stdout_errno : errno;
		fprintf(stderr, "nono: cannot write to standard output: %s\n",
			err ? strerror(err) : "a write failed");
		status = EXIT_OUTPUT_FAILED;
	}
	return status;
}
