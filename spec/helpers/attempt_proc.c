/* nono-attempt's vectors against other processes (row 29) and the holds the
 * supervisor must find at a grant's expiry (row 30).  See attempt.c. */
#include "attempt.h"

/* ---- row 29: other processes without signals or ptrace ---- */

static int v_prlimit_parent(char **argv UNUSED)
{
	struct rlimit old;
	return done(prlimit(getppid(), RLIMIT_NOFILE, NULL, &old), -1);
}

static int v_prlimit(char **argv)
{
	struct rlimit old, lim;
	char *end;
	long pid = strtol(argv[0], &end, 10);
	if (*end || pid <= 0)
		return A_USAGE;
	if (!argv[1])
		return done(prlimit((pid_t)pid, RLIMIT_NOFILE, NULL, &old), -1);
	lim.rlim_cur = lim.rlim_max = strtoul(argv[1], &end, 10);
	if (*end)
		return A_USAGE;
	return done(prlimit((pid_t)pid, RLIMIT_NOFILE, &lim, &old), -1);
}

/* What glibc's getrlimit sends: prlimit64 with pid 0. */
static int v_prlimit_self(char **argv UNUSED)
{
	struct rlimit old;
	return done(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &old), -1);
}

static int v_setrlimit_self(char **argv UNUSED)
{
	struct rlimit lim;
	if (syscall(SYS_getrlimit, RLIMIT_NOFILE, &lim) < 0)
		return A_ERR;
	return done(syscall(SYS_setrlimit, RLIMIT_NOFILE, &lim), -1);
}

static int v_shmat(char **argv)
{
	void *at = shmat(atoi(argv[0]), NULL, SHM_RDONLY);
	if (at == (void *)-1)
		return A_ERR;
	shmdt(at);
	return A_OK;
}

static int v_msgctl(char **argv)
{
	struct msqid_ds ds;
	return done(msgctl(atoi(argv[0]), IPC_STAT, &ds), -1);
}

CALL_FD(v_posix_openpt, posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC))

static int v_openpty(char **argv UNUSED)
{
	int master, slave;
	if (openpty(&master, &slave, NULL, NULL, NULL) < 0)
		return A_ERR;
	close(slave);
	return done(0, master);
}

static int v_hold_pty(char **argv)
{
	int master, slave;
	char name[64];
	if (openpty(&master, &slave, name, NULL, NULL) < 0)
		return A_ERR;
	printf("%s\n", name);
	fflush(stdout);
	sleep((unsigned)atoi(argv[0]));
	return A_PRINTED;
}

/* CALL on process PID (0: the caller), setting what it has already (so
 * nothing changes): setpriority, ioprio_set, sched_setaffinity,
 * sched_setscheduler, sched_setparam, sched_setattr; or kill-all, kill(-1)
 * with signal 0. */
static int v_same_sched(char **argv)
{
	const char *call = argv[0];
	pid_t pid = (pid_t)atoi(argv[1]);
	struct sched_param sp;
	if (!strcmp(call, "kill-all"))
		return kill(-1, 0) < 0 ? A_ERR : A_OK;
	if (!strcmp(call, "setpriority")) {
		errno = 0;
		int prio = getpriority(PRIO_PROCESS, (id_t)pid);
		if (prio == -1 && errno)
			return A_ERR;
		return setpriority(PRIO_PROCESS, (id_t)pid, prio) < 0 ? A_ERR : A_OK;
	}
	if (!strcmp(call, "ioprio_set")) {
		long prio = syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, pid);
		if (prio < 0)
			return A_ERR;
		return syscall(SYS_ioprio_set, 1, pid, prio) < 0 ? A_ERR : A_OK;
	}
	if (!strcmp(call, "sched_setaffinity")) {
		cpu_set_t set;
		if (sched_getaffinity(pid, sizeof set, &set) < 0)
			return A_ERR;
		return sched_setaffinity(pid, sizeof set, &set) < 0 ? A_ERR : A_OK;
	}
	int policy = sched_getscheduler(pid);
	if (policy < 0 || sched_getparam(pid, &sp) < 0)
		return A_ERR;
	if (!strcmp(call, "sched_setscheduler"))
		return sched_setscheduler(pid, policy, &sp) < 0 ? A_ERR : A_OK;
	if (!strcmp(call, "sched_setparam"))
		return sched_setparam(pid, &sp) < 0 ? A_ERR : A_OK;
	if (!strcmp(call, "sched_setattr")) {
		/* struct sched_attr, version 0 (48 bytes), from the kernel's
		 * own answer */
		uint32_t attr[12] = { 48 };
		if (syscall(SYS_sched_getattr, pid, attr, 48u, 0u) < 0)
			return A_ERR;
		return syscall(SYS_sched_setattr, pid, attr, 0u) < 0 ? A_ERR : A_OK;
	}
	return A_USAGE;
}

/* ---- row 30: holds the supervisor must find ---- */

struct hold {
	const char *path;
	unsigned seconds;
	int fd;
	pid_t leader;
};

/* Print "ready", wait, then what reading `fd` answers; ends the process. */
static void report_read(const struct hold *h)
{
	char line[256];
	printf("ready\n");
	fflush(stdout);
	sleep(h->seconds);
	ssize_t n = read(h->fd, line, sizeof line - 1);
	if (n < 0) {
		print_errno(errno);
		fflush(stdout);
		exit(1);
	}
	line[n] = '\0';
	line[strcspn(line, "\n")] = '\0';
	printf("ok %s\n", line);
	fflush(stdout);
	exit(0);
}

