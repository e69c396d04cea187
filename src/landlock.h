/* landlock.c — the Landlock LSM: ABI probe, rulesets, restrict_self.
 * Every function returns a negative errno on failure and never exits. */
#ifndef NONO_LANDLOCK_H
#define NONO_LANDLOCK_H

#include <stdint.h>

/* The running kernel's Landlock ABI (>= 1), or -ENOSYS (not built in),
 * -EOPNOTSUPP (built in but disabled at boot). */
int landlock_abi(void);

/* One right: its name (the Lua API's and the report's), its bit, the ABI
 * that added it, the access class that grants it ("read", "write",
 * "ioctl"; NULL: none does), and whether a rule on a non-directory may
 * carry it. */
struct landlock_right {
	const char *name;
	uint64_t bit;
	int abi;
	const char *class;
	int on_files;
};

/* The filesystem rights, network rights and IPC scopes nono knows, in bit
 * order, each ended by an entry whose name is NULL. */
extern const struct landlock_right landlock_fs_rights[];
extern const struct landlock_right landlock_net_rights[];
extern const struct landlock_right landlock_scopes[];

/* Every filesystem right the given ABI knows: the set a ruleset handles so
 * that nothing the kernel can restrict is left unrestricted. */
uint64_t landlock_fs_rights_for_abi(int abi);

/* The subset of filesystem rights that a rule on a non-directory may carry. */
uint64_t landlock_fs_file_rights(void);

/* The filesystem rights of access class `class` ("read", "write",
 * "ioctl"); 0 for an unknown class. */
uint64_t landlock_class_rights(const char *class);

/* The network rights (TCP bind/connect, ABI 4) and IPC scopes (signals,
 * abstract unix sockets, ABI 6) the given ABI knows; 0 below those ABIs. */
uint64_t landlock_net_rights_for_abi(int abi);
uint64_t landlock_scopes_for_abi(int abi);

/* A new ruleset handling `handled_fs` and `handled_net` (denied unless a
 * rule allows them) and confined to `scoped`: an O_CLOEXEC fd, or -errno
 * (-EINVAL when a right is unknown to the kernel, -E2BIG when the kernel
 * predates network rights or scopes and one is asked for). */
int landlock_ruleset_create(uint64_t handled_fs, uint64_t handled_net,
			    uint64_t scoped);

/* Allow `access` beneath the file or directory open as `path_fd`.
 * 0, or -errno (-EINVAL: a directory right on a file, -EBADF, ...). */
int landlock_ruleset_add_path(int ruleset_fd, int path_fd, uint64_t access);

/* Allow `access` (TCP bind and/or connect) for TCP port `port`, to or on
 * any address: Landlock's port rules name no address.  0, or -errno
 * (-EINVAL: a right the ruleset does not handle). */
int landlock_ruleset_add_port(int ruleset_fd, uint64_t port, uint64_t access);
/* Enforce the ruleset on the calling thread and its future children.
 * Needs no_new_privs (or CAP_SYS_ADMIN); -EPERM otherwise. */
int landlock_restrict(int ruleset_fd);

#endif
