/* The proxy's bindings, in the shape of lnono.c's: misuse raises, failures
 * of the operating system return nil, message, errno. */
#define _GNU_SOURCE
#include "lproxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lauxlib.h>

#include "lnono.h"
#include "netns.h"
#include "policy.h"
#include "proxy.h"
#include "seccomp.h"

static int fail(lua_State *L, int err, const char *what)
{
	lua_pushnil(L);
	lua_pushfstring(L, "%s: %s", what, strerror(err));
	lua_pushinteger(L, err);
	return 3;
}

/* A listening socket on 127.0.0.1, port `port` (0: any free one), with
 * its port in `*bound`: the fd (close-on-exec), or -errno. */
static int proxy_listen(int port, int *bound)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 128) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		int err = errno;
		close(fd);
		return -err;
	}
	*bound = ntohs(a.sin_port);
	return fd;
}

/* proxy_listen([port]) -> fd object, port: a listening socket on
 * 127.0.0.1. */
static int l_proxy_listen(lua_State *L)
{
	lua_Integer port = luaL_optinteger(L, 1, 0);
	int bound = 0;
	luaL_argcheck(L, port >= 0 && port <= 65535, 1, "not a port");
	int *slot = lnono_newfd(L);
	int fd = proxy_listen((int)port, &bound);
	if (fd < 0)
		return fail(L, -fd, "the proxy's socket");
	*slot = fd;
	lua_pushinteger(L, bound);
	return 2;
}

/* The hooks call the Lua functions kept in the registry.  They run in the
 * proxy's processes (forked copies of this state), one request each; an
 * error in them refuses the request. */
struct hooks_ctx {
	lua_State *L;
	int decide, check, record;
};

static void copy_field(lua_State *L, int t, const char *k, char *out, size_t n)
{
	lua_getfield(L, t, k);
	const char *s = lua_tostring(L, -1);
	snprintf(out, n, "%s", s ? s : "");
	lua_pop(L, 1);
}

static void hook_decide(void *ctx, const struct proxy_ask *ask, struct proxy_answer *ans)
{
	struct hooks_ctx *c = ctx;
	lua_State *L = c->L;
	int top = lua_gettop(L);
	lua_rawgeti(L, LUA_REGISTRYINDEX, c->decide);
	lua_createtable(L, 0, 4);
	lua_pushboolean(L, ask->connect);
	lua_setfield(L, -2, "connect");
	lua_pushstring(L, ask->method);
	lua_setfield(L, -2, "method");
	lua_pushstring(L, ask->authority);
	lua_setfield(L, -2, "authority");
	if (ask->host_header) {
		lua_pushstring(L, ask->host_header);
		lua_setfield(L, -2, "host_header");
	}
	memset(ans, 0, sizeof(*ans));
	if (lua_pcall(L, 1, 1, 0) != LUA_OK || !lua_istable(L, -1)) {
		snprintf(ans->reason, sizeof(ans->reason), "the proxy's policy failed: %s",
			 lua_isstring(L, -1) ? lua_tostring(L, -1) : "no answer");
		lua_settop(L, top);
		return;
	}
	lua_getfield(L, -1, "allowed");
	ans->allowed = lua_toboolean(L, -1);
	lua_pop(L, 1);
	lua_getfield(L, -1, "port");
	ans->port = (int)lua_tointeger(L, -1);
	lua_pop(L, 1);
	copy_field(L, top + 1, "host", ans->host, sizeof(ans->host));
	copy_field(L, top + 1, "reason", ans->reason, sizeof(ans->reason));
	if (ans->port <= 0 || ans->port > 65535 || !ans->host[0])
		ans->allowed = 0;
	lua_settop(L, top);
}

static int hook_check(void *ctx, const char *host, int port, const char *address,
		      const char *cls, char *why, size_t n)
{
	struct hooks_ctx *c = ctx;
	lua_State *L = c->L;
	int top = lua_gettop(L), ok = 0;
	lua_rawgeti(L, LUA_REGISTRYINDEX, c->check);
	lua_pushstring(L, host);
	lua_pushinteger(L, port);
	lua_pushstring(L, address);
	lua_pushstring(L, cls);
	if (lua_pcall(L, 4, 2, 0) != LUA_OK) {
		snprintf(why, n, "the proxy's policy failed: %s", lua_tostring(L, -1));
	} else {
		ok = lua_toboolean(L, -2);
		if (!ok)
			snprintf(why, n, "%s", lua_isstring(L, -1) ? lua_tostring(L, -1) : "refused");
	}
	lua_settop(L, top);
	return ok;
}

