#define _GNU_SOURCE
#include "ns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/mount.h>

int ns_available(void)
{
	int status;
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0 ? 0 : 1);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

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

int ns_enter(uid_t uid, gid_t gid)
{
	char map[64];
	int err;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return -errno;
	/* One mapping, our own ids onto themselves: files keep their owners
	 * as the command sees them, and no other id can be taken.  An
	 * unprivileged process may write its gid map only once setgroups is
	 * denied (so it cannot drop a group that denies it access). */
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	if ((err = write_file("/proc/self/uid_map", map)) < 0)
		return err;
	if ((err = write_file("/proc/self/setgroups", "deny")) < 0)
		return err;
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	if ((err = write_file("/proc/self/gid_map", map)) < 0)
		return err;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	return 0;
}

static int bind_over(const char *path, uint64_t attr_set)
{
	struct mount_attr attr = { .attr_set = attr_set };
	int err = 0;

	/* A detached copy of the mount tree at `path` (not following a final
	 * symlink), made read-only (and no-exec) as a whole, then attached over
	 * `path`.  mount_setattr only sets those flags, so the ones a user
	 * namespace may not clear (nosuid, nodev, ...) are kept as they are. */
	int fd = (int)syscall(SYS_open_tree, AT_FDCWD, path,
			      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE |
				      AT_SYMLINK_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if ((attr_set &&
	     syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE,
		     &attr, sizeof(attr)) < 0) ||
	    syscall(SYS_move_mount, fd, "", AT_FDCWD, path,
		    MOVE_MOUNT_F_EMPTY_PATH) < 0)
		err = -errno;
	close(fd);
	return err;
}

int ns_bind_readonly(const char *path, int noexec)
{
	return bind_over(path,
			 MOUNT_ATTR_RDONLY | (noexec ? MOUNT_ATTR_NOEXEC : 0));
}

int ns_pin(const char *path)
{
	/* The same bind with nothing changed: a mount point cannot be
	 * renamed, removed or replaced (EBUSY), its contents keep their
	 * rights.  Row 27: a repository's .git stays the one nono read. */
	return bind_over(path, 0);
}
