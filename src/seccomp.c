/* seccomp.c — the syscall filter, written as classic BPF by hand.
 *
 * Why not libseccomp: the filter is small and fixed (one per option set),
 * it must be auditable line by line by people judging a sandbox, and it must
 * be installable after fork without allocating.  A hand-written program with
 * named labels does all three and adds no dependency to a static binary.
 *
 * Argument checks compare the low 32 bits only, on purpose: ioctl's
 * request, socket's family/type/protocol, the namespace flags, open's
 * flags, file modes and prlimit64's pid are `int`s, `unsigned int`s or
 * `umode_t`s to the kernel, which drops the upper half.  A filter that
 * compared all 64 bits could be walked past by setting the upper half
 * (CVE-2019-10063, TIOCSTI with a high bit set). */
#define _GNU_SOURCE
#include "seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <netinet/in.h>

#if defined(__x86_64__)
#define NONO_AUDIT_ARCH AUDIT_ARCH_X86_64
/* x32 syscalls are x86_64 numbers with this bit set, under the same arch
 * value: without this check every rule below could be walked around. */
#define NONO_X32_BIT 0x40000000U
#elif defined(__aarch64__)
#define NONO_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "nono's seccomp filter knows x86_64 and aarch64 only"
#endif

#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
/* Linux 6.6; the same number in both tables this file knows. */
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

/* Namespace flags of clone(2).  CLONE_NEWTIME is absent: in clone's flags
 * that bit is part of the exit signal; clone3 and unshare carry it. */
#define NS_FLAGS_CLONE                                                     \
	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC |     \
	 CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)
#define NS_FLAGS_UNSHARE (NS_FLAGS_CLONE | CLONE_NEWTIME)

/* The open flags under which the kernel reads the mode argument at all.
 * libc's O_TMPFILE includes O_DIRECTORY, which alone creates nothing: the
 * bit that makes the kernel use the mode is the other one. */
#define OPEN_CREATE_FLAGS (O_CREAT | (O_TMPFILE & ~O_DIRECTORY))
/* The bits of a file's mode that make exec change the process's ids. */
#define SETID_BITS (S_ISUID | S_ISGID)

enum label {
	L_ALLOW,
	L_KILL,
	L_EPERM,
	L_ENOSYS,
	L_EACCES,
	L_EAFNOSUPPORT,
	L_ESOCKTNOSUPPORT,
	L_EPROTONOSUPPORT,
	L_IOCTL,
	L_CLONE,
	L_UNSHARE,
	L_SOCKET,
	L_SOCKETPAIR,
	L_PRLIMIT,
	L_PRIO,
	L_IOPRIO,
	L_WHO0,
	L_PID0,
	L_KILL_ALL,
	L_INET,
	L_INET_STREAM,
	L_INET_DGRAM,
	L_NETLINK,
	L_OPEN,
	L_OPENAT,
	L_MODE1,
	L_MODE2,
	L_MODE3,
	L_COUNT
};

/* Labels beyond the named ones: the nodes of the dispatch tree. */
#define MAX_NODES 64

#define RULE(sys) { #sys, SYS_##sys, 0, NULL }

/* Refused with EPERM, whatever the arguments.  Each is a way out of the
 * sandbox, into another process, or into the kernel's attack surface. */
const struct seccomp_rule seccomp_denied[] = {
	/* row 6: other processes' memory and descriptors */
	RULE(ptrace), RULE(process_vm_readv), RULE(process_vm_writev),
	RULE(pidfd_getfd),
	/* row 13: the launcher's keyrings (a new session keyring is joined
	 * before the filter; the filter keeps the command off keyctl) */
	RULE(keyctl), RULE(add_key), RULE(request_key),
	/* row 14: kernel attack surface and capability-less escapes */
	RULE(bpf), RULE(perf_event_open), RULE(userfaultfd), RULE(kexec_load),
	RULE(kexec_file_load), RULE(init_module), RULE(finit_module),
	RULE(delete_module),
	/* open_by_handle_at opens any inode by number, around every path
	 * check (the "shocker" container escape) */
	RULE(open_by_handle_at),
	/* row 15: namespaces and mounts (unshare and clone: below, by flag) */
	RULE(setns), RULE(mount), RULE(umount2), RULE(pivot_root), RULE(chroot),
	RULE(fsopen), RULE(fsconfig), RULE(fsmount), RULE(fspick), RULE(open_tree),
	RULE(move_mount), RULE(mount_setattr),
	/* privileged housekeeping nobody in a sandbox needs */
	RULE(swapon), RULE(swapoff), RULE(reboot), RULE(acct), RULE(syslog),
	RULE(quotactl), RULE(vhangup),
#ifdef SYS_quotactl_fd
	RULE(quotactl_fd),
#endif
#if defined(__x86_64__)
	RULE(iopl), RULE(ioperm), RULE(uselib),
#endif
	{ NULL, 0, 0, NULL },
};

