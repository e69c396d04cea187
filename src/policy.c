#define _GNU_SOURCE
#include "policy.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "landlock.h"

struct rule {
	int fd;
	uint64_t access;
};

struct nono_policy {
	uint64_t handled_fs;
	struct rule *rules;
	size_t nrules, cap;
};

struct nono_policy *policy_new(uint64_t handled_fs)
{
	struct nono_policy *p = calloc(1, sizeof(*p));
	if (p)
		p->handled_fs = handled_fs;
	return p;
}

uint64_t policy_handled_fs(const struct nono_policy *p)
{
	return p->handled_fs;
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
	int fd;

	if (canonical_path[0] != '/' || (access & ~p->handled_fs))
		return -EINVAL;
	if (p->nrules == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 32;
		struct rule *r = realloc(p->rules, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		p->rules = r;
		p->cap = cap;
	}
	fd = open_no_symlinks(canonical_path);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	if (!S_ISDIR(st.st_mode) && (access & ~landlock_fs_file_rights())) {
		close(fd);
		return -ENOTDIR;
	}
	p->rules[p->nrules++] = (struct rule){ .fd = fd, .access = access };
	return 0;
}

int policy_build_ruleset(const struct nono_policy *p)
{
	int ruleset = landlock_ruleset_create(p->handled_fs);
	if (ruleset < 0)
		return ruleset;
	for (size_t i = 0; i < p->nrules; i++) {
		int err = landlock_ruleset_add_path(ruleset, p->rules[i].fd,
						    p->rules[i].access);
		if (err < 0) {
			close(ruleset);
			return err;
		}
	}
	return ruleset;
}

void policy_free(struct nono_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nrules; i++)
		close(p->rules[i].fd);
	free(p->rules);
	free(p);
}
