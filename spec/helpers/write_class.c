/* nono-write-class DIR OTHER — what NONO_WRITE grants through the C API:
 * allows DIR with NONO_READ | NONO_WRITE, applies, then removes the empty
 * directories DIR/gone and OTHER/gone and makes DIR/new.  Prints one line
 * each, "rmdir granted: ok", "rmdir other: EACCES", "mkdir granted: ok"
 * (the errno's name when refused).  Exit 2 when nono could not apply. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nono.h>

static void say(const char *what, int rc)
{
	printf("%s: %s\n", what, rc == 0 ? "ok" : strerrorname_np(errno));
}

int main(int argc, char **argv)
{
	char gone[4096], other[4096], made[4096];
	struct nono_policy *p;
	int err;

	if (argc != 3) {
		fprintf(stderr, "usage: nono-write-class DIR OTHER\n");
		return 2;
	}
	snprintf(gone, sizeof(gone), "%s/gone", argv[1]);
	snprintf(other, sizeof(other), "%s/gone", argv[2]);
	snprintf(made, sizeof(made), "%s/new", argv[1]);
	p = nono_policy_new();
	if (!p) {
		perror("nono_policy_new");
		return 2;
	}
	err = nono_policy_allow(p, argv[1], NONO_READ | NONO_WRITE);
	if (err == 0)
		err = nono_apply(p);
	nono_policy_free(p);
	if (err < 0) {
		fprintf(stderr, "nono: %s\n", strerror(-err));
		return 2;
	}
	say("rmdir granted", rmdir(gone));
	say("rmdir other", rmdir(other));
	say("mkdir granted", mkdir(made, 0755));
	return 0;
}
