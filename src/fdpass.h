/* fdpass.c — descriptors handed between nono's processes over a unix
 * socket (SCM_RIGHTS): the proxy's listening socket made in the command's
 * network namespace (netns.c), the relayed terminal's master (pty.c).
 * Only system calls: safe after fork.  Internal. */
#ifndef NONO_FDPASS_H
#define NONO_FDPASS_H

#define FDPASS_MAX 2

/* Send the `n` (1 to FDPASS_MAX) descriptors `fds` over `sock`, with one
 * byte.  0, or -errno (-EIO for a send that took nothing). */
int fdpass_send(int sock, const int *fds, int n);

/* Receive exactly `n` descriptors sent by fdpass_send into `fds`
 * (close-on-exec); `flags` go to recvmsg (MSG_DONTWAIT).  0, or -errno:
 * -EPIPE when the sender closed without sending, -EPROTO when what came
 * is not `n` descriptors. */
int fdpass_recv(int sock, int *fds, int n, int flags);

#endif
