/* lsession.c — ephemeral sessions' primitives in nono.core. */
#ifndef NONO_LSESSION_H
#define NONO_LSESSION_H

#include <lua.h>

/* Add the functions to the module table on top of the stack, and the
 * plan methods to the policy metatable (registered before). */
void lsession_open(lua_State *L);

#endif
