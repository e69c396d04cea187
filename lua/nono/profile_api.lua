--- The verbs a profile declares its policy with: grants, protections,
-- commands, the environment, settings, and composing other profiles.  Each
-- checks its arguments (an error names the profile's file and line) and
-- writes into the load's accumulated spec, plain data the CLI turns into
-- a Policy.  nono.profile_env puts them in a profile's environment.
local grants = require "nono.grants"

local M = {}

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

function M.new_acc()
  return {
    seq = 0, grants = {}, protect = {}, bypass = {}, absent = {}, unix_sockets = {},
    net_block = nil, net_open = nil, hosts = {}, ports = {}, keep_dirs = nil, cmd_allow = {}, cmd_block = {}, cmd_source = {},
    env_set = {}, env_keep = {}, env_drop = {},
    abi_min = nil, on_expire = nil, ephemeral = nil, extends = {}, rollback = nil, rollback_exclude = nil,
    sealed = nil,
  }
end

function M.finish(acc, top)
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
    unix_sockets = acc.unix_sockets,
    private_tmp = acc.private_tmp,
    net = { block = acc.net_block, open = acc.net_open, hosts = acc.hosts, ports = acc.ports },
    keep_dirs = acc.keep_dirs,
    commands = { allow = oset_list(acc.cmd_allow), block = oset_list(acc.cmd_block) },
    command_sources = acc.cmd_source,
    env = { set = set, keep = oset_list(acc.env_keep), drop = oset_list(acc.env_drop) },
    abi_min = acc.abi_min,
    on_expire = acc.on_expire,
    ephemeral = acc.ephemeral,
    rollback = acc.rollback,
    rollback_exclude = acc.rollback_exclude,
    extends = acc.extends,
    -- where nono.apply() sealed it ("file:line"); nil: when it returned
    sealed = acc.sealed,
  }
end


