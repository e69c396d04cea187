#define _GNU_SOURCE
#include "supervisor.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/kcmp.h>
#include <linux/mount.h>
#include <linux/openat2.h>

#include "exec.h"

int supervisor_init(void)
{
	/* Row 20: an orphan of the command (double fork, setsid) is
	 * reparented to us rather than to init, so it can be found and ended
	 * with the session. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L) < 0)
		return -errno;
	/* The supervisor holds the launcher's view of the world; no process
	 * of the same user may read its memory or descriptors. */
	if (prctl(PR_SET_DUMPABLE, 0L, 0L, 0L, 0L) < 0)
		return -errno;
	return 0;
}

/* The processes of the system as (pid, parent) pairs from /proc/N/stat,
 * zombies left out.  A thread group whose leader has exited while other
 * threads run shows as a zombie too ("Zl"); it is no zombie, and is kept:
 * left out, it would be neither scanned nor killed, and the supervisor
 * would wait for it.  Returns the count, or -errno; *out is malloc'ed. */
static int list_processes(pid_t (**out)[2])
{
	pid_t(*v)[2] = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *proc = opendir("/proc");

	if (!proc)
		return -errno;
	while ((de = readdir(proc))) {
		char path[64], buf[512], state;
		long ppid, threads;
		int pid = atoi(de->d_name);
		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue; /* gone since the listing */
		ssize_t len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		/* "pid (comm) state ppid ...": comm may hold spaces and ')';
		 * num_threads is the 20th field, the 18th after comm.  An
		 * ended group's leader still counts itself: 1. */
		char *end = strrchr(buf, ')');
		if (!end || sscanf(end + 1,
				   " %c %ld %*s %*s %*s %*s %*s %*s %*s %*s"
				   " %*s %*s %*s %*s %*s %*s %*s %ld",
				   &state, &ppid, &threads) != 3 ||
		    (state == 'Z' && threads <= 1))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			pid_t(*grown)[2] = realloc(v, cap * sizeof(*v));
			if (!grown) {
				free(v);
				closedir(proc);
				return -ENOMEM;
			}
			v = grown;
		}
		v[n][0] = pid;
		v[n][1] = (pid_t)ppid;
		n++;
	}
	closedir(proc);
	*out = v;
	return (int)n;
}

int supervisor_descendants(pid_t **out)
{
	pid_t(*procs)[2];
	int n = list_processes(&procs);
	if (n < 0)
		return n;
	pid_t *d = malloc(((size_t)n + 1) * sizeof(*d));
	if (!d) {
		free(procs);
		return -ENOMEM;
	}
	int nd = 0;
	d[nd++] = getpid();
	/* Breadth first: each pass adds the children of what was found. */
	for (int i = 0; i < nd; i++)
		for (int j = 0; j < n; j++)
			if (procs[j][1] == d[i] && procs[j][0] != d[i])
				d[nd++] = procs[j][0];
	free(procs);
	memmove(d, d + 1, (size_t)(nd - 1) * sizeof(*d));
	*out = d;
	return nd - 1;
}

int supervisor_signal_tree(int sig)
{
	pid_t *d;
	int n = supervisor_descendants(&d);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++)
		kill(d[i], sig);
	free(d);
	return n;
}

int supervisor_kill_tree(void)
{
	return supervisor_signal_tree(SIGKILL);
}

int supervisor_same_file(pid_t pid, int fd, int own_fd)
{
	/* kcmp(2): whether the two descriptors are one open file description
	 * (what the launcher handed nono as stdout, inherited by the command),
	 * not merely the same file (which the command may have opened again
	 * through a grant). */
	long r = syscall(SYS_kcmp, getpid(), pid, KCMP_FILE, own_fd, fd);
	if (r < 0)
		return -errno;
	return r == 0;
}

