/* vfork.c — a child in this process's memory, on a stack of its own
 * (vfork.h). */
#define _GNU_SOURCE
#include "vfork.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#define GUARD 4096

pid_t vfork_on_stack(int (*fn)(void *), void *arg, size_t size)
{
	size_t total = GUARD + ((size + 4095) & ~(size_t)4095);
	char *stack = mmap(NULL, total, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return -1;
	if (mprotect(stack, GUARD, PROT_NONE) < 0) {
		int err = errno;
		munmap(stack, total);
		errno = err;
		return -1;
	}
	int dumpable = prctl(PR_GET_DUMPABLE, 0L, 0L, 0L, 0L);
	pid_t pid = clone(fn, stack + total, CLONE_VM | CLONE_VFORK | SIGCHLD, arg);
	int err = errno;
	if (dumpable >= 0 && prctl(PR_GET_DUMPABLE, 0L, 0L, 0L, 0L) != dumpable)
		prctl(PR_SET_DUMPABLE, (unsigned long)dumpable, 0L, 0L, 0L);
	munmap(stack, total);
	errno = err;
	return pid;
}
