--- Profiles: Lua scripts that *compute* a sandbox policy (the git root, the
-- home and XDG directories, existence checks, the environment) and record it
-- as plain data, the spec.  The CLI turns a spec into a Policy; nothing here
-- touches the kernel.
--
-- A profile is untrusted enough to be fenced in, trusted enough to be run:
-- it is the user's own file or one of ours, but a typo must not silently
-- widen or narrow a policy, and a mistake must not hang nono.  So a profile
--   * is loaded as text only (`load(..., "t", env)`), never as bytecode;
--   * sees an allow-list of globals (safe stdlib copies, the profile API,
--     read-only filesystem queries) and nothing else: no io, no os.execute,
--     no require/load/dofile, no debug, no coroutine, no setmetatable;
--   * cannot read an undefined global or create a global: both raise with
--     the profile's file:line;
--   * runs under an instruction budget (M.BUDGET) and a memory limit
--     (M.MEMORY_LIMIT); one nono does not ship runs in a child process of
--     its own (core.isolate) under a time limit (M.TIME_LIMIT) too, so that
--     even a loop inside a C function (a pathological pattern, which no
--     hook can interrupt) ends when the time is up;
--   * is found only among the built-ins, the user's profile directory or an
--     explicit path, never implicitly in the working directory.
-- Errors are returned as `nil, "file:line: what was expected"`; the CLI
-- turns them into exit 126 and the command never runs.
--
-- This module finds and runs profiles (lookup, the budget, the child
-- process, listing); the environment a profile sees is nono.profile_env,
-- its verbs nono.profile_api.
local lfs = require "lfs"
local json = require "nono.json"
local paths = require "nono.paths"
local grants = require "nono.grants"
local profile_env = require "nono.profile_env"
local profile_api = require "nono.profile_api"

local has_core, core = pcall(require, "nono.core")
if not has_core then core = nil end

local lua_load = load

local M = {}

--- Instructions a whole load (a profile and everything it extends) may run.
-- Real profiles need a few thousand; ten million is a runaway loop.
M.BUDGET = 10000000

--- Bytes a whole load may allocate (beyond what nono held before it).
-- Real profiles need well under a megabyte; a few string doublings need
-- gigabytes.
M.MEMORY_LIMIT = 64 * 1024 * 1024

--- Seconds a whole load may take, whatever it does: reading the
-- filesystem and git's files takes milliseconds.
M.TIME_LIMIT = 5

--- Profiles are small scripts; anything larger is a mistake.
M.MAX_SOURCE = 1024 * 1024

--- Valid profile names (a value with '/' is a path instead).
M.NAME_PATTERN = "^[%w][%w%._-]*$"

--- "90s", "5m", "2h" -> seconds (nono.grants).
M.parse_ttl = grants.parse_duration

local BUDGET_EXHAUSTED = profile_env.BUDGET_EXHAUSTED
local MEMORY_EXHAUSTED = profile_env.MEMORY_EXHAUSTED
local LUA_MEMORY_ERROR = profile_env.LUA_MEMORY_ERROR


---------------------------------------------------------------------------
-- Where built-in profiles come from

--- The file this module was loaded from, absolute, when it came from disk
-- (module mode: busted, LuaRocks).  In the nono binary there is no debug
-- library and no package library; built-ins are embedded there.
local function self_file()
  local file
  if debug and debug.getinfo then
    local src = debug.getinfo(1, "S").source
    if src:sub(1, 1) == "@" then file = src:sub(2) end
  end
  if not file and package and package.searchpath then
    file = package.searchpath("nono.profile", package.path)
  end
  if not file then return nil end
  if core and core.realpath then file = core.realpath(file) or file end
  return file
end

-- Resolved once, at load time, so a later chdir cannot move it.
local SELF_FILE = self_file()