int supervisor_end_tree(void)
{
	/* What a pid namespace's init already ended counts as ours. */
	int killed = exec_take_left_behind(), status;

	/* No child at all: then no descendant either (an orphan of the
	 * command is reparented to us), and /proc need not be read. */
	if (waitpid(-1, &status, WNOHANG) < 0 && errno == ECHILD)
		return killed;
	for (;;) {
		/* Killed, they cannot fork again; what they forked before is
		 * in this pass too, or reparented to us by the next one. */
		int n = supervisor_kill_tree();
		if (n < 0)
			return n;
		pid_t w;
		/* With something killed, one of our children will end: wait
		 * for it.  With nothing listed, only reap what is there (a
		 * child forked after the listing shows up in the next pass). */
		w = waitpid(-1, &status, n > 0 ? 0 : WNOHANG);
		while (w > 0) {
			if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
				killed++;
			w = waitpid(-1, &status, WNOHANG);
		}
		if (w < 0 && errno == ECHILD)
			return killed;
		if (w < 0 && errno != EINTR)
			return -errno;
	}
}

/* In the helper, inside the command's namespaces: an empty tmpfs whose
 * root has mode 000 is made read-only and put over `path`.  For a file,
 * an empty mode-000 file on that tmpfs is bound over it instead.  Nobody in
 * the sandbox has a capability, so mode 000 on a read-only mount is final:
 * no DAC override, no chmod (EROFS), no umount. */