/* Refused with ENOSYS, so that callers fall back to what the filter can
 * inspect.  io_uring (row 11): its operations (IORING_OP_SOCKET, ...) run
 * without passing this filter.  clone3 (row 15): its flags sit in memory
 * BPF cannot read; glibc and others retry with clone on ENOSYS. */
const struct seccomp_rule seccomp_unimplemented[] = {
	RULE(io_uring_setup), RULE(io_uring_enter), RULE(io_uring_register),
	RULE(clone3),
	{ NULL, 0, 0, NULL },
};

#define SETID "setuid/setgid bits"
#define SOCKETS "any but unix, IPv4/IPv6 TCP and UDP, netlink route " \
	"(with net_block: unix only; with an allow-list: no UDP)"

/* Looked at further: each goes to the check of its label (the mode
 * argument's position differs per call; aarch64 has the *at forms and
 * fchmod only). */
const struct seccomp_rule seccomp_by_argument[] = {
	{ "ioctl", SYS_ioctl, L_IOCTL, "TIOCSTI, TIOCLINUX" },
	{ "clone", SYS_clone, L_CLONE, "new namespaces" },
	{ "unshare", SYS_unshare, L_UNSHARE, "new namespaces" },
	{ "socket", SYS_socket, L_SOCKET, SOCKETS },
	{ "socketpair", SYS_socketpair, L_SOCKETPAIR, "any but unix" },
	{ "prlimit64", SYS_prlimit64, L_PRLIMIT, "another process's limits" },
	{ "setpriority", SYS_setpriority, L_PRIO, "a process group or a user" },
	{ "ioprio_set", SYS_ioprio_set, L_IOPRIO, "a process group or a user" },
	{ "openat", SYS_openat, L_OPENAT, "creating a file with " SETID },
	{ "fchmod", SYS_fchmod, L_MODE1, SETID },
	{ "fchmodat", SYS_fchmodat, L_MODE2, SETID },
	{ "fchmodat2", SYS_fchmodat2, L_MODE2, SETID },
	{ "mknodat", SYS_mknodat, L_MODE2, SETID },
#ifdef SYS_open
	{ "open", SYS_open, L_OPEN, "creating a file with " SETID },
#endif
#ifdef SYS_creat
	{ "creat", SYS_creat, L_MODE1, SETID },
#endif
#ifdef SYS_chmod
	{ "chmod", SYS_chmod, L_MODE1, SETID },
#endif
#ifdef SYS_mknod
	{ "mknod", SYS_mknod, L_MODE1, SETID },
#endif
	{ NULL, 0, 0, NULL },
};

#define NEXT (-1) /* a jump target: the following instruction */

/* A program under construction: jumps name labels, resolved at the end. */
struct bpf {
	struct sock_filter *insn;
	size_t cap, n;
	int err;
	signed char jt[SECCOMP_MAX_INSNS], jf[SECCOMP_MAX_INSNS];
	long at[L_COUNT + MAX_NODES];
	int nodes; /* node labels taken */
};

static void emit(struct bpf *b, uint16_t code, uint32_t k, int jt, int jf)
{
	if (b->n >= b->cap) {
		b->err = -E2BIG;
		return;
	}
	b->insn[b->n] = (struct sock_filter){ .code = code, .k = k };
	b->jt[b->n] = (signed char)jt;
	b->jf[b->n] = (signed char)jf;
	b->n++;
}

