/* lnono.c — the `nono.core` Lua module: small raw primitives over
 * landlock.c, policy.c and exec.c.  The friendly API is Lua (lua/nono/). */
#ifndef NONO_LNONO_H
#define NONO_LNONO_H

#include <lua.h>

/* Push the module table.  Used by the host's preload and by
 * `require "nono.core"` from a Lua interpreter. */
int luaopen_nono_core(lua_State *L);

#endif