static int overmount(const char *path, dev_t dev, ino_t ino)
{
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };
	struct open_how how = {
		.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	struct stat st;
	int fs = -1, mnt = -1, src = -1, target, err = 0, isdir;

	/* Row 24 for the supervisor: the path is walked without following a
	 * symlink and must still be the file the grant was given.  A sandbox
	 * that could rename it away (or put a symlink in its place) would
	 * otherwise keep it while we mount over something else. */
	target = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
	if (target < 0)
		return -errno;
	if (fstat(target, &st) < 0 || st.st_dev != dev || st.st_ino != ino) {
		err = -ESTALE;
		goto out;
	}
	isdir = S_ISDIR(st.st_mode);

	fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "mode", "000", 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "size", "4k", 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		err = -errno;
		goto out;
	}
	mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
			   MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
				   MOUNT_ATTR_NOEXEC);
	if (mnt < 0) {
		err = -errno;
		goto out;
	}
	if (!isdir) {
		int f = openat(mnt, "expired", O_CREAT | O_WRONLY | O_CLOEXEC, 0);
		if (f < 0) {
			err = -errno;
			goto out;
		}
		close(f);
	}
	if (syscall(SYS_mount_setattr, mnt, "", AT_EMPTY_PATH, &ro,
		    sizeof(ro)) < 0) {
		err = -errno;
		goto out;
	}
	if (!isdir) {
		src = (int)syscall(SYS_open_tree, mnt, "expired",
				   OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (src < 0) {
			err = -errno;
			goto out;
		}
	}
	if (syscall(SYS_move_mount, isdir ? mnt : src, "", target, "",
		    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		err = -errno;
out:
	if (src >= 0)
		close(src);
	if (mnt >= 0)
		close(mnt);
	if (fs >= 0)
		close(fs);
	close(target);
	return err;
}

int supervisor_expire(pid_t pid, const char *path, dev_t dev, ino_t ino)
{
	char ns[64];
	int status, userns, mntns;

	if (path[0] != '/')
		return -EINVAL;
	/* Opened here, while `pid` is our unreaped child: the number cannot
	 * name another process. */
	snprintf(ns, sizeof(ns), "/proc/%d/ns/user", (int)pid);
	userns = open(ns, O_RDONLY | O_CLOEXEC);
	if (userns < 0)
		return -errno;
	snprintf(ns, sizeof(ns), "/proc/%d/ns/mnt", (int)pid);
	mntns = open(ns, O_RDONLY | O_CLOEXEC);
	if (mntns < 0) {
		int err = -errno;
		close(userns);
		return err;
	}
	/* setns changes the caller for good: a helper does it.  It owns the
	 * command's user namespace (same user, parent namespace), so it holds
	 * every capability there, which mounting needs. */
	pid_t helper = fork();
	if (helper == 0) {
		int err = 0;
		if (setns(userns, CLONE_NEWUSER) < 0 ||
		    setns(mntns, CLONE_NEWNS) < 0)
			err = -errno;
		if (!err)
			err = overmount(path, dev, ino);
		_exit(-err & 0xff);
	}
	int err = helper < 0 ? -errno : 0;
	close(userns);
	close(mntns);
	if (err)
		return err;
	while (waitpid(helper, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status))
		return -EIO;
	return -WEXITSTATUS(status);
}

static int beneath(const char *path, const char *target)
{
	size_t n = strlen(path);
	if (n == 1) /* "/" */
		return target[0] == '/';
	return strncmp(target, path, n) == 0 &&
	       (target[n] == '\0' || target[n] == '/' || target[n] == ' ');
}

/* Whether /proc/<pid>/<name> is a link to something beneath `path`:
 * 1, 0, or -errno. */
static int link_beneath(pid_t pid, const char *name, const char *path)
{
	char link[PATH_MAX], target[PATH_MAX];
	snprintf(link, sizeof(link), "/proc/%d/%s", (int)pid, name);
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	return beneath(path, target);
}

/* One process's holds, each reported once: threads that share a
 * descriptor table, a working directory or the memory map would name the
 * same thing again. */
struct holds {
	pid_t pid;
	const char *path;
	void (*found)(pid_t, const char *, void *);
	void *ctx;
	char **seen;
	size_t nseen;
	int mapped; /* the maps of a live thread were read */
};

/* Report `what` unless it was already: 1 when reported, 0 when not, or
 * -ENOMEM. */
static int hold(struct holds *h, const char *what)
{
	for (size_t i = 0; i < h->nseen; i++)
		if (strcmp(h->seen[i], what) == 0)
			return 0;
	char **v = realloc(h->seen, (h->nseen + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	h->seen = v;
	if (!(v[h->nseen] = strdup(what)))
		return -ENOMEM;
	h->nseen++;
	h->found(h->pid, what, h->ctx);
	return 1;
}

/* Whether thread `tid` of `h->pid` has a descriptor table of its own
 * (unshare(CLONE_FILES), or a leader that has exited): 0 when it shares
 * the leader's, 1 when not or when the kernel will not say. */
static int own_files(const struct holds *h, const char *tid)
{
	long t = atol(tid);
	if (t == h->pid)
		return 0;
	return syscall(SYS_kcmp, h->pid, (pid_t)t, KCMP_FILES, 0, 0) != 0;
}

/* The state letter of thread `tid` of `pid` (R, S, T, Z, X...), or -errno. */
static int task_state(pid_t pid, const char *tid)
{
	char path[64 + NAME_MAX], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", (int)pid, tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	int err = n < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	buf[n] = '\0';
	char *end = strrchr(buf, ')');
	return end && end[1] == ' ' && end[2] ? end[2] : -EIO;
}

int supervisor_each_task(pid_t pid, int (*fn)(pid_t pid, const char *tid, int state, void *ctx),
			 void *ctx)
{
	char dir[64];
	int sum = 0, err = 0;
	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
	DIR *tasks = opendir(dir);
	if (!tasks)
		return -errno;
	struct dirent *de;
	while ((de = readdir(tasks))) {
		if (de->d_name[0] == '.')
			continue;
		int state = task_state(pid, de->d_name);
		int r = state < 0 ? state : fn(pid, de->d_name, state, ctx);
		if (r == -ENOENT || r == -ESRCH)
			continue; /* that thread ended meanwhile */
		if (r < 0) {
			err = r;
			break;
		}
		sum += r;
	}
	closedir(tasks);
	return err ? err : sum;
}

/* Scan thread `tid` (task/<tid>/ of the process): its working directory,
 * root and executable, its descriptors (unless they are the leader's,
 * scanned with the leader), and the process's memory map once.  How many
 * holds it added, or -errno (-ENOENT: the thread is gone). */
static int scan_task(pid_t pid, const char *tid, int state, void *arg)
{
	struct holds *h = arg;
	static const char *const links[] = { "cwd", "root", "exe" };
	char name[64 + NAME_MAX], what[64 + NAME_MAX];
	int hits = 0, r;

	/* A thread group whose leader exited keeps running in its other
	 * threads.  The leader, a zombie, holds nothing any more (its
	 * descriptors, directories and map went with it), and its /proc files
	 * are root's now: it is passed over, the others are scanned. */
	(void)pid;
	if (state == 'Z' || state == 'X')
		return 0;
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(name, sizeof(name), "task/%s/%s", tid, links[i]);
		r = link_beneath(h->pid, name, h->path);
		if (r < 0 && r != -ENOENT)
			return r;
		if (r > 0 && (r = hold(h, links[i])) < 0)
			return r;
		hits += r > 0;
	}

	/* Row 30: a thread that ran unshare(CLONE_FILES) holds descriptors
	 * that are in no other thread's table. */
	int own = own_files(h, tid), leader = atol(tid) == h->pid;
	if (leader || own) {
		snprintf(name, sizeof(name), "/proc/%d/task/%s/fd", (int)h->pid, tid);
		DIR *fds = opendir(name);
		if (!fds)
			return -errno;
		struct dirent *de;
		while ((de = readdir(fds))) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(name, sizeof(name), "task/%s/fd/%s", tid, de->d_name);
			if (link_beneath(h->pid, name, h->path) <= 0)
				continue;
			if (leader)
				snprintf(what, sizeof(what), "fd %s", de->d_name);
			else
				snprintf(what, sizeof(what), "fd %s (thread %s)",
					 de->d_name, tid);
			if ((r = hold(h, what)) < 0) {
				closedir(fds);
				return r;
			}
			hits += r;
		}
		closedir(fds);
	}

	/* A file mapped into memory stays readable (and, if shared and
	 * writable, writable) after its path is gone.  Threads share one map;
	 * an exited leader's reads empty, so the first thread with one
	 * counts. */
	if (h->mapped)
		return hits;
	snprintf(name, sizeof(name), "/proc/%d/task/%s/maps", (int)h->pid, tid);
	FILE *maps = fopen(name, "re");
	if (!maps)
		return -errno;
	char line[PATH_MAX + 128];
	int in = 0;
	while (!in && fgets(line, sizeof(line), maps)) {
		char *file = strchr(line, '/');
		h->mapped = 1;
		if (file) {
			file[strcspn(file, "\n")] = '\0';
			in = beneath(h->path, file);
		}
	}
	fclose(maps);
	if (in && (r = hold(h, "map")) < 0)
		return r;
	return hits + (in && r > 0);
}

/* Scan one process, thread by thread; returns how many holders it
 * reported, or -errno when it could not be inspected (-ENOENT: it is
 * gone). */
static int scan_process(pid_t pid, const char *path,
			void (*found)(pid_t, const char *, void *), void *ctx)
{
	struct holds h = { .pid = pid, .path = path, .found = found, .ctx = ctx };
	int r = supervisor_each_task(pid, scan_task, &h);
	for (size_t i = 0; i < h.nseen; i++)
		free(h.seen[i]);
	free(h.seen);
	return r;
}

int supervisor_holders(const char *path,
		       void (*found)(pid_t pid, const char *what, void *ctx),
		       void *ctx)
{
	pid_t *d;
	int total = 0, n = supervisor_descendants(&d);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		int r = scan_process(d[i], path, found, ctx);
		if (r == -ENOENT || r == -ESRCH)
			continue; /* ended meanwhile: holds nothing */
		if (r < 0) {
			/* Fail closed: what cannot be seen counts as holding. */
			found(d[i], "not inspectable", ctx);
			r = 1;
		}
		total += r;
	}
	free(d);
	return total;
}
