/* nono-attempt's vectors on files: set-id bits, metadata (row 22), and the
 * session's terminal.  See attempt.c. */
#include "attempt.h"

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


const struct vector attempt_files_vectors[] = {
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
	{ NULL, NULL, 0, NULL },
};
