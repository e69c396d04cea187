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
#include "attempt.h"

int done(long rc, int fd)
{
	int err = errno;
	if (fd >= 0)
		close(fd);
	errno = err;
	return rc < 0 ? A_ERR : A_OK;
}

int wait_child(pid_t pid)
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

/* ---- table and main ---- */

static const struct vector core_vectors[] = {
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
	{ NULL, NULL, 0, NULL },
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
void print_errno(int err)
{
	for (size_t i = 0; i < sizeof errnames / sizeof *errnames; i++)
		if (errnames[i].num == err) {
			printf("%s\n", errnames[i].name);
			return;
		}
	printf("E%d\n", err);
}

static const struct vector *const tables[] = {
	core_vectors, attempt_sock_vectors, attempt_files_vectors, attempt_proc_vectors,
};
#define EACH_VECTOR(v) \
	for (size_t t_ = 0; t_ < sizeof tables / sizeof *tables; t_++) \
		for (const struct vector *v = tables[t_]; v->name; v++)

static int usage(void)
{
	fprintf(stderr, "usage: nono-attempt VECTOR [ARGS...]\n"
			"prints ok or the errno name; exit 0 ok, 1 refused, 2 usage\n");
	EACH_VECTOR(v)
		fprintf(stderr, "  %s %s\n", v->name, v->usage);
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	EACH_VECTOR(v) {
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