static void label(struct bpf *b, enum label l)
{
	b->at[l] = (long)b->n;
}

static void load_nr(struct bpf *b)
{
	emit(b, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr),
	     NEXT, NEXT);
}

/* Load the low 32 bits of syscall argument `i` (see the top comment). */
static void load_arg(struct bpf *b, int i)
{
	uint32_t off = (uint32_t)offsetof(struct seccomp_data, args[i]);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	off += 4;
#endif
	emit(b, BPF_LD | BPF_W | BPF_ABS, off, NEXT, NEXT);
}

/* if (A op k) goto t; else goto f; */
static void jump(struct bpf *b, uint16_t op, uint32_t k, int t, int f)
{
	emit(b, BPF_JMP | op | BPF_K, k, t, f);
}

static void ret(struct bpf *b, uint32_t action)
{
	emit(b, BPF_RET | BPF_K, action, NEXT, NEXT);
}

/* A label of its own for a node of the dispatch tree. */
static int node_label(struct bpf *b)
{
	if (b->nodes >= MAX_NODES) {
		b->err = -E2BIG;
		return L_ALLOW;
	}
	return L_COUNT + b->nodes++;
}

/* The calls the filter names, each with the check it goes to. */
struct dispatch {
	uint32_t nr;
	int check;
};

#define LEAF 4 /* calls compared one by one at the end of a branch */

/* A binary search over `n` calls sorted by number: each goes to its
 * check, any other call is allowed.  The kernel, installing the filter,
 * runs it for every call number to find those it may allow unseen (its
 * per-filter cache): a chain of comparisons costs that run its whole
 * length for most of some 460 numbers (0.11-0.12 ms of every start-up
 * here, 0.05 ms with the tree), a tree its depth. */
static void dispatch_tree(struct bpf *b, const struct dispatch *d, int n)
{
	if (n == 0) {
		ret(b, SECCOMP_RET_ALLOW);
		return;
	}
	if (n <= LEAF) {
		for (int i = 0; i < n; i++)
			jump(b, BPF_JEQ, d[i].nr, d[i].check, i + 1 < n ? NEXT : L_ALLOW);
		return;
	}
	int half = n / 2, right = node_label(b);
	jump(b, BPF_JGE, d[half].nr, right, NEXT);
	dispatch_tree(b, d, half);
	label(b, right);
	dispatch_tree(b, d + half, n - half);
}

static void add_call(struct dispatch *d, int *n, int cap, int nr, int check, struct bpf *b)
{
	if (*n >= cap) {
		b->err = -E2BIG;
		return;
	}
	/* (insertion: the tables are short; a call named twice is a bug) */
	int i = (*n)++;
	for (; i > 0 && d[i - 1].nr >= (uint32_t)nr; i--) {
		if (d[i - 1].nr == (uint32_t)nr)
			b->err = -EINVAL;
		d[i] = d[i - 1];
	}
	d[i] = (struct dispatch){ (uint32_t)nr, check };
}

/* Replace label numbers by the offsets BPF wants (from the next insn). */
static int resolve(struct bpf *b)
{
	for (size_t i = 0; i < b->n; i++) {
		struct sock_filter *ins = &b->insn[i];
		if (BPF_CLASS(ins->code) != BPF_JMP)
			continue;
		int targets[2] = { b->jt[i], b->jf[i] };
		for (int t = 0; t < 2; t++) {
			long off = 0;
			if (targets[t] != NEXT) {
				if (b->at[targets[t]] < 0)
					return -EINVAL;
				off = b->at[targets[t]] - (long)i - 1;
			}
			if (off < 0 || off > 255)
				return -E2BIG;
			if (t == 0)
				ins->jt = (uint8_t)off;
			else
				ins->jf = (uint8_t)off;
		}
	}
	return 0;
}

