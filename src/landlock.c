/* The Landlock LSM (Documentation/userspace-api/landlock.rst).
 *
 * Landlock is allow-only: a ruleset names the rights it handles, and every
 * handled right is denied except beneath the paths given a rule.  We handle
 * every filesystem right the running kernel knows, so a right a newer kernel
 * adds is never left open by an old policy of ours. */
#include "landlock.h"

#include <errno.h>
#include <stddef.h>
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

uint64_t landlock_fs_rights_for_abi(int abi)
{
	uint64_t rights = 0;

	/* The one place where rights are masked by ABI: fall through from the
	 * newest ABI we know down to ABI 1, adding what each one introduced. */
	if (abi > NONO_LANDLOCK_ABI_KNOWN)
		abi = NONO_LANDLOCK_ABI_KNOWN;
	switch (abi) {
	case 9:
		rights |= LANDLOCK_ACCESS_FS_RESOLVE_UNIX;
		/* fall through */
	case 8:
	case 7:
	case 6:
	case 5:
		rights |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
		/* fall through */
	case 4:
	case 3:
		rights |= LANDLOCK_ACCESS_FS_TRUNCATE;
		/* fall through */
	case 2:
		rights |= LANDLOCK_ACCESS_FS_REFER;
		/* fall through */
	case 1:
		rights |= LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
			  LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |
			  LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
			  LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |
			  LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
			  LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
			  LANDLOCK_ACCESS_FS_MAKE_SYM;
		break;
	default:
		break;
	}
	return rights;
}

uint64_t landlock_fs_file_rights(void)
{
	return LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
	       LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE |
	       LANDLOCK_ACCESS_FS_IOCTL_DEV;
}

uint64_t landlock_net_rights_for_abi(int abi)
{
	/* ABI 4 added TCP bind and connect. */
	return abi >= 4 ? LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP : 0;
}

uint64_t landlock_scopes_for_abi(int abi)
{
	/* ABI 6 added IPC scoping: no signals to, and no connecting to
	 * abstract unix sockets of, processes outside the sandbox. */
	return abi >= 6 ? LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL : 0;
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
