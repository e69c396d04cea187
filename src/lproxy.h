/* lproxy.c — the egress proxy's part of `nono.core`: the listening socket,
 * the proxy process with its Lua hooks, the address classes, the session
 * token, and the plan's Landlock port rules. */
#ifndef NONO_LPROXY_H
#define NONO_LPROXY_H

#include <lua.h>

/* Add the functions to the module table at the top of the stack, and
 * add_port to the policy userdata's methods (its metatable must exist). */
void lproxy_open(lua_State *L);

#endif
