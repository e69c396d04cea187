/* seccomp.c — the syscall filter every sandboxed command runs under.
 *
 * Landlock decides which files and ports a process reaches; the filter
 * closes what Landlock does not cover (threat rows 5, 6, 10–15, 29):
 * foreign architectures and x32, ptrace and cross-process memory, keyrings,
 * bpf, perf, userfaultfd, kexec, modules, file handles, namespaces and
 * mounts, io_uring, terminal injection, setuid and setgid bits (chmod is no
 * Landlock right), resource limits of other processes (prlimit64 with a
 * pid), and every socket family but a few.
 *
 * The filter is built once, in the supervisor, into caller-owned memory; the
 * child only installs it (no allocation after fork). */
#ifndef NONO_SECCOMP_H
#define NONO_SECCOMP_H

#include <stddef.h>

#include <linux/filter.h>

/* Options of the filter. */
enum {
	/* --net-block: no AF_INET/AF_INET6/AF_NETLINK sockets at all
	 * (EACCES); only AF_UNIX remains. */
	SECCOMP_OPT_NET_BLOCK = 1 << 0,
	/* No pid namespace (the floor): the calls that name another process
	 * by pid (sched_setaffinity, sched_setscheduler, sched_setparam,
	 * sched_setattr, setpriority, ioprio_set) only on the caller (0), and
	 * no kill(-1).  In a pid namespace of its own the command can name
	 * only its own processes, and a thread of its own by its id (glibc's
	 * pthread_setaffinity_np) works there. */
	SECCOMP_OPT_FLOOR = 1 << 1,
	/* --allow-host: IPv4/IPv6 datagram sockets refused (EACCES), so no
	 * UDP (and no DNS) leaves but through the proxy; TCP stays, for
	 * Landlock's port rule to judge. */
	SECCOMP_OPT_NET_PROXY = 1 << 2,
};

/* One system call the filter names: refused whatever the arguments
 * (seccomp_denied, EPERM), answered ENOSYS (seccomp_unimplemented), or
 * looked at further (seccomp_by_argument: `what` says what is refused;
 * `check` is the filter's own).  Each table ends with a NULL name.  The
 * filter is built from these tables, and the report lists them. */
struct seccomp_rule {
	const char *name;
	int nr;
	int check;
	const char *what;
};
extern const struct seccomp_rule seccomp_denied[];
extern const struct seccomp_rule seccomp_unimplemented[];
extern const struct seccomp_rule seccomp_by_argument[];

/* Room for the largest filter seccomp_build_filter writes. */
#define SECCOMP_MAX_INSNS 160

/* Write the filter for `opts` into `insns` (room for `cap` instructions)
 * and point `prog` at it.  0, or -E2BIG when `cap` is too small (a bug),
 * -EINVAL for an unknown option. */
int seccomp_build_filter(unsigned opts, struct sock_filter *insns, size_t cap,
			 struct sock_fprog *prog);

/* Install `prog` on the calling thread.  Needs no_new_privs (or
 * CAP_SYS_ADMIN).  0, or -errno: -EINVAL when the kernel has no seccomp
 * filter support, -EACCES without no_new_privs, -EFAULT. */
int seccomp_install(const struct sock_fprog *prog);

#endif
