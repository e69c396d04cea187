/* Processes for the Lua side: a profile run under an instruction and
 * memory budget or in a child under a clock, and the supervisor's
 * primitives over supervisor.c (nono/supervisor.lua is the loop). */
#define _GNU_SOURCE
#include "lnono.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>

#include "supervisor.h"

#define BUDGET_EXHAUSTED "instruction budget exhausted"
#define MEMORY_EXHAUSTED "memory limit exceeded"

static void budget_hook(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	lua_sethook(L, NULL, 0, 0);
	lua_pushliteral(L, BUDGET_EXHAUSTED); /* exactly this: no position */
	lua_error(L); /* longjmps out of the profile */
}

/* The state's allocator while a profile runs: the one it had, refusing
 * to grow what is allocated by more than `limit` bytes since the cap was
 * put on (what is freed of older blocks makes room).  Lua answers a
 * refused allocation with a full collection and one more try, then with
 * a memory error, which unwinds the profile like any other error. */
struct mem_cap {
	lua_Alloc f;
	void *ud;
	long long grown, limit;
	int hit;
};

static void *capped_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct mem_cap *cap = ud;
	/* with ptr NULL, osize is the kind of object, not a size */
	long long old = ptr ? (long long)osize : 0;

	if (nsize > (size_t)old &&
	    (nsize > (size_t)LLONG_MAX / 2 ||
	     cap->grown + ((long long)nsize - old) > cap->limit)) {
		cap->hit = 1;
		return NULL;
	}
	void *p = cap->f(cap->ud, ptr, osize, nsize);
	if (p || nsize == 0)
		cap->grown += (long long)nsize - old;
	return p;
}

/* core.run_budgeted(fn, count [, memory]) -> pcall(fn) with at most
 * `count` VM instructions and, with `memory`, at most that many bytes
 * allocated beyond what the state held: profiles run under it, and the
 * host has no debug library.  An exhausted budget fails with exactly
 * BUDGET_EXHAUSTED, the memory limit with exactly MEMORY_EXHAUSTED.  The
 * hook and the allocator are put back on every way out, so nothing after
 * the profile is counted or capped.  Neither stops a C function that
 * loops without allocating (a pathological pattern): core.isolate does. */
static int l_run_budgeted(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TFUNCTION);
	lua_Integer count = luaL_checkinteger(L, 2);
	lua_Integer memory = luaL_optinteger(L, 3, 0);
	struct mem_cap cap = { 0 };

	luaL_argcheck(L, count > 0 && count <= INT_MAX, 2, "budget out of range");
	luaL_argcheck(L, memory >= 0 && memory <= LLONG_MAX / 2, 3, "memory limit out of range");
	lua_settop(L, 1);
	if (memory > 0) {
		cap.f = lua_getallocf(L, &cap.ud);
		cap.limit = (long long)memory;
		lua_setallocf(L, capped_alloc, &cap);
	}
	lua_sethook(L, budget_hook, LUA_MASKCOUNT, (int)count);
	int status = lua_pcall(L, 0, LUA_MULTRET, 0);
	lua_sethook(L, NULL, 0, 0);
	if (memory > 0)
		lua_setallocf(L, cap.f, cap.ud);
	/* A memory error once the cap refused: Lua's own (LUA_ERRMEM), or
	 * the same message raised again by the profile's pcall.  (A refusal
	 * that a collection made good is no failure.) */
	if (status != LUA_OK && cap.hit &&
	    (status == LUA_ERRMEM ||
	     (lua_type(L, -1) == LUA_TSTRING &&
	      strcmp(lua_tostring(L, -1), "not enough memory") == 0))) {
		lua_settop(L, 0);
		lua_pushliteral(L, MEMORY_EXHAUSTED);
	}
	lua_pushboolean(L, status == LUA_OK);
	lua_insert(L, 1);
	return lua_gettop(L);
}

/* -- core.isolate: a function run in a child process, under a clock -- */

/* What the child writes on its pipe: notes, "N" TEXT "\0", each saying
 * what it is doing now, then "R" and "0" (fn returned) or "1" (fn
 * raised) followed by the string, up to the end. */
#define ISOLATE_MAX_OUTPUT (256 * 1024 * 1024)

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* note(text), in the child: tell the parent what runs now. */
static int l_isolate_note(lua_State *L)
{
	size_t len;
	const char *text = luaL_checklstring(L, 1, &len);
	int fd = (int)lua_tointeger(L, lua_upvalueindex(1));
	if (memchr(text, '\0', len))
		return luaL_argerror(L, 1, "a note cannot hold a NUL byte");
	if (write_all(fd, "N", 1) < 0 || write_all(fd, text, len) < 0 ||
	    write_all(fd, "", 1) < 0)
		_exit(1); /* the parent is gone */
	return 0;
}