static void *files_thread(void *arg)
{
	struct hold *h = arg;
	if (unshare(CLONE_FILES) < 0 || (h->fd = open(h->path, O_RDONLY | O_CLOEXEC)) < 0) {
		print_errno(errno);
		exit(1);
	}
	report_read(h);
	return NULL;
}

static int v_files_thread(char **argv)
{
	static struct hold h;
	pthread_t t;
	h.path = argv[0];
	h.seconds = (unsigned)atoi(argv[1]);
	int err = pthread_create(&t, NULL, files_thread, &h);
	if (err) {
		errno = err;
		return A_ERR;
	}
	pthread_join(t, NULL);
	return A_OK;
}

/* The state letter of thread group `pid` (its leader's), or 0. */
static char group_state(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	char *line = fgets(buf, sizeof buf, f);
	fclose(f);
	char *end = line ? strrchr(line, ')') : NULL;
	return end && end[1] == ' ' ? end[2] : 0;
}

static void *leader_exit_thread(void *arg)
{
	struct hold *h = arg;
	/* "ready" only once the leader is gone, so the process is a "Zl" */
	while (group_state(h->leader) != 'Z')
		usleep(1000);
	report_read(h);
	return NULL;
}

static int v_leader_exit(char **argv)
{
	static struct hold h;
	pthread_t t;
	h.path = argv[0];
	h.seconds = (unsigned)atoi(argv[1]);
	h.leader = getpid();
	if ((h.fd = open(h.path, O_RDONLY | O_CLOEXEC)) < 0)
		return A_ERR;
	int err = pthread_create(&t, NULL, leader_exit_thread, &h);
	if (err) {
		errno = err;
		return A_ERR;
	}
	/* Only this thread ends; the process goes on in the other. */
	syscall(SYS_exit, 0);
	return A_OK;
}

/* A descriptor of PATH sent over a unix datagram socket (SCM_RIGHTS, in a
 * message of no bytes) and closed, the sending end closed too: it is then
 * in no descriptor table, only in the other end's queue.  "ready", and
 * SECONDS later it is received and read. */
static int v_park_fd(char **argv)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct msghdr m = { .msg_control = c.buf, .msg_controllen = sizeof c.buf };
	char line[256];
	int sv[2], fd = open(argv[0], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0)
		return A_ERR;
	memset(&c, 0, sizeof c);
	c.hdr.cmsg_level = SOL_SOCKET;
	c.hdr.cmsg_type = SCM_RIGHTS;
	c.hdr.cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(&c.hdr), &fd, sizeof fd);
	if (sendmsg(sv[0], &m, 0) < 0)
		return A_ERR;
	close(fd);
	close(sv[0]);
	printf("ready\n");
	fflush(stdout);
	sleep((unsigned)atoi(argv[1]));
	m.msg_controllen = sizeof c.buf;
	if (recvmsg(sv[1], &m, MSG_CMSG_CLOEXEC) < 0)
		return A_ERR;
	struct cmsghdr *got = CMSG_FIRSTHDR(&m);
	if (!got || got->cmsg_type != SCM_RIGHTS) {
		errno = ENOMSG;
		return A_ERR;
	}
	memcpy(&fd, CMSG_DATA(got), sizeof fd);
	ssize_t n = read(fd, line, sizeof line - 1);
	if (n < 0)
		return A_ERR;
	line[n] = '\0';
	line[strcspn(line, "\n")] = '\0';
	printf("ok %s\n", line);
	return A_PRINTED;
}


/* Sends one-byte requests on descriptor FD (why --self's socket,
 * NONO_POLICY_FD) as fast as it can for SECONDS, never taking an answer:
 * "asked N".  The supervisor must go on seeing to its expiries. */
static int v_ask_flood(char **argv)
{
	int fd = atoi(argv[0]);
	struct timespec now, end;
	long n = 0;
	if (clock_gettime(CLOCK_MONOTONIC, &end) < 0)
		return A_ERR;
	end.tv_sec += atoi(argv[1]);
	do {
		for (int i = 0; i < 1024; i++)
			if (send(fd, "?", 1, MSG_DONTWAIT | MSG_NOSIGNAL) == 1)
				n++;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec < end.tv_sec ||
		 (now.tv_sec == end.tv_sec && now.tv_nsec < end.tv_nsec));
	printf("asked %ld\n", n);
	return A_PRINTED;
}

const struct vector attempt_proc_vectors[] = {
	{ "prlimit-parent", v_prlimit_parent, 0, "" },
	{ "prlimit", v_prlimit, 1, "PID [N]" },
	{ "prlimit-self", v_prlimit_self, 0, "" },
	{ "setrlimit-self", v_setrlimit_self, 0, "" },
	{ "same-sched", v_same_sched, 2, "CALL PID" },
	{ "shmat", v_shmat, 1, "ID" },
	{ "msgctl", v_msgctl, 1, "ID" },
	{ "posix_openpt", v_posix_openpt, 0, "" },
	{ "openpty", v_openpty, 0, "" },
	{ "hold-pty", v_hold_pty, 1, "SECONDS (prints the slave's path)" },
	{ "files-thread", v_files_thread, 2, "PATH SECONDS (prints: ready, then ok LINE)" },
	{ "leader-exit", v_leader_exit, 2, "PATH SECONDS (prints: ready, then ok LINE)" },
	{ "park-fd", v_park_fd, 2, "PATH SECONDS (prints: ready, then ok LINE)" },
	{ "ask-flood", v_ask_flood, 2, "FD SECONDS (prints: asked N)" },
	{ NULL, NULL, 0, NULL },
};
