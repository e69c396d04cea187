--- What the kernel will enforce for a policy, and what it will not: the
-- report's data (nono.policy's Policy:report loads this).
local core = require "nono.core"
local access = require "nono.access"

local M = {}

--- What the kernel will enforce for this policy, and what it will not.
-- The same fields feed `--dry-run`, `-v` and `--json`.
function M.data(self)
  local handled = self:handled()
  local known = core.fs_rights_for_abi(core.landlock_abi_known)
  local gaps = {}
  for _, name in ipairs(access.names_of(known & ~handled)) do
    gaps[#gaps + 1] = { right = name, needs_abi = access.right_abi[name] }
  end
  local scope_names, net_names = {}, {}
  for name, bit in pairs(core.scope) do
    if self:scoped() & bit ~= 0 then scope_names[#scope_names + 1] = name end
  end
  for name, bit in pairs(core.net_access) do
    if self:handled_net() & bit ~= 0 then net_names[#net_names + 1] = name end
  end
  table.sort(scope_names)
  table.sort(net_names)
  local bypassed, blocked, checked = {}, {}, {}
  for _, p in ipairs(self.all_protections or {}) do
    if p.bypassed then bypassed[#bypassed + 1] = { path = p.canonical, by = p.bypassed } end
  end
  -- Every name whose file exists here is checked at exec; the "tree" tier
  -- (unless its protection was bypassed) is blocked for every process.
  local tree = {}
  for _, p in ipairs(self.active or {}) do
    if p.mode == "noexec" then tree[p.canonical] = true end
  end
  for real, f in pairs(self.command_files or {}) do
    for _, name in ipairs(f.names) do
      checked[name] = true
      if tree[real] then blocked[name] = true end
    end
  end
  local function sorted(set)
    local out = {}
    for name in pairs(set) do out[#out + 1] = name end
    table.sort(out)
    return out
  end
  local blocked_names, checked_names = sorted(blocked), sorted(checked)
  local kept = {}
  for i, p in ipairs(self.kept_places or {}) do kept[i] = p.canonical end
  local not_yet = {
    "metadata of denied paths: stat, chmod, chown, utimes and xattrs are not Landlock rights (threat row 22)",
  }
  if not self.abi or self.abi < 9 then
    table.insert(not_yet, 1, "pathname unix sockets (docker.sock, the D-Bus session bus, ssh-agent) "
      .. "beneath a read grant can be connected to: that needs Landlock ABI 9 (threat row 9)")
  end
  if not self.abi or self.abi < 6 then
    table.insert(not_yet, 1, "signals to and abstract unix sockets of outside processes: need Landlock ABI 6")
  end
  local missing = {}
  if self.abi_min and self.best_effort and (not self.abi or self.abi < self.abi_min) then
    for _, f in ipairs(self:missing_features()) do
      if f.abi <= self.abi_min then missing[#missing + 1] = f end
    end
  end
  -- Whether read-only protections inside grants and the blocked commands
  -- are kept by mounts or by narrowing, and why not by mounts (`reason`,
  -- what the report prints).
  local ns = { available = self.binds == true, probed = self.binds ~= nil }
  local why_not = self.ns_unavailable
  if why_not then
    ns.step, ns.error, ns.errno = why_not.step, why_not.error, why_not.errno
    ns.reason = why_not.step .. ": " .. tostring(why_not.error)
      .. (why_not.cause and " — " .. why_not.cause or "")
  elseif self.binds == false then
    ns.reason = "not used by this policy"
  end
  -- Row 29: pid and IPC namespaces come with the user and mount namespace
  -- (exec.c); without them the filter still refuses prlimit on another
  -- process.
  local processes = {
    pid_namespace = ns.available, ipc_namespace = ns.available,
    proc = ns.available and "private" or "shared",
    prlimit = "refused for any other process (seccomp)",
  }
  if not ns.available then
    processes.reason = ns.reason or "the user and mount namespace is not needed by this policy"
  end
  -- The session's own terminal, the one of /dev/pts granted.
  local terminals = {}
  for _, g in ipairs(self.grants) do
    local path = g.canonical or g.path
    if g.source == "system" and (path:match("^/dev/pts/%d+$") or path:match("^/dev/tty%a*%d+$")) then
      terminals[#terminals + 1] = path
    end
  end
  return {
    namespaces = ns,
    processes = processes,
    terminals = terminals,
    landlock = {
      available = self.abi ~= nil,
      abi = self.abi,
      abi_min = self.abi_min,
      error = self.abi_error,
      handled_fs = access.names_of(handled),
      unhandled_fs = gaps,
      handled_net = net_names,
      scoped = scope_names,
      rules = self.resolved and #self:rules() or nil,
      best_effort_missing = missing,
    },
    seccomp = {
      net_block = self.net_block,
      denied = "ptrace, process_vm_*, pidfd_getfd, keyctl/add_key/request_key, bpf, perf_event_open, "
        .. "userfaultfd, kexec, modules, open_by_handle_at, setns, mount API, unshare/clone of namespaces, "
        .. "prlimit64 on another process, "
        .. "TIOCSTI/TIOCLINUX, setuid/setgid bits (chmod, open/creat/mknod creating a file); "
        .. "io_uring and clone3 answer ENOSYS; other architectures and x32 are killed",
      sockets = self.net_block and "unix only"
        or "unix; IPv4/IPv6 stream (TCP) and datagram (UDP); netlink route",
    },
    protections = {
      ro_binds = self.ro_binds or {},
      noexec_binds = self.noexec_binds or {},
      guards = self.guards or {},
      kept_absent = self.absent or {},
      hard_links = self.hard_links or {},
      commands_shared = self.commands_shared or {},
      active = self.active and #self.active or 0,
      narrowed = self.narrowed and #self.narrowed or 0,
      bypassed = bypassed,
      commands_checked = checked_names,
      commands_blocked = blocked_names,
      commands_absent = self.commands_missing or {},
    },
    directories = {
      removable = not self.keep_dirs,
      pinned = self.pin_binds or {},
      kept = kept,
      guarded = self.place_guards or {},
    },
    session = self.session,
    home = self.home_note,
    no_new_privs = true,
    hygiene = {
      "file descriptors above 2 are closed at exec, inherited ones too",
      "RLIMIT_CORE is 0 (no core dumps)",
      "capabilities: all cleared; with any held (root), bounding and ambient sets emptied and securebits locked",
      "a new, empty session keyring",
      "parent-death signal: the command is killed if nono dies",
    },
    not_yet = not_yet,
  }
end


return M
