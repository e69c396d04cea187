/* nono-layers-apply — call nono_apply until it refuses, and show that the
 * refusal left the process as it was.  Landlock stacks at most 16 domains
 * per process; past that restrict_self fails, and nono_apply must say so
 * before changing anything, not abort half-way.  Prints:
 *   applied N        how many nono_apply calls were put in force
 *   refused ENAME    the first refusal (E2BIG at the kernel's limit)
 *   filters A B      Seccomp_filters before and after the refused call
 *   kernel ENAME     a bare landlock_restrict_self after it: the kernel's
 *                    own answer, so the limit is real, not nono's
 *   alive            the process went on, still able to read what it may
 * Exit 0 when it ran to the end. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <nono.h>

#include "../../vendor/landlock_uapi.h"

/* A field of /proc/self/status, or -1. */
static int status_field(const char *name)
{
	char line[256];
	int v = -1;
	size_t len = strlen(name);
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, name, len) == 0 && line[len] == ':') {
			sscanf(line + len + 1, "%d", &v);
			break;
		}
	fclose(f);
	return v;
}

static const char *name_of(int err)
{
	const char *s = strerrorname_np(err);
	return s ? s : "?";
}

int main(void)
{
	int applied = 0, err = 0;

	/* Each layer grants /proc: nono_apply counts threads there. */
	for (int i = 0; i < 64; i++) {
		struct nono_policy *p = nono_policy_new();
		if (!p) {
			printf("nono_policy_new %s\n", name_of(errno));
			return 1;
		}
		err = nono_policy_allow(p, "/proc", NONO_READ);
		if (err < 0) {
			printf("allow /proc %s\n", name_of(-err));
			return 1;
		}
		int before = status_field("Seccomp_filters");
		err = nono_apply(p);
		int after = status_field("Seccomp_filters");
		nono_policy_free(p);
		if (err < 0) {
			printf("applied %d\nrefused %s\nfilters %d %d\n", applied,
			       name_of(-err), before, after);
			break;
		}
		applied++;
	}
	if (err == 0) {
		printf("applied %d\nnever refused\n", applied);
		return 1;
	}

	struct landlock_ruleset_attr attr = {
		.handled_access_fs = LANDLOCK_ACCESS_FS_READ_FILE,
	};
	int ruleset = (int)syscall(__NR_landlock_create_ruleset, &attr,
				   sizeof(attr.handled_access_fs), 0U);
	if (ruleset < 0 ||
	    syscall(__NR_landlock_restrict_self, ruleset, 0U) == 0)
		printf("kernel %s\n", ruleset < 0 ? name_of(errno) : "applied");
	else
		printf("kernel %s\n", name_of(errno));

	/* Still running, and still able to read what every layer grants. */
	printf(status_field("Threads") == 1 ? "alive\n" : "no /proc\n");
	return 0;
}
