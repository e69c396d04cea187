/* nono-attempt VECTOR [ARGS...]: try one escape vector for real and print what
 * the kernel answered: "ok", or the errno name ("EPERM", "ENOSYS", ...).
 * Exit 0 on ok, 1 on a refused call, 2 on bad usage.  Specs run it inside
 * `nono run` to test the seccomp filter (docs/threats.md, rows 5, 6, 10-15); a death
 * by SIGSYS is left to the spec to see.  Two vectors print more on success:
 * `keyring-id` prints "ok SERIAL" and `tty-check` prints "tty".
 *
 * Why some arguments are deliberately bad: nono drops every capability, even
 * for root, so a capability-gated call answers EPERM under nono with or
 * without a filter.  Where the kernel checks an argument BEFORE the
 * capability, the vector passes one bad argument, so an unfiltered kernel
 * answers EINVAL/EBADF/ENOENT/E2BIG and EPERM/ENOSYS can only be the filter's.
 * Where no such check exists the table says "cap-masked".
 *
 * Unfiltered here, root / nobody (Linux 6.18; no Yama; CONFIG_MODULES=n,
 * CONFIG_KEXEC=n, no x32; unprivileged_bpf_disabled=2, perf_event_paranoid=2,
 * unprivileged_userfaultfd=0, legacy_tiocsti=1; fd 0 = /dev/null; nobody =
 * setpriv --reuid=65534 --regid=65534 --clear-groups under a shell of its own
 * uid -- under a root parent the ptrace family answers EPERM to nobody):
 *
 *   ptrace-parent      ok / ok          attach, wait for the stop, detach
 *   ptrace-traceme     ok / ok
 *   process_vm_readv   EFAULT / EFAULT  reads the parent at address 0: EFAULT
 *                                       means the access check passed
 *   pidfd_getfd        ok / ok          fd 0 of the parent
 *   proc-parent-mem    ok / ok          an open(2), not for the filter:
 *                                       Landlock's ptrace scope answers EACCES
 *   keyctl-session     ok / ok          possession, not the uid, grants view
 *   add_key            ok / ok
 *   request_key        ENOKEY / ENOKEY  no callout, so no upcall
 *   keyring-id         ok N / ok N      not filtered by design
 *   bpf                E2BIG / E2BIG    attr size > PAGE_SIZE is checked first
 *   perf_event_open    ok / ok          user-only task clock on itself
 *   userfaultfd        ok / ok          nobody: the UFFD_USER_MODE_ONLY retry
 *   kexec_load         ENOSYS / ENOSYS  not built; else EINVAL / EPERM
 *   kexec_file_load    ENOSYS / ENOSYS  not built; else EINVAL / EPERM
 *   init_module        ENOSYS / ENOSYS  not built; else ENOEXEC / EPERM
 *   finit_module       ENOSYS / ENOSYS  not built; else EINVAL / EPERM
 *   delete_module      ENOSYS / ENOSYS  not built; else ENOENT / EPERM
 *   open_by_handle_at  EBADF / EBADF    mount fd -1 is checked before the cap
 *   unshare-user       ok / ok
 *   unshare-mount      EINVAL / EINVAL  CLONE_NEWNS plus the invalid bit 0x1
 *   unshare-net        EINVAL / EINVAL  CLONE_NEWNET plus 0x1
 *   setns              EINVAL / EINVAL  a net ns fd with nstype CLONE_NEWUTS
 *   clone-newuser      ok / ok
 *   clone3, fork, thread  ok / ok
 *   mount [TARGET]     ENOENT / ENOENT  the default target does not exist
 *   fsopen             ok / EPERM       cap-masked
 *   open_tree          EINVAL / EINVAL  OPEN_TREE_CLONE plus an invalid bit
 *   move_mount         EBADF / EPERM    cap-masked
 *   mount_setattr      EINVAL / EINVAL  attr size 0
 *   fsmount            EBADF / EPERM    cap-masked
 *   fsconfig           EINVAL / EINVAL  fd -1
 *   fspick             ok / EPERM       cap-masked
 *   pivot_root         ENOENT / EPERM   cap-masked
 *   umount2            ENOENT / ENOENT
 *   io_uring_setup     ok / ok
 *   io_uring_enter     EBADF / EBADF
 *   io_uring_register  EINVAL / EINVAL  fd -1 takes the "blind" opcode path
 *   tiocsti[-high] [FD]    ENOTTY / ENOTTY  ok on the own controlling tty,
 *                                           EPERM (kernel) on another tty
 *   tioclinux[-high] [FD]  ENOTTY / ENOTTY  subcode 6: ok on a VT, no cap;
 *                                           ENOTTY on a pty too
 *   ioctl-tcgets [FD]  ENOTTY / ENOTTY  ok on a tty
 *   socket inet stream [tcp|mptcp]     ok / ok
 *   socket inet raw icmp               ok / EPERM (cap-masked)
 *   socket inet dgram icmp             EACCES / EACCES (ping_group_range)
 *   socket packet raw                  ok / EPERM (cap-masked)
 *   socket packet 99                   EINVAL / EINVAL (bad type, checked first)
 *   socket vsock stream                ok / ok
 *   socket xdp raw                     ok / EPERM (cap-masked)
 *   socket netlink raw route|audit     ok / ok
 *   socket alg seqpacket               EAFNOSUPPORT / same (no AF_ALG types)
 *   socket key raw                     EAFNOSUPPORT / same (not built)
 *   socket inet stream sctp            EPROTONOSUPPORT / same (not built)
 *   socketpair                         ok / ok
 *   connect-tcp|connect-mptcp 127.0.0.1 9   ECONNREFUSED / ECONNREFUSED
 *   bind-tcp 0         ok / ok;  bind-tcp 80: ok / EACCES (privileged port)
 *   tcp-self           ok / ok          listen on 127.0.0.1, connect, accept
 *   sendto-udp 127.0.0.1 9             ok / ok
 *   connect-abstract N ECONNREFUSED / same, ok with a listener
 *   connect-unix /nonexistent          ENOENT / ENOENT
 *   listen-abstract N  ok / ok
 *   kill $$ 0          ok / ok;  kill 1 0: ok / EPERM
 *   int80-getpid, int80-socket         ok / ok (the i386 entry point works)
 *   x32-getpid         ENOSYS / ENOSYS  no x32 here; ok where it is built
 *   setsid             ok / ok          EPERM when already a group leader
 *   tty-check          ENXIO / ENXIO    "tty" with a controlling terminal
 *
 * Other processes without signals or ptrace (row 29), and pseudo-terminals:
 *
 *   prlimit-parent     ok / ok          RLIMIT_NOFILE of the parent, read
 *   prlimit PID [N]    ok / ok          RLIMIT_NOFILE of PID read, or set to
 *                                       N (soft and hard) on a process of
 *                                       one's own
 *   prlimit-self       ok / ok          pid 0: what getrlimit sends
 *   setrlimit-self     ok / ok          setrlimit, the current value again
 *   same-sched CALL PID  ok / ok        CALL (setpriority, ioprio_set,
 *                                       sched_setaffinity, sched_setscheduler,
 *                                       sched_setparam, sched_setattr) on PID
 *                                       (0: itself), setting what it has;
 *                                       kill-all: kill(-1, 0)
 *   shmat ID           ok / ok          a SysV segment of one's own, read-only
 *   msgctl ID          ok / ok          IPC_STAT of a SysV message queue
 *   posix_openpt       ok / ok          a new pseudo-terminal's master
 *   openpty            ok / ok          master and slave (glibc's openpty)
 *   hold-pty SECONDS   prints the new slave's path, then sleeps
 *
 * And for the supervisor's scan of what holds an expired path (row 30),
 * each printing "ready" when set up and, SECONDS later, what reading the
 * descriptor answers ("ok <first line>" or the errno name):
 *
 *   files-thread PATH SECONDS  a thread with a descriptor table of its own
 *                              (unshare(CLONE_FILES)) opens PATH
 *   leader-exit PATH SECONDS   PATH opened, then the main thread exits and
 *                              another runs on ("Zl" in ps)
 *   park-fd PATH SECONDS       PATH opened, sent into a unix socket
 *                              (SCM_RIGHTS, no bytes) and closed; received
 *                              after SECONDS
 *
 * The mode vectors take MODE as C reads it (04755 octal, 0x... hex, so the
 * upper half of the register can be filled too); on a file of one's own:
 *
 *   chmod|fchmod|fchmodat|fchmodat2 PATH MODE   ok / ok (fchmodat2: ENOSYS
 *                                       before Linux 6.6); fchmod opens PATH
 *                                       for reading first
 *   open-creat|openat-creat|creat PATH MODE     ok / ok  O_CREAT|O_EXCL
 *   open-tmpfile DIR MODE              ok / ok  O_TMPFILE, unnamed
 *   mknod|mknodat PATH MODE            ok / ok  MODE carries the type (0100000)
 *   open-nocreat-mode PATH             ok / ok  open and openat without a
 *                                       create flag, 06000 in the mode register
 *
 * Metadata of a file (row 22), which Landlock has no right for:
 *
 *   chown-self PATH    ok / ok          chown to the caller's own ids
 *   utimes PATH        ok / ok          times set to the epoch
 *   setxattr PATH      ok / ok          user.nono set (ENOTSUP where the
 *                                       file system has no user xattrs)
 *
 * Not told apart from the kernel's own answer: the module and kexec calls and
 * x32 if the filter answers ENOSYS; the cap-masked ones as nobody if it
 * answers EPERM; and under nono the ptrace family, which Landlock's scope
 * already refuses with EPERM. */
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