static _Noreturn void isolate_child(lua_State *L, int fd, pid_t parent)
{
	/* Nothing of ours outlives nono: if it dies, so does this. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0L, 0L, 0L) < 0 ||
	    getppid() != parent)
		_exit(1);
	lua_pushvalue(L, 1);
	lua_pushinteger(L, fd);
	lua_pushcclosure(L, l_isolate_note, 1);
	int status = lua_pcall(L, 1, 1, 0);
	size_t len = 0;
	const char *out = lua_tolstring(L, -1, &len);
	if (status == LUA_OK && !out) {
		status = LUA_ERRRUN;
		out = "the isolated function did not return a string";
		len = strlen(out);
	} else if (!out) {
		out = "(an error object that is not a string)";
		len = strlen(out);
	}
	if (write_all(fd, status == LUA_OK ? "R0" : "R1", 2) < 0 ||
	    write_all(fd, out, len) < 0)
		_exit(1);
	/* _exit: the caller's atexit handlers and stdio buffers are its own */
	_exit(0);
}

static long long monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read the child's pipe until it ends or `deadline` passes.  Returns
 * NULL, or why the reading stopped ("timeout", ...); *buf (malloc'ed)
 * and *len hold what was read. */
static const char *isolate_read(int fd, long long deadline, char **buf,
				size_t *len)
{
	char chunk[65536];
	size_t cap = 0;

	for (;;) {
		long long left = deadline - monotonic_ms();
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int r = left > 0 ? poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left) : 0;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return strerror(errno);
		if (r == 0)
			return "timeout";
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return strerror(errno);
		if (n == 0)
			return NULL;
		if (*len + (size_t)n > ISOLATE_MAX_OUTPUT)
			return "its answer is too large";
		if (*len + (size_t)n > cap) {
			size_t want = cap ? cap : sizeof(chunk);
			while (want < *len + (size_t)n)
				want *= 2;
			char *grown = realloc(*buf, want);
			if (!grown)
				return "out of memory";
			*buf = grown;
			cap = want;
		}
		memcpy(*buf + *len, chunk, (size_t)n);
		*len += (size_t)n;
	}
}

/* core.isolate(fn, seconds) -> fn's string, or nil, message, what, note.
 * Runs fn(note) in a child process and waits at most `seconds` for its
 * answer: a loop inside a C function (a pathological pattern, string.rep
 * of an empty string a billion times) never comes back to the VM, where a
 * hook could stop it, but a child can be killed.  fn returns a string;
 * note(text) says what the child is doing, and the last note comes back
 * with a failure.  `what` is "raised" (fn raised the message), "timeout"
 * (the child was killed for time) or "died" (it ended without an answer:
 * the message says how). */
static int l_isolate(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TFUNCTION);
	lua_Number seconds = luaL_checknumber(L, 2);
	int fds[2], status = 0;
	char *buf = NULL;
	size_t len = 0;

	luaL_argcheck(L, seconds > 0 && seconds < 86400, 2, "time limit out of range");
	lua_settop(L, 1);
	if (pipe2(fds, O_CLOEXEC) < 0)
		return lnono_push_error(L, errno, "pipe");
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		int err = errno;
		close(fds[0]);
		close(fds[1]);
		return lnono_push_error(L, err, "fork");
	}
	if (pid == 0) {
		close(fds[0]);
		isolate_child(L, fds[1], parent);
	}
	close(fds[1]);
	const char *failure = isolate_read(fds[0], monotonic_ms() + (long long)(seconds * 1000),
					   &buf, &len);
	close(fds[0]);
	if (failure)
		kill(pid, SIGKILL);
	pid_t w;
	while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;

	/* the notes, then the answer */
	const char *note = NULL, *answer = NULL;
	size_t pos = 0, note_len = 0;
	while (pos < len && buf[pos] == 'N') {
		char *end = memchr(buf + pos + 1, '\0', len - pos - 1);
		if (!end)
			break;
		note = buf + pos + 1;
		note_len = (size_t)(end - note);
		pos = (size_t)(end - buf) + 1;
	}
	if (len - pos >= 2 && buf[pos] == 'R')
		answer = buf + pos;
	if (!failure && answer && answer[1] == '0') {
		lua_pushlstring(L, answer + 2, len - pos - 2);
		free(buf);
		return 1;
	}
	lua_pushnil(L);
	if (failure && strcmp(failure, "timeout") == 0) {
		lua_pushliteral(L, "timeout");
		lua_pushliteral(L, "timeout");
	} else if (!failure && answer) {
		lua_pushlstring(L, answer + 2, len - pos - 2);
		lua_pushliteral(L, "raised");
	} else {
		if (failure)
			lua_pushfstring(L, "its answer could not be read: %s", failure);
		else if (w == pid && WIFSIGNALED(status))
			lua_pushfstring(L, "it was killed by signal %d", WTERMSIG(status));
		else if (w == pid && WIFEXITED(status))
			lua_pushfstring(L, "it ended with status %d without an answer",
					WEXITSTATUS(status));
		else
			lua_pushliteral(L, "it ended without an answer");
		lua_pushliteral(L, "died");
	}
	if (note)
		lua_pushlstring(L, note, note_len);
	else
		lua_pushnil(L);
	free(buf);
	return 4;
}

