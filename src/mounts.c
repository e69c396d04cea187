#define _GNU_SOURCE
#include "mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/mount.h>
#include <linux/openat2.h>

#include "landlock.h"
#include "ns.h"
#include "../vendor/landlock_uapi.h"

/* A detached copy of the mount tree at `path`, whole (a user namespace
 * may not take a mount apart from the ones locked beneath it); a final
 * symlink is not followed.  The fd, or -errno. */
static int clone_tree(const char *path)
{
	int fd = (int)syscall(SYS_open_tree, AT_FDCWD, path,
			      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE |
				      AT_SYMLINK_NOFOLLOW);
	return fd < 0 ? -errno : fd;
}

/* mount_setattr only sets: what the outer namespace locked (read-only,
 * nosuid, nodev, noexec) stays as it was. */
static int set_attr(int dfd, const char *path, unsigned flags, uint64_t set)
{
	struct mount_attr attr = { .attr_set = set };
	if (syscall(SYS_mount_setattr, dfd, path, flags, &attr, sizeof(attr)) < 0)
		return -errno;
	return 0;
}

static int attach(int fd, const char *path)
{
	if (syscall(SYS_move_mount, fd, "", AT_FDCWD, path,
		    MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}

int mounts_readonly_root(void)
{
	/* One call for the whole tree, however many mounts it has: the
	 * kernel checks them all first and changes all or none. */
	return set_attr(AT_FDCWD, "/", AT_RECURSIVE,
			MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID);
}

/* Row 22: read-only and nosuid everywhere but the write grants.  Their
 * copies are taken first, while they are still writable, and put back
 * over themselves once the rest is read-only: the same directories and
 * files (Landlock's rules, made on the same inodes, still hold), writable
 * as they were, nosuid as everything else.  Parents come before children
 * in the plan, so a copy never hides one put back before it.  Then the
 * overs (policy_add_over), copied at the same time, on top. */
static int readonly_view(const struct nono_policy *p, const char **failed)
{
	int fds[MOUNTS_MAX_RW];
	char *const *rw;
	const struct policy_over *ov;
	size_t n = policy_rw_binds(p, &rw), m = policy_overs(p, &ov);
	size_t held = 0;
	int err = 0;

	if (n + m > MOUNTS_MAX_RW) {
		*failed = n > MOUNTS_MAX_RW ? rw[MOUNTS_MAX_RW] : ov[MOUNTS_MAX_RW - n].source;
		return -E2BIG;
	}
	for (size_t i = 0; i < n + m && err == 0; i++) {
		int ro = i >= n && ov[i - n].readonly;
		*failed = i < n ? rw[i] : ov[i - n].source;
		fds[i] = clone_tree(*failed);
		if (fds[i] < 0) {
			err = fds[i];
			break;
		}
		held = i + 1;
		err = set_attr(fds[i], "", AT_EMPTY_PATH | AT_RECURSIVE,
			       MOUNT_ATTR_NOSUID | (ro ? MOUNT_ATTR_RDONLY : 0));
	}
	if (err == 0) {
		*failed = "/";
		err = mounts_readonly_root();
	}
	for (size_t i = 0; i < n + m && err == 0; i++) {
		*failed = i < n ? rw[i] : ov[i - n].target;
		err = attach(fds[i], *failed);
	}
	for (size_t i = 0; i < held; i++)
		close(fds[i]);
	return err;
}

/* An empty tmpfs, read-only, its root mode 000 with one empty mode-000
 * file "empty" in it: what hidden paths are covered with.  Nobody inside
 * keeps a capability, so nothing there can be listed, opened or changed
 * (the same cover the supervisor puts over an expired grant). */
static int empty_tmpfs(void)
{
	int fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC), mnt = -1;
	int err = 0;

	if (fs < 0)
		return -errno;
	if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "mode", "000", 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "size", "4k", 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		err = -errno;
	if (err == 0) {
		mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
				   MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
					   MOUNT_ATTR_NOEXEC);
		if (mnt < 0)
			err = -errno;
	}
	close(fs);
	if (err == 0) {
		int f = openat(mnt, "empty", O_CREAT | O_WRONLY | O_CLOEXEC, 0);
		if (f < 0)
			err = -errno;
		else
			close(f);
	}
	if (err == 0)
		err = set_attr(mnt, "", AT_EMPTY_PATH, MOUNT_ATTR_RDONLY);
	if (err < 0) {
		if (mnt >= 0)
			close(mnt);
		return err;
	}
	return mnt;
}