/* The answer of a call that returns -1/errno; closes fd (if >= 0) without
 * clobbering the errno being reported. */
static int done(long rc, int fd)
{
	int err = errno;
	if (fd >= 0)
		close(fd);
	errno = err;
	return rc < 0 ? A_ERR : A_OK;
}

/* Vectors that are one call: CALL for a status, CALL_FD for a new fd. */
#define CALL(fn, expr) \
	static int fn(char **argv UNUSED) { return done((expr), -1); }
#define CALL_FD(fn, expr) \
	static int fn(char **argv UNUSED) { long fd_ = (expr); return done(fd_, (int)fd_); }

static int wait_child(pid_t pid)
{
	if (pid < 0)
		return A_ERR;
	if (pid == 0)
		_exit(0);
	return waitpid(pid, NULL, 0) < 0 ? A_ERR : A_OK;
}

/* ---- row 6: other processes' memory ---- */

static int v_ptrace_parent(char **argv UNUSED)
{
	pid_t pp = getppid();
	if (ptrace(PTRACE_ATTACH, pp, 0, 0) < 0)
		return A_ERR;
	/* Leave the parent running: wait for its attach-stop, detach without a signal. */
	waitpid(pp, NULL, __WALL);
	ptrace(PTRACE_DETACH, pp, 0, 0);
	return A_OK;
}

CALL(v_ptrace_traceme, ptrace(PTRACE_TRACEME, 0, 0, 0))

static int v_process_vm_readv(char **argv UNUSED)
{
	char c;
	struct iovec local = { &c, 1 }, remote = { NULL, 1 };
	/* Address 0 is never mapped: EFAULT proves the access check passed. */
	return done(syscall(SYS_process_vm_readv, getppid(), &local, 1, &remote, 1, 0), -1);
}

static int v_pidfd_getfd(char **argv UNUSED)
{
	int pidfd = (int)syscall(SYS_pidfd_open, getppid(), 0);
	if (pidfd < 0)
		return A_ERR;
	long fd = syscall(SYS_pidfd_getfd, pidfd, 0, 0);
	if (fd >= 0)
		close((int)fd);
	return done(fd, pidfd);
}

static int v_proc_parent_mem(char **argv UNUSED)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/mem", (int)getppid());
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	return done(fd, fd);
}

/* ---- row 13: keyrings ---- */

static int v_keyctl_session(char **argv UNUSED)
{
	char buf[256];
	return done(syscall(SYS_keyctl, KEYCTL_DESCRIBE, KEY_SPEC_SESSION_KEYRING, buf, sizeof buf), -1);
}

CALL(v_add_key, syscall(SYS_add_key, "user", "nono-test", "x", 1, KEY_SPEC_PROCESS_KEYRING))
CALL(v_request_key, syscall(SYS_request_key, "user", "nono-nonexistent", NULL, 0))