--- The embedded sources of the nono binary, or nil.  In module mode we use
-- nono.embedded only if an embedding host preloaded it: searching
-- package.path for it could pick up ./nono/embedded.lua from the working
-- directory (Lua's default path starts with ./?.lua), which is exactly the
-- implicit cwd lookup profiles must never make.
local function embedded()
  if package == nil then
    local ok, mod = pcall(require, "nono.embedded")
    return ok and type(mod) == "table" and mod or nil
  end
  if package.loaded["nono.embedded"] or package.preload["nono.embedded"] then
    return require "nono.embedded"
  end
  return nil
end

--- Directories holding built-in profiles on disk (module mode): the source
-- tree's profiles/ (lua/nono/profile.lua -> ../../profiles) and a
-- profiles/ directory next to profile.lua (an installed rock).
local function builtin_dirs()
  if not SELF_FILE then return {} end
  local here = paths.parent(SELF_FILE)
  local out = {}
  for _, d in ipairs({ paths.clean(here .. "/../../profiles"), here .. "/profiles" }) do
    local a = lfs.attributes(d)
    if a and a.mode == "directory" then out[#out + 1] = d end
  end
  return out
end

--- Read a profile file from disk.  Returns its text, or nil and a message.
local function read_source(file)
  local a = lfs.attributes(file)
  if not a then return nil, "no such file" end
  if a.mode ~= "file" then return nil, "not a regular file" end
  if a.size > M.MAX_SOURCE then
    return nil, string.format("larger than %d bytes", M.MAX_SOURCE)
  end
  local f, msg = io.open(file, "rb")
  if not f then return nil, msg end
  local text = f:read("a")
  f:close()
  if not text then return nil, "cannot read" end
  return text
end

--- The source of built-in profile `name` and its display name
-- ("profiles/NAME.lua", the same in the binary and in module mode, so
-- messages and sources do not depend on how nono was built).
local function builtin_source(name)
  local display = "profiles/" .. name .. ".lua"
  local emb = embedded()
  if emb then
    local text = emb.read(display)
    if text then return text, display end
    return nil
  end
  for _, d in ipairs(builtin_dirs()) do
    local text = read_source(d .. "/" .. name .. ".lua")
    if text then return text, display end
  end
  return nil
end

--- Names of every built-in profile, sorted.
local function builtin_names()
  local names, seen = {}, {}
  local function add(file)
    local n = file:match("([^/]+)%.lua$")
    if n and n:match(M.NAME_PATTERN) and not seen[n] then
      seen[n] = true
      names[#names + 1] = n
    end
  end
  local emb = embedded()
  if emb then
    for _, f in ipairs(emb.list("profiles/")) do
      if f:match("^profiles/[^/]+%.lua$") then add(f) end
    end
  else
    for _, d in ipairs(builtin_dirs()) do
      for entry in lfs.dir(d) do add(entry) end
    end
  end
  table.sort(names)
  return names
end

local function getenv_of(ctx)
  return ctx.getenv or os.getenv
end

--- $XDG_CONFIG_HOME/nono/profiles (default ~/.config/nono/profiles), or nil.
-- The XDG spec says relative values are invalid and must be ignored.
function M.user_dir(ctx)
  ctx = ctx or {}
  local xdg = ctx.xdg_config_home or getenv_of(ctx)("XDG_CONFIG_HOME")
  if type(xdg) == "string" and xdg:sub(1, 1) == "/" then
    return paths.clean(xdg) .. "/nono/profiles"
  end
  if type(ctx.home) == "string" and ctx.home:sub(1, 1) == "/" then
    return paths.clean(ctx.home) .. "/.config/nono/profiles"
  end
  return nil
end

---------------------------------------------------------------------------
-- Resolution

--- Resolve `name` as asked by `from` (the including profile, or nil for the
-- command line).  Built-ins win over user profiles of the same name, and a
-- built-in extends only built-ins (see docs/profiles.md for why).
local function resolve_from(name, ctx, from)
  if type(name) ~= "string" or name == "" then
    return nil, "a profile name must be a non-empty string, got " .. type(name)
  end
  if name:find("/", 1, true) then
    if from and from.origin == "builtin" then
      return nil, "a built-in profile can extend only built-in profiles, not the path '" .. name .. "'"
    end
    -- A path typed by the user is relative to the working directory; one
    -- written in a profile file is relative to that file's directory.
    local base = from and paths.parent(from.file) or ctx.cwd
    local file, msg = paths.expand(name, ctx.home, base)
    if not file then return nil, "profile '" .. name .. "': " .. msg end
    local text, err = read_source(file)
    if not text then return nil, "cannot read profile " .. file .. ": " .. err end
    local short = file:match("([^/]+)$"):gsub("%.lua$", "")
    return { name = short, origin = "path", file = file, source = text }
  end
  local bare = name:gsub("%.lua$", "")
  if not bare:match(M.NAME_PATTERN) then
    return nil, "invalid profile name '" .. name
      .. "' (a name is letters, digits, '.', '_' and '-'; a path contains '/')"
  end
  local text, display = builtin_source(bare)
  if text then
    return { name = bare, origin = "builtin", file = display, source = text }
  end
  if not (from and from.origin == "builtin") then
    local dir = M.user_dir(ctx)
    if dir then
      local file = dir .. "/" .. bare .. ".lua"
      if lfs.attributes(file) then
        local utext, err = read_source(file)
        if not utext then return nil, "cannot read profile " .. file .. ": " .. err end
        return { name = bare, origin = "user", file = file, source = utext }
      end
    end
  end
  return nil, "unknown profile '" .. bare .. "' (nono profile list shows the available ones)"
end

--- Find a profile: a built-in name, a user profile name, or a path.
-- Returns { name, origin = "builtin"|"user"|"path", file, source }, or nil
-- and a message.
function M.resolve(name, ctx)
  return resolve_from(name, ctx or {}, nil)
end

---------------------------------------------------------------------------
-- Running a load

--- Run `fn` under the instruction budget and the memory limit.  Returns
-- like pcall.
-- 1. The nono binary has no debug library: the core provides
--    core.run_budgeted(fn, count, bytes) (a C count hook, and an allocator
--    that refuses to grow past the limit).
-- 2. Module mode without the core: debug.sethook with a count hook on this
--    thread (and no memory limit).
-- 3. Neither (an embedding host without both): the profile is refused,
--    not run without a budget, where a runaway loop would hang the caller.
local function run_budgeted(fn)
  if core and core.run_budgeted then
    return core.run_budgeted(fn, M.BUDGET, M.MEMORY_LIMIT)
  end
  if debug and debug.sethook then
    local oh, om, oc = debug.gethook()
    debug.sethook(function() error(BUDGET_EXHAUSTED, 0) end, "", M.BUDGET)
    local ok, err = pcall(fn)
    if oh then debug.sethook(oh, om, oc) else debug.sethook() end
    return ok, err
  end
  return false, "this Lua host can put no instruction budget on a profile (neither nono.core nor "
    .. "debug.sethook): the profile was not run"
end

local function label_of(rec)
  return rec.origin == "path" and rec.file or rec.name
end

--- Run and compose profile `top` (resolved) here, in this process.
-- `note(label)`, if given, is told each profile as it starts.  Returns the
-- spec, or nil and a message naming the profile file and line.
local function load_here(top, ctx, note)
  local L = { ctx = ctx, acc = profile_api.new_acc(), stack = {}, done = {}, resolve = resolve_from }

  function L.run(rec)
    rec.key = rec.origin .. ":" .. rec.file
    rec.label = label_of(rec)
    if note then note(rec.label) end
    if rec.source:byte(1) == 27 then -- "\27Lua": a precompiled chunk
      error(rec.file .. ": bytecode is refused; a profile is Lua source text", 0)
    end
    L.stack[#L.stack + 1] = rec
    local chunk, err = lua_load(rec.source, "@" .. rec.file, "t", profile_env.new(L, rec))
    if not chunk then error(err, 0) end
    chunk()
    L.stack[#L.stack] = nil
    L.done[rec.key] = true
    if rec ~= top then L.acc.extends[#L.acc.extends + 1] = rec.label end
  end

  local ok, err = run_budgeted(function() L.run(top) end)
  if not ok then
    local current = L.stack[#L.stack] or top
    if err == BUDGET_EXHAUSTED then
      return nil, string.format("profile %s: %s (runaway loop?)", current.label, BUDGET_EXHAUSTED)
    end
    if err == MEMORY_EXHAUSTED or err == LUA_MEMORY_ERROR then
      return nil, string.format("profile %s: %s: it allocated more than %d MiB (a profile needs far "
        .. "less; a string or table growing without end?)", current.label, MEMORY_EXHAUSTED,
        M.MEMORY_LIMIT // (1024 * 1024))
    end
    if type(err) ~= "string" then
      return nil, string.format("%s: the profile raised a %s value, not a message", current.file, type(err))
    end
    if not err:match("^[^\n]-:%d+: ") and not err:match("^[^\n]-:%?: ")
        and err:sub(1, #current.file) ~= current.file then
      err = current.file .. ": " .. err
    end
    return nil, err
  end
  return profile_api.finish(L.acc, top)
end

--- Resolve, run and compose profile `name`.  Returns the spec, or nil and
-- a message naming the profile (and its file and line where there is one).
-- A profile nono ships (built-ins extend only built-ins) runs here, under
-- the budget and the memory limit: its code is nono's own.  Any other runs,
-- where the core can, in a child process (core.isolate) killed after
-- M.TIME_LIMIT seconds; its spec, plain data, comes back as JSON.  (A
-- child costs a millisecond or so; the agents' built-in profiles run at
-- every start.)
function M.load(name, ctx)
  ctx = ctx or {}
  local top, msg = resolve_from(name, ctx, nil)
  if not top then return nil, msg end
  if top.origin == "builtin" or not (core and core.isolate) then return load_here(top, ctx) end
  local out, what, last
  out, msg, what, last = core.isolate(function(note)
    local spec, err = load_here(top, ctx, note)
    return json.encode(spec and { spec = spec } or { error = err })
  end, M.TIME_LIMIT)
  local who = last or label_of(top)
  if not out then
    if what == "timeout" then
      return nil, string.format("profile %s: time limit exceeded: still running after %g s, so nono "
        .. "stopped it (a profile needs milliseconds; a pattern that backtracks without end, or a "
        .. "library call looping?)", who, M.TIME_LIMIT)
    end
    return nil, string.format("profile %s: %s", who, what == "raised" and msg
      or "loading it failed: " .. tostring(msg))
  end
  local t, jerr = json.decode(out)
  if type(t) ~= "table" then return nil, string.format("profile %s: %s", who, tostring(jerr)) end
  if t.spec then return t.spec end
  return nil, t.error
end

--- `nono profile check FILE`: the same as load (a name works too).
function M.check(path_or_name, ctx)
  return M.load(path_or_name, ctx)
end

--- The text of a profile's `description "..."` line, read without running
-- the profile: the first line that starts with `description` followed by
-- a quoted string or a long bracket string.  nil when there is none.
local SIMPLE_ESCAPES = { n = "\n", t = "\t", r = "\r", ["\\"] = "\\", ['"'] = '"', ["'"] = "'" }
function M.description_of(text)
  for line in text:gmatch("[^\n]+") do
    local rest = line:match("^%s*description%s*%(?%s*(.*)$")
    if rest then
      local level, long = rest:match("^%[(=*)%[(.*)$")
      if level then
        local body = long:match("^(.-)%]" .. level .. "%]")
        if body then return body end
      else
        local quote = rest:sub(1, 1)
        if quote == '"' or quote == "'" then
          local out, i = {}, 2
          while i <= #rest do
            local c = rest:sub(i, i)
            if c == quote then return table.concat(out) end
            if c == "\\" then
              i = i + 1
              c = SIMPLE_ESCAPES[rest:sub(i, i)] or rest:sub(i, i)
            end
            out[#out + 1] = c
            i = i + 1
          end
        end
      end
    end
  end
  return nil
end

--- What `nono profile list` can tell of profile `rec` without running it:
-- its description line, and a syntax error (compiling runs nothing).
local function describe_without_running(entry, text)
  if not text then
    entry.error = "cannot read it"
  elseif text:byte(1) == 27 then
    entry.error = entry.file .. ": bytecode is refused; a profile is Lua source text"
  else
    local chunk, err = lua_load(text, "@" .. entry.file, "t", {})
    if not chunk then entry.error = err end
    entry.description = M.description_of(text)
  end
  return entry
end

--- Every profile nono can find: the built-ins, then the user's.  A user
-- profile named like a built-in is listed with shadowed = true: the
-- built-in is what the name means (run the user file by its path).
-- Each entry: { name, origin, file, description [, shadowed] [, error] }.
-- None is run: a profile computes its policy when it is used (`nono
-- profile check` runs one); listing reads each file's `description` line
-- and compiles it, so a broken or hanging profile cannot stop the list.
function M.list(ctx)
  ctx = ctx or {}
  local out, builtin = {}, {}
  for _, name in ipairs(builtin_names()) do
    builtin[name] = true
    out[#out + 1] = describe_without_running({ name = name, origin = "builtin",
      file = "profiles/" .. name .. ".lua" }, (builtin_source(name)))
  end
  local dir = M.user_dir(ctx)
  if dir and lfs.attributes(dir, "mode") == "directory" then
    local names = {}
    for entry in lfs.dir(dir) do
      local n = entry:match("^(.+)%.lua$")
      if n and n:match(M.NAME_PATTERN) and lfs.attributes(dir .. "/" .. entry, "mode") == "file" then
        names[#names + 1] = n
      end
    end
    table.sort(names)
    for _, n in ipairs(names) do
      local file = dir .. "/" .. n .. ".lua"
      local text, err = read_source(file)
      local entry = describe_without_running({ name = n, origin = "user", file = file,
        shadowed = builtin[n] or nil }, text)
      if not text then entry.error = "cannot read " .. file .. ": " .. err end
      out[#out + 1] = entry
    end
  end
  return out
end

return M
