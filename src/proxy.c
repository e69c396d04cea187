#define _GNU_SOURCE
#include "proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PUMP_BUF 65536
#define STOP_GRACE_MS 1000 /* for the connections to record, at the end */

void proxy_config_defaults(struct proxy_config *c)
{
	c->listen_fd = -1;
	c->auth = NULL;
	c->max_conns = 64;
	c->header_ms = 10000;
	c->idle_ms = 300000;
	c->connect_ms = 10000;
}

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd pf = { .fd = fd, .events = POLLOUT };
			if (poll(&pf, 1, 5000) <= 0)
				return -EIO;
			continue;
		}
		if (w <= 0)
			return -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void reply(int fd, int code, const char *status, const char *extra, const char *body)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf),
			 "HTTP/1.1 %d %s\r\n%sContent-Type: text/plain\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
			 code, status, extra ? extra : "", strlen(body), body);
	if (n > 0)
		send_all(fd, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* Read until the blank line ending the header, within the deadline and
 * PROXY_HEADER_MAX bytes.  Returns the header's length (with its CRLFCRLF;
 * bytes read beyond it stay in `buf` up to `*got`), or -ETIMEDOUT,
 * -E2BIG, -EPIPE (closed early). */
static int read_header(int fd, char *buf, size_t cap, size_t *got, long deadline)
{
	size_t n = 0;
	for (;;) {
		long left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		int r = poll(&pf, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -ETIMEDOUT;
		ssize_t k = recv(fd, buf + n, cap - n, 0);
		if (k < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (k <= 0)
			return -EPIPE;
		size_t from = n > 3 ? n - 3 : 0;
		n += (size_t)k;
		*got = n;
		for (size_t i = from; i + 3 < n; i++)
			if (!memcmp(buf + i, "\r\n\r\n", 4))
				return (int)(i + 4);
		if (n == cap)
			return -E2BIG;
	}
}

/* The request, split in place.  Every line must end in CRLF, and hold
 * printable ASCII (and tabs in values) only: a NUL, a bare CR or LF, a
 * folded line, or a header name that is not a token is a malformed
 * request, refused rather than read two ways (request smuggling). */
struct request {
	char *method, *target, *version;
	char *host;      /* Host's value */
	char *auth;      /* Proxy-Authorization's value */
	int hosts, lengths, chunked;
	uint64_t length; /* Content-Length's value, or 0 */
	char *lines[128]; /* the other header lines, to forward */
	int nlines;
};

static int is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

static const char *parse_request(char *h, size_t len, struct request *r)
{
	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)h[i];
		if (c == '\r') {
			if (i + 1 >= len || h[i + 1] != '\n')
				return "a bare CR in the header";
			h[i] = '\0';
		} else if (c == '\n') {
			if (i == 0 || h[i - 1] != '\0')
				return "a bare LF in the header";
		} else if (c == '\0') {
			return "a NUL byte in the header";
		} else if ((c < 0x20 && c != '\t') || c >= 0x7f) {
			return "a control or non-ASCII byte in the header";
		}
	}
	/* the request line: METHOD SP TARGET SP HTTP/1.x */
	char *line = h, *next = line + strlen(line) + 2;
	r->method = line;
	char *sp = strchr(line, ' ');
	if (!sp)
		return "a malformed request line";
	*sp = '\0';
	r->target = sp + 1;
	sp = strchr(r->target, ' ');
	if (!sp)
		return "a malformed request line";
	*sp = '\0';
	r->version = sp + 1;
	if (!*r->method || !*r->target || strchr(r->version, ' ') ||
	    (strcmp(r->version, "HTTP/1.1") && strcmp(r->version, "HTTP/1.0")))
		return "a malformed request line";
	for (char *m = r->method; *m; m++)
		if (!is_tchar((unsigned char)*m))
			return "a malformed method";
	for (line = next; line < h + len - 2; line = next) {
		next = line + strlen(line) + 2;
		if (!*line)
			break;
		if (*line == ' ' || *line == '\t')
			return "a folded header line";
		char *colon = strchr(line, ':');
		if (!colon || colon == line)
			return "a malformed header line";
		for (char *c = line; c < colon; c++)
			if (!is_tchar((unsigned char)*c))
				return "a malformed header name";
		size_t nlen = (size_t)(colon - line);
		char *value = trim(colon + 1);
		if (nlen == 4 && !strncasecmp(line, "Host", 4)) {
			r->host = value;
			r->hosts++;
		} else if (nlen == 19 && !strncasecmp(line, "Proxy-Authorization", 19)) {
			r->auth = value;
		} else if ((nlen == 16 && !strncasecmp(line, "Proxy-Connection", 16)) ||
			   (nlen == 10 && !strncasecmp(line, "Connection", 10)) ||
			   (nlen == 10 && !strncasecmp(line, "Keep-Alive", 10))) {
			/* hop by hop: dropped (plain HTTP says close) */
		} else {
			if (nlen == 14 && !strncasecmp(line, "Content-Length", 14)) {
				char *end;
				r->lengths++;
				errno = 0;
				r->length = strtoull(value, &end, 10);
				if (*value < '0' || *value > '9' || *end || errno ||
				    r->length > (1ULL << 53))
					return "a malformed Content-Length";
			}
			if (nlen == 17 && !strncasecmp(line, "Transfer-Encoding", 17))
				r->chunked++;
			if (r->nlines == (int)(sizeof(r->lines) / sizeof(r->lines[0])))
				return "too many header lines";
			*colon = ':';
			r->lines[r->nlines++] = line;
		}
	}
	if (r->hosts > 1)
		return "more than one Host header";
	if (r->lengths > 1 || (r->lengths && r->chunked))
		return "an ambiguous message length (Content-Length with Transfer-Encoding, or twice)";
	return NULL;
}