/* Not a probe of the filter: which session keyring the process is in. */
static int v_keyring_id(char **argv UNUSED)
{
	long id = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
	if (id < 0)
		return A_ERR;
	printf("ok %ld\n", id);
	return A_PRINTED;
}

/* ---- row 14: kernel attack surface ---- */

static int v_bpf(char **argv UNUSED)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof attr);
	/* A size over PAGE_SIZE is refused (E2BIG) before any capability check. */
	return done(syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sysconf(_SC_PAGESIZE) + 1), -1);
}

static int v_perf_event_open(char **argv UNUSED)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof a);
	a.type = PERF_TYPE_SOFTWARE;
	a.size = sizeof a;
	a.config = PERF_COUNT_SW_TASK_CLOCK;
	a.disabled = 1;
	a.exclude_kernel = 1;	/* what perf_event_paranoid 2 allows */
	a.exclude_hv = 1;
	long fd = syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	return done(fd, (int)fd);
}

static int v_userfaultfd(char **argv UNUSED)
{
	long fd = syscall(SYS_userfaultfd, O_CLOEXEC);
	/* unprivileged_userfaultfd=0 still allows user-mode-only faults. */
	if (fd < 0 && errno == EPERM)
		fd = syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
	return done(fd, (int)fd);
}

/* Never 0 segments with valid flags: as root that unloads a loaded kernel. */
CALL(v_kexec_load, syscall(SYS_kexec_load, 0, KEXEC_SEGMENT_MAX + 1, NULL, 0x8000))
CALL(v_kexec_file_load, syscall(SYS_kexec_file_load, -1, -1, 0, NULL, 0x80000000ul))
/* An image shorter than an ELF header. */
CALL(v_init_module, syscall(SYS_init_module, "nono", 4, ""))
CALL(v_delete_module, syscall(SYS_delete_module, "nono_nonexistent", O_NONBLOCK))

static int v_finit_module(char **argv UNUSED)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return A_ERR;
	return done(syscall(SYS_finit_module, fd, "", 0), fd);
}

static int v_open_by_handle_at(char **argv UNUSED)
{
	union { struct file_handle fh; char buf[sizeof(struct file_handle) + MAX_HANDLE_SZ]; } h;
	int mnt;
	h.fh.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, "/", &h.fh, &mnt, 0) < 0)
		return A_ERR;
	/* Mount fd -1 fails (EBADF) before the CAP_DAC_READ_SEARCH check. */
	long fd = syscall(SYS_open_by_handle_at, -1, &h.fh, O_RDONLY | O_CLOEXEC);
	return done(fd, (int)fd);
}

/* ---- row 15: namespaces and mounts ---- */

CALL(v_unshare_user, unshare(CLONE_NEWUSER))
/* The invalid bit 0x1 makes an unfiltered kernel answer EINVAL before it
 * checks CAP_SYS_ADMIN; the filter sees the namespace bit all the same. */
CALL(v_unshare_mount, unshare(CLONE_NEWNS | 1))
CALL(v_unshare_net, unshare(CLONE_NEWNET | 1))

static int v_setns(char **argv UNUSED)
{
	int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return A_ERR;
	/* The nstype mismatch is refused (EINVAL) before the capability check. */
	return done(setns(fd, CLONE_NEWUTS), fd);
}

static int v_clone_newuser(char **argv UNUSED)
{
	/* No new stack: the child runs on a copy of ours, as after fork. */
	return wait_child((pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, 0));
}

static int v_clone3(char **argv UNUSED)
{
	struct clone_args_v0 ca;
	memset(&ca, 0, sizeof ca);
	ca.exit_signal = SIGCHLD;
	return wait_child((pid_t)syscall(SYS_clone3, &ca, sizeof ca));
}

static int v_fork(char **argv UNUSED) { return wait_child(fork()); }
static void *thread_main(void *arg) { return arg; }

/* glibc tries clone3 first and falls back to clone only on ENOSYS. */
static int v_thread(char **argv UNUSED)
{
	pthread_t t;
	int err = pthread_create(&t, NULL, thread_main, NULL);
	if (err) {
		errno = err;
		return A_ERR;
	}
	pthread_join(t, NULL);
	return A_OK;
}

static int v_mount(char **argv)
{
	/* The default target does not exist: ENOENT comes before any permission check. */
	const char *target = argv[0] ? argv[0] : "/nonexistent-nono-target";
	return done(mount("tmpfs", target, "tmpfs", 0, NULL), -1);
}

CALL_FD(v_fsopen, syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC))
/* open_tree checks its flags before CAP_SYS_ADMIN: an invalid bit gives EINVAL. */
CALL_FD(v_open_tree, syscall(SYS_open_tree, AT_FDCWD, "/", OPEN_TREE_CLONE | BAD_FLAG))
CALL(v_move_mount, syscall(SYS_move_mount, -1, "", -1, "",
			   MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH))
CALL(v_fsmount, syscall(SYS_fsmount, -1, 0, 0))
CALL(v_fsconfig, syscall(SYS_fsconfig, -1, FSCONFIG_CMD_CREATE, NULL, NULL, 0))
CALL_FD(v_fspick, syscall(SYS_fspick, AT_FDCWD, "/", FSPICK_CLOEXEC))
CALL(v_pivot_root, syscall(SYS_pivot_root, "/nonexistent-nono-new", "/nonexistent-nono-old"))
CALL(v_umount2, umount2("/nonexistent-nono-target", 0))

static int v_mount_setattr(char **argv UNUSED)
{
	struct mount_attr attr;
	memset(&attr, 0, sizeof attr);
	/* Size 0 is refused (EINVAL) before the capability check. */
	return done(syscall(SYS_mount_setattr, AT_FDCWD, "/", 0, &attr, 0), -1);
}

/* ---- row 11: io_uring ---- */

static int v_io_uring_setup(char **argv UNUSED)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof p);
	long fd = syscall(SYS_io_uring_setup, 8, &p);
	return done(fd, (int)fd);
}

CALL(v_io_uring_enter, syscall(SYS_io_uring_enter, -1, 0, 0, 0, NULL, 0))
CALL(v_io_uring_register, syscall(SYS_io_uring_register, -1, 0, NULL, 0))

