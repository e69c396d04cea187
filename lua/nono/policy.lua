--- The policy: what the user granted, and the one place that turns grants
-- into Landlock rules.  `rules()` feeds the kernel; `why()` and `report()`
-- answer from the very same grants and masks, so an explanation cannot drift
-- from what is enforced.
--
-- The model is this module and the parts it installs: nono.commands (the
-- blocklist) and nono.narrow (protections against grants, the rules).
-- The read-side views are nono.why, nono.report and nono.sealed (export
-- and import); all are loaded here, before anything is applied (a process
-- that sandboxed itself may no longer be able to read them).
local core = require "nono.core"
local lfs = require "lfs"
local paths = require "nono.paths"
local defaults = require "nono.defaults"
local mounts = require "nono.mounts"
local access = require "nono.access"
local commands = require "nono.commands"
local narrow = require "nono.narrow"
local lazy = require "nono.lazy"
local why = lazy "nono.why"
local report = lazy "nono.report"
local sealed = lazy "nono.sealed" -- (nono run writes it when a command inside asks)

local A = core.access
local M = {}

M.classes = access.classes
M.right_names = access.right_names
M.names_of = access.names_of
M.right_abi = access.right_abi
M.which = commands.which
M.covers = narrow.covers
local parse_access = access.parse

local Policy = {}
Policy.__index = Policy
for _, part in ipairs { commands, narrow } do
  for name, fn in pairs(part.methods) do Policy[name] = fn end
end

