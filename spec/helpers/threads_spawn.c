/* nono-threads-spawn — nono_spawn `true` from a single-threaded process,
 * then again with a second thread running: the first must run, the second
 * must be refused before anything starts (another thread could take the
 * child's SIGCHLD and leave nono_spawn waiting).  Prints one line each:
 * "exited N", "signaled N" or the errno name nono_spawn returned. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nono.h>

static void *idle(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

static void spawn_true(struct nono_policy *p)
{
	char *argv[] = { "true", NULL };
	int status = 0;
	int err = nono_spawn(p, argv, NULL, &status);

	if (err < 0)
		printf("%s\n", strerrorname_np(-err));
	else if (WIFEXITED(status))
		printf("exited %d\n", WEXITSTATUS(status));
	else
		printf("signaled %d\n", WTERMSIG(status));
}

int main(void)
{
	static const char *const system[] = { "/usr", "/bin", "/lib", "/lib64",
					      "/etc/ld.so.cache" };
	struct nono_policy *p = nono_policy_new();
	pthread_t t;

	if (!p) {
		printf("%s\n", strerrorname_np(errno));
		return 1;
	}
	for (size_t i = 0; i < sizeof(system) / sizeof(system[0]); i++) {
		int err = nono_policy_allow(p, system[i], NONO_READ);
		if (err < 0 && err != -ENOENT) {
			printf("%s: %s\n", system[i], strerrorname_np(-err));
			return 1;
		}
	}
	spawn_true(p);
	if (pthread_create(&t, NULL, idle, NULL) != 0)
		return 1;
	spawn_true(p);
	nono_policy_free(p);
	return 0;
}
