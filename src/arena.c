/* arena.c — the launcher's Lua allocator: one huge page for the state.
 *
 * Every page of memory a process touches for the first time is a page
 * fault, and under this machine's hypervisor (PVM) a fault costs
 * about 10 µs (docs/benchmarks.md, ninth round).  Growing glibc's heap a
 * page at a time, `nono run --allow .` took about 150 faults for the
 * 0.6 MiB its modules and policy take, `--profile claude-code` about
 * 240 for its 1 MiB.  Here the state is given a 2 MiB region aligned to
 * a huge page and marked for one (MADV_HUGEPAGE): where the kernel has a
 * huge page free, the first touch maps all of it in one fault.  Where it
 * has none (or transparent huge pages are off) the region is ordinary
 * memory, faulted a page at a time as before.  A huge page is resident whole: the supervisor's RSS is that
 * much more (3.7 MiB for `--allow .`, against the 4 MiB issue 19 allows).
 *
 * Blocks are handed out in order (a bump pointer).  A freed block is taken
 * back only when it is the last one handed out, and a block is grown in
 * place only then too; otherwise a growing block moves, and what it leaves
 * is not used again.  The start-up this serves makes objects that stay
 * live (the collector is stopped until the command has started, main.c),
 * so little is lost.  Once the region is full, and for any block larger
 * than it, glibc's malloc takes over; blocks of the region are never
 * given to free(3).
 *
 * Under AddressSanitizer the region is not made: every block then comes
 * from malloc, where the sanitizer sees overruns. */
#define _GNU_SOURCE
#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define ARENA_SIZE ((size_t)2 << 20) /* one huge page on x86-64 */
#define ARENA_ALIGN 16               /* what malloc gives: Lua's max alignment */

#if defined(__SANITIZE_ADDRESS__)
#define ARENA_OFF 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_OFF 1
#endif
#endif

static char *base, *next, *end;

void arena_init(void)
{
#ifndef ARENA_OFF
	/* twice the size, to cut an aligned region out of it */
	char *raw = mmap(NULL, 2 * ARENA_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return; /* malloc serves everything */
	char *a = (char *)(((uintptr_t)raw + ARENA_SIZE - 1) & ~(uintptr_t)(ARENA_SIZE - 1));
	if (a > raw)
		munmap(raw, (size_t)(a - raw));
	munmap(a + ARENA_SIZE, (size_t)(raw + ARENA_SIZE - a));
	(void)madvise(a, ARENA_SIZE, MADV_HUGEPAGE); /* a wish: EINVAL without THP */
	base = next = a;
	end = a + ARENA_SIZE;
#endif
}

static size_t rounded(size_t n)
{
	return (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
}

/* A new block of the region, or NULL when it has no room. */
static void *take(size_t n)
{
	if (n > ARENA_SIZE || (size_t)(end - next) < rounded(n))
		return NULL;
	void *p = next;
	next += rounded(n);
	return p;
}

void *arena_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	char *p = ptr;
	(void)ud;

	if (!p || p < base || p >= end) {
		/* a new block (osize is then the kind of object), or one of
		 * malloc's */
		if (nsize == 0) {
			free(ptr);
			return NULL;
		}
		void *q = p ? NULL : take(nsize);
		return q ? q : realloc(ptr, nsize);
	}
	const int last = p + rounded(osize) == next;
	if (nsize == 0) {
		if (last)
			next = p;
		return NULL;
	}
	if (last && nsize <= ARENA_SIZE && (size_t)(end - p) >= rounded(nsize)) {
		next = p + rounded(nsize);
		return p;
	}
	if (nsize <= osize)
		return p; /* shrinking never fails (Lua relies on it) */
	void *q = take(nsize);
	if (!q && !(q = malloc(nsize)))
		return NULL; /* the old block stays as it was */
	memcpy(q, p, osize);
	return q;
}