--- A new policy.  opts: abi (default: probe the kernel), home, cwd,
-- system (default true: include the built-in system set); binds overrides
-- the probe of Policy:binds_available.
function M.new(opts)
  opts = opts or {}
  local self = setmetatable({
    grants = {}, protections = {}, bypasses = {}, blocked = {},
    home = opts.home, cwd = opts.cwd, net_block = false, binds = opts.binds,
  }, Policy)
  -- --no-namespaces: the floor, as where the probe fails; opts.probe: the
  -- probe's answer, asked already (core.ns_available's values, packed)
  if opts.no_namespaces then
    self.binds, self.no_namespaces = false, true
  elseif opts.probe then
    self:take_probe(table.unpack(opts.probe, 1, opts.probe.n))
  end
  if opts.abi then
    self.abi = opts.abi
  else
    local abi, msg, err = core.landlock_abi()
    self.abi, self.abi_error, self.abi_errno = abi, msg, err
  end
  if opts.system ~= false then
    for _, entry in ipairs(defaults.system) do
      assert(self:grant(entry.path, entry.access, { source = "system", optional = true }))
    end
  end
  if opts.protect ~= false and self.home then
    for _, entry in ipairs(defaults.protected) do
      assert(self:protect(entry.path, entry.mode, { source = "protected", why = entry.why }))
    end
    -- Row 27: $HOME and the passwd entry's home may differ; both hold the
    -- user's secrets and start-up files.
    for _, h in ipairs(opts.homes or {}) do
      if h ~= paths.clean(self.home) and h ~= core.realpath(self.home) then
        for _, entry in ipairs(defaults.protected) do
          local path = h .. entry.path:sub(2)
          assert(self:protect(path, entry.mode, { source = "protected", why = entry.why }))
        end
      end
    end
    -- Row 28: directories on PATH beneath a home run as the user's own
    -- commands later (not those in the project: its node_modules/.bin is
    -- the agent's work).
    for _, dir in ipairs(defaults.path_dirs(opts.path, opts.homes or { self.home }, self.cwd)) do
      assert(self:protect(dir, "readonly", { source = "protected", why = "a directory on PATH" }))
    end
  end
  self.home_note = opts.home_note
  self.allowed_commands = {}
  if opts.commands ~= false then
    for _, group in ipairs(defaults.blocked_commands) do
      for _, name in ipairs(group.names) do
        self.blocked[name] = { source = "blocklist", why = group.category, tier = group.tier }
      end
    end
  end
  return self
end

local MODES = { deny = true, readonly = true, noexec = true }

--- Keep `path` out of reach (`deny`) or unwritable (`readonly`) even inside
-- a grant that covers it.  opts: source, why.  Returns true or nil, message.
function Policy:protect(path, mode, opts)
  opts = opts or {}
  if not MODES[mode] then
    return nil, "unknown protection '" .. tostring(mode) .. "' (expected deny or readonly)"
  end
  local expanded, msg = paths.expand(path, self.home, self.cwd)
  if not expanded then return nil, (opts.source or path) .. ": " .. msg end
  self.protections[#self.protections + 1] = {
    path = expanded, given = path, mode = mode, source = opts.source or "protect " .. path,
    why = opts.why, name = opts.name, create = opts.create, guard = opts.guard,
  }
  return true
end

--- A name that must not appear during the session (see profile `absent`):
-- the supervisor moves aside whatever was created there when the session
-- ends.  opts: source, why.
function Policy:keep_absent(path, opts)
  opts = opts or {}
  local expanded, msg = paths.expand(path, self.home, self.cwd)
  if not expanded then return nil, (opts.source or path) .. ": " .. msg end
  self.absent = self.absent or {}
  self.absent[#self.absent + 1] = { path = expanded, source = opts.source, why = opts.why }
  return true
end

--- Keep the unix socket `path` reachable (row 9): the mount view hides the
-- outside daemons' sockets (nono.mounts) but this one, as asked by
-- --allow-unix-socket or a profile's allow_unix_socket.
function Policy:allow_unix_socket(path, source)
  local expanded, msg = paths.expand(path, self.home, self.cwd)
  if not expanded then return nil, (source or path) .. ": " .. msg end
  self.unix_sockets = self.unix_sockets or {}
  self.unix_sockets[#self.unix_sockets + 1] = { path = expanded, source = source or "--allow-unix-socket " .. path }
  return true
end

--- Lift the protection of `path` (it must be protected).
function Policy:bypass(path, source)
  local expanded, msg = paths.expand(path, self.home, self.cwd)
  if not expanded then return nil, (source or path) .. ": " .. msg end
  self.bypasses[#self.bypasses + 1] = { path = expanded, source = source or "--bypass " .. path }
  return true
end


--- --keep-dirs (a profile's keep_dirs()): write grants do not give
-- removing or renaming directories.
function Policy:set_keep_dirs(on)
  self.keep_dirs = on and true or false
end

--- --net-block: no TCP/UDP/netlink sockets (seccomp) and, where the ABI has
-- them, Landlock's TCP rights handled with no port allowed.
function Policy:set_net_block(on)
  self.net_block = on and true or false
end

--- --accept-hard-links: a protected file with other hard links is taken
-- as it is (see the hard-link check of Policy:resolve_protections).
function Policy:set_accept_links(on)
  self.accept_links = on or nil
end

--- Whether resolve() makes what a grant or protection asks to be created
-- when missing (`nono run` only: --dry-run and why change nothing).
function Policy:set_create_missing(on)
  self.create_missing = on
end

--- The command's session: "keep" the launcher's, or a "new" one (the
-- default of plan() and what the report says).
function Policy:set_session(session)
  self.session = session
end

--- Forget what resolve() computed: the next use resolves again (after a
-- change to the grants, protections or settings).
function Policy:invalidate()
  self.resolved = false
end

--- Record a grant.  opts: kind ("dir", "file" or nil for either), source
-- (how the user asked for it, e.g. "--allow ."), optional (skip if missing).
-- Returns the grant, or nil and a message.
function Policy:grant(path, access, opts)
  opts = opts or {}
  local mask, label = parse_access(access)
  if not mask then return nil, (opts.source or path) .. ": " .. label end
  local expanded, msg = paths.expand(path, self.home, self.cwd)
  if not expanded then return nil, (opts.source or path) .. ": " .. msg end
  local g = {
    path = expanded, given = path, mask = mask, access = label,
    kind = opts.kind, source = opts.source or path, optional = opts.optional, ttl = opts.ttl,
    create = opts.create, private = opts.private,
  }
  self.grants[#self.grants + 1] = g
  return g
end

--- The temporary directories (/tmp, /var/tmp, /dev/shm, those that exist)
-- granted read+write, and where user namespaces work made private to the
-- session (nono.mounts): a directory of its own bound over each, so the
-- host's files and sockets there are out of sight.  On the floor they
-- are the host's, as the report says.
function Policy:private_tmp(source)
  for _, dir in ipairs(mounts.TMP_DIRS) do
    self:grant(dir, "read,write", { source = source or "--private-tmp", optional = true, private = true })
  end
  return true
end

--- A profile may ask for its agent's state directory to be made when it
-- is missing (the agent could not make it inside the sandbox): mkdir -p
-- (the umask decides the mode, as for the agent's own mkdir), before
-- anything is resolved.  Only `nono run` asks for it
-- (create_missing); --dry-run and why change nothing.
function Policy:create_dir(g)
  local path = ""
  local file = type(g.create) == "string" and g.path
  for part in g.path:gmatch("[^/]+") do
    path = path .. "/" .. part
    if path ~= file and not lfs.attributes(path) then
      local ok, msg = lfs.mkdir(path)
      if not ok then return nil, string.format("%s: cannot create %s: %s", g.source, path, msg) end
    end
  end
  -- a file grant's `create` is the text a missing file is made with
  if file and not lfs.symlinkattributes(file) then
    local f, msg = io.open(file, "w")
    if not f or not f:write(g.create) or not f:close() then
      return nil, string.format("%s: cannot create %s: %s", g.source, file, tostring(msg))
    end
  end
  return true
end

--- Canonicalise every grant once (the kernel resolves symlinks).  A missing
-- optional grant is dropped and remembered; a missing user grant is an
-- error naming it.  Returns true, or nil and a message.
function Policy:resolve()
  local kept, by_path = {}, {}
  self.skipped = {}
  for _, g in ipairs(self.grants) do
    if g.create and self.create_missing then
      local ok, msg = self:create_dir(g)
      if not ok then return nil, msg end
    end
    -- The canonical path and its kind (core.resolve: one open, where
    -- realpath and a stat took a system call per component).
    local real, kind = core.resolve(g.path)
    if not real then
      -- (a grant to create is missing only in --dry-run and why: shown as such)
      if not g.optional and not g.create then
        return nil, string.format("%s: %s does not exist or cannot be resolved (%s)",
          g.source, g.path, kind)
      end
      self.skipped[#self.skipped + 1] = g
    else
      local isdir = kind == "directory"
      if g.kind == "dir" and not isdir then
        return nil, string.format("%s: %s is not a directory (use the -file form of the option)",
          g.source, real)
      elseif g.kind == "file" and isdir then
        return nil, string.format("%s: %s is a directory (drop -file from the option)",
          g.source, real)
      end
      g.canonical, g.isdir, g.isreg = real, isdir, kind == "file"
      -- Two names for one place (/bin -> /usr/bin): one rule, rights merged.
      local same = by_path[real]
      if same then
        same.mask = same.mask | g.mask
        if not same.access:find(g.access, 1, true) then same.access = same.access .. "+" .. g.access end
        if same.source ~= g.source then same.source = same.source .. ", " .. g.source end
        if g.ttl then same.ttl = math.min(same.ttl or g.ttl, g.ttl) end
      else
        by_path[real] = g
        kept[#kept + 1] = g
      end
    end
  end
  if self.keep_dirs then
    for _, g in ipairs(kept) do g.mask = g.mask & ~A.remove_dir end
  end
  self.grants = kept
  for _, p in ipairs(self.protections) do
    if p.create and self.create_missing and not lfs.attributes(p.path) then
      local ok, msg = self:create_dir { path = p.path, source = p.source, create = p.create }
      if not ok then return nil, msg end
    end
  end
  local ok, msg = self:resolve_protections()
  if not ok then return nil, msg end
  local built, err = pcall(self.build_rules, self)
  if not built then return nil, err end
  self.resolved = true
  return true
end

--- Every filesystem right the kernel will handle (deny unless granted).
function Policy:handled()
  return core.fs_rights_for_abi(self.abi or core.landlock_abi_known)
end

--- The rights a grant gives in the kernel: its classes, limited to what the
-- kernel handles, and to file rights for a grant on a non-directory.
function Policy:mask(g)
  local m = g.mask & self:handled()
  if not g.isdir then m = m & core.fs_file_rights() end
  return m
end

--- The Landlock rules: { path = canonical, mask = rights, grant = g,
-- isdir, protection = the protection that narrowed it, if any, listed =
-- true for an entry found by listing a narrowed directory }.
function Policy:rules()
  assert(self.resolved, "policy: resolve() first")
  return self._rules
end

--- A rule's rights in the words grants are written in ("read+write"),
-- with any right left over named on its own (narrowed rules).
function Policy:describe(rule)
  local m, words = rule.mask, {}
  local scope = self:handled() & (rule.isdir and ~0 or core.fs_file_rights())
  if self.keep_dirs then scope = scope & ~A.remove_dir end
  for _, class in ipairs { "read", "write", "ioctl" } do
    local full = M.classes[class] & scope
    if full ~= 0 and m & full == full then
      words[#words + 1] = class
      m = m & ~full
    end
  end
  for _, name in ipairs(M.names_of(m)) do words[#words + 1] = name end
  return #words > 0 and table.concat(words, "+") or "-"
end

--- The grants with a time limit (the supervisor takes them back).
function Policy:timed_grants()
  local out = {}
  for _, g in ipairs(self.grants) do
    if g.ttl then out[#out + 1] = g end
  end
  return out
end

--- A time-limited grant is taken back by mounting an empty, unreadable
-- directory (or file) over its path, which hides everything beneath it:
-- so it may not hold a grant meant for the whole run.  (One beneath a
-- wider grant is fine: its expiry takes the path away from both.)
-- Returns true, or nil and a message.
function Policy:check_timed()
  for _, t in ipairs(self:timed_grants()) do
    for _, g in ipairs(self.grants) do
      if not g.ttl and not g.nono_self and narrow.covers(t, g.canonical) then
        return nil, string.format("%s is time-limited, but %s (%s) lies beneath it and would be hidden "
          .. "with it when it expires; grant them separately", t.source, g.canonical, g.source)
      end
    end
  end
  return true
end

--- Start the clocks of the time-limited grants: each expires `ttl`
-- seconds after `now` (seconds since the epoch, with a fraction).
function Policy:start_clock(now)
  for _, g in ipairs(self:timed_grants()) do g.expires_at = now + g.ttl end
end

--- The expired time-limited grant hiding `canonical` at time `now`, if any.
function Policy:expired_over(canonical, now)
  for _, g in ipairs(self.grants) do
    if g.expires_at and now >= g.expires_at and narrow.covers(g, canonical) then
      return g
    end
  end
end

--- The kernel plan for this resolved policy (a nono.core policy): what
-- `nono run` spawns the command with and what the library applies.
-- `session`: "keep" the launcher's session or give the command a "new" one.
-- Returns the plan, or nil, message, errno.
function Policy:plan(session)
  session = session or self.session
  local plan = core.policy(self:handled())
  plan:set_net(self:handled_net())
  plan:set_scoped(self:scoped())
  plan:set_seccomp(self:seccomp_options())
  plan:set_session(session)
  local ports = {}
  if self.proxy_port then ports[1] = { self.proxy_port, core.net_access.connect_tcp } end
  -- --allow-bind: Landlock's bind rule, and in the command's own network
  -- namespace (loopback only: its own servers) connect to that port too;
  -- on the floor a connect rule would reach that port on every host (row
  -- 33).  An --allow-port needs no rule: the proxy connects for the command.
  local own_netns = require("nono.net").namespace(self)
  for _, r in ipairs(self.ports or {}) do
    if r.right == "bind" then
      ports[#ports + 1] = { r.port, core.net_access.bind_tcp }
      if own_netns then ports[#ports + 1] = { r.port, core.net_access.connect_tcp } end
    end
  end
  for _, pr in ipairs(self:handled_net() ~= 0 and ports or {}) do
    local ok, msg, err = plan:add_port(pr[1], pr[2])
    if not ok then
      plan:close()
      return nil, msg, err
    end
  end
  -- Rows 9, 22: the read-only view, the private temporary directories
  -- and the hidden sockets (nono.mounts).  A bind beneath a private /tmp
  -- is of a host path the command cannot see there: none is needed.
  local view = self:mount_view()
  for _, binds in ipairs { { "add_pin_bind", self.pin_binds }, { "add_ro_bind", self.ro_binds },
      { "add_noexec_bind", self.noexec_binds } } do
    for _, path in ipairs(binds[2] or {}) do
      if not view or mounts.visible(view, path) then
        local ok, msg, err = plan[binds[1]](plan, path)
        if not ok then
          plan:close()
          return nil, msg, err
        end
      end
    end
  end
  if view then
    local ok, msg, err = mounts.apply(view, plan, self)
    if not ok then
      plan:close()
      return nil, msg, err
    end
  end
  local rules = self:rules()
  local i, n = 1, #rules
  while i <= n do
    local rule = rules[i]
    if rule.listed then
      -- A run of entries listed in one narrowed directory: added beneath
      -- that directory, opened once (plan:add_entries, C).  An entry
      -- removed since it was listed (a temporary file in /tmp) needs no
      -- rule: there is nothing to grant.
      local dir, names, masks, j = rule.dir, {}, {}, i
      while j <= n and rules[j].listed and rules[j].dir == dir do
        names[j - i + 1], masks[j - i + 1] = rules[j].name, rules[j].mask
        j = j + 1
      end
      local ok, msg, err, k = plan:add_entries(dir, names, masks, true)
      if not ok then
        plan:close()
        return nil, msg .. " (from " .. rules[i + k - 1].grant.source .. ")", err
      end
      i = j
    else
      local ok, msg, err = plan:add_path(rule.path, rule.mask)
      if not ok then
        plan:close()
        return nil, msg .. " (from " .. rule.grant.source .. ")", err
      end
      i = i + 1
    end
  end
  return plan
end

--- The command's mount view here (nono.mounts.view), or nil, reason.
function Policy:mount_view()
  return mounts.view(self, M.classes.write)
end

--- Landlock network rights handled: all of them under --net-block (no
-- port allowed) and with an allow-list of hosts (connect to the proxy's
-- port only, row 33).
function Policy:handled_net()
  local on = self.net_block or require("nono.net").mode(self) == "allow-list"
  return on and core.net_rights_for_abi(self.abi or 0) or 0
end

--- Landlock IPC scopes: always every scope the ABI has.
function Policy:scoped()
  return core.scopes_for_abi(self.abi or 0)
end

--- Options of the seccomp filter.
function Policy:seccomp_options()
  if self.net_block then return core.seccomp.net_block end
  return require("nono.net").mode(self) == "allow-list" and core.seccomp.net_proxy or 0
end

--- What each Landlock ABI added, for the report and the ABI floor.
M.abi_features = {
  { abi = 2, what = "refer: moving and linking files between directories" },
  { abi = 3, what = "truncate" },
  { abi = 4, what = "TCP bind and connect rules" },
  { abi = 5, what = "ioctl on device files" },
  { abi = 6, what = "scopes: signals and abstract unix sockets stay inside the sandbox" },
  { abi = 7, what = "audit logging of denials" },
  { abi = 8, what = "restricting every thread at once" },
  { abi = 9, what = "resolve_unix: connecting to pathname unix sockets" },
}

--- Require Landlock ABI `n` at least (--abi-min, a profile's abi_min).
function Policy:set_abi_min(n, source)
  n = math.tointeger(tonumber(n))
  if not n or n < 1 then return nil, (source or "abi_min") .. ": expected a positive integer" end
  if not self.abi_min or n > self.abi_min then self.abi_min, self.abi_min_source = n, source end
  return true
end

--- --best-effort: run even when the kernel is below the floor, and say so.
function Policy:set_best_effort(on)
  self.best_effort = on and true or false
end

--- The features the running kernel lacks, newest ABI we know first.
function Policy:missing_features()
  local out = {}
  for _, f in ipairs(M.abi_features) do
    if not self.abi or f.abi > self.abi then out[#out + 1] = f end
  end
  return out
end

--- Check the ABI floor.  Returns true, or nil and a message with a hint.
function Policy:check_floor()
  if not self.abi_min or (self.abi and self.abi >= self.abi_min) or self.best_effort then
    return true
  end
  local lacking = {}
  for _, f in ipairs(self:missing_features()) do
    if f.abi <= self.abi_min then lacking[#lacking + 1] = f.what .. " (ABI " .. f.abi .. ")" end
  end
  return nil, string.format("%s requires Landlock ABI %d; this kernel has %s, without: %s\n"
    .. "hint: run on a newer kernel, or add --best-effort to run with what this kernel enforces",
    self.abi_min_source or "the policy", self.abi_min, tostring(self.abi or "none"),
    table.concat(lacking, "; "))
end

--- Explain the kernel's verdict for `op` on `path` (nono.why).
function Policy:why(path, op)
  return why.why(self, path, op)
end

--- What the kernel will enforce for this policy, and what it will not
-- (nono.report).
function Policy:report()
  return report.data(self)
end

--- The resolved policy as the sealed text `nono why --self` reads
-- (nono.sealed).
function Policy:export()
  return sealed.export(self)
end

--- A policy rebuilt from `export()`'s text (nono.sealed).
function M.import(text)
  return sealed.import(text, Policy)
end

return M
