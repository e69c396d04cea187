/* proxy.c — the egress proxy: the sandbox's only way out when hosts are
 * allowed one by one (docs/threats.md, rows 33–36).
 *
 * It runs outside the sandbox, in a process of its own that nono forks
 * before the command (so it never blocks the supervisor), and serves one
 * listening socket: HTTP CONNECT to a host and port, and plain HTTP
 * forwarding (absolute-form requests only).  This file is the HTTP framing
 * and the byte pumping; whether a host, a port and each resolved address
 * may be reached is asked of the caller (the policy, in Lua).
 *
 * Each accepted connection is served by a child process of its own: a slow
 * or hostile client holds one slot of a bounded number, for a bounded time,
 * and DNS resolution blocks nobody else.  Functions return 0 or -errno and
 * never exit, except proxy_serve. */
#ifndef NONO_PROXY_H
#define NONO_PROXY_H

#include <stddef.h>
#include <stdint.h>

/* A request as the client framed it, for the caller to judge. */
struct proxy_ask {
	int connect;             /* 1: CONNECT authority; 0: plain HTTP */
	const char *method;      /* "CONNECT", "GET", ... (a token) */
	const char *authority;   /* CONNECT's target, or the URL's authority */
	const char *host_header; /* the Host header's value, or NULL */
};

/* The caller's answer: `allowed`, the canonical host to resolve and the
 * port, and a reason (for the client, the report and the audit log). */
struct proxy_answer {
	int allowed;
	char host[256];
	int port;
	char reason[512];
};

/* One connection's record, when it ends (or is refused). */
struct proxy_event {
	const char *kind;   /* "connect", "http" */
	const char *host;   /* canonical, or what the client sent when refused */
	int port;
	const char *address; /* the address connected to, or NULL */
	int allowed;
	const char *reason;
	uint64_t bytes_out; /* client to upstream */
	uint64_t bytes_in;  /* upstream to client */
};

struct proxy_hooks {
	/* Fill `ans` for `ask`.  Called in the connection's process. */
	void (*decide)(void *ctx, const struct proxy_ask *ask,
		       struct proxy_answer *ans);
	/* Whether `host`:`port`, resolved to `address` (numeric) of class
	 * `cls` (proxy_address_class), may be connected to: 1 yes, 0 no
	 * with a reason in `why`. */
	int (*check_address)(void *ctx, const char *host, int port,
			     const char *address, const char *cls, char *why,
			     size_t n);
	void (*record)(void *ctx, const struct proxy_event *ev);
	void *ctx;
};

struct proxy_config {
	int listen_fd;      /* a listening TCP socket */
	const char *auth;   /* the Proxy-Authorization value required
			     * ("Basic ..."), or NULL for none */
	int max_conns;      /* connections served at once; more get 503 */
	int header_ms;      /* time to send a whole request header */
	int idle_ms;        /* a connection with no byte either way ends */
	int connect_ms;     /* time to connect upstream */
};

/* Defaults: 64 connections, 10 s for a header, 5 min idle, 10 s connect.
 * A header is at most PROXY_HEADER_MAX bytes (431 beyond). */
#define PROXY_HEADER_MAX 16384
void proxy_config_defaults(struct proxy_config *c);

/* Serve `c->listen_fd` for ever (until SIGTERM, which ends every
 * connection's process first, or SIGKILL).  Call in a process of its own:
 * it sets its signal dispositions.  Returns only on a failure of its own
 * loop: -errno. */
int proxy_serve(const struct proxy_config *c, const struct proxy_hooks *h);

/* The class of a numeric address, for the rebinding check: "public",
 * "loopback", "private" (RFC 1918), "link-local", "cgnat" (100.64/10),
 * "unique-local" (fc00::/7), "metadata" (169.254.169.254, fd00:ec2::254),
 * "unspecified", "multicast", "reserved" (0/8, 240/4, broadcast,
 * documentation and benchmarking ranges, IPv6 other than 2000::/3);
 * IPv4-mapped and NAT64 (64:ff9b::/96) IPv6 take the class of the IPv4
 * inside.  NULL when `address` is not a numeric address. */
const char *proxy_address_class(const char *address);

#endif
