#define _GNU_SOURCE
#include "caps.h"

#include <errno.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int capget_self(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	return (int)syscall(SYS_capget, &hdr, data);
}

int caps_drop_all(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = { { 0, 0, 0 }, { 0, 0, 0 } };

	if (capget_self(data) < 0)
		return -errno;
	if (!(data[0].permitted | data[1].permitted | data[0].effective | data[1].effective))
		return 0;

	/* First, while CAP_SETPCAP is still held: root must not regain a full
	 * set at execve (NOROOT), nor keep one across a uid change, and these
	 * choices are locked for every descendant. */
	if (prctl(PR_SET_SECUREBITS,
		  SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
		  SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED |
		  SECBIT_KEEP_CAPS_LOCKED |
		  SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED,
		  0L, 0L, 0L) < 0)
		return -errno;
	/* Every capability the kernel knows, up to the first it does not
	 * (EINVAL): one call each, where reading each first took two. */
	for (int cap = 0;; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0L, 0L, 0L) < 0) {
			if (errno == EINVAL && cap > 0)
				break;
			return -errno;
		}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0L, 0L, 0L) < 0 && errno != EINVAL)
		return -errno;
	data[0] = data[1] = (struct __user_cap_data_struct){ 0, 0, 0 };
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	return 0;
}