/* ---- row 5: terminal injection; the optional ARG is the fd (default 0) ---- */

/* The kernel takes the request as 32 bits, so garbage in the upper half
 * still means TIOCSTI (CVE-2019-10063): a filter must compare it masked. */
#define HIGH(req) (0xdeadbeef00000000ul | (unsigned long)(req))
#define FD_ARG (argv[0] ? atoi(argv[0]) : 0)

static int v_tiocsti(char **argv)
{
	char c = 'x';
	return done(ioctl(FD_ARG, TIOCSTI, &c), -1);
}

static int v_tiocsti_high(char **argv)
{
	char c = 'x';
	return done(syscall(SYS_ioctl, FD_ARG, HIGH(TIOCSTI), &c), -1);
}

/* Subcode 6 (shift state) needs no capability on a VT, unlike paste. */
static int v_tioclinux(char **argv)
{
	char sub = TIOCL_GETSHIFTSTATE;
	return done(ioctl(FD_ARG, TIOCLINUX, &sub), -1);
}

static int v_tioclinux_high(char **argv)
{
	char sub = TIOCL_GETSHIFTSTATE;
	return done(syscall(SYS_ioctl, FD_ARG, HIGH(TIOCLINUX), &sub), -1);
}

static int v_ioctl_tcgets(char **argv)
{
	struct termios t;
	return done(ioctl(FD_ARG, TCGETS, &t), -1);
}

/* ---- row 10: sockets ---- */

struct name_num { const char *name; long num; };

static const struct name_num families[] = {
	{ "unix", AF_UNIX }, { "inet", AF_INET }, { "inet6", AF_INET6 },
	{ "netlink", AF_NETLINK }, { "packet", AF_PACKET }, { "vsock", AF_VSOCK },
	{ "bluetooth", AF_BLUETOOTH }, { "alg", AF_ALG }, { "x25", AF_X25 },
	{ "ax25", AF_AX25 }, { "can", AF_CAN }, { "tipc", AF_TIPC }, { "rds", AF_RDS },
	{ "xdp", AF_XDP }, { "llc", AF_LLC }, { "appletalk", AF_APPLETALK },
	{ "ipx", AF_IPX }, { "decnet", AF_DECnet }, { "key", AF_KEY }, { NULL, 0 }
};
static const struct name_num types[] = {
	{ "stream", SOCK_STREAM }, { "dgram", SOCK_DGRAM }, { "raw", SOCK_RAW },
	{ "seqpacket", SOCK_SEQPACKET }, { "packet", SOCK_PACKET },
	{ "nonblock", SOCK_NONBLOCK }, { "cloexec", SOCK_CLOEXEC }, { NULL, 0 }
};
static const struct name_num protos[] = {
	{ "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP }, { "mptcp", IPPROTO_MPTCP },
	{ "sctp", IPPROTO_SCTP }, { "icmp", IPPROTO_ICMP }, { "icmpv6", IPPROTO_ICMPV6 },
	{ "udplite", IPPROTO_UDPLITE }, { "raw", IPPROTO_RAW },
	/* netlink protocols */
	{ "route", 0 }, { "sock_diag", 4 }, { "xfrm", 6 }, { "audit", 9 },
	{ "netfilter", 12 }, { "kobject_uevent", 15 }, { "generic", 16 }, { NULL, 0 }
};
static const struct name_num signals[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "KILL", SIGKILL },
	{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "TERM", SIGTERM },
	{ "STOP", SIGSTOP }, { "CONT", SIGCONT }, { "CHLD", SIGCHLD }, { NULL, 0 }
};

/* A table name or a non-negative decimal number; -1 if neither. */
static long lookup(const struct name_num *t, const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);
	if (*s && !*end)
		return n < 0 ? -1 : n;
	for (; t->name; t++)
		if (!strcmp(t->name, s))
			return t->num;
	return -1;
}

/* "stream+cloexec" or "stream|nonblock": the parts are ORed together. */
static long lookup_type(const char *s)
{
	char buf[64], *save;
	long v = 0;
	snprintf(buf, sizeof buf, "%s", s);
	for (char *p = strtok_r(buf, "+|", &save); p; p = strtok_r(NULL, "+|", &save)) {
		long n = lookup(types, p);
		if (n < 0)
			return -1;
		v |= n;
	}
	return v;
}

static int v_socket(char **argv)
{
	long fam = lookup(families, argv[0]), type = lookup_type(argv[1]);
	long proto = argv[2] ? lookup(protos, argv[2]) : 0;
	if (fam < 0 || type < 0 || proto < 0)
		return A_USAGE;
	int fd = socket((int)fam, (int)type, (int)proto);
	return done(fd, fd);
}

static int v_socketpair(char **argv UNUSED)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return A_ERR;
	close(sv[1]);
	return done(0, sv[0]);
}

/* Numeric hosts only: a name would need a resolver, and its sockets. */
static int inet_addr_of(const char *host, const char *port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)atoi(port));
		*len = sizeof *v4;
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)atoi(port));
		*len = sizeof *v6;
	} else {
		return A_USAGE;
	}
	return A_OK;
}

/* HOST PORT: a socket of `type` and `proto`, then connect or send one byte. */
static int inet_op(char **argv, int type, int proto, int send)
{
	struct sockaddr_storage ss;
	socklen_t len;
	if (inet_addr_of(argv[0], argv[1], &ss, &len) < 0)
		return A_USAGE;
	int fd = socket(ss.ss_family, type | SOCK_CLOEXEC, proto);
	if (fd < 0)
		return A_ERR;
	if (send)
		return done(sendto(fd, "x", 1, 0, (struct sockaddr *)&ss, len), fd);
	return done(connect(fd, (struct sockaddr *)&ss, len), fd);
}

static int v_connect_tcp(char **argv) { return inet_op(argv, SOCK_STREAM, 0, 0); }
static int v_connect_mptcp(char **argv) { return inet_op(argv, SOCK_STREAM, IPPROTO_MPTCP, 0); }
static int v_sendto_udp(char **argv) { return inet_op(argv, SOCK_DGRAM, 0, 1); }

