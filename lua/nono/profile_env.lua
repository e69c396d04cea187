--- The restricted environment one profile runs in (nono.profile says what
-- a profile may and may not do): the verbs of nono.profile_api, read-only
-- queries (home, XDG directories, git, the filesystem) and a safe part of
-- the standard library.  Every error names the profile's file and line.
local lfs = require "lfs"
local paths = require "nono.paths"
local git = require "nono.git"
local verbs = require "nono.profile_api"

local has_core, core = pcall(require, "nono.core")
if not has_core then core = nil end

local M = {}

--- The error value an exhausted budget raises, from either implementation
-- below.  `core.run_budgeted(fn, count)`, when the host provides it, must
-- behave like `pcall(fn)` with a count hook and fail with exactly this string.
M.BUDGET_EXHAUSTED = "instruction budget exhausted"
--- Likewise for the memory limit (`core.run_budgeted(fn, count, bytes)`),
-- and the message of Lua's own memory error, which a profile's pcall must
-- not swallow either.
M.MEMORY_EXHAUSTED = "memory limit exceeded"
M.LUA_MEMORY_ERROR = "not enough memory"
local BUDGET_EXHAUSTED, LUA_MEMORY_ERROR = M.BUDGET_EXHAUSTED, M.LUA_MEMORY_ERROR

---------------------------------------------------------------------------
-- Locations: which line of the profile made a call

--- What Lua shows as the source of chunk "@file" (luaO_chunkid with
-- LUA_IDSIZE 60): long names keep their last 56 characters.
local function short_src(file)
  if #file <= 59 then return file end
  return "..." .. file:sub(-56)
end