--- Add the verbs to `api`, the globals of profile `rec` in load `L`.
-- `c`: the checks the environment shares (fail, check_string, check_path,
-- describe, source_of, where).
function M.add(api, L, rec, c)
  local ctx, acc = L.ctx, L.acc
  local fail, check_string, check_path, describe, source_of =
    c.fail, c.check_string, c.check_path, c.describe, c.source_of

  --- After nono.apply() the policy is what was applied: nothing more.
  local function not_sealed(fn)
    if acc.sealed then
      fail(fn, "the policy is sealed (nono.apply() at " .. acc.sealed .. "): nothing can be added after it")
    end
  end

  --- Mark that this profile has declared something: extends must precede.
  local function declared(fn)
    not_sealed(fn)
    rec.declared = rec.declared or fn
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
    local secs, msg = grants.parse_duration(ttl)
    if not secs then fail(fn, "ttl: " .. msg) end
    return secs
  end

  local function access_of(fn, words)
    if type(words) ~= "string" then
      fail(fn, "expected access words (read, write, exec, ioctl), got " .. describe(words))
    end
    local have, msg = grants.parse_access(words)
    if not have then fail(fn, msg) end
    return have
  end

  local function record_grant(fn, path, have, kind, opts)
    if opts.optional ~= nil and type(opts.optional) ~= "boolean" then
      fail(fn, "optional: expected true or false, got " .. describe(opts.optional))
    end
    if opts.ioctl ~= nil and type(opts.ioctl) ~= "boolean" then
      fail(fn, "ioctl: expected true or false, got " .. describe(opts.ioctl))
    end
    -- missing = "create" makes a missing directory, or file (with
    -- `content`, the text it is made with: an agent's state file whose
    -- empty form is not empty, "{}"), as protections spell it.
    local create
    if opts.missing ~= nil then
      if opts.missing ~= "create" then
        fail(fn, "missing: expected \"create\" (or optional = true to skip a missing path), got "
          .. describe(opts.missing))
      elseif kind ~= "dir" and kind ~= "file" then
        fail(fn, "missing: only with allow/read/write or their _file forms")
      end
      create = kind == "file" and (opts.content or "") or true
    end
    if opts.content ~= nil and (type(opts.content) ~= "string" or kind ~= "file" or opts.missing ~= "create") then
      fail(fn, "content: the text a missing file is made with, a string, with missing = \"create\"")
    end
    if opts.from ~= nil then check_string(fn, opts.from, "from: the file this grant was read from") end
    if opts.ioctl then have.ioctl = true end
    local words = {}
    for _, w in ipairs(grants.CLASSES) do
      if have[w] then words[#words + 1] = w end
    end
    if #words == 0 then fail(fn, "empty access") end
    declared(fn)
    local g = {
      path = path, access = table.concat(words, ","), kind = kind,
      optional = opts.optional or nil, ttl = ttl_of(fn, opts.ttl),
      source = source_of(rec) .. (opts.from and " (named by " .. opts.from .. ")" or ""),
      create = create,
    }
    acc.grants[#acc.grants + 1] = g
  end

  local GRANT_OPTS = { optional = true, ttl = true, ioctl = true, missing = true, content = true, from = true }
  local function granter(fn, access, kind)
    return function(path, opts)
      path = check_path(fn, path)
      opts = check_opts(fn, opts, GRANT_OPTS, "optional, missing, content, ttl, ioctl or from")
      record_grant(fn, path, access_of(fn, access), kind, opts)
    end
  end

  -- Grants: the forms of nono.grants, as the command line's options.
  for _, f in ipairs(grants.FORMS) do api[f.verb] = granter(f.verb, f.access, f.kind) end

  local GRANT_FIELDS = { path = true, access = true, kind = true, optional = true, ttl = true,
    ioctl = true, missing = true, content = true, from = true }
  --- The general form: grant{ path=, access=, kind=, optional=, ttl=, ioctl= }.
  function api.grant(t)
    if type(t) ~= "table" then fail("grant", "expected a table { path = ..., access = ... }, got " .. describe(t)) end
    check_opts("grant", t, GRANT_FIELDS, "path, access, kind, optional, missing, content, ttl, ioctl or from")
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
  --- Verbs that list paths: each goes to acc[field] with the line that
  -- named it (and `why`, for a verb that takes it).
  local function path_verb(fn, field, takes_why)
    api[fn] = function(v, opts)
      if takes_why then opts = check_opts(fn, opts, { why = true }, "why") end
      for _, p in ipairs(path_list(fn, v)) do
        declared(fn)
        acc[field][#acc[field] + 1] = { path = p, source = source_of(rec), why = opts and opts.why }
      end
    end
  end
  -- absent: names that must not appear during the session (what git would
  -- obey if they did, but nothing can keep from being created without
  -- closing the directory): checked when the session ends; one that
  -- appeared is moved aside and reported.
  path_verb("absent", "absent", true)
  -- allow_unix_socket: a unix socket kept reachable where the outside
  -- daemons' sockets are hidden: allow_unix_socket(getenv("SSH_AUTH_SOCK"))
  -- for git over ssh.
  path_verb("allow_unix_socket", "unix_sockets")
  path_verb("bypass", "bypass")

  -- /tmp, /var/tmp and /dev/shm read+write, private to the session where
  -- user namespaces work (Policy:private_tmp).
  function api.private_tmp()
    declared("private_tmp")
    acc.private_tmp = true
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

  --- A switch: NAME() or NAME(true) turns it on, NAME(false) turns it off
  -- for a profile that extends one asking for it.  Later wins.
  local function switch(name)
    api[name] = function(on)
      if on ~= nil and type(on) ~= "boolean" then
        fail(name, "expected nothing, true or false, got " .. describe(on))
      end
      declared(name)
      acc[name] = on ~= false
    end
  end
  -- keep_dirs: write grants do not remove or rename directories, as with
  -- --keep-dirs.
  switch("keep_dirs")
  -- ephemeral: the session's writes go to overlays until `nono session
  -- commit` (nono run --ephemeral).  No built-in profile asks for it: their
  -- single file grants (an agent's state file) cannot be overlays.
  switch("ephemeral")

  --- rollback() (or rollback(true), rollback{ exclude = { "NAME", ... } }):
  -- sessions are recorded as with --rollback (the names replace the
  -- excluded defaults; "+NAME" adds to them); rollback(false) turns it off
  -- for a profile that extends one asking for it.  Later wins.
  function api.rollback(t)
    if t ~= nil and type(t) ~= "boolean" and type(t) ~= "table" then
      fail("rollback", "expected nothing, true, false or { exclude = {...} }, got " .. describe(t))
    end
    local exclude
    if type(t) == "table" then
      check_opts("rollback", t, { exclude = true }, "exclude")
      exclude = name_list("rollback", "exclude", t.exclude, "^%+?[^/%z]+$", "file names (no '/')")
    end
    declared("rollback")
    acc.rollback = t ~= false
    if exclude then acc.rollback_exclude = exclude end
  end

  -- The names a profile blocks are blocked for every process of the
  -- sandbox (each looked up in the system directories, then in PATH, when
  -- the policy is built); the ones it allows come off the blocklist, both
  -- tiers.
  local COMMAND = grants.COMMAND_NAME
  function api.commands(t)
    if type(t) ~= "table" then fail("commands", "expected a table { allow = {...}, block = {...} }, got " .. describe(t)) end
    check_opts("commands", t, { allow = true, block = true }, "allow or block")
    local allow = name_list("commands", "allow", t.allow, COMMAND, "command names")
    local block = name_list("commands", "block", t.block, COMMAND, "command names")
    no_overlap("commands", allow, "allow", block, "block")
    declared("commands")
    -- (each name keeps the line that named it: a name the policy cannot
    -- find is an error at that line, in `profile check` as in `run`)
    local source = source_of(rec)
    for _, n in ipairs(allow) do oset_add(acc, acc.cmd_allow, n); acc.cmd_block[n] = nil; acc.cmd_source[n] = source end
    for _, n in ipairs(block) do oset_add(acc, acc.cmd_block, n); acc.cmd_allow[n] = nil; acc.cmd_source[n] = source end
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
    not_sealed(fn)
    if rec.declared then
      fail(fn, "must come before the profile's own settings (" .. rec.declared
        .. " was called first), so that what a profile declares wins over what it extends")
    end
    for _, name in ipairs(names) do
      check_string(fn, name, "a profile name")
      local sub, msg = L.resolve(name, ctx, rec)
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
  -- allow_port(8080), allow_bind(3000): the port forms of nono.grants.
  for _, f in ipairs(grants.PORT_FORMS) do
    api[f.verb] = function(...)
      for i = 1, select("#", ...) do
        local port, msg = grants.parse_port((select(i, ...)))
        if not port then fail(f.verb, msg) end
        declared(f.verb)
        acc.ports[#acc.ports + 1] = { right = f.right, port = port, source = source_of(rec) }
      end
    end
  end
  function api.include(v) extend("include", v) end

  -- The policy being built, named as `require "nono"` names a policy:
  -- nono.allow(root), nono.read(dir), nono.protect(path), ... (the same
  -- functions as the bare verbs), and nono.apply(), the seal: after it
  -- the profile (and one that includes it) can add nothing, and `nono
  -- run` applies exactly that.  A profile that does not call it is sealed
  -- when it returns.
  local nono = {}
  for _, f in ipairs(grants.FORMS) do nono[f.verb] = api[f.verb] end
  for _, f in ipairs(grants.PORT_FORMS) do nono[f.verb] = api[f.verb] end
  for _, name in ipairs { "grant", "protect", "readonly", "absent", "bypass", "net", "keep_dirs",
      "commands", "env", "abi_min", "on_expire", "allow_unix_socket", "private_tmp", "rollback", "ephemeral" } do
    nono[name] = api[name]
  end
  --- The grants so far: the command line's (added before the profile
  -- ran), then those of this load.  Copies: plain data.
  function nono.grants()
    local out = {}
    for _, list in ipairs { ctx.grants or {}, acc.grants } do
      for _, g in ipairs(list) do
        out[#out + 1] = { path = g.path, access = g.access, kind = g.kind, ttl = g.ttl, source = g.source }
      end
    end
    return out
  end
  function nono.apply()
    not_sealed("nono.apply")
    acc.sealed = c.where(rec)
  end
  api.nono = nono
end

return M
