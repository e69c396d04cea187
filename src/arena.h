/* arena.h — the launcher's Lua allocator (arena.c). */
#ifndef NONO_ARENA_H
#define NONO_ARENA_H

#include <stddef.h>

/* Makes the region, once, before the state: without it (no memory, or
 * under AddressSanitizer) arena_lua_alloc is realloc and free. */
void arena_init(void);

/* A lua_Alloc: blocks from the region while it has room, else malloc's. */
void *arena_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize);

#endif