int seccomp_build_filter(unsigned opts, struct sock_filter *insns, size_t cap,
			 struct sock_fprog *prog)
{
	struct bpf b = { .insn = insns, .cap = cap };
	const int net_block = (opts & SECCOMP_OPT_NET_BLOCK) != 0;
	const int floor = (opts & SECCOMP_OPT_FLOOR) != 0;
	const int net_proxy = (opts & SECCOMP_OPT_NET_PROXY) != 0;

	if (opts & ~(unsigned)(SECCOMP_OPT_NET_BLOCK | SECCOMP_OPT_FLOOR | SECCOMP_OPT_NET_PROXY))
		return -EINVAL;
	if (cap > SECCOMP_MAX_INSNS)
		b.cap = SECCOMP_MAX_INSNS;
	for (int l = 0; l < L_COUNT + MAX_NODES; l++)
		b.at[l] = -1;

	/* Row 12: a syscall made through another entry point (int 0x80 is
	 * i386, with its own numbers: socketcall) or as x32 is not judged by
	 * the table below.  Kill the process rather than guess. */
	emit(&b, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch),
	     NEXT, NEXT);
	jump(&b, BPF_JEQ, NONO_AUDIT_ARCH, NEXT, L_KILL);
	load_nr(&b);
#ifdef NONO_X32_BIT
	jump(&b, BPF_JGE, NONO_X32_BIT, L_KILL, NEXT);
#endif
	/* openat first: the kernel answers a call this program allows
	 * whatever its arguments without running it (its per-filter cache),
	 * so what does run it is mostly openat (every open of a file).  Then
	 * every other call it names, by number.  The three lists share no
	 * call (add_call refuses one named twice): the order decides nothing
	 * else. */
	jump(&b, BPF_JEQ, SYS_openat, L_OPENAT, NEXT);
	struct dispatch calls[MAX_NODES * 2];
	int ncalls = 0, room = (int)(sizeof(calls) / sizeof(calls[0]));
	for (const struct seccomp_rule *r = seccomp_by_argument; r->name; r++)
		if (r->nr != SYS_openat)
			add_call(calls, &ncalls, room, r->nr, r->check, &b);
	for (const struct seccomp_rule *r = seccomp_denied; r->name; r++)
		add_call(calls, &ncalls, room, r->nr, L_EPERM, &b);
	for (const struct seccomp_rule *r = seccomp_unimplemented; r->name; r++)
		add_call(calls, &ncalls, room, r->nr, L_ENOSYS, &b);
	/* On the floor only, so not in the report's tables: what a pid
	 * namespace would confine otherwise (the labels say how). */
	if (floor) {
		add_call(calls, &ncalls, room, SYS_sched_setaffinity, L_PID0, &b);
		add_call(calls, &ncalls, room, SYS_sched_setscheduler, L_PID0, &b);
		add_call(calls, &ncalls, room, SYS_sched_setparam, L_PID0, &b);
		add_call(calls, &ncalls, room, SYS_sched_setattr, L_PID0, &b);
		add_call(calls, &ncalls, room, SYS_kill, L_KILL_ALL, &b);
	}
	dispatch_tree(&b, calls, ncalls);

	/* Row 5: pushing keystrokes into the terminal's input (TIOCSTI) or
	 * the console's selection (TIOCLINUX) would make the user's shell
	 * run them outside the sandbox once the command exits. */
	label(&b, L_IOCTL);
	load_arg(&b, 1);
	jump(&b, BPF_JEQ, TIOCSTI, L_EPERM, NEXT);
	jump(&b, BPF_JEQ, TIOCLINUX, L_EPERM, L_ALLOW);

	/* Row 15: a new user namespace gives back every capability (inside
	 * it), and with it mount and the kernel code behind it. */
	label(&b, L_CLONE);
#if defined(__x86_64__) || defined(__aarch64__)
	load_arg(&b, 0); /* clone's flags come first on both */
