/* The Landlock LSM (Documentation/userspace-api/landlock.rst).
 *
 * Landlock is allow-only: a ruleset names the rights it handles, and every
 * handled right is denied except beneath the paths given a rule.  We handle
 * every filesystem right the running kernel knows, so a right a newer kernel
 * adds is never left open by an old policy of ours. */
#include "landlock.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../vendor/landlock_uapi.h"

int landlock_abi(void)
{
	long abi = syscall(__NR_landlock_create_ruleset, NULL, 0,
			   LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 0)
		return -errno;
	return (int)abi;
}

/* The rights nono knows, each once: the masking by ABI, the access
 * classes of nono_policy_allow and of the Lua side, and the report all
 * read these tables (the Lua side through nono.core's `rights`).
 *
 * The classes: read includes execute, since Landlock cannot stop ld.so or
 * an interpreter from running a file it may read, so withholding execute
 * would promise nothing.  write includes remove_dir (removing and renaming
 * directories): it protects no data, since every file inside is removable
 * already, and without it renames, temporary directories, package managers
 * and git break; what must keep its place is protected by the Lua side.
 * No class grants make_char or make_block (no device nodes) or
 * resolve_unix (connecting to pathname unix sockets). */
const struct landlock_right landlock_fs_rights[] = {
	{ "execute", LANDLOCK_ACCESS_FS_EXECUTE, 1, "read", 1 },
	{ "write_file", LANDLOCK_ACCESS_FS_WRITE_FILE, 1, "write", 1 },
	{ "read_file", LANDLOCK_ACCESS_FS_READ_FILE, 1, "read", 1 },
	{ "read_dir", LANDLOCK_ACCESS_FS_READ_DIR, 1, "read", 0 },
	{ "remove_dir", LANDLOCK_ACCESS_FS_REMOVE_DIR, 1, "write", 0 },
	{ "remove_file", LANDLOCK_ACCESS_FS_REMOVE_FILE, 1, "write", 0 },
	{ "make_char", LANDLOCK_ACCESS_FS_MAKE_CHAR, 1, NULL, 0 },
	{ "make_dir", LANDLOCK_ACCESS_FS_MAKE_DIR, 1, "write", 0 },
	{ "make_reg", LANDLOCK_ACCESS_FS_MAKE_REG, 1, "write", 0 },
	{ "make_sock", LANDLOCK_ACCESS_FS_MAKE_SOCK, 1, "write", 0 },
	{ "make_fifo", LANDLOCK_ACCESS_FS_MAKE_FIFO, 1, "write", 0 },
	{ "make_block", LANDLOCK_ACCESS_FS_MAKE_BLOCK, 1, NULL, 0 },
	{ "make_sym", LANDLOCK_ACCESS_FS_MAKE_SYM, 1, "write", 0 },
	{ "refer", LANDLOCK_ACCESS_FS_REFER, 2, "write", 0 },
	{ "truncate", LANDLOCK_ACCESS_FS_TRUNCATE, 3, "write", 1 },
	{ "ioctl_dev", LANDLOCK_ACCESS_FS_IOCTL_DEV, 5, "ioctl", 1 },
	{ "resolve_unix", LANDLOCK_ACCESS_FS_RESOLVE_UNIX, 9, NULL, 0 },
	{ NULL, 0, 0, NULL, 0 },
};

const struct landlock_right landlock_net_rights[] = {
	{ "bind_tcp", LANDLOCK_ACCESS_NET_BIND_TCP, 4, NULL, 0 },
	{ "connect_tcp", LANDLOCK_ACCESS_NET_CONNECT_TCP, 4, NULL, 0 },
	{ NULL, 0, 0, NULL, 0 },
};

/* IPC scoping: no signals to, and no connecting to abstract unix sockets
 * of, processes outside the sandbox. */
const struct landlock_right landlock_scopes[] = {
	{ "abstract_unix_socket", LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET, 6, NULL, 0 },
	{ "signal", LANDLOCK_SCOPE_SIGNAL, 6, NULL, 0 },
	{ NULL, 0, 0, NULL, 0 },
};

/* The bits of `table` the given ABI knows (an ABI newer than nono's is
 * treated as the newest nono knows: nothing it cannot name is handled). */
static uint64_t rights_for_abi(const struct landlock_right *table, int abi)
{
	uint64_t rights = 0;
	if (abi > NONO_LANDLOCK_ABI_KNOWN)
		abi = NONO_LANDLOCK_ABI_KNOWN;
	for (const struct landlock_right *r = table; r->name; r++)
		if (r->abi <= abi)
			rights |= r->bit;
	return rights;
}

uint64_t landlock_fs_rights_for_abi(int abi)
{
	return rights_for_abi(landlock_fs_rights, abi);
}

uint64_t landlock_net_rights_for_abi(int abi)
{
	return rights_for_abi(landlock_net_rights, abi);
}

uint64_t landlock_scopes_for_abi(int abi)
{
	return rights_for_abi(landlock_scopes, abi);
}

uint64_t landlock_fs_file_rights(void)
{
	uint64_t rights = 0;
	for (const struct landlock_right *r = landlock_fs_rights; r->name; r++)
		if (r->on_files)
			rights |= r->bit;
	return rights;
}

uint64_t landlock_class_rights(const char *class)
{
	uint64_t rights = 0;
	for (const struct landlock_right *r = landlock_fs_rights; r->name; r++)
		if (r->class && strcmp(r->class, class) == 0)
			rights |= r->bit;
	return rights;
}

int landlock_ruleset_create(uint64_t handled_fs, uint64_t handled_net,
			    uint64_t scoped)
{
	struct landlock_ruleset_attr attr = {
		.handled_access_fs = handled_fs,
		.handled_access_net = handled_net,
		.scoped = scoped,
	};
	/* Pass only the fields in use: an older kernel rejects a larger
	 * struct (E2BIG) even when the fields it does not know are zero. */
	size_t size = scoped ? sizeof(attr)
		      : handled_net ? offsetof(struct landlock_ruleset_attr, scoped)
				    : offsetof(struct landlock_ruleset_attr, handled_access_net);
	long fd = syscall(__NR_landlock_create_ruleset, &attr, size, 0U);
	if (fd < 0)
		return -errno;
	return (int)fd;
}

int landlock_ruleset_add_path(int ruleset_fd, int path_fd, uint64_t access)
{
	struct landlock_path_beneath_attr rule = {
		.allowed_access = access,
		.parent_fd = path_fd,
	};
	if (syscall(__NR_landlock_add_rule, ruleset_fd, LANDLOCK_RULE_PATH_BENEATH,
		    &rule, 0U) < 0)
		return -errno;
	return 0;
}

int landlock_ruleset_add_port(int ruleset_fd, uint64_t port, uint64_t access)
{
	struct landlock_net_port_attr rule = {
		.allowed_access = access,
		.port = port,
	};
	if (syscall(__NR_landlock_add_rule, ruleset_fd, LANDLOCK_RULE_NET_PORT,
		    &rule, 0U) < 0)
		return -errno;
	return 0;
}

int landlock_restrict(int ruleset_fd)
{
	if (syscall(__NR_landlock_restrict_self, ruleset_fd, 0U) < 0)
		return -errno;
	return 0;
}