/* Compare without stopping at the first difference (the token). */
static int same_secret(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	unsigned char d = (unsigned char)(na != nb);
	for (size_t i = 0; i < na && i < nb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

/* Connect to `host`:`port`, asking about each address first.  The fd, or
 * -1 with the reason in `why`; `addr` gets the address connected to. */
static int connect_upstream(const struct proxy_config *c, const struct proxy_hooks *h,
			    const char *host, int port, char *addr, size_t addrlen,
			    char *why, size_t n)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV }, *res, *ai;
	char service[8];
	snprintf(service, sizeof(service), "%d", port);
	int rc = getaddrinfo(host, service, &hints, &res);
	if (rc) {
		snprintf(why, n, "%s does not resolve (%s)", host, gai_strerror(rc));
		return -1;
	}
	int fd = -1;
	snprintf(why, n, "%s has no address", host);
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
		char num[INET6_ADDRSTRLEN];
		const void *a = ai->ai_family == AF_INET
			? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
			: (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		if (!inet_ntop(ai->ai_family, a, num, sizeof(num)))
			continue;
		const char *cls = proxy_address_class(num);
		/* rows 33, 34: every address is judged after resolution, and
		 * the socket connects to that very address */
		if (!cls || !h->check_address(h->ctx, host, port, num, cls, why, n))
			continue;
		int s = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (s < 0)
			continue;
		if (connect(s, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
			snprintf(why, n, "connecting to %s: %s", num, strerror(errno));
			close(s);
			continue;
		}
		struct pollfd pf = { .fd = s, .events = POLLOUT };
		int err = 0;
		socklen_t elen = sizeof(err);
		if (poll(&pf, 1, c->connect_ms) <= 0)
			err = ETIMEDOUT;
		else if (getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
			err = errno;
		if (err) {
			snprintf(why, n, "connecting to %s: %s", num, strerror(err));
			close(s);
			continue;
		}
		snprintf(addr, addrlen, "%s", num);
		fd = s;
	}
	freeaddrinfo(res);
	return fd;
}

/* SIGTERM: the proxy stops accepting; a connection ends its pump and
 * still records its event (proxy_serve). */
static volatile sig_atomic_t stopping;

static void on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

/* Pump bytes both ways until both sides are done or nothing moved for
 * idle_ms; from `a` to `b` at most `limit` bytes (`pre` first), then
 * nothing more is read from `a`.  Each direction has one bounded buffer: a
 * reader that does not read stops the writer (no growth). */
static void pump(const struct proxy_config *c, int a, int b, const char *pre, size_t npre,
		 uint64_t limit, uint64_t *out, uint64_t *in)
{
	struct side {
		int from, to, eof;
		size_t len, off;
		uint64_t *count, left;
		char buf[PUMP_BUF];
	};
	static struct side s[2];
	s[0] = (struct side){ .from = a, .to = b, .count = out, .left = limit };
	s[1] = (struct side){ .from = b, .to = a, .count = in, .left = UINT64_MAX };
	if (npre > limit)
		npre = (size_t)limit;
	memcpy(s[0].buf, pre, npre);
	s[0].len = npre;
	s[0].left -= npre;
	s[0].eof = s[0].left == 0;
	for (;;) {
		struct pollfd pf[4];
		int np = 0, idx[4];
		for (int i = 0; i < 2; i++) {
			if (!s[i].eof && s[i].len == 0) {
				pf[np] = (struct pollfd){ .fd = s[i].from, .events = POLLIN };
				idx[np++] = i;
			}
			if (s[i].len > s[i].off) {
				pf[np] = (struct pollfd){ .fd = s[i].to, .events = POLLOUT };
				idx[np++] = i | 2;
			}
		}
		if (np == 0 || stopping)
			return;
		int r = poll(pf, (nfds_t)np, c->idle_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return; /* idle: the connection ends */
		for (int k = 0; k < np; k++) {
			struct side *d = &s[idx[k] & 1];
			if (!pf[k].revents)
				continue;
			if (idx[k] & 2) {
				ssize_t w = send(d->to, d->buf + d->off, d->len - d->off, MSG_NOSIGNAL);
				if (w < 0 && (errno == EAGAIN || errno == EINTR))
					continue;
				if (w <= 0)
					return;
				d->off += (size_t)w;
				*d->count += (uint64_t)w;
				if (d->off == d->len) {
					d->off = d->len = 0;
					if (d->eof)
						shutdown(d->to, SHUT_WR);
				}
			} else {
				size_t want = d->left < sizeof(d->buf) ? (size_t)d->left : sizeof(d->buf);
				ssize_t k2 = recv(d->from, d->buf, want, 0);
				if (k2 < 0 && (errno == EAGAIN || errno == EINTR))
					continue;
				if (k2 <= 0) {
					d->eof = 1;
					shutdown(d->to, SHUT_WR);
					if (s[0].eof && s[1].eof)
						return;
					continue;
				}
				d->len = (size_t)k2;
				d->left -= (uint64_t)k2;
				/* the request's end: what follows is not forwarded */
				d->eof = d->left == 0;
			}
		}
		if (s[0].eof && s[1].eof && !s[0].len && !s[1].len)
			return;
	}
}

/* One connection.  A refusal is recorded before the client hears it: once
 * the client has its answer the session may end, and with it the proxy. */
static void serve_one(const struct proxy_config *c, const struct proxy_hooks *h, int fd)
{
	static char head[PROXY_HEADER_MAX + 1];
	size_t got = 0;
	struct request r;
	struct proxy_event ev = { .kind = "connect", .host = "", .reason = "" };
	char addr[INET6_ADDRSTRLEN] = "", why[600];

	int len = read_header(fd, head, PROXY_HEADER_MAX, &got, now_ms() + c->header_ms);
	if (len == -E2BIG) {
		ev.reason = "header too large";
		h->record(h->ctx, &ev);
		reply(fd, 431, "Request Header Fields Too Large", NULL,
		      "nono: the request header is larger than the proxy accepts\n");
		return;
	}
	if (len < 0) {
		if (len == -ETIMEDOUT)
			reply(fd, 408, "Request Timeout", NULL, "nono: no whole request header in time\n");
		return;
	}
	const char *bad = parse_request(head, (size_t)len, &r);
	if (!bad && strcmp(r.method, "CONNECT") && strncasecmp(r.target, "http://", 7))
		bad = "not a proxy request (CONNECT host:port, or an absolute http:// URL)";
	if (bad) {
		ev.reason = bad;
		h->record(h->ctx, &ev);
		snprintf(why, sizeof(why), "nono: refused: %s\n", bad);
		reply(fd, 400, "Bad Request", NULL, why);
		return;
	}
	/* row 36: the session's token, so that no other local process can
	 * use this proxy */
	if (c->auth && !(r.auth && same_secret(r.auth, c->auth))) {
		ev.reason = "no or a wrong session token";
		h->record(h->ctx, &ev);
		reply(fd, 407, "Proxy Authentication Required",
		      "Proxy-Authenticate: Basic realm=\"nono\"\r\n",
		      "nono: this proxy serves one sandbox; the token is in its HTTPS_PROXY\n");
		return;
	}
	struct proxy_ask ask = { .connect = !strcmp(r.method, "CONNECT"), .method = r.method,
				 .host_header = r.host };
	char *path = NULL;
	if (ask.connect) {
		ask.authority = r.target;
	} else {
		ev.kind = "http";
		ask.authority = r.target + 7;
		path = r.target + 7 + strcspn(r.target + 7, "/?#");
	}
	struct proxy_answer ans = { 0 };
	char authority[PROXY_HEADER_MAX];
	/* the authority alone, for the caller (path cut off, not altered) */
	size_t alen = ask.connect ? strlen(ask.authority) : (size_t)(path - ask.authority);
	memcpy(authority, ask.authority, alen);
	authority[alen] = '\0';
	ask.authority = authority;
	h->decide(h->ctx, &ask, &ans);
	ev.host = ans.host[0] ? ans.host : authority;
	ev.port = ans.port;
	ev.reason = ans.reason;
	if (!ans.allowed) {
		h->record(h->ctx, &ev);
		snprintf(why, sizeof(why), "nono: %s\n", ans.reason);
		reply(fd, 403, "Forbidden", NULL, why);
		return;
	}
	int up = connect_upstream(c, h, ans.host, ans.port, addr, sizeof(addr), why, 512);
	if (up < 0) {
		char body[700];
		ev.allowed = 0;
		ev.reason = why;
		h->record(h->ctx, &ev);
		snprintf(body, sizeof(body), "nono: %s\n", why);
		reply(fd, 403, "Forbidden", NULL, body);
		return;
	}
	ev.allowed = 1;
	ev.address = addr;
	/* what the client sent after its header goes on as it is: tunnel
	 * data, never read as another request to this proxy (a CONNECT
	 * inside a CONNECT reaches the allowed host, not us) */
	const char *rest = head + len;
	size_t nrest = got - (size_t)len;
	/* plain HTTP: the body its length says, and no byte more, so that no
	 * second request reaches the server unjudged (a chunked body is
	 * passed on as it comes: the residual, row 34) */
	uint64_t body = UINT64_MAX;
	if (!ask.connect && !r.chunked)
		body = r.length;
	if (ask.connect) {
		if (send_all(fd, "HTTP/1.1 200 Connection established\r\n\r\n", 39) < 0)
			goto out;
	} else {
		/* origin form to the server; the proxy's own headers stay here.
		 * One request a connection: the server is told to close, so a
		 * client sends its next request, judged, on a new one. */
		static char fwd[PROXY_HEADER_MAX + 256];
		int n = snprintf(fwd, sizeof(fwd), "%s %s%s %s\r\nHost: %s\r\nConnection: close\r\n", r.method,
				 *path == '/' ? "" : "/", path, r.version,
				 r.host ? r.host : authority);
		for (int i = 0; i < r.nlines && n > 0 && (size_t)n < sizeof(fwd); i++)
			n += snprintf(fwd + n, sizeof(fwd) - (size_t)n, "%s\r\n", r.lines[i]);
		if (n <= 0 || (size_t)n + 2 >= sizeof(fwd))
			goto out;
		memcpy(fwd + n, "\r\n", 2);
		if (send_all(up, fwd, (size_t)n + 2) < 0)
			goto out;
		ev.bytes_out += (uint64_t)n + 2;
	}
	pump(c, fd, up, rest, nrest, body, &ev.bytes_out, &ev.bytes_in);
out:
	close(up);
	h->record(h->ctx, &ev);
}

/* Forget the connections that have ended. */
static void reap(pid_t *kids, int *nkids)
{
	pid_t w;
	while ((w = waitpid(-1, NULL, WNOHANG)) > 0)
		for (int i = 0; i < *nkids; i++)
			if (kids[i] == w) {
				kids[i] = kids[--*nkids];
				break;
			}
}

int proxy_serve(const struct proxy_config *c, const struct proxy_hooks *h)
{
	pid_t *kids = calloc((size_t)c->max_conns, sizeof(pid_t));
	int nkids = 0;
	struct sigaction sa = { .sa_handler = on_term };
	sigset_t none;

	if (!kids)
		return -ENOMEM;
	/* Terminal signals are the command's: the proxy ends with nono */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGTSTP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	while (!stopping) {
		reap(kids, &nkids);
		struct pollfd pf = { .fd = c->listen_fd, .events = POLLIN };
		int r = poll(&pf, 1, 500);
		if (r <= 0)
			continue;
		int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		if (nkids >= c->max_conns) {
			/* bounded: one more is told so, not queued */
			reply(fd, 503, "Service Unavailable", NULL,
			      "nono: the proxy serves no more connections at once\n");
			close(fd);
			continue;
		}
		pid_t pid = fork();
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			close(c->listen_fd);
			/* never blocked in a send to a client that does not
			 * read: the idle time holds */
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
			serve_one(c, h, fd);
			_exit(0);
		}
		if (pid > 0)
			kids[nkids++] = pid;
		close(fd);
	}
	/* The connections end their pumps and record what they moved (the
	 * command is gone, so nothing new arrives); one that has not ended
	 * within STOP_GRACE_MS is killed. */
	for (int i = 0; i < nkids; i++)
		kill(kids[i], SIGTERM);
	for (long waited = 0; nkids > 0 && waited < STOP_GRACE_MS; waited += 10) {
		reap(kids, &nkids);
		if (nkids > 0)
			nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000000L }, NULL);
	}
	for (int i = 0; i < nkids; i++)
		kill(kids[i], SIGKILL);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	free(kids);
	return 0;
}