static int v_bind_tcp(char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	inet_addr_of("127.0.0.1", argv[0], &ss, &len);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return A_ERR;
	return done(bind(fd, (struct sockaddr *)&ss, len), fd);
}

/* A listener on 127.0.0.1 (a port the kernel picks), connected to and
 * accepted: ok where loopback is up (ENETUNREACH where it is down). */
static int v_tcp_self(char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof sin;
	(void)argv;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sin, len) < 0 || listen(l, 1) < 0 ||
	    getsockname(l, (struct sockaddr *)&sin, &len) < 0)
		return A_ERR;
	int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&sin, len) < 0)
		return A_ERR;
	return done(accept4(l, NULL, NULL, SOCK_CLOEXEC), c);
}

/* NAME as a path, or as the abstract name "\0NAME"; connect, or bind+listen. */
static int unix_op(const char *name, int abstract, int do_listen)
{
	struct sockaddr_un sun;
	size_t n = strlen(name);
	if (n + 1 > sizeof sun.sun_path)
		return A_USAGE;
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + (abstract ? 1 : 0), name, n);
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return A_ERR;
	if (!do_listen)
		return done(connect(fd, (struct sockaddr *)&sun, len), fd);
	return done(bind(fd, (struct sockaddr *)&sun, len) < 0 ? -1 : listen(fd, 1), fd);
}

static int v_connect_abstract(char **argv) { return unix_op(argv[0], 1, 0); }
static int v_connect_unix(char **argv) { return unix_op(argv[0], 0, 0); }
static int v_listen_abstract(char **argv) { return unix_op(argv[0], 1, 1); }

/* ---- row 7: signals ---- */

static int v_kill(char **argv)
{
	const char *s = argv[1];
	char *end;
	long pid = strtol(argv[0], &end, 10);
	if (!strncmp(s, "SIG", 3))
		s += 3;
	long sig = lookup(signals, s);
	if (*end || sig < 0)
		return A_USAGE;
	return done(kill((pid_t)pid, (int)sig), -1);
}

/* ---- row 12: foreign entry points ---- */

/* The i386 entry point from 64-bit code: seccomp sees AUDIT_ARCH_I386 and
 * i386 numbers, and the arguments are cut to 32 bits. */
static int int80(long nr, long a, long b)
{
	long ret;
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "0"(nr), "b"(a), "c"(b)
			 : "r8", "r9", "r10", "r11", "memory");
	if ((int)ret < 0) {
		errno = -(int)ret;
		return A_ERR;
	}
	return A_OK;
}

static int v_int80_getpid(char **argv UNUSED) { return int80(I386_GETPID, 0, 0); }

static int v_int80_socket(char **argv UNUSED)
{
	/* socketcall reads its arguments through a 32-bit pointer: map them low. */
	uint32_t *args = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (args == MAP_FAILED)
		return A_ERR;
	args[0] = AF_INET;
	args[1] = SOCK_STREAM;
	args[2] = 0;
	return int80(I386_SOCKETCALL, SOCKETCALL_SOCKET, (long)(uintptr_t)args);
}

CALL(v_x32_getpid, syscall(__X32_SYSCALL_BIT | SYS_getpid))

/* ---- setuid and setgid bits ---- */

/* MODE as C spells it; the whole register, so a spec can fill its upper
 * half (the kernel keeps the low 16 bits). */
static int parse_mode(const char *s, unsigned long *mode)
{
	char *end;
	errno = 0;
	*mode = strtoul(s, &end, 0);
	return (*s && !*end && !errno) ? A_OK : A_USAGE;
}

/* Every vector below takes PATH MODE; MODE_VECTOR binds `path` and `mode`. */
#define MODE_VECTOR(fn, expr)                                              \
	static int fn(char **argv)                                         \
	{                                                                  \
		const char *path = argv[0];                                \
		unsigned long mode;                                        \
		if (parse_mode(argv[1], &mode) < 0)                        \
			return A_USAGE;                                    \
		return (expr);                                             \
	}

#define CREATE_FLAGS (O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC)

static int fd_done(long fd) { return done(fd, (int)fd); }

static int fchmod_path(const char *path, unsigned long mode)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return A_ERR;
	return done(syscall(SYS_fchmod, fd, mode), fd);
}

MODE_VECTOR(v_chmod, done(syscall(SYS_chmod, path, mode), -1))
MODE_VECTOR(v_fchmodat, done(syscall(SYS_fchmodat, AT_FDCWD, path, mode), -1))
MODE_VECTOR(v_fchmodat2, done(syscall(SYS_fchmodat2, AT_FDCWD, path, mode, 0), -1))
MODE_VECTOR(v_mknod, done(syscall(SYS_mknod, path, mode, 0), -1))
MODE_VECTOR(v_mknodat, done(syscall(SYS_mknodat, AT_FDCWD, path, mode, 0), -1))
MODE_VECTOR(v_open_creat, fd_done(syscall(SYS_open, path, CREATE_FLAGS, mode)))
MODE_VECTOR(v_openat_creat, fd_done(syscall(SYS_openat, AT_FDCWD, path, CREATE_FLAGS, mode)))
MODE_VECTOR(v_creat, fd_done(syscall(SYS_creat, path, mode)))
MODE_VECTOR(v_open_tmpfile, fd_done(syscall(SYS_openat, AT_FDCWD, path,
					    O_TMPFILE | O_WRONLY | O_CLOEXEC, mode)))
MODE_VECTOR(v_fchmod, fchmod_path(path, mode))

/* ---- row 22: metadata ---- */

static int v_chown_self(char **argv)
{
	return done(syscall(SYS_chown, argv[0], getuid(), getgid()), -1);
}

static int v_utimes(char **argv)
{
	struct timespec epoch[2] = { { 0, 0 }, { 0, 0 } };
	return done(syscall(SYS_utimensat, AT_FDCWD, argv[0], epoch, 0), -1);
}

static int v_setxattr(char **argv)
{
	return done(syscall(SYS_setxattr, argv[0], "user.nono", "1", 1, 0), -1);
}

/* Without a create flag the kernel never reads the mode: whatever the
 * register holds must not matter.  A directory is opened with O_DIRECTORY,
 * the half of O_TMPFILE that creates nothing. */