#endif
	jump(&b, BPF_JSET, NS_FLAGS_CLONE, L_EPERM, L_ALLOW);
	label(&b, L_UNSHARE);
	load_arg(&b, 0);
	jump(&b, BPF_JSET, NS_FLAGS_UNSHARE, L_EPERM, L_ALLOW);

	/* Row 29: prlimit64 changes the limits of any process of the same
	 * user, with no signal or ptrace check: RLIMIT_CPU kills it,
	 * RLIMIT_CORE makes it dump core, RLIMIT_NOFILE starves the
	 * supervisor so it can no longer read /proc and end the tree.  The
	 * caller's own pid is not known to a filter (nor stable across fork),
	 * so only pid 0, "myself", passes: what glibc's getrlimit and
	 * setrlimit send.  setrlimit and getrlimit themselves act on the
	 * caller only and are not filtered. */
	label(&b, L_PRLIMIT);
	load_arg(&b, 0);
	jump(&b, BPF_JEQ, 0, L_ALLOW, L_EPERM);

	/* Row 29: the priority of a process group or of every process of the
	 * user (PRIO_PGRP, PRIO_USER; IOPRIO_WHO_PGRP, IOPRIO_WHO_USER) can
	 * reach beyond the command, the supervisor included, in any case: a
	 * process group is not confined to a pid namespace.  Only the
	 * per-process form passes (nice, renice, ionice of a process), and
	 * on the floor only on the caller: who 0, what nice(1) and ionice(1)
	 * running a command send.  An idle class or nice 19 would otherwise
	 * starve any process of the user's. */
	label(&b, L_PRIO);
	load_arg(&b, 0);
	jump(&b, BPF_JEQ, 0 /* PRIO_PROCESS */, floor ? L_WHO0 : L_ALLOW, L_EPERM);
	label(&b, L_IOPRIO);
	load_arg(&b, 0);
	jump(&b, BPF_JEQ, 1 /* IOPRIO_WHO_PROCESS */, floor ? L_WHO0 : L_ALLOW, L_EPERM);
	if (floor) {
		label(&b, L_WHO0);
		load_arg(&b, 1);
		jump(&b, BPF_JEQ, 0, L_ALLOW, L_EPERM);
		/* The scheduler calls name a thread; 0 is the caller (taskset
		 * and chrt running a command, sched_setaffinity(0, ...)). */
		label(&b, L_PID0);
		load_arg(&b, 0);
		jump(&b, BPF_JEQ, 0, L_ALLOW, L_EPERM);
		/* kill(-1, sig) signals every process the user may signal.
		 * Landlock's signal scope (ABI 6) stops it reaching outside; on
		 * older kernels only this does.  Other pids are undecidable
		 * here (the command's own children have pids too). */
		label(&b, L_KILL_ALL);
		load_arg(&b, 0);
		jump(&b, BPF_JEQ, (uint32_t)-1, L_EPERM, L_ALLOW);
	}

	/* Row 10: sockets by allow-list.  Landlock (ABI 4+) rules govern TCP
	 * bind and connect only; UDP, raw, packet, vsock, SCTP and MPTCP
	 * (IPPROTO_MPTCP walks past the TCP rules) are stopped here. */
	label(&b, L_SOCKETPAIR);
	load_arg(&b, 0);
	jump(&b, BPF_JEQ, AF_UNIX, L_ALLOW, L_EAFNOSUPPORT);

	label(&b, L_SOCKET);
	load_arg(&b, 0);
	jump(&b, BPF_JEQ, AF_UNIX, L_ALLOW, NEXT);
	if (net_block) {
		jump(&b, BPF_JEQ, AF_INET, L_EACCES, NEXT);
		jump(&b, BPF_JEQ, AF_INET6, L_EACCES, NEXT);
		jump(&b, BPF_JEQ, AF_NETLINK, L_EACCES, L_EAFNOSUPPORT);
	} else {
		jump(&b, BPF_JEQ, AF_INET, L_INET, NEXT);
		jump(&b, BPF_JEQ, AF_INET6, L_INET, NEXT);
		jump(&b, BPF_JEQ, AF_NETLINK, L_NETLINK, L_EAFNOSUPPORT);

		label(&b, L_INET);
		load_arg(&b, 1);
		/* SOCK_NONBLOCK and SOCK_CLOEXEC ride in the type's high bits */
		emit(&b, BPF_ALU | BPF_AND | BPF_K, 0xf, NEXT, NEXT);
		jump(&b, BPF_JEQ, SOCK_STREAM, L_INET_STREAM, NEXT);
		/* row 33: with an allow-list, UDP would be a way around
		 * the proxy (DNS tunnels, QUIC) */
		jump(&b, BPF_JEQ, SOCK_DGRAM, net_proxy ? L_EACCES : L_INET_DGRAM,
		     L_ESOCKTNOSUPPORT);
		label(&b, L_INET_STREAM);
		load_arg(&b, 2);
		jump(&b, BPF_JEQ, 0, L_ALLOW, NEXT);
		jump(&b, BPF_JEQ, IPPROTO_TCP, L_ALLOW, L_EPROTONOSUPPORT);
		label(&b, L_INET_DGRAM);
		load_arg(&b, 2);
		jump(&b, BPF_JEQ, 0, L_ALLOW, NEXT);
		jump(&b, BPF_JEQ, IPPROTO_UDP, L_ALLOW, L_EPROTONOSUPPORT);

		/* Routing information only (getaddrinfo's AI_ADDRCONFIG, `ip
		 * addr`); audit, netfilter, uevents and the rest stay out. */
		label(&b, L_NETLINK);
		load_arg(&b, 2);
		jump(&b, BPF_JEQ, NETLINK_ROUTE, L_ALLOW, L_EPROTONOSUPPORT);
	}

	/* No setuid or setgid bit from inside: launched as root, the command
	 * still owns root's files by uid (chmod needs no capability on what
	 * one owns) and chmod is no Landlock right, so it could mark any
	 * root-owned binary setuid, granted or not, or create a setuid-root
	 * file in a write grant.  No_new_privs makes the bit inert inside;
	 * the backdoor would open for whoever runs the file after the
	 * session.  The mode is judged only where the kernel uses it: open's
	 * is garbage without a create flag.  openat2 carries its mode in a
	 * struct BPF cannot read, and is let through (nono uses it inside). */
