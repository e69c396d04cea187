/* lnono.c — the `nono.core` Lua module: small raw primitives over
 * landlock.c, policy.c and exec.c.  The friendly API is Lua (lua/nono/).
 *
 * The module is built from one file per concern: lnono.c (the module
 * table, kernel facts, small process facts), lnono_plan.c (the plan and
 * session userdata), lnono_fs.c (files, directories, the sealed policy,
 * the audit log), lnono_fsat.c (directory-descriptor file operations for
 * the state directory and rollback restores), lnono_proc.c (profiles run under a budget or in a
 * child, the supervisor's primitives) and lnono_ephemeral.c (overlays in
 * the plan, the commit of an ephemeral session).  Each adds its functions to the
 * module table with its lnono_open_* below. */
#ifndef NONO_LNONO_H
#define NONO_LNONO_H

#include <lua.h>

/* Everything else is built with hidden visibility; this is the module's
 * one entry point for `require`. */
#define NONO_EXPORT __attribute__((visibility("default")))

/* Push the module table.  Used by the host's preload and by
 * `require "nono.core"` from a Lua interpreter. */
NONO_EXPORT int luaopen_nono_core(lua_State *L);

/* Bindings follow one shape: check arguments, call the C function, map a
 * negative errno to `nil, message, errno` (this function, with `err`
 * positive; "what: message" when `what` is not NULL).  Returns 3.  Misuse
 * (wrong argument types, a closed plan) raises instead. */
int lnono_push_error(lua_State *L, int err, const char *what);

/* The descriptor of the fd object at `idx` (lnono_fs.c: core.hold_dir,
 * core.sealed_memfd, core.log_open make them); raises when it is not one
 * or is closed. */
int lnono_checkfd(lua_State *L, int idx);
/* Push a new fd object, closed (close(2) closes it), and return where its
 * descriptor goes once acquired: made before the descriptor, so a memory
 * error leaks none. */
int *lnono_newfd(lua_State *L);

/* The plan userdata's metatable (lnono_plan.c). */
#define LNONO_PLAN_MT "nono.core.plan"

/* Add a concern's functions to the module table on top of the stack (and
 * register its metatables).  lnono_open_ephemeral adds methods to the
 * plan's: after lnono_open_plan. */
void lnono_open_plan(lua_State *L);
void lnono_open_fs(lua_State *L);
void lnono_open_fsat(lua_State *L);
void lnono_open_proc(lua_State *L);
void lnono_open_ephemeral(lua_State *L);

#endif
