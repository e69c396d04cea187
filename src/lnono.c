/* Bindings follow one shape: check arguments, call the C function, map a
 * negative errno to `nil, message, errno`.  Misuse (wrong argument types,
 * a closed policy) raises; failures of the operating system return. */
#define _GNU_SOURCE
#include "lnono.h"

#include <errno.h>
#include <stdio.h>
#include <limits.h>
#include <locale.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <signal.h>
#include <time.h>

#include <lauxlib.h>

#include "../include/nono.h"
#include "../vendor/landlock_uapi.h"
#include "exec.h"
#include "landlock.h"
#include "lproxy.h"
#include "ns.h"
#include "policy.h"
#include "seccomp.h"
#include "supervisor.h"

#define POLICY_MT "nono.core.policy"
#define SESSION_MT "nono.core.session"

static int push_error(lua_State *L, int err, const char *what)
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
		return push_error(L, -abi, "landlock_create_ruleset");
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

static int l_realpath(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	char *real = realpath(path, NULL);
	if (!real)
		return push_error(L, errno, path);
	lua_pushstring(L, real);
	free(real);
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
		return push_error(L, errno, "pipe");
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		int err = errno;
		close(fds[0]);
		close(fds[1]);
		return push_error(L, err, "fork");
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

/* -- policy userdata: created closed, then acquired (as liolib does) -- */

static struct nono_policy **policy_box(lua_State *L)
{
	return (struct nono_policy **)luaL_checkudata(L, 1, POLICY_MT);
}

static struct nono_policy *policy_check(lua_State *L)
{
	struct nono_policy **box = policy_box(L);
	if (!*box)
		luaL_error(L, "nono.core: policy is closed");
	return *box;
}

static int l_policy_new(lua_State *L)
{
	uint64_t handled = (uint64_t)luaL_checkinteger(L, 1);
	struct nono_policy **box = lua_newuserdatauv(L, sizeof(*box), 0);
	*box = NULL;
	luaL_setmetatable(L, POLICY_MT);
	*box = policy_new(handled);
	if (!*box)
		return luaL_error(L, "nono.core: out of memory");
	return 1;
}

static int l_policy_add_path(lua_State *L)
{
	struct nono_policy *p = policy_check(L);
	const char *path = luaL_checkstring(L, 2);
	uint64_t access = (uint64_t)luaL_checkinteger(L, 3);
	int err = policy_add_path(p, path, access);
	if (err < 0)
		return push_error(L, -err, path);
	lua_pushboolean(L, 1);
	return 1;
}

static int add_bind(lua_State *L,
		    int (*add)(struct nono_policy *, const char *))
{
	const char *path = luaL_checkstring(L, 2);
	int err = add(policy_check(L), path);
	if (err < 0)
		return push_error(L, -err, path);
	lua_pushboolean(L, 1);
	return 1;
}

static int l_policy_add_ro_bind(lua_State *L)
{
	return add_bind(L, policy_add_ro_bind);
}

static int l_policy_add_pin(lua_State *L)
{
	return add_bind(L, policy_add_pin);
}

static int l_policy_add_noexec_bind(lua_State *L)
{
	return add_bind(L, policy_add_noexec_bind);
}

/* ns_available([path]): true; or false, the step that failed, its errno's
 * name ("EPERM") and number; or nil, message, errno when the probe itself
 * could not run. */
static int l_ns_available(lua_State *L)
{
	struct ns_probe why;
	int r = ns_available(luaL_optstring(L, 1, NULL), &why);
	if (r < 0)
		return push_error(L, -r, "user namespace probe");
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

static int l_policy_set_net(lua_State *L)
{
	if (policy_set_net(policy_check(L), (uint64_t)luaL_checkinteger(L, 2)) < 0)
		return luaL_error(L, "nono.core: set_net after add_path");
	return 0;
}

static int l_policy_set_scoped(lua_State *L)
{
	if (policy_set_scoped(policy_check(L), (uint64_t)luaL_checkinteger(L, 2)) < 0)
		return luaL_error(L, "nono.core: set_scoped after add_path");
	return 0;
}

static int l_policy_set_seccomp(lua_State *L)
{
	struct nono_policy *p = policy_check(L);
	lua_Integer opts = luaL_checkinteger(L, 2);
	luaL_argcheck(L, opts >= 0 && policy_set_seccomp(p, (unsigned)opts) == 0,
		      2, "unknown seccomp option");
	return 0;
}

static int l_policy_set_session(lua_State *L)
{
	static const char *const names[] = { "keep", "new", NULL };
	static const int values[] = { POLICY_SESSION_KEEP, POLICY_SESSION_NEW };
	struct nono_policy *p = policy_check(L);
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
		lua_pushstring(L, strerror(out->code));
		lua_setfield(L, -2, "message");
	}
}

static int l_policy_spawn(lua_State *L)
{
	struct nono_policy *p = policy_check(L);
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
static int l_policy_apply(lua_State *L)
{
	struct nono_policy *p = policy_check(L);
	lua_Integer flags = luaL_optinteger(L, 2, 0);
	luaL_argcheck(L, flags >= 0 && flags <= (lua_Integer)NONO_APPLY_KEEP_CAPS,
		      2, "unknown apply flag");
	int err = nono_apply_flags(p, (unsigned)flags);
	if (err == -EBUSY)
		return push_error(L, EBUSY, "more than one thread");
	if (err < 0)
		return push_error(L, -err, "apply");
	lua_pushboolean(L, 1);
	return 1;
}

static int l_policy_set_private_mounts(lua_State *L)
{
	policy_set_private_mounts(policy_check(L));
	return 0;
}

static int l_policy_set_inherit_fd(lua_State *L)
{
	struct nono_policy *p = policy_check(L);
	lua_Integer fd = luaL_checkinteger(L, 2);
	luaL_argcheck(L, fd > 2 && fd < INT_MAX && policy_set_inherit_fd(p, (int)fd) == 0,
		      2, "expected a descriptor above 2");
	return 0;
}

struct session {
	struct exec_session s;
	int open; /* between a successful start and finish */
};

/* plan:start(argv [, envp]) -> session, or the outcome table when the
 * command never ran.  The session forwards signals until session:finish(). */
static int l_policy_start(lua_State *L)
{
	struct nono_policy *p = policy_check(L);
	lua_settop(L, 3);
	char **argv = checkstrings(L, 2, 0);
	char **envp = lua_isnoneornil(L, 3) ? NULL : checkstrings(L, 3, 1);
	struct exec_outcome out;
	struct session *sn = lua_newuserdatauv(L, sizeof(*sn), 0);
	sn->open = 0;
	luaL_setmetatable(L, SESSION_MT);

	exec_start(p, argv, envp, &sn->s, &out);
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
 * "timeout".  A negative timeout waits for as long as it takes. */
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
	}
	lua_pushliteral(L, "timeout");
	return 1;
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

static int l_policy_close(lua_State *L)
{
	struct nono_policy **box = policy_box(L);
	policy_free(*box);
	*box = NULL;
	return 0;
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

/* core.list_dir(dir [, skip_links]) -> names, kinds, or nil, msg, errno.
 * names: the entries of `dir` but "." and "..", sorted as table.sort sorts
 * strings; kinds[i]: "directory", "link", "file" or "other", from
 * readdir's d_type (lstat only where the file system leaves it unknown):
 * narrowing lists large directories (/usr/bin, a home), where a stat, a
 * table keyed by name and a sort in Lua per entry were most of the cost.
 * With `skip_links`, symlinks are left out (narrowing gives them no rule). */
static int l_list_dir(lua_State *L)
{
	static const char *const kind_names[] = { "directory", "link", "file", "other" };
	const char *path = luaL_checkstring(L, 1);
	int skip_links = lua_toboolean(L, 2);
	luaL_Buffer b;
	struct dirent *e;
	size_t n = 0;
	int err;

	lua_settop(L, 1);
	DIR *d = opendir(path);
	if (!d)
		return push_error(L, errno, path);
	/* One record per entry: a kind byte, the name, a NUL. */
	luaL_buffinit(L, &b);
	errno = 0;
	while ((e = readdir(d))) {
		unsigned char type = e->d_type;
		char kind;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
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
	closedir(d);
	luaL_pushresult(&b);                               /* dir blob */
	if (err)
		return push_error(L, err, path);
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
 * (ENOENT, ENOTDIR, EACCES).  Anything else goes to realpath(3). */
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
				return push_error(L, err, path);
			lua_pushvalue(L, 1);
			lua_pushstring(L, kind_of(st.st_mode));
			return 2;
		}
		if (errno == ENOENT || errno == ENOTDIR || errno == EACCES)
			return push_error(L, errno, path);
	}
	char *real = realpath(path, NULL);
	if (!real)
		return push_error(L, errno, path);
	lua_pushstring(L, real);
	free(real);
	lua_pushstring(L, stat(lua_tostring(L, -1), &st) == 0 ? kind_of(st.st_mode) : "other");
	return 2;
}

/* plan:add_entries(dir, names, masks [, skip_missing]) -> true, or
 * nil, msg, errno, index (of the entry that failed).
 * plan:add_path(dir .. "/" .. names[i], masks[i]) for each i, in order,
 * with the same checks, for the entries of one directory: `dir` (absolute,
 * canonical) is opened once without following symlinks (a symlink swapped
 * in since it was listed is refused: ELOOP), and each entry beneath that
 * descriptor, also without following one; the entry's type is checked only
 * where its rights need a directory.  With `skip_missing`, an entry gone
 * since the listing (ENOENT), or the whole directory gone, gets no rule:
 * there is nothing left to grant. */
static int l_policy_add_entries(lua_State *L)
{
	struct nono_policy *p = policy_check(L);
	const char *dir = luaL_checkstring(L, 2);
	luaL_checktype(L, 3, LUA_TTABLE);
	luaL_checktype(L, 4, LUA_TTABLE);
	int skip_missing = lua_toboolean(L, 5);
	lua_Integer n = luaL_len(L, 3);
	uint64_t handled = policy_handled_fs(p);
	uint64_t file_rights = landlock_fs_file_rights();
	struct open_how dir_how = {
		.flags = O_PATH | O_CLOEXEC | O_DIRECTORY,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	struct open_how entry_how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	lua_Integer failed = 0;
	int err = 0, dfd = -1, ruleset = -1;

	luaL_argcheck(L, luaL_len(L, 4) == n, 4, "one mask per name");
	lua_settop(L, 4);
	/* Misuse raises before anything is opened: every name one entry. */
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
		lua_pop(L, 2);
	}
	if (n == 0) {
		lua_pushboolean(L, 1);
		return 1;
	}
	if (dir[0] != '/') {
		err = EINVAL;
		failed = 1;
		goto out;
	}
	ruleset = policy_build_ruleset(p);
	if (ruleset < 0) {
		err = -ruleset;
		failed = 1;
		goto out;
	}
	dfd = (int)syscall(SYS_openat2, AT_FDCWD, dir, &dir_how, sizeof(dir_how));
	if (dfd < 0) {
		err = errno;
		if (!(err == ENOENT && skip_missing))
			failed = 1;
		goto out;
	}
	for (lua_Integer i = 1; i <= n && !failed; i++) {
		struct stat st;
		lua_geti(L, 3, i);
		lua_geti(L, 4, i);
		const char *name = lua_tostring(L, -2);
		uint64_t access = (uint64_t)lua_tointeger(L, -1);
		lua_pop(L, 2); /* the table still holds the name */
		if (access & ~handled) {
			err = EINVAL;
			failed = i;
			break;
		}
		int fd = (int)syscall(SYS_openat2, dfd, name, &entry_how, sizeof(entry_how));
		if (fd < 0) {
			err = errno;
			if (!(err == ENOENT && skip_missing))
				failed = i;
			continue;
		}
		if ((access & ~file_rights) && fstat(fd, &st) < 0)
			err = errno;
		else if ((access & ~file_rights) && !S_ISDIR(st.st_mode))
			err = ENOTDIR;
		else
			err = -landlock_ruleset_add_path(ruleset, fd, access);
		close(fd);
		if (err)
			failed = i;
	}
out:
	if (dfd >= 0)
		close(dfd);
	if (ruleset >= 0)
		close(ruleset);
	if (!failed) {
		lua_pushboolean(L, 1);
		return 1;
	}
	lua_geti(L, 3, failed);
	lua_pushfstring(L, "%s%s%s", dir, strcmp(dir, "/") == 0 ? "" : "/",
			lua_tostring(L, -1));
	push_error(L, err, lua_tostring(L, -1));
	lua_pushinteger(L, failed);
	return 4;
}

static const luaL_Reg policy_methods[] = {
	{ "add_path", l_policy_add_path },
	{ "add_entries", l_policy_add_entries },
	{ "set_net", l_policy_set_net },
	{ "add_ro_bind", l_policy_add_ro_bind },
	{ "add_noexec_bind", l_policy_add_noexec_bind },
	{ "add_pin_bind", l_policy_add_pin },
	{ "set_scoped", l_policy_set_scoped },
	{ "set_seccomp", l_policy_set_seccomp },
	{ "set_session", l_policy_set_session },
	{ "spawn", l_policy_spawn },
	{ "start", l_policy_start },
	{ "set_private_mounts", l_policy_set_private_mounts },
	{ "set_inherit_fd", l_policy_set_inherit_fd },
	{ "apply", l_policy_apply },
	{ "close", l_policy_close },
	{ NULL, NULL },
};

static const luaL_Reg policy_meta[] = {
	{ "__gc", l_policy_close },
	{ "__close", l_policy_close },
	{ "__index", NULL },
	{ NULL, NULL },
};

/* The supervisor's primitives (supervisor.c); nono/supervisor.lua is the
 * loop that uses them. */
static int l_supervisor_init(lua_State *L)
{
	int err = supervisor_init();
	if (err < 0)
		return push_error(L, -err, "prctl");
	lua_pushboolean(L, 1);
	return 1;
}

/* A count from supervisor.c, or nil, msg, errno. */
static int push_count(lua_State *L, int n, const char *what)
{
	if (n < 0)
		return push_error(L, -n, what);
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
		return push_error(L, -r, "kcmp");
	lua_pushboolean(L, r);
	return 1;
}

static int l_kill_tree(lua_State *L)
{
	return push_count(L, supervisor_kill_tree(), "killing the process tree");
}

static int l_getpid(lua_State *L)
{
	lua_pushinteger(L, getpid());
	return 1;
}

/* core.chmod(path, mode) -> true, or nil, message, errno.  The supervisor
 * restores a guarded file's mode with it (guard.lua). */
static int l_chmod(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	lua_Integer mode = luaL_checkinteger(L, 2);
	if (chmod(path, (mode_t)(mode & 07777)) < 0)
		return push_error(L, errno, path);
	lua_pushboolean(L, 1);
	return 1;
}

/* core.hold_dir(path) -> fd, or nil, message, errno: an O_PATH descriptor
 * on a directory, so that the supervisor can find it again wherever the
 * session moved it (guard.lua); core.held_path(fd) -> where it is now (or
 * nil when it was removed); core.close_fd(fd). */
static int l_hold_dir(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	int fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return push_error(L, errno, path);
	lua_pushinteger(L, fd);
	return 1;
}

static int l_held_path(lua_State *L)
{
	char link[64], target[PATH_MAX];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", (int)luaL_checkinteger(L, 1));
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return push_error(L, errno, link);
	target[n] = '\0';
	/* the kernel's mark for a removed directory */
	if (n > 10 && strcmp(target + n - 10, " (deleted)") == 0)
		return 0;
	lua_pushlstring(L, target, (size_t)n);
	return 1;
}

static int l_close_fd(lua_State *L)
{
	close((int)luaL_checkinteger(L, 1));
	return 0;
}

/* core.geteuid(): whose files a policy input must be (row 27). */
static int l_geteuid(lua_State *L)
{
	lua_pushinteger(L, geteuid());
	return 1;
}

static int l_expire(lua_State *L)
{
	lua_Integer pid = luaL_checkinteger(L, 1);
	const char *path = luaL_checkstring(L, 2);
	luaL_argcheck(L, pid > 0 && pid <= INT_MAX, 1, "expected a pid");
	lua_Integer dev = luaL_checkinteger(L, 3), ino = luaL_checkinteger(L, 4);
	int err = supervisor_expire((pid_t)pid, path, (dev_t)dev, (ino_t)ino);
	if (err < 0)
		return push_error(L, -err, path);
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
		return push_error(L, -n, "/proc");
	return 1;
}

static int l_kill(lua_State *L)
{
	lua_Integer pid = luaL_checkinteger(L, 1);
	lua_Integer sig = luaL_checkinteger(L, 2);
	luaL_argcheck(L, pid > 0 && pid <= INT_MAX, 1, "expected a pid");
	if (kill((pid_t)pid, (int)sig) < 0)
		return push_error(L, errno, "kill");
	lua_pushboolean(L, 1);
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

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* core.sealed_memfd(text) -> fd: a memory file holding `text` that nobody,
 * not even its creator, can change again (every seal set). */
static int l_sealed_memfd(lua_State *L)
{
	size_t len;
	const char *text = luaL_checklstring(L, 1, &len);
	int fd = memfd_create("nono-policy", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return push_error(L, errno, "memfd_create");
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? errno : EIO;
			close(fd);
			return push_error(L, err, "write");
		}
		done += (size_t)n;
	}
	if (fcntl(fd, F_ADD_SEALS, SEALS) < 0) {
		int err = errno;
		close(fd);
		return push_error(L, err, "sealing");
	}
	lua_pushinteger(L, fd);
	return 1;
}

/* core.read_sealed(fd) -> text, or nil, msg, errno when `fd` is not a
 * memory file sealed as sealed_memfd leaves it. */
static int l_read_sealed(lua_State *L)
{
	lua_Integer fd = luaL_checkinteger(L, 1);
	luaL_Buffer b;
	char chunk[4096];
	off_t off = 0;
	ssize_t n;

	luaL_argcheck(L, fd >= 0 && fd <= INT_MAX, 1, "expected a descriptor");
	int seals = fcntl((int)fd, F_GET_SEALS);
	if (seals < 0)
		return push_error(L, errno, "not a sealed policy");
	if ((seals & SEALS) != SEALS)
		return push_error(L, EPERM, "not a sealed policy");
	luaL_buffinit(L, &b);
	while ((n = pread((int)fd, chunk, sizeof(chunk), off)) > 0) {
		luaL_addlstring(&b, chunk, (size_t)n);
		off += n;
	}
	if (n < 0)
		return push_error(L, errno, "read");
	luaL_pushresult(&b);
	return 1;
}

/* core.log_open(path) -> fd: append-only, created 0600 if missing, not
 * through a symlink, closed on exec. */
static int l_log_open(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
				    O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return push_error(L, errno, path);
	lua_pushinteger(L, fd);
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
	lua_Integer fd = luaL_checkinteger(L, 1);
	size_t len, done = 0;
	const char *line = luaL_checklstring(L, 2, &len);
	off_t start = -1;
	int err = 0;

	while (done < len) {
		ssize_t n = write((int)fd, line + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : ENOSPC;
			break;
		}
		/* O_APPEND left the offset at the end of what was written */
		if (done == 0 && (size_t)n < len)
			start = lseek((int)fd, 0, SEEK_CUR) - n;
		done += (size_t)n;
	}
	if (!err) {
		lua_pushboolean(L, 1);
		return 1;
	}
	if (done > 0) {
		if (start < 0 || ftruncate((int)fd, start) < 0) {
			lua_pushnil(L);
			lua_pushfstring(L, "write: %s; the part of the line written could not be "
					"taken back (%s)", strerror(err),
					strerror(start < 0 ? EINVAL : errno));
			lua_pushinteger(L, err);
			return 3;
		}
	}
	return push_error(L, err, "write");
}

/* core.log_close(fd): fsync, then close. */
static int l_log_close(lua_State *L)
{
	int fd = (int)luaL_checkinteger(L, 1);
	int err = fsync(fd) < 0 ? errno : 0;
	if (close(fd) < 0 && !err)
		err = errno;
	if (err)
		return push_error(L, err, "closing the log");
	lua_pushboolean(L, 1);
	return 1;
}

static const luaL_Reg session_methods[] = {
	{ "wait", l_session_wait },
	{ "pid", l_session_pid },
	{ "finish", l_session_finish },
	{ NULL, NULL },
};

static const luaL_Reg session_meta[] = {
	{ "__gc", l_session_finish },
	{ "__close", l_session_finish },
	{ "__index", NULL },
	{ NULL, NULL },
};

static const luaL_Reg core_funcs[] = {
	{ "landlock_abi", l_landlock_abi },
	{ "fs_rights_for_abi", l_fs_rights_for_abi },
	{ "fs_file_rights", l_fs_file_rights },
	{ "net_rights_for_abi", l_net_rights_for_abi },
	{ "scopes_for_abi", l_scopes_for_abi },
	{ "realpath", l_realpath },
	{ "strerror", l_strerror },
	{ "isatty", l_isatty },
	{ "list_dir", l_list_dir },
	{ "resolve", l_resolve },
	{ "run_budgeted", l_run_budgeted },
	{ "isolate", l_isolate },
	{ "ns_available", l_ns_available },
	{ "environ", l_environ },
	{ "policy", l_policy_new },
	{ "supervisor_init", l_supervisor_init },
	{ "end_tree", l_end_tree },
	{ "signal_tree", l_signal_tree },
	{ "same_file", l_same_file },
	{ "kill_tree", l_kill_tree },
	{ "getpid", l_getpid },
	{ "geteuid", l_geteuid },
	{ "chmod", l_chmod },
	{ "hold_dir", l_hold_dir },
	{ "held_path", l_held_path },
	{ "close_fd", l_close_fd },
	{ "expire", l_expire },
	{ "holders", l_holders },
	{ "kill", l_kill },
	{ "signame", l_signame },
	{ "monotonic_ms", l_monotonic_ms },
	{ "time_ms", l_time_ms },
	{ "sealed_memfd", l_sealed_memfd },
	{ "read_sealed", l_read_sealed },
	{ "log_open", l_log_open },
	{ "log_write", l_log_write },
	{ "log_close", l_log_close },
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
	if (luaL_newmetatable(L, POLICY_MT)) {
		luaL_setfuncs(L, policy_meta, 0);
		luaL_newlib(L, policy_methods);
		lua_setfield(L, -2, "__index");
	}
	lua_pop(L, 1);
	if (luaL_newmetatable(L, SESSION_MT)) {
		luaL_setfuncs(L, session_meta, 0);
		luaL_newlib(L, session_methods);
		lua_setfield(L, -2, "__index");
	}
	lua_pop(L, 1);
	luaL_newlib(L, core_funcs);          /* core */
	push_constants(L);
	lproxy_open(L);
	lua_pushinteger(L, NONO_LANDLOCK_ABI_KNOWN);
	lua_setfield(L, -2, "landlock_abi_known");
	lua_pushliteral(L, NONO_VERSION);
	lua_setfield(L, -2, "version");
	return 1;
}
