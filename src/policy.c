#define _GNU_SOURCE
#include "policy.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "landlock.h"
#include "overlay.h"
#include "seccomp.h"

/* Rules go into the kernel's ruleset as they are added, each path fd
 * closed right after: a policy of thousands of rules (a home directory
 * narrowed entry by entry) must not hold thousands of descriptors. */
struct nono_policy {
	uint64_t handled_fs, handled_net, scoped;
	unsigned seccomp_opts;
	int session;
	int private_mounts; /* a user+mount namespace even with no bind */
	int private_net;    /* a network namespace with loopback only */
	int inherit_fd;     /* -1, or the one fd above 2 the command keeps */
	int netns_fd, netns_port; /* policy_set_netns; -1 without */
	int ruleset; /* -1 until the first rule */
	int ro_view;        /* everything read-only but rw_binds */
	int devpts;         /* a devpts instance of the command's own */
	int pty_relay;      /* the command's terminal: a pty of that instance */
	char **ro_binds, **noexec_binds, **pins, **rw_binds, **hides;
	size_t nbinds, nnoexec, npins, nrw, nhides;
	struct policy_over *overs;
	size_t novers;
	struct overlay_plan *overlays; /* NULL unless --ephemeral */
};

struct nono_policy *policy_new(uint64_t handled_fs)
{
	struct nono_policy *p = calloc(1, sizeof(*p));
	if (p) {
		p->handled_fs = handled_fs;
		p->ruleset = -1;
		p->inherit_fd = -1;
		p->netns_fd = -1;
	}
	return p;
}

uint64_t policy_handled_fs(const struct nono_policy *p)
{
	return p->handled_fs;
}

int policy_set_net(struct nono_policy *p, uint64_t handled_net)
{
	if (p->ruleset >= 0)
		return -EBUSY;
	p->handled_net = handled_net;
	return 0;
}

int policy_set_scoped(struct nono_policy *p, uint64_t scoped)
{
	if (p->ruleset >= 0)
		return -EBUSY;
	p->scoped = scoped;
	return 0;
}

static int ensure_ruleset(struct nono_policy *p)
{
	if (p->ruleset < 0) {
		int fd = landlock_ruleset_create(p->handled_fs, p->handled_net,
						 p->scoped);
		if (fd < 0)
			return fd;
		p->ruleset = fd;
	}
	return 0;
}

int policy_add_port(struct nono_policy *p, uint64_t port, uint64_t access)
{
	if (port > 65535 || !access || (access & ~p->handled_net))
		return -EINVAL;
	int err = ensure_ruleset(p);
	if (err)
		return err;
	return landlock_ruleset_add_port(p->ruleset, port, access);
}

int policy_set_seccomp(struct nono_policy *p, unsigned opts)
{
	if (opts & ~(unsigned)(SECCOMP_OPT_NET_BLOCK | SECCOMP_OPT_NET_PROXY))
		return -EINVAL;
	p->seccomp_opts = opts;
	return 0;
}

unsigned policy_seccomp_opts(const struct nono_policy *p)
{
	return p->seccomp_opts;
}

int policy_set_session(struct nono_policy *p, int session)
{
	if (session != POLICY_SESSION_KEEP && session != POLICY_SESSION_NEW)
		return -EINVAL;
	p->session = session;
	return 0;
}

int policy_session(const struct nono_policy *p)
{
	return p->session;
}

/* Row 24 of the threat model: the path was canonicalised by the caller; if a
 * component became a symlink since, openat2 fails with ELOOP instead of
 * following it, so the fd Landlock gets is the directory that was checked. */
static int open_no_symlinks(const char *path)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
	if (fd < 0)
		return -errno;
	return (int)fd;
}

