#define _GNU_SOURCE
#include "overlay.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/mount.h>
#include <linux/openat2.h>

#include "landlock.h"

struct mount_entry {
	char *target, *upper, *work;
};

struct rule_entry {
	char *path;
	uint64_t access;
};

struct overlay_plan {
	struct mount_entry *mounts;
	size_t nmounts;
	struct rule_entry *rules;
	size_t nrules;
};

struct overlay_plan *overlay_plan_new(void)
{
	return calloc(1, sizeof(struct overlay_plan));
}

int overlay_plan_add(struct overlay_plan *o, const char *target,
		     const char *upper, const char *work)
{
	if (target[0] != '/' || upper[0] != '/' || work[0] != '/')
		return -EINVAL;
	struct mount_entry *m = realloc(o->mounts, (o->nmounts + 1) * sizeof(*m));
	if (!m)
		return -ENOMEM;
	o->mounts = m;
	m += o->nmounts;
	m->target = strdup(target);
	m->upper = strdup(upper);
	m->work = strdup(work);
	if (!m->target || !m->upper || !m->work) {
		free(m->target);
		free(m->upper);
		free(m->work);
		return -ENOMEM;
	}
	o->nmounts++;
	return 0;
}

int overlay_plan_rule(struct overlay_plan *o, const char *path,
		      uint64_t access)
{
	if (path[0] != '/')
		return -EINVAL;
	struct rule_entry *r = realloc(o->rules, (o->nrules + 1) * sizeof(*r));
	if (!r)
		return -ENOMEM;
	o->rules = r;
	r += o->nrules;
	r->path = strdup(path);
	if (!r->path)
		return -ENOMEM;
	r->access = access;
	o->nrules++;
	return 0;
}

void overlay_plan_free(struct overlay_plan *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->nmounts; i++) {
		free(o->mounts[i].target);
		free(o->mounts[i].upper);
		free(o->mounts[i].work);
	}
	free(o->mounts);
	for (size_t i = 0; i < o->nrules; i++)
		free(o->rules[i].path);
	free(o->rules);
	free(o);
}

static int set_string(int fs, const char *key, const char *value)
{
	return (int)syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, key, value, 0);
}

/* The new mount API takes each layer as one parameter, so a path holding
 * ',' or ':' needs no escaping (the old option string would split it).
 * userxattr: the namespace's root may not set trusted.* xattrs, so
 * whiteouts and opaque directories are marked with user.overlay.*. */
static int mount_one(const struct mount_entry *m)
{
	int err = 0, mnt = -1;
	int fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -errno;
	if (set_string(fs, "lowerdir+", m->target) < 0)
		goto fail;
	if (set_string(fs, "upperdir", m->upper) < 0)
		goto fail;
	if (set_string(fs, "workdir", m->work) < 0)
		goto fail;
	if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0)
		goto fail;
	if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		goto fail;
	mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
	if (mnt < 0)
		goto fail;
	if (syscall(SYS_move_mount, mnt, "", AT_FDCWD, m->target,
		    MOVE_MOUNT_F_EMPTY_PATH) < 0)
		goto fail;
	goto out;
fail:
	err = -errno;
out:
	if (mnt >= 0)
		close(mnt);
	close(fs);
	return err;
}

int overlay_apply(const struct overlay_plan *o, int ruleset)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	if (!o)
		return 0;
	for (size_t i = 0; i < o->nmounts; i++) {
		int err = mount_one(&o->mounts[i]);
		if (err < 0)
			return err;
	}
	for (size_t i = 0; i < o->nrules; i++) {
		int fd = (int)syscall(SYS_openat2, AT_FDCWD, o->rules[i].path,
				      &how, sizeof(how));
		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			return -errno;
		}
		int err = landlock_ruleset_add_path(ruleset, fd, o->rules[i].access);
		close(fd);
		if (err < 0)
			return err;
	}
	return 0;
}