static void hook_record(void *ctx, const struct proxy_event *ev)
{
	struct hooks_ctx *c = ctx;
	lua_State *L = c->L;
	int top = lua_gettop(L);
	lua_rawgeti(L, LUA_REGISTRYINDEX, c->record);
	lua_createtable(L, 0, 8);
	lua_pushstring(L, ev->kind);
	lua_setfield(L, -2, "kind");
	lua_pushstring(L, ev->host);
	lua_setfield(L, -2, "host");
	if (ev->port) {
		lua_pushinteger(L, ev->port);
		lua_setfield(L, -2, "port");
	}
	if (ev->address) {
		lua_pushstring(L, ev->address);
		lua_setfield(L, -2, "address");
	}
	lua_pushboolean(L, ev->allowed);
	lua_setfield(L, -2, "allowed");
	lua_pushstring(L, ev->reason ? ev->reason : "");
	lua_setfield(L, -2, "reason");
	lua_pushinteger(L, (lua_Integer)ev->bytes_out);
	lua_setfield(L, -2, "bytes_out");
	lua_pushinteger(L, (lua_Integer)ev->bytes_in);
	lua_setfield(L, -2, "bytes_in");
	lua_pcall(L, 1, 0, 0);
	lua_settop(L, top);
}

static int opt_int(lua_State *L, int t, const char *k, int dflt, int lo, int hi)
{
	lua_getfield(L, t, k);
	lua_Integer v = luaL_optinteger(L, -1, dflt);
	lua_pop(L, 1);
	if (v < lo || v > hi)
		luaL_error(L, "proxy_start: %s out of range", k);
	return (int)v;
}

/* proxy_start(fd, opts, decide, check_address, record) -> pid: fork the
 * proxy serving `fd` (opts: auth, max_conns, header_ms, idle_ms,
 * connect_ms; receive_fd, with fd -1: serve the socket that arrives
 * there, plan:set_netns).  decide(ask) -> { allowed, host, port, reason };
 * check_address(host, port, address, class) -> ok, reason;
 * record(event).  The proxy dies with this process (parent-death signal)
 * and ends its connections on SIGTERM (proxy_stop). */
