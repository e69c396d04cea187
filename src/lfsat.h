/* lfsat.c — directory-descriptor file operations added to `nono.core`
 * (the state directory, rollback restores). */
#ifndef NONO_LFSAT_H
#define NONO_LFSAT_H

#include <lua.h>

/* Set the functions into the table at the top of the stack. */
void lfsat_register(lua_State *L);

#endif
