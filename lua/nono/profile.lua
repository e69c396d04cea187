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
local lfs = require "lfs"
local json = require "nono.json"
local paths = require "nono.paths"
local git = require "nono.git"

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

--- The error value an exhausted budget raises, from either implementation
-- below.  `core.run_budgeted(fn, count)`, when the host provides it, must
-- behave like `pcall(fn)` with a count hook and fail with exactly this string.
local BUDGET_EXHAUSTED = "instruction budget exhausted"
--- Likewise for the memory limit (`core.run_budgeted(fn, count, bytes)`),
-- and the message of Lua's own memory error, which a profile's pcall must
-- not swallow either.
local MEMORY_EXHAUSTED = "memory limit exceeded"
local LUA_MEMORY_ERROR = "not enough memory"

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
-- Durations

local TTL_UNITS = { s = 1, m = 60, h = 3600 }

--- "90s", "5m", "2h" -> seconds.  Anything else is an error: a time limit
-- that is silently ignored or misread would be worse than none.
function M.parse_ttl(s)
  local n, unit
  if type(s) == "string" then n, unit = s:match("^(%d+)([smh])$") end
  if not n or #n > 18 or tonumber(n) < 1 or tonumber(n) > 999999999 then
    return nil, string.format("invalid duration %s (expected a whole number from 1 to 999999999 followed by s, m or h, e.g. 90s, 5m, 2h)",
      type(s) == "string" and ("'" .. s .. "'") or ("of type " .. type(s)))
  end
  return tonumber(n) * TTL_UNITS[unit]
end

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

local function source_of(rec)
  local line = line_of(rec)
  return string.format("profile %s:%s", rec.label, line and tostring(line) or "?")
end

---------------------------------------------------------------------------
-- The accumulated spec.  Every profile of one load writes into one
-- accumulator; since extends/include must come first in a profile, call
-- order is composition order and "later wins" is simply "last call wins".

--- An ordered set: name -> sequence number; removal forgets the name.
local function oset_add(acc, set, name)
  acc.seq = acc.seq + 1
  set[name] = acc.seq
end

