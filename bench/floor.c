/* The floor for the benchmarks: the least a Landlock launcher can do.
 *
 *   floor [-f] [-w PATH]... [-r FILE] COMMAND [ARGS...]
 *
 * Probes the ABI, creates a ruleset handling every filesystem right that ABI
 * knows (the filesystem rights `nono run` handles, so both pay the same
 * checks), adds two rules -- read+execute beneath /usr and read on
 * /etc/ld.so.cache, enough for a dynamically linked /bin/true on a
 * merged-/usr system -- sets no_new_privs, restrict_self, and execs COMMAND.
 * No Lua, no policy model, no fd hygiene, no seccomp, no fork.
 *
 *   -f       fork first and wait, as a supervisor does: the cost of the
 *            fork+wait alone is the difference to the plain floor.
 *   -w PATH  one more rule, read+write beneath PATH (file rights only when
 *            PATH is a file): the floor for the run-time workloads, which
 *            write into a tree and to /dev/null.
 *   -r FILE  instead of the two rules, one rule per line of FILE:
 *            "RIGHT,RIGHT,... PATH" with nono's right names (execute,
 *            read_file, ...).  bench/run.sh writes it from `nono run
 *            --dry-run --json`, so the floor can pay for exactly nono's
 *            rules: what remains of nono's time above it is nono's own.
 *
 * On a system whose /bin, /lib or /lib64 are real directories (not links into
 * /usr) those are added as read+execute too; on Debian 12 there are two rules.
 * Raw syscalls and nono's vendored UAPI header: nothing from libc's Landlock
 * support (Debian 12's headers stop at ABI 3). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../vendor/landlock_uapi.h"

#define FS_READ (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | \
		 LANDLOCK_ACCESS_FS_READ_DIR)
#define FS_FILE (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | \
		 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE | \
		 LANDLOCK_ACCESS_FS_IOCTL_DEV)

static int fail(const char *what)
{
	fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
	return 126;
}

/* Every filesystem right `abi` handles (the fall-through of the kernel's
 * samples/landlock/sandboxer.c, read the other way round). */
static uint64_t handled_for_abi(int abi)
{
	uint64_t fs = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1; /* ABI 1 */
	if (abi >= 2)
		fs |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		fs |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	if (abi >= 9)
		fs |= LANDLOCK_ACCESS_FS_RESOLVE_UNIX;
	return fs;
}

static int add_rule(int ruleset, const char *path, uint64_t access)
{
	struct landlock_path_beneath_attr pb = { .allowed_access = access };
	struct stat st;
	pb.parent_fd = open(path, O_PATH | O_CLOEXEC);
	if (pb.parent_fd < 0)
		return -1;
	if (fstat(pb.parent_fd, &st) == 0 && !S_ISDIR(st.st_mode))
		pb.allowed_access &= FS_FILE;
	long rc = syscall(__NR_landlock_add_rule, ruleset,
			  LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
	close(pb.parent_fd);
	return rc < 0 ? -1 : 0;
}

static uint64_t right_named(const char *name, size_t len)
{
	static const char *const names[] = {
		"execute", "write_file", "read_file", "read_dir", "remove_dir",
		"remove_file", "make_char", "make_dir", "make_reg", "make_sock",
		"make_fifo", "make_block", "make_sym", "refer", "truncate",
		"ioctl_dev", "resolve_unix",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == len && strncmp(names[i], name, len) == 0)
			return 1ULL << i;
	return 0;
}

/* One rule per line "RIGHT,RIGHT,... PATH"; rights the kernel does not
 * handle are dropped, as nono masks them by ABI. */
static int add_rules_from(int ruleset, const char *file, uint64_t handled)
{
	char line[4352];
	FILE *f = fopen(file, "re");
	if (!f)
		return fail(file);
	while (fgets(line, sizeof(line), f)) {
		char *path = strchr(line, ' ');
		uint64_t access = 0;
		if (!path)
			continue;
		*path++ = '\0';
		path[strcspn(path, "\n")] = '\0';
		for (char *r = line; *r;) {
			size_t len = strcspn(r, ",");
			access |= right_named(r, len);
			r += len + (r[len] == ',');
		}
		access &= handled;
		if (access && add_rule(ruleset, path, access) < 0) {
			fclose(f);
			return fail(path);
		}
	}
	fclose(f);
	return 0;
}

/* A real directory, not a symlink into /usr (merged /usr). */
static int is_real_dir(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int main(int argc, char **argv)
{
	static const char *const unmerged[] = { "/bin", "/lib", "/lib64" };
	const char *writable[16], *rules_file = NULL;
	size_t nwritable = 0;
	int do_fork = 0, opt;

	while ((opt = getopt(argc, argv, "+fw:r:")) != -1) {
		if (opt == 'f')
			do_fork = 1;
		else if (opt == 'w' && nwritable < sizeof(writable) / sizeof(writable[0]))
			writable[nwritable++] = optarg;
		else if (opt == 'r')
			rules_file = optarg;
		else
			optind = argc; /* falls into the usage message */
	}
	char **cmd = argv + optind;
	if (optind >= argc) {
		fputs("usage: floor [-f] [-w PATH]... [-r FILE] COMMAND [ARGS...]\n", stderr);
		return 2;
	}

	int abi = (int)syscall(__NR_landlock_create_ruleset, NULL, 0,
			       LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 0)
		return fail("landlock_create_ruleset (version)");
	struct landlock_ruleset_attr attr = { .handled_access_fs = handled_for_abi(abi) };
	int ruleset = (int)syscall(__NR_landlock_create_ruleset, &attr,
				   sizeof(attr.handled_access_fs), 0);
	if (ruleset < 0)
		return fail("landlock_create_ruleset");
	if (rules_file) {
		int rc = add_rules_from(ruleset, rules_file, attr.handled_access_fs);
		if (rc)
			return rc;
	} else {
		if (add_rule(ruleset, "/usr", FS_READ) < 0)
			return fail("/usr");
		if (add_rule(ruleset, "/etc/ld.so.cache", LANDLOCK_ACCESS_FS_READ_FILE) < 0)
			return fail("/etc/ld.so.cache");
		for (size_t i = 0; i < sizeof(unmerged) / sizeof(unmerged[0]); i++)
			if (is_real_dir(unmerged[i]) && add_rule(ruleset, unmerged[i], FS_READ) < 0)
				return fail(unmerged[i]);
	}
	for (size_t i = 0; i < nwritable; i++)
		if (add_rule(ruleset, writable[i], attr.handled_access_fs &
			     ~(LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_MAKE_CHAR |
			       LANDLOCK_ACCESS_FS_MAKE_BLOCK)) < 0)
			return fail(writable[i]);

	if (do_fork) {
		pid_t pid = fork();
		if (pid < 0)
			return fail("fork");
		if (pid > 0) {
			int status;
			close(ruleset);
			while (waitpid(pid, &status, 0) < 0)
				if (errno != EINTR)
					return fail("waitpid");
			return WIFEXITED(status) ? WEXITSTATUS(status)
						 : 128 + WTERMSIG(status);
		}
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) < 0)
		return fail("no_new_privs");
	if (syscall(__NR_landlock_restrict_self, ruleset, 0) < 0)
		return fail("landlock_restrict_self");
	close(ruleset);
	execvp(cmd[0], cmd);
	fprintf(stderr, "floor: %s: %s\n", cmd[0], strerror(errno));
	return 127;
}