#ifdef SYS_open
	label(&b, L_OPEN);
	load_arg(&b, 1);
	jump(&b, BPF_JSET, OPEN_CREATE_FLAGS, L_MODE2, L_ALLOW);
#endif
	label(&b, L_OPENAT);
	load_arg(&b, 2);
	jump(&b, BPF_JSET, OPEN_CREATE_FLAGS, L_MODE3, L_ALLOW);
	label(&b, L_MODE1);
	load_arg(&b, 1);
	jump(&b, BPF_JSET, SETID_BITS, L_EPERM, L_ALLOW);
	label(&b, L_MODE2);
	load_arg(&b, 2);
	jump(&b, BPF_JSET, SETID_BITS, L_EPERM, L_ALLOW);
	label(&b, L_MODE3);
	load_arg(&b, 3);
	jump(&b, BPF_JSET, SETID_BITS, L_EPERM, L_ALLOW);

	label(&b, L_ALLOW);
	ret(&b, SECCOMP_RET_ALLOW);
	label(&b, L_KILL);
	ret(&b, SECCOMP_RET_KILL_PROCESS);
	label(&b, L_EPERM);
	ret(&b, SECCOMP_RET_ERRNO | EPERM);
	label(&b, L_ENOSYS);
	ret(&b, SECCOMP_RET_ERRNO | ENOSYS);
	label(&b, L_EACCES);
	ret(&b, SECCOMP_RET_ERRNO | EACCES);
	label(&b, L_EAFNOSUPPORT);
	ret(&b, SECCOMP_RET_ERRNO | EAFNOSUPPORT);
	label(&b, L_ESOCKTNOSUPPORT);
	ret(&b, SECCOMP_RET_ERRNO | ESOCKTNOSUPPORT);
	label(&b, L_EPROTONOSUPPORT);
	ret(&b, SECCOMP_RET_ERRNO | EPROTONOSUPPORT);

	if (b.err)
		return b.err;
	int err = resolve(&b);
	if (err)
		return err;
	prog->len = (unsigned short)b.n;
	prog->filter = insns;
	return 0;
}

int seccomp_install(const struct sock_fprog *prog)
{
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) < 0)
		return -errno;
	return 0;
}
