/* exec.c — run a command under a policy: fork, apply in the child, exec,
 * and wait in the parent, forwarding signals. */
#ifndef NONO_EXEC_H
#define NONO_EXEC_H

#include <sys/types.h>

#include "policy.h"

enum exec_kind {
	EXEC_EXITED,       /* code = exit status */
	EXEC_SIGNALED,     /* code = signal number */
	EXEC_SETUP_FAILED, /* code = errno; the command never ran */
	EXEC_NOT_EXECUTED, /* code = errno of execve; sandbox was applied */
};

struct exec_outcome {
	enum exec_kind kind;
	int code;
	const char *stage; /* for SETUP_FAILED / NOT_EXECUTED: what failed */
};

/* Build the ruleset from `p`, fork, and in the child apply, in this order:
 * parent-death signal, default signal dispositions, close-on-exec for every
 * fd above 2, RLIMIT_CORE=0, drop all capabilities (caps.c), no_new_privs,
 * Landlock restrict_self, then execvp(argv[0]) with `envp` (NULL: the current
 * environment).  The parent waits for the child and fills `out`.
 * Any failure before execve ends the child before the command runs and is
 * reported as EXEC_SETUP_FAILED.  Returns 0, or -errno when the parent
 * itself failed (out->stage names what), in which case nothing ran. */
int exec_spawn(struct nono_policy *p, char *const argv[],
	       char *const envp[], struct exec_outcome *out);

#endif
