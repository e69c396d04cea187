/* nono.h — the C API: sandbox the calling process, or a child, with
 * Landlock and the seccomp filter `nono run` uses.
 *
 * One opaque policy, setters, one apply that cannot partially fail, one
 * free (the shape of minijail's libminijail.h).  The nono binary and the
 * Lua module are built from the same objects as libnono: one core.
 *
 * What a C caller gets is exactly the rules it adds, plus the parts of the
 * sandbox that take no configuration: every filesystem right the running
 * kernel's Landlock ABI knows is handled (denied unless a rule allows it),
 * every IPC scope the ABI has (signals, abstract unix sockets) is confined,
 * and the seccomp filter is installed.  Nothing else: the system set
 * (/usr, /lib, /etc/ld.so.cache, ...), the protections of sensitive paths
 * (~/.ssh, ...) and the blocked commands of the Lua API and `nono run` are
 * NOT added; a program that execs after nono_apply must allow what the
 * loader and the program read itself.
 *
 * Every function returns 0 or a negative errno and never exits, except
 * nono_apply, which aborts when the process could be left half-sandboxed
 * (after rehearsing every step in a child, this should not happen). */
#ifndef NONO_H
#define NONO_H

#ifdef __cplusplus
extern "C" {
#endif

#ifndef NONO_EXPORT
#define NONO_EXPORT __attribute__((visibility("default")))
#endif

struct nono_policy;

/* Access classes for nono_policy_allow, the same rights as the Lua API's
 * and `nono run`'s (one table: src/landlock.c). */
enum {
	/* read_file, read_dir, execute: Landlock cannot stop the loader or an
	 * interpreter from running a file it may read, so read includes it. */
	NONO_READ = 1 << 0,
	/* write_file, truncate, make_reg, make_dir, make_sym, make_sock,
	 * make_fifo, remove_file, remove_dir, refer: never device nodes. */
	NONO_WRITE = 1 << 1,
	/* ioctl_dev (Landlock ABI 5). */
	NONO_IOCTL = 1 << 2,
};

/* The running kernel's Landlock ABI (>= 1), or -ENOSYS (Landlock not built
 * in), -EOPNOTSUPP (disabled at boot). */
NONO_EXPORT int nono_landlock_abi(void);

/* A new policy handling every filesystem right of the running kernel's ABI
 * and confining every IPC scope it has.  NULL with errno set on failure:
 * ENOSYS or EOPNOTSUPP (no Landlock: nono never pretends to sandbox),
 * ENOMEM. */
NONO_EXPORT struct nono_policy *nono_policy_new(void);

/* Allow `access` (NONO_READ | NONO_WRITE | NONO_IOCTL) beneath `path`,
 * resolved once here (symlinks followed, then the canonical path opened
 * without following any).  The rights are masked by what the kernel
 * handles, and to file rights when `path` is not a directory.  0, or:
 *   -EINVAL   no flag, an unknown flag, or a NULL argument
 *   the errno of realpath(3)/stat(2)/openat2(2): -ENOENT, -EACCES,
 *             -ELOOP, ..., or of Landlock's ruleset calls (-ENOMEM, ...) */
NONO_EXPORT int nono_policy_allow(struct nono_policy *p, const char *path,
				  unsigned access);

/* Block the network: no AF_INET/AF_INET6/AF_NETLINK sockets (seccomp,
 * EACCES) and, from Landlock ABI 4, TCP bind/connect handled with no port
 * allowed.  Before the first nono_policy_allow.  0, or -EBUSY (after a
 * rule was added), -EINVAL (NULL). */
NONO_EXPORT int nono_policy_net_block(struct nono_policy *p, int on);

/* Sandbox the calling process: no_new_privs, every capability dropped,
 * Landlock restrict_self with the policy's rules and scopes, then the
 * seccomp filter.  Inherited by every child; there is no way back.  File
 * descriptors stay open.  Capabilities: a process that holds any (root)
 * loses them all, as `nono run`'s command does (bounding and ambient sets
 * emptied, securebits NOROOT and NO_SETUID_FIXUP locked, so neither this
 * process nor anything it execs as uid 0 has one again); a caller that
 * needs them says so with nono_apply_flags(p, NONO_APPLY_KEEP_CAPS).
 *
 * All or nothing: the ruleset and the filter are built, the number of
 * threads checked, and then every step below done once in a short-lived
 * child (fork) with this process's credentials and sandbox, while failing
 * still changes nothing; then -errno is returned and the process is as it
 * was:
 *   -EBUSY    the process has more than one thread (Landlock and seccomp
 *             would restrict only the calling one)
 *   -EOPNOTSUPP  the plan has read-only or no-exec binds (they need a new
 *             mount namespace, which a running process cannot enter)
 *   -E2BIG    the process already has 16 stacked Landlock domains, the
 *             kernel's limit (LANDLOCK_MAX_NUM_LAYERS), its own or those
 *             of whatever sandboxed it before (`nono run`, another tool):
 *             the child's restrict_self is refused, so the count is the
 *             kernel's, not one nono keeps
 *   -EPERM    capabilities held without CAP_SETPCAP (they cannot all be
 *             dropped; NONO_APPLY_KEEP_CAPS keeps them)
 *   -EINVAL   NULL, or an unknown flag
 *   -ECHILD   the child ended without an answer
 *   the errno of /proc/self/status, fork, pipe, building the ruleset
 *             (-ENOMEM, -EMFILE, ...), or of any step in the child
 *             (-ENOMEM: the filters' instruction budget is spent)
 * The child is reaped with waitpid; a caller's SIGCHLD handler may see it
 * first, which changes nothing (its answer comes through a pipe).
 * If a step then fails in this process after the child did it, and after
 * no_new_privs took effect, the process is aborted (abort(3)) rather than
 * left running with less protection than asked for.  Returns 0 when all of
 * it is in force.  The policy stays usable (applying it again stacks
 * another layer; the Lua API seals its own policy object instead). */
NONO_EXPORT int nono_apply(struct nono_policy *p);

/* Flags of nono_apply_flags. */
enum {
	/* Keep the capabilities the process holds: for a caller that still
	 * needs them (binding a low port, chown).  Without it they are
	 * dropped, as the sandboxed command of `nono run` has none. */
	NONO_APPLY_KEEP_CAPS = 1 << 0,
};

/* nono_apply with `flags` (0: the same as nono_apply). */
NONO_EXPORT int nono_apply_flags(struct nono_policy *p, unsigned flags);

/* Run argv[0] (looked up in PATH) with `envp` (NULL: the current
 * environment) in a sandboxed child, exactly as `nono run` does (fds above
 * 2 closed at exec, capabilities dropped, no_new_privs, Landlock, seccomp,
 * parent-death signal), and wait for it, forwarding SIGHUP, SIGINT,
 * SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2.  Nothing the command started is
 * left running when it returns: an init between this process and the
 * command (a pid namespace's, or on the floor the tree's child subreaper)
 * kills what is left when the command ends.  The policy is not changed.  Like
 * the rules, the environment is the caller's to choose: `envp` is passed
 * as given, without the filter `nono run` and the Lua API apply (LD_*,
 * BASH_ENV, NODE_OPTIONS, ...: lua/nono/env.lua).
 *
 * Single-threaded callers only: while it waits, SIGCHLD and the forwarded
 * signals are blocked in the calling thread and their handlers are the
 * process's, so another thread could take the child's SIGCHLD and leave
 * the call waiting for good; and the child, between fork and execve,
 * would run code that may take locks other threads held at fork.  A
 * process with more than one thread (counted in /proc/self/status; where
 * that cannot be read the call goes on) is refused with -EBUSY, and
 * nothing is started.  Spawn from the process before it starts threads,
 * or from a helper process.
 *
 * One call at a time per process: the session (the child's pid, the
 * signals to forward) is kept in process-wide state, so a signal handler
 * must not call it again while it runs.  While it runs it installs its own
 * handlers for SIGCHLD and the forwarded signals (and, when the command
 * keeps the terminal, takes the foreground for it); the caller's handlers,
 * signal mask and foreground group are put back before it returns.
 *
 * 0 with `*status` set as by waitpid(2) (WIFEXITED, WIFSIGNALED) when the
 * command ran; otherwise, and nothing ran unsandboxed:
 *   -EBUSY    the process has more than one thread (above)
 *   -EINVAL   a NULL or empty argv, or a NULL p/status
 *   the errno of execve in the sandbox (-ENOENT, -EACCES, ...), with
 *             `*status` = exit status 127
 *   the errno of a setup step (fork, the ruleset, a sandbox step in the
 *             child), with `*status` = exit status 126. */
NONO_EXPORT int nono_spawn(struct nono_policy *p, char *const argv[],
			   char *const envp[], int *status);

/* Close every fd the policy holds and free it.  NULL is fine. */
NONO_EXPORT void nono_policy_free(struct nono_policy *p);

#ifdef __cplusplus
}
#endif

#endif
