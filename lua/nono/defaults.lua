--- The built-in system set: what a dynamically linked program needs to
-- start and run ordinary tools, and nothing of the user's.  Entries that do
-- not exist on this machine are skipped (they are ours, not the user's).
-- Deliberately absent: /etc as a whole (/etc/shadow, /etc/ssh keys), /home,
-- /root, /tmp, /run (sockets), /var.
local core = require "nono.core"

local M = {}

--- The session's own terminal: what stdin, stdout and stderr are, as
-- /proc/self/fd names them, when that is a pseudo-terminal or a console.
-- Of /dev/pts only these are granted: any other pty of the user would let
-- the command read what is typed in another terminal, or print a fake
-- prompt there (threat row 29).  (Only a terminal is looked up: realpath
-- reads each component of /proc/self/fd/N, a cost on every start.)
local function own_terminals()
  local out, seen = {}, {}
  for fd = 0, 2 do
    local target = core.isatty(fd) and core.realpath("/proc/self/fd/" .. fd)
    if target and not seen[target]
        and (target:match("^/dev/pts/%d+$") or target:match("^/dev/tty%a*%d+$")) then
      seen[target] = true
      out[#out + 1] = target
    end
  end
  return out
end
M.terminals = own_terminals()

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
  -- devices: data sinks and sources, and the terminal: /dev/tty is the
  -- caller's controlling terminal whatever its name; the multiplexers
  -- allocate a new pty's master (Landlock cannot grant its slave, which
  -- does not exist yet: openpty fails)
  { path = "/dev/null", access = "read,write" },
  { path = "/dev/zero", access = "read,write" },
  { path = "/dev/full", access = "read,write" },
  { path = "/dev/random", access = "read" },
  { path = "/dev/urandom", access = "read" },
  { path = "/dev/tty", access = "read,write,ioctl" },
  { path = "/dev/ptmx", access = "read,write,ioctl" },
  { path = "/dev/pts/ptmx", access = "read,write,ioctl" },
}
for _, tty in ipairs(M.terminals) do
  M.system[#M.system + 1] = { path = tty, access = "read,write,ioctl" }
end

--- Protected names: kept out of reach even when a grant covers them
-- (`--allow ~`), including names that do not exist yet (they cannot be
-- created).  `deny`: no access at all (credentials, histories).  `readonly`:
-- what runs code outside the sandbox later (threat row 19): shell start-up
-- files, git's global config, editors' config, user services, nono's own
-- config and profiles.  `--bypass PATH` lifts one.
M.protected = {
  -- credentials and keys
  { path = "~/.ssh", mode = "deny", why = "SSH keys and config" },
  { path = "~/.gnupg", mode = "deny", why = "GnuPG keys" },
  { path = "~/.aws", mode = "deny", why = "AWS credentials" },
  { path = "~/.azure", mode = "deny", why = "Azure credentials" },
  { path = "~/.config/gcloud", mode = "deny", why = "Google Cloud credentials" },
  { path = "~/.kube", mode = "deny", why = "Kubernetes credentials" },
  { path = "~/.docker", mode = "deny", why = "Docker registry credentials" },
  { path = "~/.npmrc", mode = "deny", why = "npm tokens" },
  { path = "~/.pypirc", mode = "deny", why = "PyPI tokens" },
  { path = "~/.netrc", mode = "deny", why = "login credentials" },
  { path = "~/.git-credentials", mode = "deny", why = "git credentials" },
  { path = "~/.config/gh", mode = "deny", why = "GitHub CLI tokens" },
  { path = "~/.cargo/credentials", mode = "deny", why = "crates.io token" },
  { path = "~/.cargo/credentials.toml", mode = "deny", why = "crates.io token" },
  { path = "~/.password-store", mode = "deny", why = "pass password store" },
  { path = "~/.local/share/keyrings", mode = "deny", why = "desktop keyrings" },
  -- histories
  { path = "~/.bash_history", mode = "deny", why = "shell history" },
  { path = "~/.zsh_history", mode = "deny", why = "shell history" },
  { path = "~/.local/share/fish/fish_history", mode = "deny", why = "shell history" },
  { path = "~/.python_history", mode = "deny", why = "Python history" },
  { path = "~/.node_repl_history", mode = "deny", why = "Node history" },
  { path = "~/.psql_history", mode = "deny", why = "psql history" },
  { path = "~/.mysql_history", mode = "deny", why = "MySQL history" },
  { path = "~/.sqlite_history", mode = "deny", why = "SQLite history" },
  -- code that runs outside the sandbox later
  { path = "~/.bashrc", mode = "readonly", why = "shell start-up file" },
  { path = "~/.bash_profile", mode = "readonly", why = "shell start-up file" },
  { path = "~/.bash_login", mode = "readonly", why = "shell start-up file" },
  { path = "~/.bash_logout", mode = "readonly", why = "shell start-up file" },
  { path = "~/.profile", mode = "readonly", why = "shell start-up file" },
  { path = "~/.zshrc", mode = "readonly", why = "shell start-up file" },
  { path = "~/.zshenv", mode = "readonly", why = "shell start-up file" },
  { path = "~/.zprofile", mode = "readonly", why = "shell start-up file" },
  { path = "~/.zlogin", mode = "readonly", why = "shell start-up file" },
  { path = "~/.config/fish", mode = "readonly", why = "shell start-up files" },
  { path = "~/.bash_aliases", mode = "readonly", why = "shell start-up file" },
  { path = "~/.zlogout", mode = "readonly", why = "shell start-up file" },
  { path = "~/.xprofile", mode = "readonly", why = "session start-up file" },
  { path = "~/.xsessionrc", mode = "readonly", why = "session start-up file" },
  { path = "~/.xinitrc", mode = "readonly", why = "session start-up file" },
  { path = "~/.inputrc", mode = "readonly", why = "readline start-up file" },
  { path = "~/.tmux.conf", mode = "readonly", why = "tmux start-up file" },
  { path = "~/.config/tmux", mode = "readonly", why = "tmux start-up files" },
  { path = "~/.local/bin", mode = "readonly", why = "user commands (on PATH)" },
  { path = "~/bin", mode = "readonly", why = "user commands (on PATH)" },
  { path = "~/.local/share/systemd", mode = "readonly", why = "user services" },
  { path = "~/.config/direnv", mode = "readonly", why = "direnv start-up files" },
  { path = "~/.local/share/direnv", mode = "readonly", why = "direnv's approved .envrc files" },
  { path = "~/.pam_environment", mode = "readonly", why = "login environment" },
  { path = "~/.config/environment.d", mode = "readonly", why = "login environment" },
  { path = "~/.config/systemd", mode = "readonly", why = "user services" },
  { path = "~/.config/autostart", mode = "readonly", why = "desktop autostart" },
  { path = "~/.gitconfig", mode = "readonly", why = "git config (hooksPath, fsmonitor, filters)" },
  { path = "~/.config/git", mode = "readonly", why = "git config (hooksPath, fsmonitor, filters)" },
  { path = "~/.vimrc", mode = "readonly", why = "editor start-up file" },
  { path = "~/.config/nvim", mode = "readonly", why = "editor start-up files" },
  { path = "~/.config/nono", mode = "readonly", why = "nono's own config and profiles" },
}

--- The default command blocklist, by category, in two tiers:
--   * "exec": nono refuses to start the command as the one it runs
--     (argv[0], resolved through PATH and symlinks); the command's own
--     children may run it.  File commands belong to a project's work
--     (a build's `rm -rf`, `cp`, `chmod +x`): what they may change is
--     decided by the grants, not by the name of the program.
--   * "tree": also unexecutable for every process of the sandbox
--     (`sh -c 'mkfs ...'`): read-only no-exec mounts where user namespaces
--     work, Landlock's EXECUTE withheld elsewhere.  Only commands that have
--     no place in a project's work and only damage the system.
-- Every tier is checked at exec.  Either way this is a seat belt, not a
-- boundary: a copy of the binary or an interpreter reaches the same system
-- calls.  A name ending in ".*" stands for every command so named beside
-- the one it is named after (mkfs.ext4, mkfs.vfat, ... beside mkfs); names
-- absent here are skipped.
M.blocked_commands = {
  { category = "deletion", tier = "exec", names = { "rm", "rmdir", "shred", "srm" } },
  { category = "moving", tier = "exec", names = { "mv", "cp", "truncate", "dd" } },
  { category = "permissions", tier = "exec", names = { "chmod", "chown", "chgrp", "chattr" } },
  { category = "transfer", tier = "exec", names = { "scp", "rsync", "sftp", "ftp" } },
  { category = "packages", tier = "exec", names = { "pip" } },
  { category = "disks", tier = "tree",
    names = { "mkfs", "mkfs.*", "mke2fs", "fdisk", "sfdisk", "cfdisk", "parted", "wipefs" } },
  { category = "power", tier = "tree", names = { "shutdown", "reboot", "halt", "poweroff" } },
  { category = "services", tier = "tree", names = { "systemctl", "service" } },
  { category = "system packages", tier = "tree",
    names = { "apt", "apt-get", "dpkg", "yum", "dnf", "pacman", "brew" } },
  { category = "privilege", tier = "tree", names = { "sudo", "su", "doas", "pkexec" } },
}

--- The entries of `path` (a PATH value) beneath one of `homes` and not
-- beneath `cwd`, cleaned, in order, without repeats: the user's own
-- commands, which run outside the sandbox later.
function M.path_dirs(path, homes, cwd)
  local out, seen = {}, {}
  for dir in (path or ""):gmatch("[^:]+") do
    if dir:sub(1, 1) == "/" then
      dir = ("/" .. dir):gsub("/+", "/"):gsub("(.)/$", "%1")
      for _, home in ipairs(homes) do
        local beneath = dir:sub(1, #home + 1) == home .. "/"
        local in_cwd = cwd and (dir == cwd or dir:sub(1, #cwd + 1) == cwd .. "/")
        if beneath and not in_cwd and not dir:find("/%.%.?/") and not dir:find("/%.%.?$")
            and not seen[dir] then
          seen[dir] = true
          out[#out + 1] = dir
        end
      end
    end
  end
  return out
end

--- Where blocked commands are looked up (not $PATH: the default blocklist
-- must not depend on the environment the sandbox is launched from).  A name
-- the user blocks (--block-command, a profile's commands{ block }) that is
-- in none of these is looked up in PATH: the user means the tool they run.
M.command_dirs = { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin" }

return M
