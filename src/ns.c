#define _GNU_SOURCE
#include "ns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/mount.h>

#include "mounts.h"
#include "vfork.h"

/* The steps of the set-up, in the order the child takes them: where one
 * fails is what ns_available reports. */
enum step {
	STEP_DUMPABLE,
	STEP_UNSHARE,
	STEP_UID_MAP,
	STEP_SETGROUPS,
	STEP_GID_MAP,
	STEP_PRIVATE,
	STEP_OPEN_TREE,
	STEP_SETATTR,
	STEP_MOVE,
	/* the same three for the no-exec bind, in the same order */
	STEP_OPEN_TREE_NOEXEC,
	STEP_SETATTR_NOEXEC,
	STEP_MOVE_NOEXEC,
	/* the read-only view of the whole tree (mounts.c) */
	STEP_RO_VIEW,
	/* in the pid namespace's first process */
	STEP_INIT,
	STEP_PROC,
	NSTEPS
};

static const char *const step_names[NSTEPS] = {
	[STEP_DUMPABLE] = "PR_SET_DUMPABLE",
	[STEP_UNSHARE] = "unshare",
	[STEP_UID_MAP] = "uid_map",
	[STEP_SETGROUPS] = "setgroups",
	[STEP_GID_MAP] = "gid_map",
	[STEP_PRIVATE] = "mount",
	[STEP_OPEN_TREE] = "open_tree",
	[STEP_SETATTR] = "mount_setattr",
	[STEP_MOVE] = "move_mount",
	[STEP_OPEN_TREE_NOEXEC] = "open_tree (no-exec)",
	[STEP_SETATTR_NOEXEC] = "mount_setattr (no-exec)",
	[STEP_MOVE_NOEXEC] = "move_mount (no-exec)",
	[STEP_RO_VIEW] = "mount_setattr (read-only view)",
	[STEP_INIT] = "fork (pid namespace)",
	[STEP_PROC] = "mount /proc",
};

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t len = strlen(text);
	ssize_t n = write(fd, text, len);
	int err = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;
	close(fd);
	return err;
}

/* ns_enter, leaving in `*step` the step it was at when it returned. */
static int enter(uid_t uid, gid_t gid, int *step)
{
	char map[64];
	int err;

	/* The pid namespace takes effect for the next child, which becomes
	 * its pid 1 (ns_mount_proc); the IPC and UTS namespaces at once (a
	 * host name set inside stays inside).  All owned by the new user
	 * namespace, which unshare creates first. */
	*step = STEP_UNSHARE;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC |
		    CLONE_NEWUTS) < 0)
		return -errno;
	/* One mapping, our own ids onto themselves: files keep their owners
	 * as the command sees them, and no other id can be taken.  An
	 * unprivileged process may write its gid map only once setgroups is
	 * denied (so it cannot drop a group that denies it access). */
	*step = STEP_UID_MAP;
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	if ((err = write_file("/proc/self/uid_map", map)) < 0)
		return err;
	*step = STEP_SETGROUPS;
	if ((err = write_file("/proc/self/setgroups", "deny")) < 0)
		return err;
	*step = STEP_GID_MAP;
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	if ((err = write_file("/proc/self/gid_map", map)) < 0)
		return err;
	*step = STEP_PRIVATE;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	return 0;
}

/* A bind of `path` over itself with `attr_set` (none: nothing changed),
 * leaving in `*step` the step it was at (`first` names its open_tree). */
static int bind_over(const char *path, uint64_t attr_set, int first, int *step)
{
	struct mount_attr attr = { .attr_set = attr_set };
	int err = 0;

	/* A detached copy of the mount tree at `path` (not following a final
	 * symlink), made read-only (and no-exec) as a whole, then attached over
	 * `path`.  mount_setattr only sets those flags, so the ones a user
	 * namespace may not clear (nosuid, nodev, ...) are kept as they are. */
	*step = first;
	int fd = (int)syscall(SYS_open_tree, AT_FDCWD, path,
			      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE |
				      AT_SYMLINK_NOFOLLOW);
	if (fd < 0)
		return -errno;
	*step = first + (STEP_SETATTR - STEP_OPEN_TREE);
	if (attr_set &&
	    syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE,
		    &attr, sizeof(attr)) < 0) {
		err = -errno;
	} else {
		*step = first + (STEP_MOVE - STEP_OPEN_TREE);
		if (syscall(SYS_move_mount, fd, "", AT_FDCWD, path,
			    MOVE_MOUNT_F_EMPTY_PATH) < 0)
			err = -errno;
	}
	close(fd);
	return err;
}