static int v_open_nocreat_mode(char **argv)
{
	struct stat st;
	int flags = O_RDONLY | O_CLOEXEC;
	const unsigned long mode = S_ISUID | S_ISGID;
	if (stat(argv[0], &st) == 0 && S_ISDIR(st.st_mode))
		flags |= O_DIRECTORY;
	long fd = syscall(SYS_open, argv[0], flags, mode);
	if (fd < 0)
		return A_ERR;
	close((int)fd);
	fd = syscall(SYS_openat, AT_FDCWD, argv[0], flags, mode);
	return done(fd, (int)fd);
}

/* ---- the session and the controlling terminal ---- */

CALL(v_setsid, setsid())

static int v_tty_check(char **argv UNUSED)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return A_ERR;
	close(fd);
	printf("tty\n");
	return A_PRINTED;
}

static void print_errno(int err);

/* ---- row 29: other processes without signals or ptrace ---- */

static int v_prlimit_parent(char **argv UNUSED)
{
	struct rlimit old;
	return done(prlimit(getppid(), RLIMIT_NOFILE, NULL, &old), -1);
}

static int v_prlimit(char **argv)
{
	struct rlimit old, lim;
	char *end;
	long pid = strtol(argv[0], &end, 10);
	if (*end || pid <= 0)
		return A_USAGE;
	if (!argv[1])
		return done(prlimit((pid_t)pid, RLIMIT_NOFILE, NULL, &old), -1);
	lim.rlim_cur = lim.rlim_max = strtoul(argv[1], &end, 10);
	if (*end)
		return A_USAGE;
	return done(prlimit((pid_t)pid, RLIMIT_NOFILE, &lim, &old), -1);
}

/* What glibc's getrlimit sends: prlimit64 with pid 0. */
static int v_prlimit_self(char **argv UNUSED)
{
	struct rlimit old;
	return done(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &old), -1);
}

static int v_setrlimit_self(char **argv UNUSED)
{
	struct rlimit lim;
	if (syscall(SYS_getrlimit, RLIMIT_NOFILE, &lim) < 0)
		return A_ERR;
	return done(syscall(SYS_setrlimit, RLIMIT_NOFILE, &lim), -1);
}

static int v_shmat(char **argv)
{
	void *at = shmat(atoi(argv[0]), NULL, SHM_RDONLY);
	if (at == (void *)-1)
		return A_ERR;
	shmdt(at);
	return A_OK;
}

static int v_msgctl(char **argv)
{
	struct msqid_ds ds;
	return done(msgctl(atoi(argv[0]), IPC_STAT, &ds), -1);
}

CALL_FD(v_posix_openpt, posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC))

static int v_openpty(char **argv UNUSED)
{
	int master, slave;
	if (openpty(&master, &slave, NULL, NULL, NULL) < 0)
		return A_ERR;
	close(slave);
	return done(0, master);
}

static int v_hold_pty(char **argv)
{
	int master, slave;
	char name[64];
	if (openpty(&master, &slave, name, NULL, NULL) < 0)
		return A_ERR;
	printf("%s\n", name);
	fflush(stdout);
	sleep((unsigned)atoi(argv[0]));
	return A_PRINTED;
}

/* CALL on process PID (0: the caller), setting what it has already (so
 * nothing changes): setpriority, ioprio_set, sched_setaffinity,
 * sched_setscheduler, sched_setparam, sched_setattr; or kill-all, kill(-1)
 * with signal 0. */
static int v_same_sched(char **argv)
{
	const char *call = argv[0];
	pid_t pid = (pid_t)atoi(argv[1]);
	struct sched_param sp;
	if (!strcmp(call, "kill-all"))
		return kill(-1, 0) < 0 ? A_ERR : A_OK;
	if (!strcmp(call, "setpriority")) {
		errno = 0;
		int prio = getpriority(PRIO_PROCESS, (id_t)pid);
		if (prio == -1 && errno)
			return A_ERR;
		return setpriority(PRIO_PROCESS, (id_t)pid, prio) < 0 ? A_ERR : A_OK;
	}
	if (!strcmp(call, "ioprio_set")) {
		long prio = syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, pid);
		if (prio < 0)
			return A_ERR;
		return syscall(SYS_ioprio_set, 1, pid, prio) < 0 ? A_ERR : A_OK;
	}
	if (!strcmp(call, "sched_setaffinity")) {
		cpu_set_t set;
		if (sched_getaffinity(pid, sizeof set, &set) < 0)
			return A_ERR;
		return sched_setaffinity(pid, sizeof set, &set) < 0 ? A_ERR : A_OK;
	}
	int policy = sched_getscheduler(pid);
	if (policy < 0 || sched_getparam(pid, &sp) < 0)
		return A_ERR;
	if (!strcmp(call, "sched_setscheduler"))
		return sched_setscheduler(pid, policy, &sp) < 0 ? A_ERR : A_OK;
	if (!strcmp(call, "sched_setparam"))
		return sched_setparam(pid, &sp) < 0 ? A_ERR : A_OK;
	if (!strcmp(call, "sched_setattr")) {
		/* struct sched_attr, version 0 (48 bytes), from the kernel's
		 * own answer */
		uint32_t attr[12] = { 48 };
		if (syscall(SYS_sched_getattr, pid, attr, 48u, 0u) < 0)
			return A_ERR;
		return syscall(SYS_sched_setattr, pid, attr, 0u) < 0 ? A_ERR : A_OK;
	}
	return A_USAGE;
}

/* ---- row 30: holds the supervisor must find ---- */

struct hold {
	const char *path;
	unsigned seconds;
	int fd;
	pid_t leader;
};

/* Print "ready", wait, then what reading `fd` answers; ends the process. */
static void report_read(const struct hold *h)
{
	char line[256];
	printf("ready\n");
	fflush(stdout);
	sleep(h->seconds);
	ssize_t n = read(h->fd, line, sizeof line - 1);
	if (n < 0) {
		print_errno(errno);
		fflush(stdout);
		exit(1);
	}
	line[n] = '\0';
	line[strcspn(line, "\n")] = '\0';
	printf("ok %s\n", line);
	fflush(stdout);
	exit(0);
}

