/* nono-attempt's socket vectors (row 10), signals (row 7) and the foreign
 * system-call entry points (row 12).  See attempt.c. */
#include "attempt.h"

/* ---- row 10: sockets ---- */

struct name_num { const char *name; long num; };

static const struct name_num families[] = {
	{ "unix", AF_UNIX }, { "inet", AF_INET }, { "inet6", AF_INET6 },
	{ "netlink", AF_NETLINK }, { "packet", AF_PACKET }, { "vsock", AF_VSOCK },
	{ "bluetooth", AF_BLUETOOTH }, { "alg", AF_ALG }, { "x25", AF_X25 },
	{ "ax25", AF_AX25 }, { "can", AF_CAN }, { "tipc", AF_TIPC }, { "rds", AF_RDS },
	{ "xdp", AF_XDP }, { "llc", AF_LLC }, { "appletalk", AF_APPLETALK },
	{ "ipx", AF_IPX }, { "decnet", AF_DECnet }, { "key", AF_KEY }, { NULL, 0 }
};
static const struct name_num types[] = {
	{ "stream", SOCK_STREAM }, { "dgram", SOCK_DGRAM }, { "raw", SOCK_RAW },
	{ "seqpacket", SOCK_SEQPACKET }, { "packet", SOCK_PACKET },
	{ "nonblock", SOCK_NONBLOCK }, { "cloexec", SOCK_CLOEXEC }, { NULL, 0 }
};
static const struct name_num protos[] = {
	{ "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP }, { "mptcp", IPPROTO_MPTCP },
	{ "sctp", IPPROTO_SCTP }, { "icmp", IPPROTO_ICMP }, { "icmpv6", IPPROTO_ICMPV6 },
	{ "udplite", IPPROTO_UDPLITE }, { "raw", IPPROTO_RAW },
	/* netlink protocols */
	{ "route", 0 }, { "sock_diag", 4 }, { "xfrm", 6 }, { "audit", 9 },
	{ "netfilter", 12 }, { "kobject_uevent", 15 }, { "generic", 16 }, { NULL, 0 }
};
static const struct name_num signals[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "KILL", SIGKILL },
	{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "TERM", SIGTERM },
	{ "STOP", SIGSTOP }, { "CONT", SIGCONT }, { "CHLD", SIGCHLD }, { NULL, 0 }
};

/* A table name or a non-negative decimal number; -1 if neither. */
static long lookup(const struct name_num *t, const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);
	if (*s && !*end)
		return n < 0 ? -1 : n;
	for (; t->name; t++)
		if (!strcmp(t->name, s))
			return t->num;
	return -1;
}

/* "stream+cloexec" or "stream|nonblock": the parts are ORed together. */
static long lookup_type(const char *s)
{
	char buf[64], *save;
	long v = 0;
	snprintf(buf, sizeof buf, "%s", s);
	for (char *p = strtok_r(buf, "+|", &save); p; p = strtok_r(NULL, "+|", &save)) {
		long n = lookup(types, p);
		if (n < 0)
			return -1;
		v |= n;
	}
	return v;
}

static int v_socket(char **argv)
{
	long fam = lookup(families, argv[0]), type = lookup_type(argv[1]);
	long proto = argv[2] ? lookup(protos, argv[2]) : 0;
	if (fam < 0 || type < 0 || proto < 0)
		return A_USAGE;
	int fd = socket((int)fam, (int)type, (int)proto);
	return done(fd, fd);
}

static int v_socketpair(char **argv UNUSED)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return A_ERR;
	close(sv[1]);
	return done(0, sv[0]);
}

/* Numeric hosts only: a name would need a resolver, and its sockets. */
static int inet_addr_of(const char *host, const char *port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)atoi(port));
		*len = sizeof *v4;
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)atoi(port));
		*len = sizeof *v6;
	} else {
		return A_USAGE;
	}
	return A_OK;
}

/* HOST PORT: a socket of `type` and `proto`, then connect or send one byte. */
static int inet_op(char **argv, int type, int proto, int send)
{
	struct sockaddr_storage ss;
	socklen_t len;
	if (inet_addr_of(argv[0], argv[1], &ss, &len) < 0)
		return A_USAGE;
	int fd = socket(ss.ss_family, type | SOCK_CLOEXEC, proto);
	if (fd < 0)
		return A_ERR;
	if (send)
		return done(sendto(fd, "x", 1, 0, (struct sockaddr *)&ss, len), fd);
	return done(connect(fd, (struct sockaddr *)&ss, len), fd);
}