int ns_enter(uid_t uid, gid_t gid)
{
	int step;
	return enter(uid, gid, &step);
}

static int bind_readonly(const char *path, int noexec, int *step)
{
	return bind_over(path,
			 MOUNT_ATTR_RDONLY | (noexec ? MOUNT_ATTR_NOEXEC : 0),
			 noexec ? STEP_OPEN_TREE_NOEXEC : STEP_OPEN_TREE, step);
}

int ns_bind_readonly(const char *path, int noexec)
{
	int step;
	return bind_readonly(path, noexec, &step);
}

int ns_mount_proc(void)
{
	/* Over the inherited /proc, which it hides.  procfs shows the pid
	 * namespace of whoever mounts it: only this namespace's processes,
	 * /proc/self the caller's own.  Its root is a new inode, which no
	 * Landlock rule names yet (exec.c adds one). */
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0)
		return -errno;
	return 0;
}

int ns_net_loopback(void)
{
	struct ifreq ifr;
	int err = 0;

	/* A new network namespace has a loopback device only, and it is down:
	 * nothing, not even 127.0.0.1, answers until it is brought up.  An
	 * ioctl on any inet socket of the namespace does it. */
	if (unshare(CLONE_NEWNET) < 0)
		return -errno;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		err = -errno;
	} else {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			err = -errno;
	}
	close(fd);
	return err;
}

int ns_pin(const char *path)
{
	/* The same bind with nothing changed: a mount point cannot be
	 * renamed, removed or replaced (EBUSY), its contents keep their
	 * rights.  Row 27: a repository's .git stays the one nono read. */
	int step;
	return bind_over(path, 0, STEP_OPEN_TREE, &step);
}

/* What the probe's child writes to its parent when a step fails. */
struct probe_report {
	int step;
	int err;
};

/* The probe's child and its pid 1 run in this process's memory, on stacks
 * of their own, while their parent waits (CLONE_VM | CLONE_VFORK, as
 * posix_spawn does): no copy of the page tables, and none of the caller's
 * pages left copy-on-write for the rest of its start-up, where fork cost
 * about a fifth of the probe. */
#define PROBE_STACK (64 * 1024)
#define PROC_STACK (8 * 1024)

static int probe_proc(void *unused)
{
	(void)unused;
	_exit(-ns_mount_proc() & 0xff);
}

struct probe_args {
	const char *path;
	int fd;
};

/* The probe's child: the sandboxed command's namespace steps, in its
 * order, through the same functions.  As in that child, nothing that
 * allocates or locks: the caller may have other threads, and the memory
 * is the caller's. */