/* Row 9: an outside daemon's socket (or the directory of several) under
 * an empty cover: connect() finds no socket there.  The path is walked
 * without following a symlink, as it was planned; one gone since has
 * nothing left to reach and is skipped. */
static int hide_all(const struct nono_policy *p, const char **failed)
{
	struct open_how how = {
		.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	char *const *paths;
	size_t n = policy_hides(p, &paths);
	int err = 0, mnt;

	if (n == 0)
		return 0;
	*failed = paths[0];
	mnt = empty_tmpfs();
	if (mnt < 0)
		return mnt;
	for (size_t i = 0; i < n && err == 0; i++) {
		struct stat st;
		int src = -1;

		*failed = paths[i];
		int target = (int)syscall(SYS_openat2, AT_FDCWD, paths[i], &how,
					  sizeof(how));
		if (target < 0) {
			if (errno != ENOENT)
				err = -errno;
			continue;
		}
		if (fstat(target, &st) < 0)
			err = -errno;
		else if (S_ISDIR(st.st_mode))
			src = (int)syscall(SYS_open_tree, mnt, "",
					   OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
						   AT_EMPTY_PATH);
		else
			src = (int)syscall(SYS_open_tree, mnt, "empty",
					   OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (err == 0 && src < 0)
			err = -errno;
		if (err == 0) {
			if (syscall(SYS_move_mount, src, "", target, "",
				    MOVE_MOUNT_F_EMPTY_PATH |
					    MOVE_MOUNT_T_EMPTY_PATH) < 0)
				err = -errno;
			close(src);
		}
		close(target);
	}
	close(mnt);
	return err;
}

/* Row 29: pseudo-terminals of the command's own.  The host's /dev/pts
 * holds the user's other terminals, so the system set grants none of it
 * but the session's own; a pty made there could not be opened either.  A
 * new instance holds only what is made inside.  glibc opens /dev/ptmx,
 * which finds the instance in the pts directory beside it one mount deep
 * (the host's copy, under this one); the instance's own ptmx node always
 * finds its own, so it is bound over /dev/ptmx. */
static int new_devpts(const char **failed)
{
	*failed = "/dev/pts";
	if (mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		  "newinstance,ptmxmode=0666,mode=0600") < 0)
		return -errno;
	*failed = "/dev/ptmx";
	int fd = clone_tree("/dev/pts/ptmx");
	if (fd < 0)
		return fd;
	int err = attach(fd, "/dev/ptmx");
	close(fd);
	return err;
}

int mounts_devpts_rules(int ruleset, uint64_t handled)
{
	/* (the rights of the system set's /dev/pts/N and /dev/ptmx) */
	uint64_t rights = (LANDLOCK_ACCESS_FS_READ_FILE |
			   LANDLOCK_ACCESS_FS_WRITE_FILE |
			   LANDLOCK_ACCESS_FS_IOCTL_DEV) & handled;
	static const char *const paths[] = { "/dev/pts", "/dev/ptmx" };
	int err = 0;

	for (size_t i = 0; i < 2 && err == 0; i++) {
		int fd = open(paths[i], O_PATH | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		err = landlock_ruleset_add_path(ruleset, fd, rights);
		close(fd);
	}
	return err;
}

int mounts_apply(const struct nono_policy *p, const char **failed)
{
	char *const *binds;
	size_t n;
	int err = 0;

	*failed = "/";
	if (policy_ro_view(p))
		err = readonly_view(p, failed);
	if (err == 0)
		err = hide_all(p, failed);
	if (err == 0 && policy_devpts(p))
		err = new_devpts(failed);
	/* pins first: the read-only binds beneath them go on top */
	n = policy_pins(p, &binds);
	for (size_t i = 0; err == 0 && i < n; i++)
		err = ns_pin(*failed = binds[i]);
	n = policy_ro_binds(p, &binds);
	for (size_t i = 0; err == 0 && i < n; i++)
		err = ns_bind_readonly(*failed = binds[i], 0);
	n = policy_noexec_binds(p, &binds);
	for (size_t i = 0; err == 0 && i < n; i++)
		err = ns_bind_readonly(*failed = binds[i], 1);
	return err;
}