static int l_proxy_start(lua_State *L)
{
	struct proxy_config c;
	int fd = lua_isnoneornil(L, 1) ? -1 : lnono_checkfd(L, 1);
	luaL_checktype(L, 2, LUA_TTABLE);
	luaL_checktype(L, 3, LUA_TFUNCTION);
	luaL_checktype(L, 4, LUA_TFUNCTION);
	luaL_checktype(L, 5, LUA_TFUNCTION);
	proxy_config_defaults(&c);
	lua_getfield(L, 2, "receive_fd");
	int receive = lua_isnil(L, -1) ? -1 : lnono_checkfd(L, -1);
	lua_pop(L, 1);
	luaL_argcheck(L, (fd >= 0) != (receive >= 0), 1, "a listening socket or receive_fd");
	c.listen_fd = fd;
	c.max_conns = opt_int(L, 2, "max_conns", c.max_conns, 1, 4096);
	c.header_ms = opt_int(L, 2, "header_ms", c.header_ms, 1, 1 << 30);
	c.idle_ms = opt_int(L, 2, "idle_ms", c.idle_ms, 1, 1 << 30);
	c.connect_ms = opt_int(L, 2, "connect_ms", c.connect_ms, 1, 1 << 30);
	lua_getfield(L, 2, "auth");
	c.auth = lua_tostring(L, -1); /* kept alive by the table */
	lua_pop(L, 1);
	pid_t parent = getpid();
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return fail(L, errno, "fork");
	if (pid > 0) {
		lua_pushinteger(L, pid);
		return 1;
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	prctl(PR_SET_NAME, "nono-proxy");
	/* out of the terminal's process group: its signals are the command's */
	setpgid(0, 0);
	if (receive >= 0) {
		/* the socket the command's child makes in its own network
		 * namespace; none if it never gets that far */
		c.listen_fd = netns_receive_fd(receive);
		close(receive);
		if (c.listen_fd < 0)
			_exit(0);
	}
	struct hooks_ctx ctx = { .L = L };
	lua_pushvalue(L, 3);
	ctx.decide = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_pushvalue(L, 4);
	ctx.check = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_pushvalue(L, 5);
	ctx.record = luaL_ref(L, LUA_REGISTRYINDEX);
	struct proxy_hooks h = { hook_decide, hook_check, hook_record, &ctx };
	int err = proxy_serve(&c, &h);
	_exit(err ? 1 : 0);
}

/* proxy_stop(pid): end the proxy and its connections, and reap it. */
static int l_proxy_stop(lua_State *L)
{
	pid_t pid = (pid_t)luaL_checkinteger(L, 1);
	luaL_argcheck(L, pid > 0, 1, "not a pid");
	if (kill(pid, SIGTERM) == 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	return 0;
}

/* address_class(text) -> class, or nil when it is no numeric address. */
static int l_address_class(lua_State *L)
{
	const char *cls = proxy_address_class(luaL_checkstring(L, 1));
	if (!cls)
		return 0;
	lua_pushstring(L, cls);
	return 1;
}

/* inet_canonical(text) -> the address as inet_ntop writes it, and 4 or 6;
 * nothing when `text` is no strict numeric IPv4 or IPv6 address. */
static int l_inet_canonical(lua_State *L)
{
	unsigned char b[16];
	char out[INET6_ADDRSTRLEN];
	const char *s = luaL_checkstring(L, 1);
	int family = inet_pton(AF_INET, s, b) == 1 ? AF_INET
		     : inet_pton(AF_INET6, s, b) == 1 ? AF_INET6 : 0;
	if (!family || !inet_ntop(family, b, out, sizeof(out)))
		return 0;
	lua_pushstring(L, out);
	lua_pushinteger(L, family == AF_INET ? 4 : 6);
	return 2;
}

/* random_hex(n) -> 2n hex digits from getrandom. */
static int l_random_hex(lua_State *L)
{
	unsigned char b[64];
	char hex[129];
	lua_Integer n = luaL_checkinteger(L, 1);
	luaL_argcheck(L, n > 0 && n < 64, 1, "1 to 63 bytes");
	if (getrandom(b, (size_t)n & 63, 0) != (ssize_t)n)
		return fail(L, errno ? errno : EIO, "getrandom");
	for (lua_Integer i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", b[i]);
	lua_pushlstring(L, hex, (size_t)(2 * n));
	return 1;
}

/* plan:add_port(port, access) -> true, or nil, message, errno. */
static int l_policy_add_port(lua_State *L)
{
	struct nono_policy **box = luaL_checkudata(L, 1, "nono.core.plan");
	if (!*box)
		return luaL_error(L, "nono.core: policy is closed");
	lua_Integer port = luaL_checkinteger(L, 2);
	lua_Integer access = luaL_checkinteger(L, 3);
	luaL_argcheck(L, port >= 0 && port <= 65535, 2, "not a port");
	int err = policy_add_port(*box, (uint64_t)port, (uint64_t)access);
	if (err < 0)
		return fail(L, -err, "a Landlock port rule");
	lua_pushboolean(L, 1);
	return 1;
}

/* socketpair() -> a, b: fd objects, a unix SOCK_SEQPACKET pair,
 * close-on-exec. */
static int l_socketpair(lua_State *L)
{
	int sv[2];
	int *a = lnono_newfd(L), *b = lnono_newfd(L);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return fail(L, errno, "socketpair");
	*a = sv[0];
	*b = sv[1];
	return 2;
}

/* plan:set_netns(port, send_fd): policy_set_netns.  The plan keeps the
 * number only: the caller keeps the fd object open until the command has
 * started. */
static int l_policy_set_netns(lua_State *L)
{
	struct nono_policy **box = luaL_checkudata(L, 1, "nono.core.plan");
	if (!*box)
		return luaL_error(L, "nono.core: policy is closed");
	lua_Integer port = luaL_checkinteger(L, 2);
	int fd = lnono_checkfd(L, 3);
	luaL_argcheck(L, port > 0 && port <= 65535, 2, "not a port");
	policy_set_netns(*box, (int)port, (int)fd);
	return 0;
}

static const luaL_Reg funcs[] = {
	{ "socketpair", l_socketpair },
	{ "proxy_listen", l_proxy_listen },
	{ "proxy_start", l_proxy_start },
	{ "proxy_stop", l_proxy_stop },
	{ "address_class", l_address_class },
	{ "inet_canonical", l_inet_canonical },
	{ "random_hex", l_random_hex },
	{ NULL, NULL },
};

void lproxy_open(lua_State *L)
{
	luaL_setfuncs(L, funcs, 0);
	lua_getfield(L, -1, "seccomp");
	if (lua_istable(L, -1)) {
		lua_pushinteger(L, SECCOMP_OPT_NET_PROXY);
		lua_setfield(L, -2, "net_proxy");
	}
	lua_pop(L, 1);
	luaL_getmetatable(L, "nono.core.plan");
	if (lua_istable(L, -1)) {
		lua_getfield(L, -1, "__index");
		lua_pushcfunction(L, l_policy_add_port);
		lua_setfield(L, -2, "add_port");
		lua_pushcfunction(L, l_policy_set_netns);
		lua_setfield(L, -2, "set_netns");
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
}