static int probe_child(void *arg)
{
	const struct probe_args *a = arg;
	const char *path = a->path;
	struct probe_report r = { .step = STEP_DUMPABLE };
	int err = 0;

	/* As the command's child does: a non-dumpable parent leaves our /proc
	 * files owned by root, and an unprivileged process could not write
	 * its own uid_map.  (The flag is the shared memory's: ns_available
	 * puts the caller's back.) */
	if (prctl(PR_SET_DUMPABLE, 1L, 0L, 0L, 0L) < 0)
		err = -errno;
	if (err == 0)
		err = enter(getuid(), getgid(), &r.step);
	if (err == 0 && path)
		err = bind_readonly(path, 0, &r.step);
	if (err == 0 && path)
		err = bind_readonly(path, 1, &r.step);
	if (err == 0) {
		r.step = STEP_RO_VIEW;
		err = mounts_readonly_root();
	}
	if (err == 0) {
		/* The command's child is pid 1 of the new namespace and mounts
		 * /proc there; so does this one's.  (A /proc with parts of it
		 * hidden by other mounts, a container's, cannot be mounted
		 * again.) */
		_Alignas(16) char stack[PROC_STACK];
		int status;
		r.step = STEP_INIT;
		pid_t init = clone(probe_proc, stack + sizeof(stack),
				   CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
		if (init < 0)
			err = -errno;
		else if (waitpid(init, &status, 0) < 0)
			err = -errno;
		else if (!WIFEXITED(status))
			err = -ECHILD;
		else if (WEXITSTATUS(status) != 0) {
			r.step = STEP_PROC;
			err = -WEXITSTATUS(status);
		}
	}
	/* Success is said too (step -1): the early probe's child may be
	 * reaped by someone else (the supervisor reaps every orphan), so the
	 * answer is the word on the pipe, never the exit status. */
	if (err == 0)
		r.step = -1;
	r.err = -err;
	ssize_t n = write(a->fd, &r, sizeof(r));
	(void)n;
	_exit(err == 0 ? 0 : 1);
}

/* The probe's answer on `fd` (its child's pid `pid`, reaped here if it is
 * still ours): 1, 0 with the failed step in *out, or -ECHILD for a child
 * that said nothing. */
static int collect(pid_t pid, int fd, struct probe_report *out)
{
	struct probe_report r;
	ssize_t n;
	int status;

	do
		n = read(fd, &r, sizeof(r));
	while (n < 0 && errno == EINTR);
	close(fd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(r))
		return -ECHILD;
	if (r.step == -1)
		return 1;
	if (r.step < 0 || r.step >= NSTEPS)
		return -ECHILD;
	*out = r;
	return 0;
}

/* The early probe: started by ns_probe_early before the caller has grown
 * (the launcher's first step), answered by the first ns_available. */
static struct {
	pid_t pid;
	int fd;
} early = { 0, -1 };

void ns_probe_early(const char *path)
{
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) < 0)
		return;
	/* A fork, not the probe's shared-memory child: this one runs while
	 * the caller goes on (a shared memory would share errno too).  Taken
	 * before the caller has allocated much, so few of its pages are left
	 * copy-on-write. */
	pid_t pid = fork();
	if (pid == 0) {
		struct probe_args a = { .path = path, .fd = fds[1] };
		close(fds[0]);
		probe_child(&a);
	}
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		return;
	}
	early.pid = pid;
	early.fd = fds[0];
}

/* The first bytes of a small file, NUL-terminated; "" when it cannot be
 * read. */
static void read_small(const char *path, char *buf, size_t size)
{
	ssize_t n = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, size - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
}

int ns_likely(void)
{
	char buf[64];
	const int root = geteuid() == 0;

	read_small("/proc/sys/user/max_user_namespaces", buf, sizeof(buf));
	if (strcmp(buf, "0\n") == 0)
		return 0;
	read_small("/proc/sys/kernel/unprivileged_userns_clone", buf, sizeof(buf));
	if (!root && strcmp(buf, "0\n") == 0)
		return 0;
	read_small("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", buf, sizeof(buf));
	if (!root && strcmp(buf, "1\n") == 0)
		return 0;
	/* 0: no filter; 2: one (strict mode, 1, could not be running this);
	 * -1: prctl itself refused, which only a filter does */
	return prctl(PR_GET_SECCOMP, 0L, 0L, 0L, 0L) == 0;
}

static int assumed;

void ns_assume(void)
{
	assumed = 1;
}

int ns_assumable(void)
{
	return assumed && early.pid == 0;
}

int ns_available(const char *path, struct ns_probe *why)
{
	int fds[2];

	if (early.pid > 0) {
		pid_t pid = early.pid;
		early.pid = 0;
		struct probe_report r;
		int ok = collect(pid, early.fd, &r);
		/* It bound the working directory: a bind that failed there says
		 * nothing of `path`, which is probed as before.  (A child that
		 * said nothing is asked again too.) */
		if (ok == 1 || (ok == 0 && (!path || r.step < STEP_OPEN_TREE ||
					    r.step > STEP_MOVE_NOEXEC))) {
			if (ok == 0) {
				why->step = step_names[r.step];
				why->err = r.err;
			}
			return ok;
		}
	}
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	struct probe_args a = { .path = path, .fd = fds[1] };
	pid_t pid = vfork_on_stack(probe_child, &a, PROBE_STACK);
	int err = pid < 0 ? -errno : 0;
	close(fds[1]);
	if (err < 0) {
		close(fds[0]);
		return err;
	}
	struct probe_report r;
	int ok = collect(pid, fds[0], &r);
	if (ok == 0) {
		why->step = step_names[r.step];
		why->err = r.err;
	}
	return ok;
}
