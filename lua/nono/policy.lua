--- The policy: what the user granted, and the one place that turns grants
-- into Landlock rules.  `rules()` feeds the kernel; `why()` and `report()`
-- answer from the very same grants and masks, so an explanation cannot drift
-- from what is enforced.
local core = require "nono.core"
local lfs = require "lfs"
local json = require "nono.json"
local paths = require "nono.paths"
local defaults = require "nono.defaults"

local A = core.access
local M = {}

--- Access classes a grant is written in, and the Landlock rights each means.
-- read includes execute: Landlock cannot stop ld.so or an interpreter from
-- running a file it may read, so withholding execute would promise nothing.
-- write includes remove_dir (removing and renaming directories): it
-- protects no data, since every file inside is removable already, and
-- without it renames, temporary directories, package managers and git
-- break.  What must keep its place is protected (`keeps_place`);
-- --keep-dirs withholds it from every grant.  write never includes
-- make_char/make_block (no device nodes).
M.classes = {
  read = A.read_file | A.read_dir | A.execute,
  write = A.write_file | A.truncate | A.make_reg | A.make_dir | A.make_sym
    | A.make_sock | A.make_fifo | A.remove_file | A.remove_dir | A.refer,
  ioctl = A.ioctl_dev,
}

--- Names of Landlock rights, in bit order, for reports.
M.right_names = {}
for name, bit in pairs(A) do M.right_names[#M.right_names + 1] = { name = name, bit = bit } end
table.sort(M.right_names, function(a, b) return a.bit < b.bit end)

function M.names_of(mask)
  local out = {}
  for _, r in ipairs(M.right_names) do
    if mask & r.bit ~= 0 then out[#out + 1] = r.name end
  end
  return out
end

--- Which ABI added each right: what a report names when a right is missing.
M.right_abi = { refer = 2, truncate = 3, ioctl_dev = 5, resolve_unix = 9 }

local parsed_access = {} -- a handful of distinct strings, thousands of grants

local function parse_access(access)
  local known = parsed_access[access]
  if known then return known[1], known[2] end
  local mask, names = 0, {}
  for word in tostring(access):gmatch("[^,+%s]+") do
    local bits = M.classes[word]
    if not bits then
      return nil, "unknown access '" .. word .. "' (expected read, write or ioctl)"
    end
    mask = mask | bits
    names[#names + 1] = word
  end
  if mask == 0 then return nil, "empty access" end
  local label = table.concat(names, "+")
  if type(access) == "string" then parsed_access[access] = { mask, label } end
  return mask, label
end

local Policy = {}
Policy.__index = Policy

--- A new policy.  opts: abi (default: probe the kernel), home, cwd,
-- system (default true: include the built-in system set); binds and pins
-- override the probes of Policy:binds_available and :pins_available.
function M.new(opts)
  opts = opts or {}
  local self = setmetatable({
    grants = {}, protections = {}, bypasses = {}, blocked = {},
    home = opts.home, cwd = opts.cwd, net_block = false, binds = opts.binds, pins = opts.pins,
  }, Policy)
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

--- What a protection leaves of a grant's rights.  Landlock rights flow down
-- a hierarchy, so this also bounds every directory above the protected
-- entry up to the grant: `deny` leaves nothing, `readonly` leaves reading
-- (so no directory on the way can be removed or renamed either),
-- `noexec` (a blocked command) everything but executing, `keeps_place`
-- everything but removing directories (see Policy:keep_places).
local function allowed_under(mode)
  if mode == "deny" then return 0 end
  if mode == "readonly" then return M.classes.read end
  if mode == "keeps_place" then return ~A.remove_dir end
  return ~A.execute
end

--- What a protection leaves of the rights of the protected entry itself:
-- as above, but a directory that only keeps its place loses nothing
-- beneath it (git removes directories inside .git).
local function allowed_at(mode)
  if mode == "keeps_place" then return ~0 end
  return allowed_under(mode)
end

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

--- Lift the protection of `path` (it must be protected).
function Policy:bypass(path, source)
  local expanded, msg = paths.expand(path, self.home, self.cwd)
  if not expanded then return nil, (source or path) .. ": " .. msg end
  self.bypasses[#self.bypasses + 1] = { path = expanded, source = source or "--bypass " .. path }
  return true
end

local function check_command(name)
  if type(name) ~= "string" or not name:match("^[%w][%w%._+-]*$") then
    return nil, "'" .. tostring(name) .. "' is not a command name"
  end
  return true
end

--- The command directories, each resolved once (/bin is /usr/bin where
-- /usr is merged, and is then searched once); a missing one is left out.
local function command_dirs()
  local dirs, seen = {}, {}
  for _, dir in ipairs(defaults.command_dirs) do
    local real, kind = core.resolve(dir)
    if real and kind == "directory" and not seen[real] then
      seen[real] = true
      dirs[#dirs + 1] = real == "/" and "" or real
    end
  end
  return dirs
end

--- The file `name` runs as, found the way execvp finds it: a name with a
-- "/" is a path (relative to `cwd`), any other is looked up in the
-- directories of `search` (a PATH value; glibc's default when nil, an
-- empty entry meaning `cwd`), the first executable regular file winning.
-- Symlinks resolved.  Returns the canonical path, or nil.
function M.which(name, search, cwd)
  local function runnable(path)
    local a = lfs.attributes(path)
    if not (a and a.mode == "file" and a.permissions:find("x", 1, true)) then return nil end
    local real, kind = core.resolve(path)
    return kind == "file" and real or nil
  end
  if name:find("/", 1, true) then
    return runnable(name:sub(1, 1) == "/" and name or (cwd or ".") .. "/" .. name)
  end
  for dir in ((search or "/bin:/usr/bin") .. ":"):gmatch("([^:]*):") do
    if dir == "" then dir = cwd or "." end
    local real = runnable(dir .. "/" .. name)
    if real then return real end
  end
end

--- Block the command `name` for every process of the sandbox (a user's
-- --block-command or a profile's commands{ block }).  It is looked up in
-- defaults.command_dirs, then in PATH (`search`, default: nono's own): a
-- name found nowhere is an error, never a silent no-op.
function Policy:block_command(name, source, search)
  local ok, msg = check_command(name)
  if not ok then return nil, msg end
  source = source or "--block-command " .. name
  local file
  for _, dir in ipairs(command_dirs()) do
    local real, kind = core.resolve(dir .. "/" .. name)
    if real and kind == "file" then file = real break end
  end
  file = file or M.which(name, search or os.getenv("PATH"), self.cwd)
  if not file then
    return nil, string.format("%s: no command '%s' in %s or in PATH", source, name,
      table.concat(defaults.command_dirs, ":"))
  end
  self.blocked[name] = { source = source, why = "blocked", tier = "tree", file = file }
  self.allowed_commands[name] = nil
  return true
end

--- Take `name` off the blocklist (both tiers).
function Policy:allow_command(name, source)
  local ok, msg = check_command(name)
  if not ok then return nil, msg end
  self.blocked[name] = nil
  self.allowed_commands[name] = source or "--allow-command " .. name
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
    create = opts.create,
  }
  self.grants[#self.grants + 1] = g
  return g
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
      g.canonical, g.isdir = real, isdir
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

--- The files the blocklist names, both tiers: `self.command_files` maps
-- each canonical file to what blocks it ({ names, why, tier, source }),
-- for the check of the command nono runs; the "tree" tier also becomes
-- `noexec` protections of those files, returned.  A name ending in ".*"
-- stands for every command so named beside the one it is named after.
--- Whether the file `real` that blocked `names` resolve to serves other
-- commands too: named for none of them (a symlink farm onto busybox), or
-- with more hard links than blocked names reach it.
local function shared_file(real, names)
  local base = real:match("([^/]+)$")
  local named = false
  for _, n in ipairs(names) do named = named or n == base end
  local links = lfs.attributes(real, "nlink") or 1
  return not named or links > #names
end

function Policy:command_protections()
  local names, out, files = {}, {}, {}
  for name in pairs(self.blocked) do names[#names + 1] = name end
  table.sort(names)
  local dirs = command_dirs()
  local function found(name, entry, real)
    local f = files[real]
    if not f then
      f = { names = {}, why = entry.why, tier = entry.tier, source = entry.source }
      files[real] = f
    elseif entry.tier == "tree" and f.tier ~= "tree" then
      f.tier, f.why, f.source = "tree", entry.why, entry.source
    end
    f.names[#f.names + 1] = name
  end
  self.commands_missing = {}
  for _, name in ipairs(names) do
    local entry, any = self.blocked[name], false
    local prefix = name:match("^(.*%.)%*$")
    if entry.file then
      any = true
      found(name, entry, entry.file)
    end
    for _, dir in ipairs(entry.file and {} or dirs) do
      local candidates = { name }
      if prefix then
        -- Listed only where the command they are named after lives (mkfs.*
        -- next to mkfs): listing /usr/bin on every start costs more than
        -- all the other look-ups together.
        candidates = {}
        local beside = core.resolve(dir .. "/" .. prefix:sub(1, -2)) and core.list_dir(dir == "" and "/" or dir)
        for _, n in ipairs(beside or {}) do
          if n:sub(1, #prefix) == prefix and not self.allowed_commands[n] then
            candidates[#candidates + 1] = n
          end
        end
      end
      for _, n in ipairs(candidates) do
        local real, kind = core.resolve(dir .. "/" .. n)
        if real and kind == "file" then
          any = true
          found(prefix and n or name, entry, real)
        end
      end
    end
    if not any then self.commands_missing[#self.commands_missing + 1] = name end
  end
  local reals = {}
  for real in pairs(files) do reals[#reals + 1] = real end
  table.sort(reals)
  self.commands_shared = {}
  for _, real in ipairs(reals) do
    local f = files[real]
    table.sort(f.names)
    if f.tier == "tree" and shared_file(real, f.names) then
      -- A multi-call binary (busybox: sh, ls and reboot are one file) or a
      -- file another, allowed name reaches: a no-exec mount or withheld
      -- execute would take those from every process too.  So the blocked
      -- names are checked as the command nono runs only, and said so.
      f.tier = "exec"
      self.commands_shared[#self.commands_shared + 1] = { names = f.names, file = real }
    end
    if f.tier == "tree" then
      out[#out + 1] = { path = real, given = f.names[1], mode = "noexec", name = f.names[1],
        names = f.names, source = f.source, why = "blocked command (" .. f.why .. ")" }
    end
  end
  self.command_files = files
  return out
end

--- What blocks running `command` (argv[0]) as the command itself: found
-- through `search` (PATH) and symlinks as execvp would, then looked up
-- among the blocklist's files (both tiers).  Returns { path, names, why,
-- tier, source }, or nil when it is not blocked (or not found: exec says).
function Policy:blocked_command(command, search)
  assert(self.resolved, "policy: resolve() first")
  local real = M.which(command, search, self.cwd)
  local f = real and self.command_files[real]
  if not f then return nil end
  return { path = real, names = f.names, why = f.why, tier = f.tier, source = f.source }
end

--- Every directory above `path` (canonical), nearest first, up to "/".
-- Protections and grants meet through these lookups, so the cost grows
-- with the depth of a path, not with the number of grants (10,000 rules).
local function ancestors(path)
  return function(_, p)
    if p == "/" then return nil end
    return paths.parent(p)
  end, nil, path
end

--- The grants by canonical path.
function Policy:grants_by_path()
  local by = {}
  for _, g in ipairs(self.grants) do by[g.canonical] = g end
  return by
end

--- What a failed namespace step most likely means, for the report.
local ns_causes = {
  unshare = "unprivileged user namespaces are turned off, or a seccomp filter refuses unshare, "
    .. "as Docker's default profile and an outer nono do",
  uid_map = "e.g. AppArmor's restriction of unprivileged user namespaces, Ubuntu 23.10 and later",
  mount = "mounting is refused in the new namespace, by a seccomp filter or a security module",
  ["mount /proc"] = "a /proc with parts hidden by other mounts (a container's) cannot be mounted again "
    .. "for a new pid namespace",
}
ns_causes.setgroups, ns_causes.gid_map = ns_causes.uid_map, ns_causes.uid_map
for _, call in ipairs { "open_tree", "mount_setattr", "move_mount" } do
  ns_causes[call], ns_causes[call .. " (no-exec)"] = ns_causes.mount, ns_causes.mount
end

--- Whether read-only bind mounts in a private user namespace work here.
-- The probe does in a short-lived child what the command's child will do:
-- unshare, the id maps, every mount private, then `path` (what is about to
-- be bound, if given) bound read-only and no-exec.  unshare alone is not
-- enough: under Ubuntu's AppArmor rule it succeeds and the namespace has no
-- capability, so uid_map and every mount fail, and the command would never
-- start.  When a step fails, self.ns_unavailable keeps which and why
-- ({ step, error = "EPERM", errno, cause }), and the protections fall back
-- to Landlock narrowing.  opts.binds of M.new overrides the probe (tests,
-- and apply: a running process cannot enter the namespace).
function Policy:binds_available(path)
  if self.binds == nil then
    local ok, step, name, errno = core.ns_available(path)
    self.binds = ok == true
    if ok == false then
      local cause = ns_causes[step]
      if step == "unshare" and name == "ENOSPC" then
        cause = "no more user namespaces may be created: sysctl user.max_user_namespaces"
      end
      self.ns_unavailable = { step = step, error = name, errno = errno, cause = cause }
    elseif ok == nil then
      -- the probe itself could not run (fork, wait): `step` is the message
      self.ns_unavailable = { step = "probe", error = step, errno = name }
    end
  end
  return self.binds
end

--- Where user namespaces work, a protection of an existing path inside a
-- grant that gives what it takes away is kept by a bind mount instead of
-- narrowing the grant:
--   * readonly: a read-only bind.  A mount point cannot be written, renamed
--     or replaced, and the grant around it keeps its rights (git keeps
--     creating its lock files next to .git/config);
--   * noexec (a blocked command): a read-only, no-exec bind.  /usr then
--     stays one rule instead of a rule per entry of /usr/bin, and a no-exec
--     mount also stops `ld.so /usr/bin/rm`, which Landlock's execute right
--     does not.
-- Elsewhere the grant is narrowed as for every protection.
function Policy:choose_binds(grants)
  self.ro_binds, self.noexec_binds, self.guards = {}, {}, {}
  local takes = { readonly = ~M.classes.read, noexec = A.execute }
  local lists = { readonly = self.ro_binds, noexec = self.noexec_binds }
  for _, p in ipairs(self.active) do
    -- (chosen afresh on every resolve: a model re-planned without mounts
    -- must not keep binds it once chose)
    p.bind, p.guarded = nil, nil
    if takes[p.mode] and p.exists then
      for dir in ancestors(p.canonical) do
        local g = grants[dir]
        if g and g.isdir and self:mask(g) & takes[p.mode] ~= 0 and self:binds_available(p.canonical) then
          p.bind = true
        end
      end
      if p.bind then
        local list = lists[p.mode]
        list[#list + 1] = p.canonical
      elseif p.guard and p.mode == "readonly" and not self:binds_available(p.canonical) then
        -- No mounts here: rather than narrow the directory it is in (the
        -- project root, an agent's state directory), the supervisor keeps a
        -- copy and undoes any change when the session ends.
        for dir in ancestors(p.canonical) do
          local g = grants[dir]
          if g and g.isdir and self:mask(g) & takes.readonly ~= 0 then p.guarded = true end
        end
        if p.guarded then self.guards[#self.guards + 1] = { path = p.canonical, why = p.why } end
      end
    end
  end
end

--- Whether the core can pin a directory (bind it over itself in the
-- command's mount namespace); opts.pins of M.new overrides, for tests.
local pins_supported
function Policy:pins_available()
  if self.pins ~= nil then return self.pins end
  if pins_supported == nil then
    local plan = core.policy(0)
    pins_supported = plan.add_pin_bind ~= nil
    plan:close()
  end
  return pins_supported
end

--- A read-only bind keeps a file from being written, renamed or removed,
-- but not the directories above it: where a write grant gives remove_dir
-- there, `mv .git .git.old && mkdir .git` would put a .git/config the
-- sandbox wrote where git looks for it.  So each directory above a
-- read-only bind that could be renamed (its parent has remove_dir) keeps
-- its place: pinned, a bind of itself (a mount point cannot be renamed or
-- removed, and stays as writable as it was), where the core can; otherwise
-- a `keeps_place` protection narrows its parent to lose remove_dir (then
-- directories directly in that parent cannot be removed or renamed).
-- Narrowed read-only protections need neither: the directories on their
-- way keep reading only.
function Policy:keep_places(grants)
  self.pin_binds, self.kept_places, self.place_guards = {}, {}, {}
  local bound, seen = {}, {}
  for _, path in ipairs(self.ro_binds) do bound[path] = true end
  local function up(path)
    local parent = paths.parent(path)
    return parent == "" and "/" or parent
  end
  -- Whether some grant gives remove_dir at `dir` (a grant above it does too).
  local function removable(dir)
    while true do
      local g = grants[dir]
      if g and g.isdir and self:mask(g) & A.remove_dir ~= 0 then return true end
      if dir == "/" then return false end
      dir = up(dir)
    end
  end
  for _, p in ipairs(self.active) do
    if p.bind and p.mode == "readonly" or p.guarded then
      local dir = up(p.canonical)
      -- (if no grant gives it at a parent, none gives it further up)
      while dir ~= "/" and removable(up(dir)) do
        if not bound[dir] and not seen[dir] then
          seen[dir] = true
          if p.guarded then
            -- no mounts (the floor): the supervisor holds the directory and
            -- moves it back when the session ends if it was moved away
            self.place_guards[#self.place_guards + 1] = dir
          elseif self:pins_available() then
            self.pin_binds[#self.pin_binds + 1] = dir
          else
            self.kept_places[#self.kept_places + 1] = { path = dir, canonical = dir, given = dir,
              exists = true, mode = "keeps_place", source = p.source,
              why = "holds " .. p.canonical .. ", kept read-only by a mount" }
          end
        end
        dir = up(dir)
      end
    end
  end
  table.sort(self.pin_binds)
  table.sort(self.place_guards)
end

--- The option that lifts protection `p`: --bypass, or for a blocked
-- command --allow-command for every name that reaches its file.
local function lift_of(p)
  if p.mode ~= "noexec" then return "--bypass " .. p.given end
  local words = {}
  for i, name in ipairs(p.names or { p.name }) do words[i] = "--allow-command " .. name end
  return table.concat(words, " ")
end

--- Canonicalise protections and bypasses; refuse a grant that would give a
-- protected path more than its protection leaves.
function Policy:resolve_protections()
  local all = {}
  for _, p in ipairs(self.protections) do all[#all + 1] = p end
  for _, p in ipairs(self:command_protections()) do all[#all + 1] = p end
  for _, p in ipairs(all) do
    local real, exists = paths.canonical(p.path)
    p.canonical, p.exists = real or p.path, real and exists or false
  end
  for _, b in ipairs(self.bypasses) do
    local real = paths.canonical(b.path) or b.path
    local hit = false
    for _, p in ipairs(all) do
      if p.canonical == real then p.bypassed, hit = b.source, true end
    end
    if not hit then
      return nil, string.format("%s: %s is not protected (nono why --path %s explains a verdict)",
        b.source, b.path, b.path)
    end
  end
  self.active = {}
  for _, p in ipairs(all) do
    if not p.bypassed then self.active[#self.active + 1] = p end
  end
  -- A mount or a Landlock rule keeps a path; a second name of the same
  -- file (~/bashrc.bak hard-linked to ~/.bashrc) inside a grant reaches
  -- the file all the same.  nono cannot find the other names, so it
  -- refuses unless told to run anyway, and says so in the report and why.
  self.hard_links = {}
  for _, p in ipairs(self.active) do
    if p.exists and (p.mode == "readonly" or p.mode == "deny") then
      local a = lfs.attributes(p.canonical)
      if a and a.mode == "file" and a.nlink > 1 then
        p.nlink = a.nlink
        if not self.accept_links then
          return nil, string.format("%s (%s) has %d hard links: nono keeps this path %s, but another "
            .. "name of the same file in a grant would reach it (find them: find / -xdev -samefile %s); "
            .. "remove the other names, or add --accept-hard-links to run anyway",
            p.canonical, p.why or p.source, a.nlink, p.mode == "deny" and "out of reach" or "read-only",
            p.canonical)
        end
        self.hard_links[#self.hard_links + 1] = { path = p.canonical, nlink = a.nlink }
      end
    end
  end
  self.all_protections = all
  local by_path = self:grants_by_path()
  self:choose_binds(by_path)
  self:keep_places(by_path)
  local active_at = {}
  for _, p in ipairs(self.active) do
    active_at[p.canonical] = active_at[p.canonical] or {}
    table.insert(active_at[p.canonical], p)
  end
  -- The active protections at a directory and at every directory above
  -- it, nearest first: worked out once per directory, so grants side by
  -- side (10,000 of them) share their parent's walk up to "/".
  local none, upward = {}, {}
  local function at_and_above(dir)
    local list = upward[dir]
    if list then return list end
    local here = active_at[dir]
    local above = dir ~= "/" and at_and_above(paths.parent(dir)) or none
    if not here then
      list = above
    elseif #above == 0 then
      list = here
    else
      list = table.move(above, 1, #above, #here + 1, table.move(here, 1, #here, 1, {}))
    end
    upward[dir] = list
    return list
  end
  local function refused(g, list)
    for _, p in ipairs(list) do
      if self:mask(g) & ~allowed_under(p.mode) ~= 0 then
        local lift = lift_of(p)
        return string.format("%s: %s is protected (%s; nono keeps it %s); add %s to grant it anyway",
          g.source, p.canonical, p.why or p.source, p.mode, lift)
      end
    end
  end
  for _, g in ipairs(self.grants) do
    local at = g.canonical
    local msg = refused(g, active_at[at] or none)
      or at ~= "/" and refused(g, at_and_above(paths.parent(at)))
    if msg then return nil, msg end
  end
  return true
end

--- Add the rule for `path` to `out`, masked to what the kernel handles and,
-- for a non-directory, to file rights.  Rules with no right are dropped.
-- Two grants can reach one path (the system set's /usr and /bin, which is
-- /usr/bin, both narrowed entry by entry): one rule, rights merged, as the
-- kernel would merge them.  An entry found by listing a narrowed directory
-- is `listed` and keeps that directory and its name (`dir`, `name`): plan()
-- adds such entries beneath the directory, opened once.
function Policy:add_rule(out, path, mask, isdir, g, by, listed, dir, name)
  local m = mask & (self._handled or self:handled())
  if not isdir then m = m & (self._file_rights or core.fs_file_rights()) end
  if m == 0 then return end
  local same = self._rule_at[path]
  if same then
    same.mask = same.mask | m
    same.listed = same.listed and listed
  else
    local rule = { path = path, mask = m, grant = g, isdir = isdir, protection = by, listed = listed,
      dir = dir, name = name }
    self._rule_at[path] = rule
    out[#out + 1] = rule
  end
end

--- Row 3: Landlock can only allow, and a right on a directory holds for
-- everything beneath it.  So a grant whose tree holds a protected entry is
-- replaced by rules on the entries beside the way down to it: each
-- directory on the way keeps only what every protection beneath it leaves,
-- each sibling gets the grant's full rights.  Names created later directly
-- in such a directory are covered by that narrowed rule only (the cost).
function Policy:expand(g, dir, mask, prots, out)
  local own = mask
  for _, p in ipairs(prots) do own = own & allowed_under(p.mode) end
  self:add_rule(out, dir, own, true, g, prots[1])
  self.narrowed[#self.narrowed + 1] = { path = dir, grant = g, mask = own, protections = prots }
  -- The entries sorted by name, and their kinds (core.list_dir: C), listed
  -- once per build: two grants reach /usr/bin (/usr and /bin).  A symlink
  -- gets no rule (opening through it is decided at its target), so the
  -- listing leaves symlinks out.
  local listings = self._listings or {}
  local listing = listings[dir]
  if not listing then
    local names, kinds = core.list_dir(dir, true)
    if not names then
      error(string.format("%s: cannot list %s to keep %s protected: %s", g.source, dir,
        prots[1].canonical, kinds), 0)
    end
    listing = { names = names, kinds = kinds }
    listings[dir] = listing
  end
  local names, kinds = listing.names, listing.kinds
  -- Sort the protections by the entry of `dir` they lie in.
  local exact, under = {}, {}
  local prefix = #(dir == "/" and "" or dir) + 2
  for _, p in ipairs(prots) do
    local name, rest = p.canonical:match("^([^/]+)(.*)$", prefix)
    if rest == "" then
      -- (a directory may keep its place and be protected too: the stricter wins)
      if not exact[name] or allowed_at(p.mode) & ~allowed_at(exact[name].mode) == 0 then exact[name] = p end
    else
      under[name] = under[name] or {}
      table.insert(under[name], p)
    end
  end
  local base = dir == "/" and "/" or dir .. "/"
  for i = 1, #names do
    local name, kind = names[i], kinds[i]
    if kind ~= "link" then
      local isdir = kind == "directory"
      local p = exact[name]
      local m = p and mask & allowed_at(p.mode) or mask
      if isdir and under[name] then
        self:expand(g, base .. name, m, under[name], out)
      else
        self:add_rule(out, base .. name, m, isdir, g, p, true, dir, name)
      end
    end
  end
end

--- Build the Landlock rules from the grants and protections, once.
function Policy:build_rules()
  local out, grants, beneath = {}, self:grants_by_path(), {}
  self.narrowed, self._rule_at = {}, {}
  self._handled, self._file_rights, self._listings = self:handled(), core.fs_file_rights(), {}
  -- The protections strictly beneath each directory grant that take away
  -- some of its rights.
  local narrowing = {}
  for _, p in ipairs(self.active) do
    if not p.bind and not p.guarded then narrowing[#narrowing + 1] = p end
  end
  for _, p in ipairs(self.kept_places or {}) do narrowing[#narrowing + 1] = p end
  for _, p in ipairs(narrowing) do
    for dir in ancestors(p.canonical) do
      local g = grants[dir]
      if g and g.isdir and self:mask(g) & ~allowed_under(p.mode) ~= 0 then
        beneath[g] = beneath[g] or {}
        table.insert(beneath[g], p)
      end
    end
  end
  for _, g in ipairs(self.grants) do
    local prots = beneath[g]
    if prots then
      self:expand(g, g.canonical, g.mask, prots, out)
    else
      self:add_rule(out, g.canonical, g.mask, g.isdir, g)
    end
  end
  self._handled, self._file_rights, self._listings = nil, nil, nil
  self._rules = out
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
    elseif class == "write" and full & ~A.remove_dir ~= 0 and m & full == full & ~A.remove_dir then
      -- (a directory narrowed to keep the one above a read-only mount in place)
      words[#words + 1] = "write(no rmdir)"
      m = m & ~full
    end
  end
  for _, name in ipairs(M.names_of(m)) do words[#words + 1] = name end
  return #words > 0 and table.concat(words, "+") or "-"
end

--- Whether grant `g` (resolved) reaches `canonical`: its own path, or
-- beneath it for a directory.
function M.covers(g, canonical)
  return g.canonical == canonical or g.isdir and paths.is_beneath(canonical, g.canonical) or false
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
      if not g.ttl and not g.nono_self and M.covers(t, g.canonical) then
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
    if g.expires_at and now >= g.expires_at and M.covers(g, canonical) then
      return g
    end
  end
end

--- The kernel plan for this resolved policy (a nono.core policy): what
-- `nono run` spawns the command with and what the library applies.
-- `session`: "keep" the launcher's session or give the command a "new" one.
-- Returns the plan, or nil, message, errno.
function Policy:plan(session)
  local plan = core.policy(self:handled())
  plan:set_net(self:handled_net())
  plan:set_scoped(self:scoped())
  plan:set_seccomp(self:seccomp_options())
  plan:set_session(session)
  if self.proxy_port and self:handled_net() ~= 0 then
    local ok, msg, err = plan:add_port(self.proxy_port, core.net_access.connect_tcp)
    if not ok then
      plan:close()
      return nil, msg, err
    end
  end
  for _, binds in ipairs { { "add_pin_bind", self.pin_binds }, { "add_ro_bind", self.ro_binds },
      { "add_noexec_bind", self.noexec_binds } } do
    for _, path in ipairs(binds[2] or {}) do
      local ok, msg, err = plan[binds[1]](plan, path)
      if not ok then
        plan:close()
        return nil, msg, err
      end
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

--- Landlock network rights handled: all of them under --net-block (no
-- port allowed) and with an allow-list of hosts (connect to the proxy's
-- port only, row 32).
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

local OPS = { read = true, write = true, readwrite = true, exec = true }

--- The rights an operation needs on `path` (canonical), given whether and
-- as what it exists.  Creating a file needs make_reg beneath its directory.
local function required(op, exists, isdir)
  local need = 0
  if op == "read" or op == "readwrite" then
    need = need | (isdir and A.read_dir or A.read_file)
  end
  if op == "write" or op == "readwrite" then
    if isdir or not exists then need = need | A.make_reg else need = need | A.write_file end
  end
  if op == "exec" then need = need | A.execute end
  return need
end

local function hint_for(op, path, isdir, exists, missing, keep_dirs)
  if missing & (A.make_char | A.make_block) ~= 0 then
    return "nono never grants creating device nodes"
  elseif missing & A.remove_dir ~= 0 and keep_dirs then
    return "drop --keep-dirs (keep_dirs() in a profile): it withholds removing and renaming directories"
  end
  local dir_flag = { read = "--read", exec = "--read", write = "--write", readwrite = "--allow" }
  if not exists then
    -- Creating or looking up a missing name is decided by its directory.
    return string.format("add %s %s", dir_flag[op], paths.parent(path))
  elseif isdir then
    return string.format("add %s %s", dir_flag[op], path)
  end
  return string.format("add %s-file %s", dir_flag[op], path)
end

--- The active protection covering `canonical`, if any.
function Policy:protection_of(canonical)
  for _, p in ipairs(self.active or {}) do
    if canonical == p.canonical or paths.is_beneath(canonical, p.canonical) then return p end
  end
end

--- The directory narrowed for a protection at exactly `dir`, if any.
function Policy:narrowed_at(dir)
  for _, n in ipairs(self.narrowed or {}) do
    if n.path == dir then return n end
  end
end

--- Explain the kernel's verdict for `op` on `path`, from the same masks the
-- rules are built from.  Returns a table:
--   { path, canonical, op, verdict = "allowed"|"denied", reason, grants = {…},
--     needed = {rights}, missing = {rights}, hint }
-- or nil and a message for a bad request.
function Policy:why(path, op)
  if not OPS[op] then
    return nil, "unknown operation '" .. tostring(op) .. "' (expected read, write, readwrite or exec)"
  end
  if not self.resolved then
    local ok, msg = self:resolve()
    if not ok then return nil, msg end
  end
  local expanded, msg = paths.expand(path, self.home, self.cwd)
  if not expanded then return nil, msg end
  local canonical, exists, cerr = paths.canonical(expanded)
  local unseen = false
  if not canonical and cerr == 13 then
    -- Asked from inside a sandbox, looking the path up may be what is
    -- denied (an expired grant, a path beneath a denied one): take it as
    -- written.
    canonical, exists, unseen = expanded, false, true
  elseif not canonical then
    return nil, exists
  end
  local attrs = exists and lfs.attributes(canonical)
  local isdir = attrs and attrs.mode == "directory" or false

  local need = required(op, exists, isdir)
  local expired = self:expired_over(canonical, core.time_ms() / 1000)
  if expired then
    return {
      path = path, canonical = canonical, exists = exists, op = op, abi = self.abi,
      needed = M.names_of(need), missing = M.names_of(need), grants = {}, verdict = "denied",
      reason = string.format("%s was time-limited and expired at %s: an empty, unreadable "
        .. "read-only mount now hides %s", expired.source, os.date("!%Y-%m-%dT%H:%M:%SZ",
        math.floor(expired.expires_at)), expired.canonical),
      hint = "run again to grant it again",
    }
  end
  local handled = self:handled()
  local granted, by, covering = 0, {}, {}
  for _, rule in ipairs(self:rules()) do
    if rule.path == canonical or (rule.isdir and paths.is_beneath(canonical, rule.path)) then
      local g = { path = rule.path, source = rule.grant.source, access = rule.grant.access }
      covering[#covering + 1] = g
      if rule.mask & need ~= 0 then by[#by + 1] = g end
      granted = granted | rule.mask
    end
  end
  -- A read-only mount stops every write beneath it, a no-exec mount every
  -- execution, whatever Landlock allows.
  local bound = self:protection_of(canonical)
  if bound and bound.bind then
    granted = granted & (bound.mode == "noexec" and ~A.execute or M.classes.read)
  end
  local guarded = bound and bound.guarded and need & ~M.classes.read ~= 0
  local unhandled = need & ~handled
  local missing = need & ~granted & handled
  local answer = {
    path = path, canonical = canonical, exists = exists, op = op,
    needed = M.names_of(need), missing = M.names_of(missing), grants = by,
    abi = self.abi,
  }
  if missing == 0 then
    answer.verdict = "allowed"
    if #by > 0 then
      answer.reason = "granted by " .. by[#by].source .. " (" .. by[#by].access .. " on " .. by[#by].path .. ")"
    else
      answer.reason = "not restricted: Landlock ABI " .. tostring(self.abi)
        .. " does not handle " .. table.concat(M.names_of(unhandled), ", ")
    end
  else
    answer.verdict = "denied"
    if #covering > 0 then
      local c = covering[#covering]
      answer.reason = string.format("%s (%s on %s) covers this path but lacks %s",
        c.source, c.access, c.path, table.concat(answer.missing, ", "))
    else
      answer.reason = "no grant covers this path"
    end
    answer.hint = hint_for(op, canonical, isdir, exists, missing, self.keep_dirs)
    local p = self:protection_of(canonical)
    local narrowed = self:narrowed_at(exists and not isdir and paths.parent(canonical) or canonical)
    if not exists then narrowed = narrowed or self:narrowed_at(paths.parent(canonical)) end
    local granted_tree = false
    for _, g in ipairs(self.grants) do
      if M.covers(g, canonical) then granted_tree = true end
    end
    local lift = p and lift_of(p)
    if p and not granted_tree then
      answer.protection = { path = p.canonical, mode = p.mode, why = p.why, source = p.source }
      answer.hint = answer.hint .. " and " .. lift .. " (" .. p.canonical .. " is protected: " .. (p.why or p.source) .. ")"
    elseif p then
      answer.protection = { path = p.canonical, mode = p.mode, why = p.why, source = p.source }
      answer.reason = string.format("%s is protected (%s): nono keeps it %s even inside a grant",
        p.canonical, p.why or p.source, p.mode == "noexec" and (p.bind and "unexecutable (a no-exec mount)"
        or "unexecutable") or
        p.mode == "deny" and "out of reach" or p.bind and "read-only (a read-only mount)"
        or "read-only")
      answer.hint = "add " .. lift .. " to lift the protection"
    elseif narrowed and #covering == 0 or narrowed and canonical == narrowed.path then
      answer.reason = string.format("%s grants %s entry by entry to keep %s protected, "
        .. "so %s itself gets only %s", narrowed.grant.source, narrowed.path,
        narrowed.protections[1].canonical, narrowed.path,
        narrowed.mask ~= 0 and table.concat(M.names_of(narrowed.mask & handled), ", ") or "no right")
      answer.hint = "grant the entry you need directly, e.g. " .. answer.hint:gsub("^add ", "")
    end
  end
  for _, p in ipairs(self.all_protections or {}) do
    if p.bypassed and (canonical == p.canonical or paths.is_beneath(canonical, p.canonical)) then
      answer.note = string.format("the protection of %s (%s) is lifted by %s", p.canonical,
        p.why or p.source, p.bypassed)
    end
  end
  for _, g in ipairs(self.grants) do
    if g.ttl and M.covers(g, canonical) then
      answer.note = string.format("%s is time-limited (%ds)%s: after that the path is hidden", g.source,
        g.ttl, g.expires_at and os.date("!, until %Y-%m-%dT%H:%M:%SZ", math.floor(g.expires_at)) or "")
    end
  end
  if guarded then
    answer.note = string.format("%s is guarded, not closed: without mounts here the kernel lets it be "
      .. "changed during the session, and nono restores it when the session ends", bound.canonical)
  end
  if bound and bound.nlink then
    answer.note = string.format("%s has %d hard links (--accept-hard-links): this path is kept, "
      .. "another name of the same file in a grant is not", bound.canonical, bound.nlink)
  end
  local blocked = op == "exec" and self.command_files and self.command_files[canonical]
  if blocked and blocked.tier == "exec" then
    local lift = {}
    for i, name in ipairs(blocked.names) do lift[i] = "--allow-command " .. name end
    answer.note = string.format("%s is a blocked command (%s): nono run refuses to start it as the "
      .. "command itself (add %s); the command's children may run it", canonical, blocked.why,
      table.concat(lift, " "))
  end
  if unseen then
    answer.note = "the path cannot be looked up from here (permission denied), so it is taken as written"
  end
  if not self.abi then
    answer.note = "Landlock is unavailable here, so nono run refuses to run anything"
  end
  return answer
end

--- What `why` needs of a resolved policy, as text: handed to the command
-- sealed (`nono why --self` answers from it inside the sandbox with the
-- same `why`, without resolving anything again).  A JSON line (the
-- protections and narrowed directories), then a line per grant and per
-- rule, as there may be ten thousand of each: tab-separated fields with
-- "\", tab and newline escaped,
--   g ISDIR TTL EXPIRES_AT ACCESS SOURCE CANONICAL
--   r MASK ISDIR GRANT PATH        (GRANT: the number of its g line)
local ESCAPES = { ["\\"] = "\\\\", ["\t"] = "\\t", ["\n"] = "\\n" }
local UNESCAPES = { ["\\\\"] = "\\", ["\\t"] = "\t", ["\\n"] = "\n" }

local function esc(s)
  s = tostring(s or "")
  return s:find("[\\\t\n]") and (s:gsub("[\\\t\n]", ESCAPES)) or s
end

local function unesc(s)
  return s:find("\\", 1, true) and (s:gsub("\\[\\tn]", UNESCAPES)) or s
end

function Policy:export()
  assert(self.resolved, "policy: resolve() first")
  local index, lines, active, narrowed, bypassed = {}, {}, {}, {}, {}
  local fmt, ngrants = string.format, 0
  local function grant_of(g)
    if not index[g] then
      ngrants = ngrants + 1
      index[g] = ngrants
      lines[#lines + 1] = fmt("g\t%d\t%s\t%s\t%s\t%s\t%s", g.isdir and 1 or 0, g.ttl or "",
        g.expires_at and fmt("%.3f", g.expires_at) or "", esc(g.access), esc(g.source), esc(g.canonical))
    end
    return index[g]
  end
  for _, g in ipairs(self.grants) do grant_of(g) end
  for _, r in ipairs(self:rules()) do
    local gi = grant_of(r.grant)
    lines[#lines + 1] = fmt("r\t%d\t%d\t%d\t%s", r.mask, r.isdir and 1 or 0, gi, esc(r.path))
  end
  for i, p in ipairs(self.active) do
    active[i] = { canonical = p.canonical, mode = p.mode, why = p.why, source = p.source, given = p.given,
      name = p.name, names = p.names and json.array(p.names), bind = p.bind,
      guarded = p.guarded, nlink = p.nlink }
  end
  for i, n in ipairs(self.narrowed) do
    narrowed[i] = { path = n.path, mask = n.mask, grant = grant_of(n.grant),
      protection = { canonical = n.protections[1].canonical } }
  end
  for _, p in ipairs(self.all_protections) do
    if p.bypassed then
      bypassed[#bypassed + 1] = { canonical = p.canonical, bypassed = p.bypassed, why = p.why, source = p.source }
    end
  end
  return json.encode { version = 1, abi = self.abi, home = self.home, cwd = self.cwd,
    active = json.array(active), narrowed = json.array(narrowed), bypassed = json.array(bypassed) }
    .. "\n" .. table.concat(lines, "\n")
end

--- A policy rebuilt from `export()`'s text: it can answer `why` (and
-- nothing else: it holds no grants to resolve).  Returns it, or nil and a
-- message.
function M.import(text)
  local head, body = text:match("^([^\n]*)\n?(.*)$")
  local t = json.decode(head)
  if type(t) ~= "table" or t.version ~= 1 then return nil, "not a nono policy (version 1)" end
  local all = {}
  local self = setmetatable({ abi = t.abi, home = t.home, cwd = t.cwd, grants = all, active = t.active,
    narrowed = {}, all_protections = t.bypassed, _rules = {}, resolved = true }, Policy)
  for line in body:gmatch("[^\n]+") do
    local kind, a, b, c, d, e, f = line:match("^([gr])\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t?([^\t]*)\t?([^\t]*)$")
    if kind == "g" then
      all[#all + 1] = { isdir = a == "1", ttl = math.tointeger(tonumber(b)), expires_at = tonumber(c),
        access = unesc(d), source = unesc(e), canonical = unesc(f) }
    elseif kind == "r" and all[tonumber(c)] then
      self._rules[#self._rules + 1] = { mask = math.tointeger(tonumber(a)), isdir = b == "1",
        grant = all[tonumber(c)], path = unesc(d) }
    else
      return nil, "not a nono policy (bad line)"
    end
  end
  for i, n in ipairs(t.narrowed) do
    self.narrowed[i] = { path = n.path, mask = n.mask, grant = all[n.grant], protections = { n.protection } }
  end
  return self
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

--- What the kernel will enforce for this policy, and what it will not.
-- The same fields feed `--dry-run`, `-v` and `--json`.
function Policy:report()
  local handled = self:handled()
  local known = core.fs_rights_for_abi(core.landlock_abi_known)
  local gaps = {}
  for _, name in ipairs(M.names_of(known & ~handled)) do
    gaps[#gaps + 1] = { right = name, needs_abi = M.right_abi[name] }
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
      handled_fs = M.names_of(handled),
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
        or self:seccomp_options() ~= 0 and "unix; IPv4/IPv6 stream (TCP); netlink route; no UDP"
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
