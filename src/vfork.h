/* vfork.h — a child in this process's memory, on a stack of its own.
 * Internal. */
#ifndef NONO_VFORK_H
#define NONO_VFORK_H

#include <stddef.h>
#include <sys/types.h>

/* Start fn(arg) in a child that runs in this process's memory, on a stack
 * of its own of `size` bytes (and a page below it that faults; only the
 * pages used are ever made), while this process waits until the child has
 * called execve or exited (CLONE_VM | CLONE_VFORK, as posix_spawn does):
 * no copy of the page tables for a process that leaves or replaces them at
 * once, and none of this process's pages left copy-on-write.  What the
 * child changes is its own task's, but for errno and the dumpable flag,
 * which are the memory's: the flag is put back here.  Only
 * async-signal-safe calls (a forked child starts such children too).
 * Returns the child's pid, or -1 with errno. */
pid_t vfork_on_stack(int (*fn)(void *), void *arg, size_t size);

#endif
