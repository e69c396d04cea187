/* opens: what a sandbox adds to each open(2), measured without the noise
 * of a whole workload.
 *
 *   cc -O2 -o opens bench/opens.c
 *   opens FILE [N]
 *
 * Opens FILE and closes it N times (default 400,000) and prints the mean
 * time of one open + close in ns.  bench/run.sh runs it bare, under
 * `bench/floor -w DIR` (Landlock's own cost) and under `nono run --allow
 * DIR`, the three in turn for 8 rounds, and compares medians: what nono
 * adds beyond Landlock's path walk is above all its seccomp filter, which
 * the kernel runs for openat (its arguments are looked at) and skips for
 * close. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fputs("usage: opens FILE [N]\n", stderr);
		return 2;
	}
	long n = argc == 3 ? atol(argv[2]) : 400000;
	struct timespec a, b;
	if (n <= 0) {
		fputs("opens: N must be a positive number\n", stderr);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++) {
		int fd = openat(AT_FDCWD, argv[1], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			perror(argv[1]);
			return 1;
		}
		close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
	printf("%.1f ns per open + close\n", ns / (double)n);
	return 0;
}