static void *files_thread(void *arg)
{
	struct hold *h = arg;
	if (unshare(CLONE_FILES) < 0 || (h->fd = open(h->path, O_RDONLY | O_CLOEXEC)) < 0) {
		print_errno(errno);
		exit(1);
	}
	report_read(h);
	return NULL;
}

static int v_files_thread(char **argv)
{
	static struct hold h;
	pthread_t t;
	h.path = argv[0];
	h.seconds = (unsigned)atoi(argv[1]);
	int err = pthread_create(&t, NULL, files_thread, &h);
	if (err) {
		errno = err;
		return A_ERR;
	}
	pthread_join(t, NULL);
	return A_OK;
}

/* The state letter of thread group `pid` (its leader's), or 0. */
static char group_state(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	char *line = fgets(buf, sizeof buf, f);
	fclose(f);
	char *end = line ? strrchr(line, ')') : NULL;
	return end && end[1] == ' ' ? end[2] : 0;
}

static void *leader_exit_thread(void *arg)
{
	struct hold *h = arg;
	/* "ready" only once the leader is gone, so the process is a "Zl" */
	while (group_state(h->leader) != 'Z')
		usleep(1000);
	report_read(h);
	return NULL;
}

static int v_leader_exit(char **argv)
{
	static struct hold h;
	pthread_t t;
	h.path = argv[0];
	h.seconds = (unsigned)atoi(argv[1]);
	h.leader = getpid();
	if ((h.fd = open(h.path, O_RDONLY | O_CLOEXEC)) < 0)
		return A_ERR;
	int err = pthread_create(&t, NULL, leader_exit_thread, &h);
	if (err) {
		errno = err;
		return A_ERR;
	}
	/* Only this thread ends; the process goes on in the other. */
	syscall(SYS_exit, 0);
	return A_OK;
}

/* A descriptor of PATH sent over a unix datagram socket (SCM_RIGHTS, in a
 * message of no bytes) and closed, the sending end closed too: it is then
 * in no descriptor table, only in the other end's queue.  "ready", and
 * SECONDS later it is received and read. */
static int v_park_fd(char **argv)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct msghdr m = { .msg_control = c.buf, .msg_controllen = sizeof c.buf };
	char line[256];
	int sv[2], fd = open(argv[0], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0)
		return A_ERR;
	memset(&c, 0, sizeof c);
	c.hdr.cmsg_level = SOL_SOCKET;
	c.hdr.cmsg_type = SCM_RIGHTS;
	c.hdr.cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(&c.hdr), &fd, sizeof fd);
	if (sendmsg(sv[0], &m, 0) < 0)
		return A_ERR;
	close(fd);
	close(sv[0]);
	printf("ready\n");
	fflush(stdout);
	sleep((unsigned)atoi(argv[1]));
	m.msg_controllen = sizeof c.buf;
	if (recvmsg(sv[1], &m, MSG_CMSG_CLOEXEC) < 0)
		return A_ERR;
	struct cmsghdr *got = CMSG_FIRSTHDR(&m);
	if (!got || got->cmsg_type != SCM_RIGHTS) {
		errno = ENOMSG;
		return A_ERR;
	}
	memcpy(&fd, CMSG_DATA(got), sizeof fd);
	ssize_t n = read(fd, line, sizeof line - 1);
	if (n < 0)
		return A_ERR;
	line[n] = '\0';
	line[strcspn(line, "\n")] = '\0';
	printf("ok %s\n", line);
	return A_PRINTED;
}

/* ---- table and main ---- */