local function oset_list(set)
  local out = {}
  for name in pairs(set) do out[#out + 1] = name end
  table.sort(out, function(a, b) return set[a] < set[b] end)
  return out
end

local function new_acc()
  return {
    seq = 0, grants = {}, protect = {}, bypass = {}, absent = {},
    net_block = nil, net_open = nil, hosts = {}, keep_dirs = nil, cmd_allow = {}, cmd_block = {},
    env_set = {}, env_keep = {}, env_drop = {},
    abi_min = nil, on_expire = nil, extends = {},
  }
end

local function finish(acc, top)
  local set = {}
  for k, v in pairs(acc.env_set) do set[k] = v end
  return {
    name = top.name,
    file = top.file,
    description = top.description,
    grants = acc.grants,
    protect = acc.protect,
    absent = acc.absent,
    bypass = acc.bypass,
    net = { block = acc.net_block, open = acc.net_open, hosts = acc.hosts },
    keep_dirs = acc.keep_dirs,
    commands = { allow = oset_list(acc.cmd_allow), block = oset_list(acc.cmd_block) },
    env = { set = set, keep = oset_list(acc.env_keep), drop = oset_list(acc.env_drop) },
    abi_min = acc.abi_min,
    on_expire = acc.on_expire,
    extends = acc.extends,
  }
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

local ACCESS_WORDS = { read = "read", exec = "read", write = "write", ioctl = "ioctl" }
local ACCESS_ORDER = { "read", "write", "ioctl" }

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
local function make_env(L, rec)
  local ctx, acc = L.ctx, L.acc
  local api = {}

  local function fail(fn, msg) raise(rec, fn .. ": " .. msg) end

  --- Mark that this profile has declared something: extends must precede.
  local function declared(fn)
    rec.declared = rec.declared or fn
  end

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

  --- One path or an array of paths.
  local function path_list(fn, v)
    if type(v) == "table" then
      local out = {}
      for i = 1, #v do out[i] = check_path(fn, v[i]) end
      if #out == 0 then fail(fn, "expected a path string or a list of paths, got an empty table") end
      return out
    end
    return { (check_path(fn, v)) }
  end

  local function check_opts(fn, opts, allowed, allowed_text)
    if opts == nil then return {} end
    if type(opts) ~= "table" then fail(fn, "expected an options table, got " .. describe(opts)) end
    for k in pairs(opts) do
      if not allowed[k] then
        fail(fn, "unknown option '" .. tostring(k) .. "' (expected " .. allowed_text .. ")")
      end
    end
    return opts
  end

  local function ttl_of(fn, ttl)
    if ttl == nil then return nil end
    if math.type(ttl) == "integer" and ttl > 0 then return ttl end
    local secs, msg = M.parse_ttl(ttl)
    if not secs then fail(fn, "ttl: " .. msg) end
    return secs
  end

  local function access_of(fn, words)
    if type(words) ~= "string" then
      fail(fn, "expected access words (read, write, exec, ioctl), got " .. describe(words))
    end
    local have = {}
    for w in words:gmatch("[^,+%s]+") do
      local class = ACCESS_WORDS[w]
      if not class then
        fail(fn, "unknown access '" .. w .. "' (expected read, write, exec or ioctl; exec is read)")
      end
      have[class] = true
    end
    return have
  end

  local function record_grant(fn, path, have, kind, opts)
    if opts.optional ~= nil and type(opts.optional) ~= "boolean" then
      fail(fn, "optional: expected true or false, got " .. describe(opts.optional))
    end
    if opts.ioctl ~= nil and type(opts.ioctl) ~= "boolean" then
      fail(fn, "ioctl: expected true or false, got " .. describe(opts.ioctl))
    end
    -- create: true makes a missing directory; for a file, a string is the
    -- content a missing file is made with (an agent's state file whose empty
    -- form is not empty: "{}").
    if opts.create ~= nil then
      if kind == "dir" and type(opts.create) ~= "boolean" then
        fail(fn, "create: expected true or false, got " .. describe(opts.create))
      elseif kind == "file" and type(opts.create) ~= "string" then
        fail(fn, "create: for a file, expected the text to make it with, got " .. describe(opts.create))
      elseif kind ~= "dir" and kind ~= "file" then
        fail(fn, "create: only with allow/read/write or their _file forms")
      end
    end
    if opts.from ~= nil then check_string(fn, opts.from, "from: the file this grant was read from") end
    if opts.ioctl then have.ioctl = true end
    local words = {}
    for _, w in ipairs(ACCESS_ORDER) do
      if have[w] then words[#words + 1] = w end
    end
    if #words == 0 then fail(fn, "empty access") end
    declared(fn)
    local g = {
      path = path, access = table.concat(words, ","), kind = kind,
      optional = opts.optional or nil, ttl = ttl_of(fn, opts.ttl),
      source = source_of(rec) .. (opts.from and " (named by " .. opts.from .. ")" or ""),
      create = opts.create or nil,
    }
    acc.grants[#acc.grants + 1] = g
  end

  local GRANT_OPTS = { optional = true, ttl = true, ioctl = true, create = true, from = true }
  local function granter(fn, access, kind)
    return function(path, opts)
      path = check_path(fn, path)
      opts = check_opts(fn, opts, GRANT_OPTS, "optional, create, ttl, ioctl or from")
      record_grant(fn, path, access_of(fn, access), kind, opts)
    end
  end

  -- Grants: the same six forms as the command line's options.
  api.allow = granter("allow", "read,write", "dir")
  api.read = granter("read", "read", "dir")
  api.write = granter("write", "write", "dir")
  api.allow_file = granter("allow_file", "read,write", "file")
  api.read_file = granter("read_file", "read", "file")
  api.write_file = granter("write_file", "write", "file")

  local GRANT_FIELDS = { path = true, access = true, kind = true, optional = true, ttl = true,
    ioctl = true, create = true, from = true }
  --- The general form: grant{ path=, access=, kind=, optional=, ttl=, ioctl= }.
  function api.grant(t)
    if type(t) ~= "table" then fail("grant", "expected a table { path = ..., access = ... }, got " .. describe(t)) end
    check_opts("grant", t, GRANT_FIELDS, "path, access, kind, optional, create, ttl, ioctl or from")
    local path = check_path("grant", t.path)
    if t.kind ~= nil and t.kind ~= "dir" and t.kind ~= "file" then
      fail("grant", "kind: expected \"dir\", \"file\" or nil, got " .. describe(t.kind))
    end
    record_grant("grant", path, access_of("grant", t.access or "read"), t.kind, t)
  end

  -- What becomes of a protected name that does not exist (`missing`):
  --   "narrow" (the default): it cannot be created, so its directory is
  --     narrowed and takes no new names at all: right for ~/.bashrc, wrong
  --     for a directory that must keep taking new files;
  --   "skip" (also `if_exists = true`): only names that exist now are
  --     protected;
  --   "create": a missing directory is made (empty) before the sandbox,
  --     then kept like the rest (an empty hooks directory means no hooks);
  --     with `content`, a missing file is made with that text ("{}");
  --   "absent": it may be created, but when the session ends whatever
  --     appeared there is moved aside and reported (see `absent`).
  -- `why`: what the report and `why` say the protection is for.
  -- `guard = true` (readonly): where mounts are unavailable, a copy is kept
  -- and any change undone when the session ends, instead of narrowing the
  -- directory it is in (which would take every new name from it).
  local PROTECT_OPTS = { if_exists = true, missing = true, why = true, content = true, guard = true }
  local MISSING = { narrow = true, skip = true, create = true, absent = true }
  local function protector(fn, mode)
    return function(v, opts)
      opts = check_opts(fn, opts, PROTECT_OPTS, "if_exists, missing, content, guard or why")
      if opts.guard ~= nil and type(opts.guard) ~= "boolean" then
        fail(fn, "guard: expected true or false, got " .. describe(opts.guard))
      end
      if opts.why ~= nil then check_string(fn, opts.why, "why: a string") end
      if opts.content ~= nil and (type(opts.content) ~= "string" or opts.missing ~= "create") then
        fail(fn, "content: the text a missing file is made with, a string, with missing = \"create\"")
      end
      local missing = opts.missing or (opts.if_exists and "skip") or "narrow"
      if not MISSING[missing] then
        fail(fn, "missing: expected \"narrow\", \"skip\", \"create\" or \"absent\", got " .. describe(missing))
      end
      for _, p in ipairs(path_list(fn, v)) do
        declared(fn)
        local exists = api.exists(p)
        if exists or missing == "narrow" or missing == "create" then
          acc.protect[#acc.protect + 1] = { path = p, mode = mode, source = source_of(rec),
            create = not exists and missing == "create" and (opts.content or true) or nil, why = opts.why,
            guard = opts.guard or nil }
        elseif missing == "absent" then
          acc.absent[#acc.absent + 1] = { path = p, source = source_of(rec), why = opts.why }
        end
      end
    end
  end
  api.protect = protector("protect", "deny")
  api.readonly = protector("readonly", "readonly")
  --- Names that must not appear during the session (what git would obey
  -- if they did, but nothing can keep from being created without closing
  -- the directory): checked when the session ends; one that appeared is
  -- moved aside and reported.
  function api.absent(v, opts)
    opts = check_opts("absent", opts, { why = true }, "why")
    for _, p in ipairs(path_list("absent", v)) do
      declared("absent")
      acc.absent[#acc.absent + 1] = { path = p, source = source_of(rec), why = opts.why }
    end
  end

  function api.bypass(v)
    for _, p in ipairs(path_list("bypass", v)) do
      declared("bypass")
      acc.bypass[#acc.bypass + 1] = { path = p, source = source_of(rec) }
    end
  end

  function api.net(t)
    if type(t) ~= "table" then
      fail("net", "expected a table { block = true|false, open = true|false }, got " .. describe(t))
    end
    check_opts("net", t, { block = true, open = true }, "block, open")
    for _, k in ipairs { "block", "open" } do
      if t[k] ~= nil and type(t[k]) ~= "boolean" then
        fail("net", k .. ": expected true or false, got " .. describe(t[k]))
      end
    end
    declared("net")
    if t.block ~= nil then acc.net_block = t.block end
    if t.open ~= nil then acc.net_open = t.open end
  end

  -- allow_host("api.example.com", "*.example.org:8443", "@npm"): the
  -- hosts the command may reach through nono's proxy (lua/nono/net.lua
  -- reads them; an error names the profile's line).
  function api.allow_host(...)
    local net = require "nono.net"
    for i = 1, select("#", ...) do
      local h = select(i, ...)
      local rules, msg = net.parse_entry(h, "profile")
      if not rules then fail("allow_host", msg) end
      declared("allow_host")
      acc.hosts[#acc.hosts + 1] = { text = h, source = source_of(rec) }
    end
  end

  local function name_list(fn, field, v, pattern, what)
    if v == nil then return {} end
    if type(v) ~= "table" then fail(fn, field .. ": expected a list of " .. what .. ", got " .. describe(v)) end
    local out = {}
    for k, name in pairs(v) do
      if math.type(k) ~= "integer" then
        fail(fn, field .. ": expected a list of " .. what .. ", got a table with key " .. describe(k))
      end
      if type(name) ~= "string" or not name:match(pattern) then
        fail(fn, field .. ": expected " .. what .. ", got " .. describe(name))
      end
      out[#out + 1] = name
    end
    return out
  end

  local function no_overlap(fn, a, an, b, bn)
    local seen = {}
    for _, n in ipairs(a) do seen[n] = true end
    for _, n in ipairs(b) do
      if seen[n] then fail(fn, "'" .. n .. "' is in both " .. an .. " and " .. bn) end
    end
  end

  --- keep_dirs() (or keep_dirs(true)): write grants do not remove or
  -- rename directories, as with --keep-dirs; keep_dirs(false) gives it
  -- back to a profile that extends one asking for it.  Later wins.
  function api.keep_dirs(on)
    if on ~= nil and type(on) ~= "boolean" then
      fail("keep_dirs", "expected nothing, true or false, got " .. describe(on))
    end
    declared("keep_dirs")
    acc.keep_dirs = on ~= false
  end

  -- The names a profile blocks are blocked for every process of the
  -- sandbox (each looked up in the system directories, then in PATH, when
  -- the policy is built); the ones it allows come off the blocklist, both
  -- tiers.
  local COMMAND = "^[%w][%w%._+-]*$"
  function api.commands(t)
    if type(t) ~= "table" then fail("commands", "expected a table { allow = {...}, block = {...} }, got " .. describe(t)) end
    check_opts("commands", t, { allow = true, block = true }, "allow or block")
    local allow = name_list("commands", "allow", t.allow, COMMAND, "command names")
    local block = name_list("commands", "block", t.block, COMMAND, "command names")
    no_overlap("commands", allow, "allow", block, "block")
    declared("commands")
    for _, n in ipairs(allow) do oset_add(acc, acc.cmd_allow, n); acc.cmd_block[n] = nil end
    for _, n in ipairs(block) do oset_add(acc, acc.cmd_block, n); acc.cmd_allow[n] = nil end
  end

  local ENV_NAME = "^[^=%z]+$"
  function api.env(t)
    if type(t) ~= "table" then fail("env", "expected a table { set = {...}, keep = {...}, drop = {...} }, got " .. describe(t)) end
    check_opts("env", t, { set = true, keep = true, drop = true }, "set, keep or drop")
    local set, set_names = {}, {}
    if t.set ~= nil then
      if type(t.set) ~= "table" then fail("env", "set: expected a table NAME = \"value\", got " .. describe(t.set)) end
      for k, v in pairs(t.set) do
        if type(k) ~= "string" or not k:match(ENV_NAME) then
          fail("env", "set: expected variable names as keys, got " .. describe(k))
        end
        if type(v) ~= "string" then fail("env", "set: " .. k .. ": expected a string value, got " .. describe(v)) end
        set[k] = v
        set_names[#set_names + 1] = k
      end
    end
    local keep = name_list("env", "keep", t.keep, ENV_NAME, "variable names")
    local drop = name_list("env", "drop", t.drop, ENV_NAME, "variable names")
    no_overlap("env", set_names, "set", drop, "drop")
    no_overlap("env", keep, "keep", drop, "drop")
    declared("env")
    table.sort(set_names)
    for _, n in ipairs(set_names) do acc.env_set[n] = set[n]; acc.env_drop[n] = nil end
    for _, n in ipairs(keep) do oset_add(acc, acc.env_keep, n); acc.env_drop[n] = nil end
    for _, n in ipairs(drop) do
      oset_add(acc, acc.env_drop, n)
      acc.env_keep[n] = nil
      acc.env_set[n] = nil
    end
  end

  function api.abi_min(n)
    if math.type(n) ~= "integer" or n < 1 then
      fail("abi_min", "expected a Landlock ABI version (a positive integer), got " .. describe(n))
    end
    declared("abi_min")
    if not acc.abi_min or n > acc.abi_min then acc.abi_min = n end
  end

  function api.on_expire(what)
    if what ~= "kill" and what ~= "report" then
      fail("on_expire", "expected \"kill\" or \"report\", got " .. describe(what))
    end
    declared("on_expire")
    acc.on_expire = what
  end

  function api.description(text)
    rec.description = check_string("description", text, "a string")
  end

  --- Compose another profile here.  Include-once: a profile already
  -- composed in this load is not run again (diamonds are common: two
  -- groups both include "git"); one still being run is a cycle.
  local function extend(fn, v)
    local names = type(v) == "table" and v or { v }
    if #names == 0 then fail(fn, "expected a profile name or a list of names, got an empty table") end
    if rec.declared then
      fail(fn, "must come before the profile's own settings (" .. rec.declared
        .. " was called first), so that what a profile declares wins over what it extends")
    end
    for _, name in ipairs(names) do
      check_string(fn, name, "a profile name")
      local sub, msg = resolve_from(name, ctx, rec)
      if not sub then fail(fn, msg) end
      local key = sub.origin .. ":" .. sub.file
      for _, onstack in ipairs(L.stack) do
        if onstack.key == key then
          local chain = {}
          for _, r in ipairs(L.stack) do chain[#chain + 1] = r.label end
          chain[#chain + 1] = sub.origin == "path" and sub.file or sub.name
          fail(fn, "cycle: " .. table.concat(chain, " -> "))
        end
      end
      if not L.done[key] then L.run(sub) end
    end
  end
  function api.extends(v) extend("extends", v) end
  function api.include(v) extend("include", v) end

  -- Computation helpers -----------------------------------------------

  local getenv = getenv_of(ctx)

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
  local function find_repo(fn, d)
    local ok, repo = pcall(git.find, d, { uid = ctx.uid, homes = ctx.homes })
    if not ok then fail(fn, repo) end
    return repo
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

---------------------------------------------------------------------------
-- Running a load

--- Run `fn` under the instruction budget and the memory limit.  Returns
-- like pcall.
-- 1. The nono binary has no debug library: the core provides
--    core.run_budgeted(fn, count, bytes) (a C count hook, and an allocator
--    that refuses to grow past the limit).
-- 2. Module mode without the core: debug.sethook with a count hook on this
--    thread (and no memory limit).
-- 3. Neither: the profile runs without a budget.  This is a gap (a runaway
--    loop hangs the caller) that only an embedding host without both can
--    hit; nono's own binary and the Lua module always have one of them.
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
  return pcall(fn)
end

local function label_of(rec)
  return rec.origin == "path" and rec.file or rec.name
end

--- Run and compose profile `top` (resolved) here, in this process.
-- `note(label)`, if given, is told each profile as it starts.  Returns the
-- spec, or nil and a message naming the profile file and line.
local function load_here(top, ctx, note)
  local L = { ctx = ctx, acc = new_acc(), stack = {}, done = {} }

  function L.run(rec)
    rec.key = rec.origin .. ":" .. rec.file
    rec.label = label_of(rec)
    rec.short = short_src(rec.file)
    if note then note(rec.label) end
    if rec.source:byte(1) == 27 then -- "\27Lua": a precompiled chunk
      error(rec.file .. ": bytecode is refused; a profile is Lua source text", 0)
    end
    L.stack[#L.stack + 1] = rec
    local chunk, err = lua_load(rec.source, "@" .. rec.file, "t", make_env(L, rec))
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
  return finish(L.acc, top)
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
