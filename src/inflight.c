/* inflight.c — descriptors in flight at a grant's expiry (threat row 30).
 *
 * A descriptor sent with SCM_RIGHTS and not yet received is in no
 * process's descriptor table: it sits in the receive queue of a unix
 * socket.  Opened on a time-limited grant before it expired, parked there,
 * and received after, it would read on though every holder was killed.
 * Every such descriptor is in the queue of a socket some process of the
 * tree holds, or of a socket itself in flight in one (a socket nobody can
 * reach any more is garbage the kernel collects).  So the supervisor
 * stops the tree, so that nothing moves between tables and queues, and
 * asks the kernel how many descriptors each held unix socket has queued:
 * fdinfo's "scm_fds" (Linux 5.8), which counts descriptors, not bytes (a
 * zero-length datagram can carry them).  Declared in supervisor.h. */
#define _GNU_SOURCE
#include "supervisor.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/kcmp.h>

static int running_task(pid_t pid, const char *tid, int s, void *ctx)
{
	(void)pid, (void)tid, (void)ctx;
	return s != 'T' && s != 't' && s != 'Z' && s != 'X';
}

/* Whether a thread of `pid` still runs: not stopped, not ended.  A
 * process that is gone runs nothing; one that cannot be read counts as
 * running (the wait then times out, and the session ends: fail closed). */
static int any_running(pid_t pid)
{
	int r = supervisor_each_task(pid, running_task, NULL);
	return r > 0 || (r < 0 && r != -ENOENT && r != -ESRCH);
}

static int listed(const pid_t *v, int n, pid_t pid)
{
	for (int i = 0; i < n; i++)
		if (v[i] == pid)
			return 1;
	return 0;
}

int supervisor_stop_tree(void)
{
	pid_t *done = NULL;
	int ndone = 0;
	long waited_ms = 0, step_ms = 1;

	/* A process stopped cannot fork (a pending stop restarts fork), but
	 * one forked before it was signalled is not in the first listing:
	 * list again until a listing brings nothing new. */
	for (;;) {
		pid_t *d;
		int n = supervisor_descendants(&d), fresh = 0, running = 0;
		if (n < 0) {
			free(done);
			return n;
		}
		for (int i = 0; i < n; i++)
			if (!listed(done, ndone, d[i])) {
				kill(d[i], SIGSTOP);
				fresh++;
			}
		for (int i = 0; i < n && !running; i++)
			running = any_running(d[i]);
		free(done);
		done = d;
		ndone = n;
		if (!fresh && !running)
			break;
		if (waited_ms >= 5000) {
			free(done);
			return -ETIMEDOUT;
		}
		struct timespec ts = { 0, step_ms * 1000000L };
		nanosleep(&ts, NULL);
		waited_ms += step_ms;
		if (step_ms < 64)
			step_ms *= 2;
	}
	free(done);
	return ndone;
}

/* The inodes of the unix sockets of one network namespace, from
 * /proc/<pid>/net/unix (which shows the namespace of <pid>), sorted. */
struct unix_inodes {
	char ns[64]; /* its /proc/<pid>/ns/net link, "" before the first */
	unsigned long *v;
	size_t n;
};

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
	return x < y ? -1 : x > y;
}

/* Load the socket inodes of `pid`'s network namespace unless they are
 * those already loaded.  0 or -errno. */
