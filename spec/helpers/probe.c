/* nono-probe OP PATH [PATH2]: try one filesystem operation and print what
 * the kernel answered: "ok", or the errno name ("EACCES", "EXDEV", ...).
 * Exit 0 on success, 1 on a refused operation, 2 on bad usage.  Specs run it
 * inside `nono run` so they assert the kernel's answer, not a shell's. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int try_read(const char *path)
{
	char c;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, &c, 1) < 0)
		return -1;
	return close(fd);
}

static int try_write(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, "x", 1) != 1)
		return -1;
	return close(fd);
}

static int try_list(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return -1;
	errno = 0;
	while (readdir(d))
		;
	int err = errno;
	closedir(d);
	errno = err;
	return err ? -1 : 0;
}

static int try_exec(const char *path)
{
	char *const argv[] = { (char *)path, NULL };
	char *const envp[] = { NULL };
	execve(path, argv, envp);
	return -1;
}

int main(int argc, char **argv)
{
	const char *op = argc > 2 ? argv[1] : "";
	const char *a = argc > 2 ? argv[2] : NULL, *b = argc > 3 ? argv[3] : NULL;
	int rc;

	if (!strcmp(op, "read"))
		rc = try_read(a);
	else if (!strcmp(op, "write"))
		rc = try_write(a);
	else if (!strcmp(op, "create"))
		rc = open(a, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644) < 0 ? -1 : 0;
	else if (!strcmp(op, "truncate"))
		rc = truncate(a, 0);
	else if (!strcmp(op, "list"))
		rc = try_list(a);
	else if (!strcmp(op, "mkdir"))
		rc = mkdir(a, 0755);
	else if (!strcmp(op, "rmdir"))
		rc = rmdir(a);
	else if (!strcmp(op, "unlink"))
		rc = unlink(a);
	else if (!strcmp(op, "rename") && b)
		rc = rename(a, b);
	else if (!strcmp(op, "link") && b)
		rc = link(a, b);
	else if (!strcmp(op, "symlink") && b)
		rc = symlink(a, b);
	else if (!strcmp(op, "exec"))
		rc = try_exec(a);
	else {
		fprintf(stderr, "usage: nono-probe read|write|create|truncate|list|mkdir|"
				"rmdir|unlink|exec PATH | rename|link|symlink A B\n");
		return 2;
	}
	if (rc < 0) {
		const char *name = strerrorname_np(errno);
		printf("%s\n", name ? name : "E?");
		return 1;
	}
	printf("ok\n");
	return 0;
}
