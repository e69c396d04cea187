/* netns.c — the command's own network namespace, holding only loopback,
 * with the egress proxy's listening socket made inside it (threat row 33).
 *
 * A socket keeps the network namespace it was made in: the listening
 * socket made here is served by the proxy outside, while nothing inside
 * reaches any interface of the machine.  For the forked child, in the
 * user namespace ns_enter made (it needs CAP_NET_ADMIN there), before
 * capabilities are dropped.  Only system calls: safe after fork. */
#ifndef NONO_NETNS_H
#define NONO_NETNS_H

/* Enter a new network namespace, bring its loopback up, listen on
 * 127.0.0.1:`port` there, and send that socket over the unix socket
 * `send_fd` (SCM_RIGHTS), closing it here.  0, or -errno. */
int netns_enter_with_listener(int port, int send_fd);

/* Receive the descriptor sent over `fd` (blocking): it, or -errno
 * (-EPIPE when the sender closed without sending). */
int netns_receive_fd(int fd);

#endif
