#define _GNU_SOURCE
#include "netns.h"
#include "fdpass.h"
#include "ns.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

int netns_enter_with_listener(int port, int send_fd)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int err = ns_net_loopback();
	if (err)
		return err;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 128) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	err = fdpass_send(send_fd, &fd, 1);
	close(fd);
	close(send_fd); /* nothing else goes that way */
	return err;
}

int netns_receive_fd(int fd)
{
	int got;
	int err = fdpass_recv(fd, &got, 1, 0);
	return err < 0 ? err : got;
}
