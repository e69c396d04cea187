/* arena_check.c — drives the launcher's Lua allocator (src/arena.c) as
 * Lua does, through many random allocations, growths, shrinks and frees,
 * and checks every block: aligned as malloc's, its bytes kept across a
 * reallocation, overlapping no other live block, the region used first and
 * malloc once it is full.  Prints what went wrong and exits 1; prints
 * "ok" and the counts otherwise.  spec/unit/arena_spec.lua runs it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/arena.h"

#define SLOTS 600
#define STEPS 200000
#define HUGE_PAGE ((uintptr_t)2 << 20)

struct slot {
	unsigned char *p;
	size_t n;
	unsigned char fill;
};

static struct slot slot[SLOTS];
static unsigned long long seed = 88172645463325252ULL;

static unsigned long long rnd(void)
{
	seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
	return seed;
}

static size_t pick_size(void)
{
	unsigned r = (unsigned)(rnd() % 1000);
	if (r < 900)
		return 1 + (size_t)(rnd() % 256);   /* strings, tables, closures */
	if (r < 995)
		return 1 + (size_t)(rnd() % 4096);  /* arrays, buffers */
	return 1 + (size_t)(rnd() % (3u << 20));    /* larger than the region */
}

static int fail(const char *what, int i)
{
	printf("step failed: %s (slot %d, %zu bytes)\n", what, i, slot[i].n);
	return 1;
}

static int intact(int i, size_t upto)
{
	for (size_t k = 0; k < upto; k++)
		if (slot[i].p[k] != (unsigned char)(slot[i].fill + k))
			return 0;
	return 1;
}

static void fill(int i)
{
	slot[i].fill = (unsigned char)rnd();
	for (size_t k = 0; k < slot[i].n; k++)
		slot[i].p[k] = (unsigned char)(slot[i].fill + k);
}

int main(void)
{
	unsigned long in_region = 0, outside = 0, moved = 0;

	arena_init();
	/* the first block: the start of a huge-page-aligned region (under
	 * AddressSanitizer there is none, and malloc gives it) */
	unsigned char *first = arena_lua_alloc(NULL, NULL, 4, 64);
	int region = first && ((uintptr_t)first & (HUGE_PAGE - 1)) == 0;
	if (!first)
		return printf("no first block\n"), 1;
	arena_lua_alloc(NULL, first, 64, 0);

	for (long step = 0; step < STEPS; step++) {
		int i = (int)(rnd() % SLOTS);
		struct slot *s = &slot[i];
		unsigned r = (unsigned)(rnd() % 10);
		if (!s->p) {
			s->n = pick_size();
			s->p = arena_lua_alloc(NULL, NULL, (size_t)(rnd() % 9), s->n);
			if (!s->p)
				return fail("new block refused", i);
		} else if (r < 3) {
			if (!intact(i, s->n))
				return fail("a block's bytes changed before its free", i);
			if (arena_lua_alloc(NULL, s->p, s->n, 0) != NULL)
				return fail("free returned a block", i);
			s->p = NULL;
			continue;
		} else {
			size_t n = r < 6 ? pick_size() : s->n / 2 + 1;
			if (!intact(i, s->n))
				return fail("a block's bytes changed before its reallocation", i);
			unsigned char *q = arena_lua_alloc(NULL, s->p, s->n, n);
			if (!q)
				return fail("reallocation refused", i);
			moved += q != s->p;
			s->p = q;
			size_t kept = n < s->n ? n : s->n;
			s->n = kept;
			if (!intact(i, kept))
				return fail("a reallocation lost bytes", i);
			s->n = n;
		}
		if ((uintptr_t)s->p % 16 != 0)
			return fail("a block not aligned to 16", i);
		if (region && s->p >= first && s->p < first + HUGE_PAGE)
			in_region++;
		else
			outside++;
		fill(i);
		/* now and then every block: an overlap shows as a changed byte */
		if (step % 5000 == 0)
			for (int k = 0; k < SLOTS; k++)
				if (slot[k].p && !intact(k, slot[k].n))
					return fail("two live blocks overlap", k);
	}
	for (int k = 0; k < SLOTS; k++)
		if (slot[k].p && !intact(k, slot[k].n))
			return fail("two live blocks overlap", k);
	if (region && (in_region == 0 || outside == 0))
		return printf("the region was used for %lu blocks and malloc for %lu:"
			      " both were expected\n", in_region, outside), 1;
	printf("ok region=%s in_region=%lu outside=%lu moved=%lu\n",
	       region ? "yes" : "no", in_region, outside, moved);
	return 0;
}
