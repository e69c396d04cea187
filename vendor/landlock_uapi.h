/*
 * Landlock kernel interface, written out for nono so the build does not depend
 * on the build host's <linux/landlock.h> (Debian 12 ships the ABI 3 header).
 * Values are the kernel's UAPI facts; each group names the ABI that added it.
 * Never include this together with <linux/landlock.h>.
 */
#ifndef NONO_VENDOR_LANDLOCK_UAPI_H
#define NONO_VENDOR_LANDLOCK_UAPI_H

#include <stdint.h>

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#endif
#ifndef __NR_landlock_add_rule
#define __NR_landlock_add_rule 445
#endif
#ifndef __NR_landlock_restrict_self
#define __NR_landlock_restrict_self 446
#endif

/* landlock_create_ruleset() flags */
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)       /* ABI 1 */
#define LANDLOCK_CREATE_RULESET_ERRATA (1U << 1)        /* ABI 7 */

/* The size given to landlock_create_ruleset() selects how much of this struct
 * the kernel reads: 8 bytes for ABI 1-3, 16 for ABI 4-5, 24 from ABI 6. */
struct landlock_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net; /* ABI 4 */
	uint64_t scoped;             /* ABI 6 */
};

enum landlock_rule_type {
	LANDLOCK_RULE_PATH_BENEATH = 1,
	LANDLOCK_RULE_NET_PORT = 2, /* ABI 4 */
};

struct landlock_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

struct landlock_net_port_attr {
	uint64_t allowed_access;
	uint64_t port;
};

/* Filesystem rights. ABI 1: */
#define LANDLOCK_ACCESS_FS_EXECUTE (1ULL << 0)
#define LANDLOCK_ACCESS_FS_WRITE_FILE (1ULL << 1)
#define LANDLOCK_ACCESS_FS_READ_FILE (1ULL << 2)
#define LANDLOCK_ACCESS_FS_READ_DIR (1ULL << 3)
#define LANDLOCK_ACCESS_FS_REMOVE_DIR (1ULL << 4)
#define LANDLOCK_ACCESS_FS_REMOVE_FILE (1ULL << 5)
#define LANDLOCK_ACCESS_FS_MAKE_CHAR (1ULL << 6)
#define LANDLOCK_ACCESS_FS_MAKE_DIR (1ULL << 7)
#define LANDLOCK_ACCESS_FS_MAKE_REG (1ULL << 8)
#define LANDLOCK_ACCESS_FS_MAKE_SOCK (1ULL << 9)
#define LANDLOCK_ACCESS_FS_MAKE_FIFO (1ULL << 10)
#define LANDLOCK_ACCESS_FS_MAKE_BLOCK (1ULL << 11)
#define LANDLOCK_ACCESS_FS_MAKE_SYM (1ULL << 12)
/* ABI 2: linking or renaming across directories */
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
/* ABI 3 */
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
/* ABI 5: ioctl on character and block devices */
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
/* ABI 9: connecting to a pathname unix socket */
#define LANDLOCK_ACCESS_FS_RESOLVE_UNIX (1ULL << 16)

/* Network rights, ABI 4 */
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)

/* Scopes, ABI 6 */
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)

/* landlock_restrict_self() flags. ABI 7: audit logging */
#define LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF (1U << 0)
#define LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON (1U << 1)
#define LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF (1U << 2)
/* ABI 8: restrict every thread of the process at once */
#define LANDLOCK_RESTRICT_SELF_TSYNC (1U << 3)

/* The newest ABI whose constants this file carries.  ABI 10 (UDP rights,
 * quiet rules) is left out until its values are settled upstream. */
#define NONO_LANDLOCK_ABI_KNOWN 9

#endif
