/* nono-attempt (attempt.c): what its parts share.  Each part,
 * attempt_PART.c, has its vectors in a table, attempt_PART_vectors, ended
 * by a NULL name. */
#ifndef NONO_ATTEMPT_H
#define NONO_ATTEMPT_H

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#ifndef __x86_64__
#error "nono-attempt is x86_64 only (the int 0x80 and x32 vectors)"
#endif

/* Debian 12's headers have the rest (sys/mount.h pulls in linux/mount.h). */
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000
#endif
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#define TIOCL_GETSHIFTSTATE 6
#define KEXEC_SEGMENT_MAX 16
#define BAD_FLAG 0x40000000u	/* a flag bit the call does not accept */
#define I386_GETPID 20
#define I386_SOCKETCALL 102
#define SOCKETCALL_SOCKET 1

/* The first 64 bytes of struct clone_args (linux/sched.h clashes with sched.h). */
struct clone_args_v0 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

enum { A_OK = 0, A_ERR = -1, A_USAGE = -2, A_PRINTED = 1 };

#define UNUSED __attribute__((unused))

struct vector {
	const char *name;
	int (*fn)(char **argv);	/* argv: the ARGS, NULL-terminated */
	int min_args;
	const char *usage;
};

extern const struct vector attempt_sock_vectors[];	/* rows 7, 10, 12 */
extern const struct vector attempt_files_vectors[];	/* set-id bits, row 22, the terminal */
extern const struct vector attempt_proc_vectors[];	/* rows 29, 30 */

/* The answer of a call that returns -1/errno; closes fd (if >= 0) without
 * clobbering the errno being reported. */
int done(long rc, int fd);
/* fork()'s result: the child exits at once, the parent waits for it. */
int wait_child(pid_t pid);
/* Prints the errno's name ("EPERM"), or E<number>. */
void print_errno(int err);

/* Vectors that are one call: CALL for a status, CALL_FD for a new fd. */
#define CALL(fn, expr) \
	static int fn(char **argv UNUSED) { return done((expr), -1); }
#define CALL_FD(fn, expr) \
	static int fn(char **argv UNUSED) { long fd_ = (expr); return done(fd_, (int)fd_); }

#endif