static int l_supervisor_init(lua_State *L)
{
	int err = supervisor_init();
	if (err < 0)
		return lnono_push_error(L, -err, "prctl");
	lua_pushboolean(L, 1);
	return 1;
}

/* A count from supervisor.c, or nil, msg, errno. */
static int push_count(lua_State *L, int n, const char *what)
{
	if (n < 0)
		return lnono_push_error(L, -n, what);
	lua_pushinteger(L, n);
	return 1;
}

static int l_end_tree(lua_State *L)
{
	return push_count(L, supervisor_end_tree(), "ending the process tree");
}

/* core.signal_tree(sig) -> count, or nil, message, errno. */
static int l_signal_tree(lua_State *L)
{
	return push_count(L, supervisor_signal_tree((int)luaL_checkinteger(L, 1)),
			  "signalling the process tree");
}

/* core.same_file(pid, fd, own_fd) -> boolean, or nil, message, errno. */
static int l_same_file(lua_State *L)
{
	int r = supervisor_same_file((pid_t)luaL_checkinteger(L, 1),
				     (int)luaL_checkinteger(L, 2),
				     (int)luaL_checkinteger(L, 3));
	if (r < 0)
		return lnono_push_error(L, -r, "kcmp");
	lua_pushboolean(L, r);
	return 1;
}

static int l_kill_tree(lua_State *L)
{
	return push_count(L, supervisor_kill_tree(), "killing the process tree");
}

static int l_expire(lua_State *L)
{
	lua_Integer pid = luaL_checkinteger(L, 1);
	const char *path = luaL_checkstring(L, 2);
	luaL_argcheck(L, pid > 0 && pid <= INT_MAX, 1, "expected a pid");
	lua_Integer dev = luaL_checkinteger(L, 3), ino = luaL_checkinteger(L, 4);
	int err = supervisor_expire((pid_t)pid, path, (dev_t)dev, (ino_t)ino);
	if (err < 0)
		return lnono_push_error(L, -err, path);
	lua_pushboolean(L, 1);
	return 1;
}

static void holder_found(pid_t pid, const char *what, void *ctx)
{
	lua_State *L = ctx;                  /* list */
	lua_createtable(L, 0, 2);            /* list h */
	lua_pushinteger(L, pid);
	lua_setfield(L, -2, "pid");
	lua_pushstring(L, what);
	lua_setfield(L, -2, "what");
	lua_rawseti(L, -2, (lua_Integer)luaL_len(L, -2) + 1); /* list */
}

/* core.holders(path) -> { {pid=, what=}, ... } (supervisor_holders). */
static int l_holders(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	lua_newtable(L);
	int n = supervisor_holders(path, holder_found, L);
	if (n < 0)
		return lnono_push_error(L, -n, "/proc");
	return 1;
}

/* core.in_flight([own]) -> { {pid=, what=}, ... } (supervisor_in_flight):
 * `own`, a descriptor object, is why --self's socket, whose queue is
 * not counted. */
static int l_in_flight(lua_State *L)
{
	unsigned long own = 0;
	if (!lua_isnoneornil(L, 1)) {
		struct stat st;
		if (fstat(lnono_checkfd(L, 1), &st) < 0)
			return lnono_push_error(L, errno, "fstat");
		own = (unsigned long)st.st_ino;
	}
	lua_newtable(L);
	int n = supervisor_in_flight(own, holder_found, L);
	if (n < 0)
		return lnono_push_error(L, -n, "/proc");
	return 1;
}

/* core.stop_tree() -> count, or nil, message, errno. */
static int l_stop_tree(lua_State *L)
{
	return push_count(L, supervisor_stop_tree(), "stopping the process tree");
}

static int l_kill(lua_State *L)
{
	lua_Integer pid = luaL_checkinteger(L, 1);
	lua_Integer sig = luaL_checkinteger(L, 2);
	luaL_argcheck(L, pid > 0 && pid <= INT_MAX, 1, "expected a pid");
	if (kill((pid_t)pid, (int)sig) < 0)
		return lnono_push_error(L, errno, "kill");
	lua_pushboolean(L, 1);
	return 1;
}

static const luaL_Reg proc_funcs[] = {
	{ "run_budgeted", l_run_budgeted },
	{ "isolate", l_isolate },
	{ "supervisor_init", l_supervisor_init },
	{ "end_tree", l_end_tree },
	{ "signal_tree", l_signal_tree },
	{ "same_file", l_same_file },
	{ "kill_tree", l_kill_tree },
	{ "expire", l_expire },
	{ "holders", l_holders },
	{ "in_flight", l_in_flight },
	{ "stop_tree", l_stop_tree },
	{ "kill", l_kill },
	{ NULL, NULL },
};

void lnono_open_proc(lua_State *L)
{
	luaL_setfuncs(L, proc_funcs, 0);
}