static const struct vector {
	const char *name;
	int (*fn)(char **argv);	/* argv: the ARGS, NULL-terminated */
	int min_args;
	const char *usage;
} vectors[] = {
	{ "ptrace-parent", v_ptrace_parent, 0, "" },
	{ "ptrace-traceme", v_ptrace_traceme, 0, "" },
	{ "process_vm_readv", v_process_vm_readv, 0, "" },
	{ "pidfd_getfd", v_pidfd_getfd, 0, "" },
	{ "proc-parent-mem", v_proc_parent_mem, 0, "" },
	{ "keyctl-session", v_keyctl_session, 0, "" },
	{ "add_key", v_add_key, 0, "" },
	{ "request_key", v_request_key, 0, "" },
	{ "keyring-id", v_keyring_id, 0, "(prints: ok SERIAL)" },
	{ "bpf", v_bpf, 0, "" },
	{ "perf_event_open", v_perf_event_open, 0, "" },
	{ "userfaultfd", v_userfaultfd, 0, "" },
	{ "kexec_load", v_kexec_load, 0, "" },
	{ "kexec_file_load", v_kexec_file_load, 0, "" },
	{ "init_module", v_init_module, 0, "" },
	{ "finit_module", v_finit_module, 0, "" },
	{ "delete_module", v_delete_module, 0, "" },
	{ "open_by_handle_at", v_open_by_handle_at, 0, "" },
	{ "unshare-user", v_unshare_user, 0, "" },
	{ "unshare-mount", v_unshare_mount, 0, "" },
	{ "unshare-net", v_unshare_net, 0, "" },
	{ "setns", v_setns, 0, "" },
	{ "clone-newuser", v_clone_newuser, 0, "" },
	{ "clone3", v_clone3, 0, "" },
	{ "fork", v_fork, 0, "" },
	{ "thread", v_thread, 0, "" },
	{ "mount", v_mount, 0, "[TARGET]" },
	{ "fsopen", v_fsopen, 0, "" },
	{ "open_tree", v_open_tree, 0, "" },
	{ "move_mount", v_move_mount, 0, "" },
	{ "mount_setattr", v_mount_setattr, 0, "" },
	{ "fsmount", v_fsmount, 0, "" },
	{ "fsconfig", v_fsconfig, 0, "" },
	{ "fspick", v_fspick, 0, "" },
	{ "pivot_root", v_pivot_root, 0, "" },
	{ "umount2", v_umount2, 0, "" },
	{ "io_uring_setup", v_io_uring_setup, 0, "" },
	{ "io_uring_enter", v_io_uring_enter, 0, "" },
	{ "io_uring_register", v_io_uring_register, 0, "" },
	{ "tiocsti", v_tiocsti, 0, "[FD]" },
	{ "tiocsti-high", v_tiocsti_high, 0, "[FD]" },
	{ "tioclinux", v_tioclinux, 0, "[FD]" },
	{ "tioclinux-high", v_tioclinux_high, 0, "[FD]" },
	{ "ioctl-tcgets", v_ioctl_tcgets, 0, "[FD]" },
	{ "socket", v_socket, 2, "FAMILY TYPE[+nonblock][+cloexec] [PROTO]" },
	{ "socketpair", v_socketpair, 0, "" },
	{ "connect-tcp", v_connect_tcp, 2, "HOST PORT" },
	{ "bind-tcp", v_bind_tcp, 1, "PORT" },
	{ "tcp-self", v_tcp_self, 0, "" },
	{ "sendto-udp", v_sendto_udp, 2, "HOST PORT" },
	{ "connect-mptcp", v_connect_mptcp, 2, "HOST PORT" },
	{ "connect-abstract", v_connect_abstract, 1, "NAME" },
	{ "connect-unix", v_connect_unix, 1, "PATH" },
	{ "listen-abstract", v_listen_abstract, 1, "NAME" },
	{ "kill", v_kill, 2, "PID SIG" },
	{ "int80-socket", v_int80_socket, 0, "" },
	{ "int80-getpid", v_int80_getpid, 0, "" },
	{ "x32-getpid", v_x32_getpid, 0, "" },
	{ "setsid", v_setsid, 0, "" },
	{ "chmod", v_chmod, 2, "PATH MODE" },
	{ "chown-self", v_chown_self, 1, "PATH" },
	{ "utimes", v_utimes, 1, "PATH" },
	{ "setxattr", v_setxattr, 1, "PATH" },
	{ "fchmod", v_fchmod, 2, "PATH MODE" },
	{ "fchmodat", v_fchmodat, 2, "PATH MODE" },
	{ "fchmodat2", v_fchmodat2, 2, "PATH MODE" },
	{ "open-creat", v_open_creat, 2, "PATH MODE" },
	{ "openat-creat", v_openat_creat, 2, "PATH MODE" },
	{ "creat", v_creat, 2, "PATH MODE" },
	{ "open-tmpfile", v_open_tmpfile, 2, "DIR MODE" },
	{ "mknod", v_mknod, 2, "PATH MODE" },
	{ "mknodat", v_mknodat, 2, "PATH MODE" },
	{ "open-nocreat-mode", v_open_nocreat_mode, 1, "PATH" },
	{ "tty-check", v_tty_check, 0, "(prints: tty)" },
	{ "prlimit-parent", v_prlimit_parent, 0, "" },
	{ "prlimit", v_prlimit, 1, "PID [N]" },
	{ "prlimit-self", v_prlimit_self, 0, "" },
	{ "setrlimit-self", v_setrlimit_self, 0, "" },
	{ "same-sched", v_same_sched, 2, "CALL PID" },
	{ "shmat", v_shmat, 1, "ID" },
	{ "msgctl", v_msgctl, 1, "ID" },
	{ "posix_openpt", v_posix_openpt, 0, "" },
	{ "openpty", v_openpty, 0, "" },
	{ "hold-pty", v_hold_pty, 1, "SECONDS (prints the slave's path)" },
	{ "files-thread", v_files_thread, 2, "PATH SECONDS (prints: ready, then ok LINE)" },
	{ "leader-exit", v_leader_exit, 2, "PATH SECONDS (prints: ready, then ok LINE)" },
	{ "park-fd", v_park_fd, 2, "PATH SECONDS (prints: ready, then ok LINE)" },
};

#define E(x) { x, #x }
static const struct errname { int num; const char *name; } errnames[] = {
	E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG),
	E(ENOEXEC), E(EBADF), E(ECHILD), E(EAGAIN), E(ENOMEM), E(EACCES), E(EFAULT),
	E(EBUSY), E(EEXIST), E(EXDEV), E(ENODEV), E(ENOTDIR), E(EISDIR), E(EINVAL),
	E(ENFILE), E(EMFILE), E(ENOTTY), E(ENOSPC), E(ESPIPE), E(EROFS), E(EPIPE),
	E(ERANGE), E(ENAMETOOLONG), E(ENOSYS), E(ENOTEMPTY), E(ELOOP), E(EOVERFLOW),
	E(ENOTSOCK), E(EDESTADDRREQ), E(EMSGSIZE), E(EPROTOTYPE), E(ENOPROTOOPT),
	E(EPROTONOSUPPORT), E(ESOCKTNOSUPPORT), E(EOPNOTSUPP), E(EPFNOSUPPORT),
	E(EAFNOSUPPORT), E(EADDRINUSE), E(EADDRNOTAVAIL), E(ENETUNREACH),
	E(ECONNRESET), E(EISCONN), E(ETIMEDOUT), E(ECONNREFUSED), E(EHOSTUNREACH),
	E(EALREADY), E(EINPROGRESS), E(ESTALE), E(ENOMSG), E(ENOKEY), E(EKEYEXPIRED),
	E(EKEYREVOKED), E(EKEYREJECTED),
};

/* ENOTSUP is EOPNOTSUPP on Linux; it prints as the latter. */
static void print_errno(int err)
{
	for (size_t i = 0; i < sizeof errnames / sizeof *errnames; i++)
		if (errnames[i].num == err) {
			printf("%s\n", errnames[i].name);
			return;
		}
	printf("E%d\n", err);
}

static int usage(void)
{
	fprintf(stderr, "usage: nono-attempt VECTOR [ARGS...]\n"
			"prints ok or the errno name; exit 0 ok, 1 refused, 2 usage\n");
	for (size_t i = 0; i < sizeof vectors / sizeof *vectors; i++)
		fprintf(stderr, "  %s %s\n", vectors[i].name, vectors[i].usage);
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	for (size_t i = 0; i < sizeof vectors / sizeof *vectors; i++) {
		const struct vector *v = &vectors[i];
		if (strcmp(v->name, argv[1]))
			continue;
		if (argc - 2 < v->min_args)
			return usage();
		int rc = v->fn(argv + 2);
		if (rc == A_USAGE)
			return usage();
		if (rc == A_PRINTED)
			return 0;
		if (rc == A_ERR) {
			print_errno(errno);
			return 1;
		}
		printf("ok\n");
		return 0;
	}
	return usage();
}