int policy_add_path(struct nono_policy *p, const char *canonical_path,
		    uint64_t access)
{
	struct stat st;
	int fd, err;

	if (canonical_path[0] != '/' || (access & ~p->handled_fs))
		return -EINVAL;
	err = ensure_ruleset(p);
	if (err < 0)
		return err;
	fd = open_no_symlinks(canonical_path);
	if (fd < 0)
		return fd;
	/* Landlock refuses directory rights on anything else (EINVAL); only
	 * then is the file asked what it is, to say so (a system call per rule
	 * fewer on every start). */
	err = landlock_ruleset_add_path(p->ruleset, fd, access);
	if (err == -EINVAL && (access & ~landlock_fs_file_rights()) &&
	    fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
		err = -ENOTDIR;
	close(fd);
	return err;
}

static int entry_name_ok(const char *name)
{
	return name[0] && !strchr(name, '/') && strcmp(name, ".") != 0 &&
	       strcmp(name, "..") != 0;
}

int policy_add_entries(struct nono_policy *p, const char *canonical_dir,
		       const char *const *names, const uint64_t *masks,
		       size_t n, int skip_missing, size_t *failed)
{
	struct open_how dir_how = {
		.flags = O_PATH | O_CLOEXEC | O_DIRECTORY,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	struct open_how entry_how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	uint64_t file_rights = landlock_fs_file_rights();
	int err = 0;

	*failed = 0;
	if (n == 0)
		return 0;
	if (canonical_dir[0] != '/')
		return -EINVAL;
	err = ensure_ruleset(p);
	if (err < 0)
		return err;
	/* Row 24, as open_no_symlinks: the directory checked is the one
	 * Landlock gets, and every entry is looked up beneath it. */
	int dfd = (int)syscall(SYS_openat2, AT_FDCWD, canonical_dir, &dir_how,
			       sizeof(dir_how));
	if (dfd < 0)
		return errno == ENOENT && skip_missing ? 0 : -errno;
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (!entry_name_ok(names[i]) || (masks[i] & ~p->handled_fs)) {
			err = -EINVAL;
		} else {
			int fd = (int)syscall(SYS_openat2, dfd, names[i], &entry_how,
					      sizeof(entry_how));
			if (fd < 0) {
				if (errno == ENOENT && skip_missing)
					continue;
				err = -errno;
			} else {
				if ((masks[i] & ~file_rights) && fstat(fd, &st) < 0)
					err = -errno;
				else if ((masks[i] & ~file_rights) && !S_ISDIR(st.st_mode))
					err = -ENOTDIR;
				else
					err = landlock_ruleset_add_path(p->ruleset, fd, masks[i]);
				close(fd);
			}
		}
		if (err < 0) {
			*failed = i;
			break;
		}
	}
	close(dfd);
	return err;
}

int policy_build_ruleset(struct nono_policy *p)
{
	int err = ensure_ruleset(p);
	if (err < 0)
		return err;
	int fd = fcntl(p->ruleset, F_DUPFD_CLOEXEC, 3);
	return fd < 0 ? -errno : fd;
}

/* Append a copy of `path` to a list of paths. */
static int push_path(char ***list, size_t *n, const char *path)
{
	if (path[0] != '/')
		return -EINVAL;
	char **v = realloc(*list, (*n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	*list = v;
	if (!(v[*n] = strdup(path)))
		return -ENOMEM;
	(*n)++;
	return 0;
}

int policy_add_ro_bind(struct nono_policy *p, const char *canonical_path)
{
	return push_path(&p->ro_binds, &p->nbinds, canonical_path);
}

int policy_add_noexec_bind(struct nono_policy *p, const char *canonical_path)
{
	return push_path(&p->noexec_binds, &p->nnoexec, canonical_path);
}

int policy_add_pin(struct nono_policy *p, const char *canonical_path)
{
	return push_path(&p->pins, &p->npins, canonical_path);
}

void policy_set_ro_view(struct nono_policy *p)
{
	p->ro_view = 1;
}

int policy_ro_view(const struct nono_policy *p)
{
	return p->ro_view;
}

int policy_add_rw_bind(struct nono_policy *p, const char *canonical_path)
{
	return push_path(&p->rw_binds, &p->nrw, canonical_path);
}

size_t policy_rw_binds(const struct nono_policy *p, char *const **paths)
{
	*paths = p->rw_binds;
	return p->nrw;
}

int policy_add_over(struct nono_policy *p, const char *source,
		    const char *target, int readonly)
{
	if (source[0] != '/' || target[0] != '/')
		return -EINVAL;
	struct policy_over *v = realloc(p->overs, (p->novers + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	p->overs = v;
	v[p->novers].source = strdup(source);
	v[p->novers].target = strdup(target);
	v[p->novers].readonly = readonly;
	if (!v[p->novers].source || !v[p->novers].target) {
		free(v[p->novers].source);
		free(v[p->novers].target);
		return -ENOMEM;
	}
	p->novers++;
	return 0;
}

size_t policy_overs(const struct nono_policy *p,
		    const struct policy_over **overs)
{
	*overs = p->overs;
	return p->novers;
}

int policy_add_hide(struct nono_policy *p, const char *canonical_path)
{
	return push_path(&p->hides, &p->nhides, canonical_path);
}

size_t policy_hides(const struct nono_policy *p, char *const **paths)
{
	*paths = p->hides;
	return p->nhides;
}

void policy_set_devpts(struct nono_policy *p)
{
	p->devpts = 1;
}

int policy_devpts(const struct nono_policy *p)
{
	return p->devpts;
}

void policy_set_pty_relay(struct nono_policy *p)
{
	p->pty_relay = 1;
}

int policy_pty_relay(const struct nono_policy *p)
{
	return p->devpts && p->pty_relay;
}

void policy_set_private_mounts(struct nono_policy *p)
{
	p->private_mounts = 1;
}

void policy_set_private_net(struct nono_policy *p)
{
	p->private_net = 1;
	p->private_mounts = 1;
}

int policy_private_net(const struct nono_policy *p)
{
	return p->private_net;
}

int policy_private_mounts(const struct nono_policy *p)
{
	return p->private_mounts || p->ro_view || p->nbinds > 0 ||
	       p->nnoexec > 0 || p->npins > 0 || p->nrw > 0 || p->nhides > 0;
}

int policy_set_inherit_fd(struct nono_policy *p, int fd)
{
	if (fd < 3)
		return -EINVAL;
	p->inherit_fd = fd;
	return 0;
}

int policy_inherit_fd(const struct nono_policy *p)
{
	return p->inherit_fd;
}

size_t policy_ro_binds(const struct nono_policy *p, char *const **paths)
{
	*paths = p->ro_binds;
	return p->nbinds;
}

size_t policy_noexec_binds(const struct nono_policy *p, char *const **paths)
{
	*paths = p->noexec_binds;
	return p->nnoexec;
}

size_t policy_pins(const struct nono_policy *p, char *const **paths)
{
	*paths = p->pins;
	return p->npins;
}

int policy_set_netns(struct nono_policy *p, int port, int send_fd)
{
	if (port <= 0 || port > 65535 || send_fd < 0)
		return -EINVAL;
	p->netns_port = port;
	p->netns_fd = send_fd;
	p->private_mounts = 1;
	return 0;
}

int policy_netns(const struct nono_policy *p, int *port)
{
	*port = p->netns_port;
	return p->netns_fd;
}

static struct overlay_plan *overlays_of(struct nono_policy *p)
{
	if (!p->overlays)
		p->overlays = overlay_plan_new();
	return p->overlays;
}

int policy_add_overlay(struct nono_policy *p, const char *target,
		       const char *upper, const char *work)
{
	struct overlay_plan *o = overlays_of(p);
	if (!o)
		return -ENOMEM;
	p->private_mounts = 1;
	return overlay_plan_add(o, target, upper, work);
}

int policy_add_overlay_rule(struct nono_policy *p, const char *path,
			    uint64_t access)
{
	struct overlay_plan *o = overlays_of(p);
	if (!o)
		return -ENOMEM;
	if (access & ~p->handled_fs)
		return -EINVAL;
	return overlay_plan_rule(o, path, access);
}

const struct overlay_plan *policy_overlays(const struct nono_policy *p)
{
	return p->overlays;
}

void policy_free(struct nono_policy *p)
{
	if (!p)
		return;
	overlay_plan_free(p->overlays);
	for (size_t i = 0; i < p->nbinds; i++)
		free(p->ro_binds[i]);
	free(p->ro_binds);
	for (size_t i = 0; i < p->nnoexec; i++)
		free(p->noexec_binds[i]);
	free(p->noexec_binds);
	for (size_t i = 0; i < p->npins; i++)
		free(p->pins[i]);
	free(p->pins);
	for (size_t i = 0; i < p->nrw; i++)
		free(p->rw_binds[i]);
	free(p->rw_binds);
	for (size_t i = 0; i < p->nhides; i++)
		free(p->hides[i]);
	free(p->hides);
	for (size_t i = 0; i < p->novers; i++) {
		free(p->overs[i].source);
		free(p->overs[i].target);
	}
	free(p->overs);
	if (p->ruleset >= 0)
		close(p->ruleset);
	free(p);
}
