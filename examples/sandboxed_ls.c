/* sandboxed_ls DIR [OTHER] — the C API in a few lines: allow reading DIR
 * (and what ls itself needs), sandbox this process, exec ls.  With OTHER,
 * ls lists both: DIR is listed, OTHER is denied by the kernel.
 *
 * Built by CMake as nono-example-c; see docs/api.md. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <nono.h>

static int fail(const char *what, int err)
{
	fprintf(stderr, "sandboxed_ls: %s: %s\n", what, strerror(err));
	return 125;
}

int main(int argc, char **argv)
{
	/* The C API adds no system set: ls and its libraries need these. */
	static const char *const system[] = { "/usr", "/bin", "/lib", "/lib64",
					      "/etc/ld.so.cache" };
	struct nono_policy *p;
	int err;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s DIR [OTHER]\n", argv[0]);
		return 2;
	}
	if (!(p = nono_policy_new()))
		return fail("nono_policy_new", errno);
	for (size_t i = 0; i < sizeof(system) / sizeof(system[0]); i++) {
		err = nono_policy_allow(p, system[i], NONO_READ);
		if (err < 0 && err != -ENOENT)
			return fail(system[i], -err);
	}
	if ((err = nono_policy_allow(p, argv[1], NONO_READ)) < 0)
		return fail(argv[1], -err);
	/* Acquire, then drop: from here this process and ls are sandboxed. */
	if ((err = nono_apply(p)) < 0)
		return fail("nono_apply", -err);
	nono_policy_free(p);

	char *ls[] = { "ls", "--", argv[1], argc == 3 ? argv[2] : NULL, NULL };
	execvp("ls", ls);
	return fail("execvp ls", errno);
}