static int v_connect_tcp(char **argv) { return inet_op(argv, SOCK_STREAM, 0, 0); }
static int v_connect_mptcp(char **argv) { return inet_op(argv, SOCK_STREAM, IPPROTO_MPTCP, 0); }
static int v_sendto_udp(char **argv) { return inet_op(argv, SOCK_DGRAM, 0, 1); }

static int v_bind_tcp(char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	inet_addr_of("127.0.0.1", argv[0], &ss, &len);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return A_ERR;
	return done(bind(fd, (struct sockaddr *)&ss, len), fd);
}

/* A listener on 127.0.0.1 (a port the kernel picks), connected to and
 * accepted: ok where loopback is up (ENETUNREACH where it is down). */
static int v_tcp_self(char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof sin;
	(void)argv;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sin, len) < 0 || listen(l, 1) < 0 ||
	    getsockname(l, (struct sockaddr *)&sin, &len) < 0)
		return A_ERR;
	int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&sin, len) < 0)
		return A_ERR;
	return done(accept4(l, NULL, NULL, SOCK_CLOEXEC), c);
}

/* NAME as a path, or as the abstract name "\0NAME"; connect, or bind+listen. */
static int unix_op(const char *name, int abstract, int do_listen)
{
	struct sockaddr_un sun;
	size_t n = strlen(name);
	if (n + 1 > sizeof sun.sun_path)
		return A_USAGE;
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + (abstract ? 1 : 0), name, n);
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return A_ERR;
	if (!do_listen)
		return done(connect(fd, (struct sockaddr *)&sun, len), fd);
	return done(bind(fd, (struct sockaddr *)&sun, len) < 0 ? -1 : listen(fd, 1), fd);
}

static int v_connect_abstract(char **argv) { return unix_op(argv[0], 1, 0); }
static int v_connect_unix(char **argv) { return unix_op(argv[0], 0, 0); }
static int v_listen_abstract(char **argv) { return unix_op(argv[0], 1, 1); }

/* ---- row 7: signals ---- */

static int v_kill(char **argv)
{
	const char *s = argv[1];
	char *end;
	long pid = strtol(argv[0], &end, 10);
	if (!strncmp(s, "SIG", 3))
		s += 3;
	long sig = lookup(signals, s);
	if (*end || sig < 0)
		return A_USAGE;
	return done(kill((pid_t)pid, (int)sig), -1);
}

/* ---- row 12: foreign entry points ---- */

/* The i386 entry point from 64-bit code: seccomp sees AUDIT_ARCH_I386 and
 * i386 numbers, and the arguments are cut to 32 bits. */
static int int80(long nr, long a, long b)
{
	long ret;
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "0"(nr), "b"(a), "c"(b)
			 : "r8", "r9", "r10", "r11", "memory");
	if ((int)ret < 0) {
		errno = -(int)ret;
		return A_ERR;
	}
	return A_OK;
}

static int v_int80_getpid(char **argv UNUSED) { return int80(I386_GETPID, 0, 0); }

static int v_int80_socket(char **argv UNUSED)
{
	/* socketcall reads its arguments through a 32-bit pointer: map them low. */
	uint32_t *args = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (args == MAP_FAILED)
		return A_ERR;
	args[0] = AF_INET;
	args[1] = SOCK_STREAM;
	args[2] = 0;
	return int80(I386_SOCKETCALL, SOCKETCALL_SOCKET, (long)(uintptr_t)args);
}

CALL(v_x32_getpid, syscall(__X32_SYSCALL_BIT | SYS_getpid))


const struct vector attempt_sock_vectors[] = {
	{ "socket", v_socket, 2, "FAMILY TYPE[+nonblock][+cloexec] [PROTO]" },
	{ "socketpair", v_socketpair, 0, "" },
	{ "connect-tcp", v_connect_tcp, 2, "HOST PORT" },
	{ "bind-tcp", v_bind_tcp, 1, "PORT" },
	{ "tcp-self", v_tcp_self, 0, "" },
	{ "sendto-udp", v_sendto_udp, 2, "HOST PORT" },
	{ "connect-mptcp", v_connect_mptcp, 2, "HOST PORT" },
	{ "connect-abstract", v_connect_abstract, 1, "NAME" },
	{ "connect-unix", v_connect_unix, 1, "PATH" },
	{ "listen-abstract", v_listen_abstract, 1, "NAME" },
	{ "kill", v_kill, 2, "PID SIG" },
	{ "int80-socket", v_int80_socket, 0, "" },
	{ "int80-getpid", v_int80_getpid, 0, "" },
	{ "x32-getpid", v_x32_getpid, 0, "" },
	{ NULL, NULL, 0, NULL },
};
