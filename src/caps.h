/* caps.c — capabilities: leave the sandbox none (threat row 17). */
#ifndef NONO_CAPS_H
#define NONO_CAPS_H

/* Lock the securebits so that exec as uid 0 grants nothing, empty the
 * bounding and ambient sets, and clear effective, permitted and inheritable.
 * Does nothing (returns 0) for a process that holds no capability at all,
 * which is what an unprivileged launcher is.  Returns 0 or -errno; on
 * failure the caller must not exec. Async-signal-safe (for the child). */
int caps_drop_all(void);

#endif
