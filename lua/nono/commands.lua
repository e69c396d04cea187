--- The blocklist of commands, a part of the policy model (nono.policy
-- installs these methods on its Policy): the names a policy blocks or
-- allows, found as files, and what blocks the command nono runs.
local core = require "nono.core"
local lfs = require "lfs"
local defaults = require "nono.defaults"
local grants = require "nono.grants"

local M = {}
local Policy = {}
M.methods = Policy

local check_command = grants.check_command

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
  -- Which plain names each directory holds, one core.present per
  -- directory; only those are resolved, and a regular file (the directory
  -- being canonical) is its own canonical path.
  local plain = {}
  for _, name in ipairs(names) do
    if not self.blocked[name].file then plain[#plain + 1] = name:match("^(.*)%.%*$") or name end
  end
  local present = {}
  for _, dir in ipairs(dirs) do present[dir] = core.present(dir == "" and "/" or dir, plain) or {} end
  -- Command `n` of `dir`, blocked as `as`: the file it runs, if any.
  local function found_in(dir, n, as, entry)
    local real, kind = dir .. "/" .. n, present[dir][n]
    if kind ~= "file" then real, kind = core.resolve(real) end
    if real and kind == "file" then
      found(as, entry, real)
      return true
    end
    return false
  end
  self.commands_missing = {}
  for _, name in ipairs(names) do
    local entry, any = self.blocked[name], false
    local prefix = name:match("^(.*%.)%*$")
    if entry.file then
      any = true
      found(name, entry, entry.file)
    else
      for _, dir in ipairs(dirs) do
        if not prefix then
          if present[dir][name] then any = found_in(dir, name, name, entry) or any end
        elseif present[dir][prefix:sub(1, -2)] then
          -- Listed only where the command they are named after lives (mkfs.*
          -- next to mkfs): listing /usr/bin on every start costs more than
          -- all the other look-ups together.
          for _, n in ipairs(core.list_dir(dir == "" and "/" or dir, false, prefix) or {}) do
            if not self.allowed_commands[n] then any = found_in(dir, n, n, entry) or any end
          end
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

return M
