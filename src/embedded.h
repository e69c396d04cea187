/* The Lua sources (lua/, profiles/) compiled into the binary by
 * cmake/embed.cmake, so the installed `nono` needs nothing on disk. */
#ifndef NONO_EMBEDDED_H
#define NONO_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
	const char *name; /* relative to the source tree: "lua/nono/cli.lua" */
	const unsigned char *data;
	size_t size;
};

/* Terminated by an entry whose name is NULL. */
extern const struct embedded_file embedded_files[];

#endif
