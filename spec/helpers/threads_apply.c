/* nono-threads-apply — start a second thread, then call nono_apply: it must
 * refuse (Landlock would restrict only the calling thread).  Prints the
 * errno name nono_apply returned, or "applied". */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <nono.h>

static void *idle(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

int main(void)
{
	pthread_t t;
	struct nono_policy *p = nono_policy_new();

	if (!p) {
		printf("%s\n", strerrorname_np(errno));
		return 1;
	}
	if (pthread_create(&t, NULL, idle, NULL) != 0)
		return 1;
	int err = nono_apply(p);
	printf("%s\n", err < 0 ? strerrorname_np(-err) : "applied");
	return err == -EBUSY ? 0 : 1;
}
