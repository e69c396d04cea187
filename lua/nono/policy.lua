--- The policy: what the user granted, and the one place that turns grants
-- into Landlock rules.  `rules()` feeds the kernel; `why()` and `report()`
-- answer from the very same grants and masks, so an explanation cannot drift
-- from what is enforced.
local core = require "nono.core"
local paths = require "nono.paths"
local defaults = require "nono.defaults"

local A = core.access
local M = {}

--- Access classes a grant is written in, and the Landlock rights each means.
-- read includes execute: Landlock cannot stop ld.so or an interpreter from
-- running a file it may read, so withholding execute would promise nothing.
-- write never includes remove_dir (directories cannot be removed or renamed
-- away) nor make_char/make_block (no device nodes).
M.classes = {
  read = A.read_file | A.read_dir | A.execute,
  write = A.write_file | A.truncate | A.make_reg | A.make_dir | A.make_sym
    | A.make_sock | A.make_fifo | A.remove_file | A.refer,
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

local function parse_access(access)
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
  return mask, table.concat(names, "+")
end

local Policy = {}
Policy.__index = Policy

--- A new policy.  opts: abi (default: probe the kernel), home, cwd,
-- system (default true: include the built-in system set).
function M.new(opts)
  opts = opts or {}
  local self = setmetatable({ grants = {}, home = opts.home, cwd = opts.cwd }, Policy)
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
  return self
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
    kind = opts.kind, source = opts.source or path, optional = opts.optional,
  }
  self.grants[#self.grants + 1] = g
  return g
end

--- Canonicalise every grant once (the kernel resolves symlinks).  A missing
-- optional grant is dropped and remembered; a missing user grant is an
-- error naming it.  Returns true, or nil and a message.
function Policy:resolve()
  local kept, by_path = {}, {}
  self.skipped = {}
  for _, g in ipairs(self.grants) do
    local real, msg = core.realpath(g.path)
    if not real then
      if not g.optional then
        return nil, string.format("%s: %s does not exist or cannot be resolved (%s)",
          g.source, g.path, msg)
      end
      self.skipped[#self.skipped + 1] = g
    else
      local attrs = require("lfs").attributes(real)
      local isdir = attrs and attrs.mode == "directory"
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
      else
        by_path[real] = g
        kept[#kept + 1] = g
      end
    end
  end
  self.grants = kept
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

--- The Landlock rules: { path = canonical, mask = rights, grant = g }.
function Policy:rules()
  assert(self.resolved, "policy: resolve() first")
  local out = {}
  for _, g in ipairs(self.grants) do
    local m = self:mask(g)
    if m ~= 0 then out[#out + 1] = { path = g.canonical, mask = m, grant = g } end
  end
  return out
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

local function hint_for(op, path, isdir, exists, missing)
  if missing & (A.remove_dir | A.make_char | A.make_block) ~= 0 then
    return "nono never grants removing directories or creating device nodes"
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
  local canonical, exists = paths.canonical(expanded)
  if not canonical then return nil, exists end
  local attrs = exists and require("lfs").attributes(canonical)
  local isdir = attrs and attrs.mode == "directory" or false

  local need = required(op, exists, isdir)
  local handled = self:handled()
  local granted, by, covering = 0, {}, {}
  for _, rule in ipairs(self:rules()) do
    if rule.path == canonical or (rule.grant.isdir and paths.is_beneath(canonical, rule.path)) then
      local g = { path = rule.path, source = rule.grant.source, access = rule.grant.access }
      covering[#covering + 1] = g
      if rule.mask & need ~= 0 then by[#by + 1] = g end
      granted = granted | rule.mask
    end
  end
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
    answer.hint = hint_for(op, canonical, isdir, exists, missing)
  end
  if not self.abi then
    answer.note = "Landlock is unavailable here, so nono run refuses to run anything"
  end
  return answer
end

--- What the kernel will enforce for this policy, and what it will not.
function Policy:report()
  local handled = self:handled()
  local known = core.fs_rights_for_abi(core.landlock_abi_known)
  local gaps = {}
  for _, name in ipairs(M.names_of(known & ~handled)) do
    gaps[#gaps + 1] = { right = name, needs_abi = M.right_abi[name] }
  end
  return {
    landlock = {
      available = self.abi ~= nil,
      abi = self.abi,
      error = self.abi_error,
      handled_fs = M.names_of(handled),
      unhandled_fs = gaps,
      rules = self.resolved and #self:rules() or nil,
    },
    no_new_privs = true,
    hygiene = {
      "file descriptors above 2 are closed at exec, inherited ones too",
      "RLIMIT_CORE is 0 (no core dumps)",
      "capabilities: all cleared; with any held (root), bounding and ambient sets emptied and securebits locked",
      "parent-death signal: the command is killed if nono dies",
    },
    not_yet = {
      "network: not restricted (seccomp socket filter and Landlock TCP rules are not built yet)",
      "seccomp: not installed yet (ptrace, io_uring, TIOCSTI, keyctl ... are not filtered)",
      "sensitive paths inside a granted directory (e.g. ~/.ssh under --allow ~) are not yet excluded",
    },
  }
end

return M
