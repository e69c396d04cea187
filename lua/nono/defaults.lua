--- The built-in system set: what a dynamically linked program needs to
-- start and run ordinary tools, and nothing of the user's.  Entries that do
-- not exist on this machine are skipped (they are ours, not the user's).
-- Deliberately absent: /etc as a whole (/etc/shadow, /etc/ssh keys), /home,
-- /root, /tmp, /run (sockets), /var.
local M = {}

M.system = {
  -- programs and libraries (read + execute)
  { path = "/usr", access = "read" },
  { path = "/bin", access = "read" },
  { path = "/sbin", access = "read" },
  { path = "/lib", access = "read" },
  { path = "/lib64", access = "read" },
  { path = "/lib32", access = "read" },
  { path = "/libx32", access = "read" },
  { path = "/opt", access = "read" },
  -- the /etc files the loader, libc, TLS and terminals read
  { path = "/etc/ld.so.cache", access = "read" },
  { path = "/etc/ld.so.conf", access = "read" },
  { path = "/etc/ld.so.conf.d", access = "read" },
  { path = "/etc/alternatives", access = "read" },
  { path = "/etc/passwd", access = "read" },
  { path = "/etc/group", access = "read" },
  { path = "/etc/nsswitch.conf", access = "read" },
  { path = "/etc/hosts", access = "read" },
  { path = "/etc/host.conf", access = "read" },
  { path = "/etc/resolv.conf", access = "read" },
  { path = "/etc/gai.conf", access = "read" },
  { path = "/etc/services", access = "read" },
  { path = "/etc/protocols", access = "read" },
  { path = "/etc/localtime", access = "read" },
  { path = "/etc/timezone", access = "read" },
  { path = "/etc/locale.alias", access = "read" },
  { path = "/etc/mime.types", access = "read" },
  { path = "/etc/inputrc", access = "read" },
  { path = "/etc/terminfo", access = "read" },
  { path = "/etc/ssl", access = "read" },
  { path = "/etc/ca-certificates", access = "read" },
  -- process information (/proc/self, cpu counts)
  { path = "/proc", access = "read" },
  { path = "/sys/devices/system/cpu", access = "read" },
  -- devices: data sinks and sources, and the terminal
  { path = "/dev/null", access = "read,write" },
  { path = "/dev/zero", access = "read,write" },
  { path = "/dev/full", access = "read,write" },
  { path = "/dev/random", access = "read" },
  { path = "/dev/urandom", access = "read" },
  { path = "/dev/tty", access = "read,write,ioctl" },
  { path = "/dev/pts", access = "read,write,ioctl" },
  { path = "/dev/ptmx", access = "read,write,ioctl" },
}

return M