--- The line of profile `rec` nearest on the call stack.  Without the debug
-- library (the binary has none) the only portable probe is luaL_where:
-- `error("", level)` prefixes "source:line: " for a Lua frame at `level`.
-- Walking up to the first frame of *this* profile's chunk also finds the
-- caller when the call came through a local helper function in the profile.
local function line_of(rec)
  -- (the same walk in C, from line_of's caller up: level 2 there is
  -- level 3 of error(), whose level 1 is pcall)
  if core and core.caller_line then return core.caller_line(rec.short, 2) end
  local want = rec.short .. ":"
  for level = 3, 64 do
    local _, w = pcall(error, "", level)
    if type(w) == "string" and w:sub(1, #want) == want then
      local line = w:sub(#want + 1):match("^(%d+): $")
      if line then return tonumber(line) end
    end
  end
  return nil -- e.g. `return allow(...)`: a tail call leaves no frame
end

--- Raise "file:line: msg" for profile `rec`.
local function raise(rec, msg)
  local line = line_of(rec)
  error(string.format("%s:%s: %s", rec.file, line and tostring(line) or "?", msg), 0)
end

--- "file:line" of the call being made in profile `rec`.
local function where(rec)
  local line = line_of(rec)
  return string.format("%s:%s", rec.file, line and tostring(line) or "?")
end

local function source_of(rec)
  local line = line_of(rec)
  return string.format("profile %s:%s", rec.label, line and tostring(line) or "?")
end

---------------------------------------------------------------------------
-- Filesystem queries (read-only, plain data) and git discovery

local function parent_dir(p)
  local up = paths.parent(p)
  return up == "" and "/" or up
end

local function join2(a, b)
  return (a == "/" and "" or a) .. "/" .. b
end

--- Copy an lfs attribute table: plain strings and numbers only.
local function plain(t)
  if type(t) ~= "table" then return nil end
  local out = {}
  for k, v in pairs(t) do
    if type(v) == "string" or type(v) == "number" or type(v) == "boolean" then out[k] = v end
  end
  return out
end

---------------------------------------------------------------------------
-- The restricted environment of one profile
local function copy(t, skip)
  local out = {}
  for k, v in pairs(t) do
    if not (skip and skip[k]) then out[k] = v end
  end
  return out
end

local function describe(v)
  if type(v) == "string" then return string.format("%q", v) end
  return type(v) == "nil" and "nil" or type(v)
end

--- Build the globals of profile `rec` in load `L`.
function M.new(L, rec)
  local ctx = L.ctx
  local api = {}
  rec.short = short_src(rec.file)

  local function fail(fn, msg) raise(rec, fn .. ": " .. msg) end

  local function check_string(fn, v, what)
    if type(v) ~= "string" or v == "" then
      fail(fn, "expected " .. what .. ", got " .. describe(v))
    end
    return v
  end

  --- A path argument: kept as written (the policy expands it the same way),
  -- but expanded here too so that a bad one fails at this line.
  local function check_path(fn, v)
    if type(v) ~= "string" or v == "" then
      fail(fn, "expected a path string, got " .. describe(v))
    end
    if v:find("\0", 1, true) then fail(fn, "a path cannot contain a NUL byte") end
    local expanded, msg = paths.expand(v, ctx.home, ctx.cwd)
    if not expanded then fail(fn, msg) end
    return v, expanded
  end

  verbs.add(api, L, rec, { fail = fail, check_string = check_string, check_path = check_path,
    describe = describe, source_of = source_of, where = where })

  -- Computation helpers -----------------------------------------------

  local getenv = ctx.getenv or os.getenv

  function api.home()
    if type(ctx.home) ~= "string" or ctx.home == "" then fail("home", "HOME is not set") end
    return ctx.home
  end

  function api.cwd()
    if type(ctx.cwd) ~= "string" or ctx.cwd == "" then fail("cwd", "no working directory was given") end
    return ctx.cwd
  end

  function api.getenv(name)
    check_string("getenv", name, "a variable name")
    local v = getenv(name)
    if type(v) ~= "string" then return nil end
    return v
  end

  --- An absolute path argument (or the working directory when absent).
  local function dir_arg(fn, d)
    if d == nil then return api.cwd() end
    local _, expanded = check_path(fn, d)
    return expanded
  end

  local function xdg_dir(fn, var, default)
    return function(sub)
      if sub ~= nil then check_string("xdg." .. fn, sub, "a path below the directory") end
      local base = getenv(var)
      if type(base) ~= "string" or base:sub(1, 1) ~= "/" then
        if not default then return nil end
        base = join2(api.home(), default)
      end
      base = paths.clean(base)
      if sub then return paths.clean(base .. "/" .. sub) end
      return base
    end
  end
  api.xdg = {
    config = xdg_dir("config", "XDG_CONFIG_HOME", ".config"),
    data = xdg_dir("data", "XDG_DATA_HOME", ".local/share"),
    cache = xdg_dir("cache", "XDG_CACHE_HOME", ".cache"),
    state = xdg_dir("state", "XDG_STATE_HOME", ".local/state"),
    runtime = xdg_dir("runtime", "XDG_RUNTIME_DIR", nil), -- no default in the spec
  }

  --- The repository containing `d`, found as git finds it (nono.git):
  -- a pointer nono refuses fails the profile at this line.
  -- (one discovery per directory and load: the project group asks for
  -- project_root() and git_repo() of the same one)
  local function find_repo(fn, d)
    L.repos = L.repos or {}
    local found = L.repos[d] or { pcall(git.find, d, { uid = ctx.uid, homes = ctx.homes }) }
    L.repos[d] = found
    if not found[1] then fail(fn, found[2]) end
    return found[2]
  end

  function api.git_root(d)
    local repo = find_repo("git_root", dir_arg("git_root", d))
    return repo and repo.root
  end

  function api.git_dir(d)
    local repo = find_repo("git_dir", dir_arg("git_dir", d))
    if repo then return repo.gitdir, repo.common end
  end

  --- Everything a profile needs to grant a repository and keep what git
  -- obeys read-only (see nono.git): { root, gitdir, common, dotgit,
  -- dotgit_file, from = { gitdir = FILE, common = FILE }, outside =
  -- { gitdir = bool, common = bool }, readonly = { {path, why} },
  -- absent = { {path, why} } }, or nil.
  function api.git_repo(d)
    local repo = find_repo("git_repo", dir_arg("git_repo", d))
    if not repo then return nil end
    local ok, prot = pcall(git.protected, repo, { home = ctx.home, project = repo.root,
      xdg_config_home = getenv("XDG_CONFIG_HOME") })
    if not ok then fail("git_repo", prot) end
    return { root = repo.root, gitdir = repo.gitdir, common = repo.common, dotgit = repo.dotgit,
      dotgit_file = repo.dotgit_file or false, from = copy(repo.from),
      outside = { gitdir = repo.outside and repo.outside.gitdir or false,
        common = repo.outside and repo.outside.common or false },
      readonly = prot.readonly, absent = prot.absent }
  end

  --- The directory an agent works in: the git work tree's root, unless that
  -- is the home directory (a dotfiles repository) or "/", which would hand
  -- over far more than the project; then the working directory itself.
  function api.project_root()
    local cwd = api.cwd()
    local repo = find_repo("project_root", cwd)
    local root = repo and repo.root
    if not root or root == "/" then return cwd end
    for _, home in ipairs(ctx.homes or { ctx.home and paths.clean(ctx.home) }) do
      if root == home then return cwd end
    end
    local real = core and core.realpath and core.realpath(root) or root
    for _, home in ipairs(ctx.homes or {}) do
      if real == home then return cwd end
    end
    return root
  end

  function api.exists(p)
    local _, e = check_path("exists", p)
    return lfs.attributes(e, "mode") ~= nil
  end

  function api.is_dir(p)
    local _, e = check_path("is_dir", p)
    return lfs.attributes(e, "mode") == "directory"
  end

  function api.is_file(p)
    local _, e = check_path("is_file", p)
    return lfs.attributes(e, "mode") == "file"
  end

  function api.attributes(p)
    local _, e = check_path("attributes", p)
    return plain(lfs.attributes(e))
  end

  function api.symlink_attributes(p)
    local _, e = check_path("symlink_attributes", p)
    return plain(lfs.symlinkattributes(e))
  end

  function api.dir(p)
    local _, e = check_path("dir", p)
    if lfs.attributes(e, "mode") ~= "directory" then return nil end
    local ok, iter, state = pcall(lfs.dir, e)
    if not ok then return nil end
    local out = {}
    for name in iter, state do
      if name ~= "." and name ~= ".." then out[#out + 1] = name end
    end
    table.sort(out)
    return out
  end

  function api.platform() return "linux" end
  function api.abi() return ctx.abi end

  api.path = {
    join = function(...)
      local parts = table.pack(...)
      if parts.n == 0 then fail("path.join", "expected at least one path component") end
      for i = 1, parts.n do check_string("path.join", parts[i], "path components (strings)") end
      local s = table.concat(parts, "/", 1, parts.n):gsub("/+", "/")
      return s
    end,
    expand = function(p)
      local _, e = check_path("path.expand", p)
      return e
    end,
    parent = function(p)
      check_string("path.parent", p, "a path string")
      return parent_dir(p)
    end,
    basename = function(p)
      check_string("path.basename", p, "a path string")
      return p:match("([^/]*)/*$")
    end,
    is_beneath = function(p, d)
      local _, pe = check_path("path.is_beneath", p)
      local _, de = check_path("path.is_beneath", d)
      return paths.is_beneath(pe, de)
    end,
  }

  -- Safe standard library: fresh copies per profile, so a profile that
  -- assigns string.x changes only its own copy.  Left out on purpose:
  -- string.dump (bytecode), io, os except time/date/getenv, require, load,
  -- dofile, loadfile, debug, collectgarbage, coroutine (a coroutine runs
  -- outside the count hook of the thread that set it), setmetatable and
  -- getmetatable (a __gc finalizer would run profile code after the load,
  -- outside the budget; metamethods are not needed to declare a policy),
  -- rawset/rawget (rawset would bypass the no-new-globals rule), print.
  api.string = copy(string, { dump = true })
  api.table = copy(table)
  api.math = copy(math)
  api.utf8 = copy(utf8)
  api.os = { time = os.time, date = os.date, getenv = api.getenv }
  for _, name in ipairs({ "pairs", "ipairs", "select", "type", "tostring", "tonumber",
                          "error", "assert", "next", "rawequal", "rawlen" }) do
    api[name] = _G[name]
  end
  --- pcall that cannot swallow the instruction budget or the memory limit.
  function api.pcall(f, ...)
    local res = table.pack(pcall(f, ...))
    if not res[1] and (res[2] == BUDGET_EXHAUSTED or res[2] == LUA_MEMORY_ERROR) then
      error(res[2], 0)
    end
    return table.unpack(res, 1, res.n)
  end
  api._VERSION = _VERSION

  -- The environment itself stays empty: every read goes through __index
  -- (the API or an error), every assignment through __newindex (an error).
  return setmetatable({}, {
    __index = function(_, k)
      local v = api[k]
      if v == nil then raise(rec, "undefined global '" .. tostring(k) .. "'") end
      return v
    end,
    __newindex = function(_, k)
      raise(rec, "assignment to global '" .. tostring(k)
        .. "' (profiles cannot set globals; use 'local " .. tostring(k) .. "')")
    end,
    __metatable = false,
  })
end


return M