static int load_unix(struct unix_inodes *u, pid_t pid)
{
	char path[64], ns[64], line[512];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	ssize_t len = readlink(path, ns, sizeof(ns) - 1);
	if (len < 0)
		return -errno;
	ns[len] = '\0';
	if (strcmp(ns, u->ns) == 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/net/unix", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	u->n = 0;
	size_t cap = 0;
	/* "Num RefCount Protocol Flags Type St Inode Path": after a header */
	while (fgets(line, sizeof(line), f)) {
		unsigned long ino;
		if (sscanf(line, "%*s %*s %*s %*s %*s %*s %lu", &ino) != 1)
			continue;
		if (u->n == cap) {
			cap = cap ? cap * 2 : 256;
			unsigned long *grown = realloc(u->v, cap * sizeof(*grown));
			if (!grown) {
				fclose(f);
				u->ns[0] = '\0';
				return -ENOMEM;
			}
			u->v = grown;
		}
		u->v[u->n++] = ino;
	}
	fclose(f);
	qsort(u->v, u->n, sizeof(*u->v), cmp_ulong);
	memcpy(u->ns, ns, sizeof(ns));
	return 0;
}

/* How many descriptors the socket at /proc/<pid>/task/<tid>/fdinfo/<fd>
 * has queued: a count, -1 when fdinfo does not say, or -errno-1000. */
static long scm_fds(pid_t pid, const char *tid, const char *fd)
{
	char path[96 + 2 * NAME_MAX], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/task/%s/fdinfo/%s", (int)pid, tid, fd);
	int f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return -errno - 1000;
	ssize_t n = read(f, buf, sizeof(buf) - 1);
	int err = errno;
	close(f);
	if (n < 0)
		return -err - 1000;
	buf[n] = '\0';
	char *line = strstr(buf, "\nscm_fds:");
	if (!line)
		return -1;
	return strtol(line + strlen("\nscm_fds:"), NULL, 10);
}

/* The sockets with descriptors queued in one descriptor table (that of
 * task `tid` of `pid`): how many found, or -errno (-ENOENT: gone). */
static int scan_table(pid_t pid, const char *tid, const struct unix_inodes *u,
		      unsigned long own, void (*found)(pid_t, const char *, void *),
		      void *ctx)
{
	char path[96 + 2 * NAME_MAX], link[64], what[128 + 2 * NAME_MAX];
	int hits = 0, leader = atol(tid) == pid;

	snprintf(path, sizeof(path), "/proc/%d/task/%s/fd", (int)pid, tid);
	DIR *fds = opendir(path);
	if (!fds)
		return -errno;
	struct dirent *de;
	while ((de = readdir(fds))) {
		unsigned long ino;
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/fd/%s", (int)pid, tid, de->d_name);
		ssize_t len = readlink(path, link, sizeof(link) - 1);
		if (len < 0)
			continue; /* closed since the listing */
		link[len] = '\0';
		if (sscanf(link, "socket:[%lu]", &ino) != 1 ||
		    !bsearch(&ino, u->v, u->n, sizeof(*u->v), cmp_ulong))
			continue; /* not a unix socket */
		if (ino == own)
			continue; /* why --self's: the supervisor's policy alone */
		long queued = scm_fds(pid, tid, de->d_name);
		if (queued == 0 || queued == -ENOENT - 1000)
			continue;
		char count[48];
		if (queued > 0)
			snprintf(count, sizeof(count), "%ld in flight", queued);
		else
			snprintf(count, sizeof(count), "descriptors in flight unknown");
		snprintf(what, sizeof(what), "fd %s%s%s%s (%s, %s)", de->d_name,
			 leader ? "" : " (thread ", leader ? "" : tid, leader ? "" : ")",
			 link, count);
		found(pid, what, ctx);
		hits++;
	}
	closedir(fds);
	return hits;
}

struct scan {
	const struct unix_inodes *u;
	unsigned long own;
	void (*found)(pid_t, const char *, void *);
	void *ctx;
};

/* Per thread of a process: the leader's table, and each table a thread
 * has of its own (unshare(CLONE_FILES), or other threads once the leader
 * has exited). */
static int scan_thread(pid_t pid, const char *tid, int state, void *arg)
{
	const struct scan *sc = arg;
	if (state == 'Z' || state == 'X')
		return 0; /* an ended thread holds no table */
	pid_t t = (pid_t)atol(tid);
	/* (an exited leader has no table: kcmp tells them apart) */
	if (t != pid && syscall(SYS_kcmp, pid, t, KCMP_FILES, 0, 0) == 0)
		return 0; /* the leader's table, scanned with it */
	return scan_table(pid, tid, sc->u, sc->own, sc->found, sc->ctx);
}

int supervisor_in_flight(unsigned long own,
			 void (*found)(pid_t pid, const char *what, void *ctx),
			 void *ctx)
{
	struct unix_inodes u = { .ns = "" };
	pid_t *d;
	int total = 0, n = supervisor_descendants(&d);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		int r = load_unix(&u, d[i]);
		if (r == 0)
			r = supervisor_each_task(d[i], scan_thread,
						 &(struct scan){ &u, own, found, ctx });
		if (r == -ENOENT || r == -ESRCH)
			continue; /* ended meanwhile: holds nothing */
		if (r < 0) {
			/* Fail closed: what cannot be seen counts. */
			found(d[i], "not inspectable", ctx);
			r = 1;
		}
		total += r;
	}
	free(u.v);
	free(d);
	return total;
}
