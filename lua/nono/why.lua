--- `why`: the kernel's verdict for an operation on a path, explained from
-- the same grants and masks the rules are built from (nono.policy's
-- Policy:why).
local core = require "nono.core"
local lfs = require "lfs"
local paths = require "nono.paths"
local access = require "nono.access"
local narrow = require "nono.narrow"

local A = core.access
local M = {}

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

--- Explain the kernel's verdict for `op` on `path`, from the same masks the
-- rules are built from.  Returns a table:
--   { path, canonical, op, verdict = "allowed"|"denied", reason, grants = {…},
--     needed = {rights}, missing = {rights}, hint }
-- or nil and a message for a bad request.
function M.why(self, path, op)
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
      needed = access.names_of(need), missing = access.names_of(need), grants = {}, verdict = "denied",
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
    granted = granted & (bound.mode == "noexec" and ~A.execute or access.classes.read)
  end
  local guarded = bound and bound.guarded and need & ~access.classes.read ~= 0
  local unhandled = need & ~handled
  local missing = need & ~granted & handled
  local answer = {
    path = path, canonical = canonical, exists = exists, op = op,
    needed = access.names_of(need), missing = access.names_of(missing), grants = by,
    abi = self.abi,
  }
  if missing == 0 then
    answer.verdict = "allowed"
    if #by > 0 then
      answer.reason = "granted by " .. by[#by].source .. " (" .. by[#by].access .. " on " .. by[#by].path .. ")"
    else
      answer.reason = "not restricted: Landlock ABI " .. tostring(self.abi)
        .. " does not handle " .. table.concat(access.names_of(unhandled), ", ")
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
      if narrow.covers(g, canonical) then granted_tree = true end
    end
    local lift = p and narrow.lift_of(p)
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
        narrowed.mask ~= 0 and table.concat(access.names_of(narrowed.mask & handled), ", ") or "no right")
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
    if g.ttl and narrow.covers(g, canonical) then
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

return M
