/* lnono.c — the `nono.core` Lua module: small raw primitives over
 * landlock.c, policy.c and exec.c.  The friendly API is Lua (lua/nono/). */
#ifndef NONO_LNONO_H
#define NONO_LNONO_H

#include <lua.h>

/* Everything else is built with hidden visibility; this is the module's
 * one entry point for `require`. */
#define NONO_EXPORT __attribute__((visibility("default")))

/* Push the module table.  Used by the host's preload and by
 * `require "nono.core"` from a Lua interpreter. */
NONO_EXPORT int luaopen_nono_core(lua_State *L);

#endif
