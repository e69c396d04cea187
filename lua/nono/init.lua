--- `require "nono"`: the friendly API over nono.core and nono.policy, the
-- same policy code profiles and `nono run` use.  Build a policy, inspect
-- it, ask `why`, then either `apply` it to this process (sealed, no way
-- back) or `spawn` each command in its own sandboxed child.
--
-- Misuse (wrong types, unknown names, NUL bytes) raises with a message
-- starting "nono: "; so does an `apply` that fails, since a caller that
-- overlooked a returned nil would run unsandboxed.  Other failures of the
-- operating system return nil, message, errno.  See docs/api.md.
local core = require "nono.core"
local policy = require "nono.policy"
local grants = require "nono.grants"
local env = require "nono.env"
local lfs = require "lfs"
-- Loaded now, not on first use as `nono run` loads them (nono.lazy): once
-- `apply` has sandboxed this process, their files may be out of reach.
require "nono.why"
require "nono.report"

local M = { core = core, version = core.version }

local SEALED = "nono: policy is sealed (applied)"
local EBUSY = 16

-- What the caller holds is an empty table; what it stands for lives here,
-- out of reach of Lua code that has the object (rawset, pairs, a method
-- called on a look-alike table), so a sealed policy stays what was
-- applied.  Weak keys: a policy the caller drops is collected.
local states = setmetatable({}, { __mode = "k" })

local Policy = {}

local Proxy = {
  __index = Policy,
  __newindex = function(self)
    local st = states[self]
    error(st and st.sealed and SEALED or "nono: a policy has no fields to set (use its methods)", 0)
  end,
  __metatable = "nono.policy",
  __name = "nono.policy",
  __tostring = function(self)
    local st = states[self]
    return st and st.sealed and "nono.policy (sealed)" or "nono.policy"
  end,
}

local function check(cond, fmt, ...)
  if not cond then error("nono: " .. string.format(fmt, ...), 0) end
end

--- C sees strings up to their first NUL: "/home/me/proj\0/x" would become
-- a grant of /home/me/proj, an argument would be cut short.  Refused.
local function no_nul(s, fmt, ...)
  check(not s:find("\0", 1, true), fmt .. " contains a NUL byte", ...)
end

local function state(self)
  local st = states[self]
  check(st ~= nil, "expected a policy (call its methods with ':')")
  return st
end

local function path_arg(what, path)
  check(type(path) == "string" and path ~= "", "%s: expected a path (string), got %s", what, type(path))
  no_nul(path, "%s: the path", what)
end

--- A model of the policy (nono.policy) built from the options and every
-- change recorded so far.  `binds`: nil lets the model probe whether
-- read-only binds work here; false plans without mounts.
local function build(st, binds)
  local o = st.opts
  local m = policy.new {
    home = o.home, cwd = o.cwd, system = o.system, protect = o.protect, commands = o.commands,
    binds = binds,
  }
  for _, step in ipairs(st.journal) do
    local ok, msg = step(m)
    if not ok then return nil, msg end
  end
  return m
end

--- Apply a change to the live model and record it, so that apply() can
-- build its own model from the same changes (see Policy:apply).
local function change(self, step)
  local st = states[self]
  st.model:invalidate()
  local ok, msg = step(st.model)
  if not ok then return nil, msg end
  st.journal[#st.journal + 1] = step
  return self
end

local function mutable(self)
  local st = state(self)
  if st.sealed then error(SEALED, 0) end
  return st
end

--- A new policy.  opts (all optional): home (default $HOME), cwd (default
-- the current directory), system (true: the read-only system set), protect
-- (true: ~/.ssh and other sensitive paths stay denied), commands (true:
-- the built-in blocklist of dangerous commands).
function M.policy(opts)
  check(opts == nil or type(opts) == "table", "policy: expected a table of options, got %s", type(opts))
  opts = opts or {}
  for _, k in ipairs { "system", "protect", "commands" } do
    check(opts[k] == nil or type(opts[k]) == "boolean", "policy: %s must be a boolean", k)
  end
  for _, k in ipairs { "home", "cwd" } do
    check(opts[k] == nil or type(opts[k]) == "string", "policy: %s must be a string", k)
    if opts[k] then no_nul(opts[k], "policy: %s", k) end
  end
  local st = {
    opts = {
      home = opts.home or os.getenv("HOME"), cwd = opts.cwd or core.realpath("."),
      system = opts.system, protect = opts.protect, commands = opts.commands,
    },
    journal = {},
    sealed = false,
  }
  st.model = build(st, nil)
  local self = setmetatable({}, Proxy)
  states[self] = st
  return self
end

local function granter(access, kind, name)
  return function(self, path)
    mutable(self)
    path_arg(name, path)
    local source = name .. " " .. path
    return change(self, function(m)
      local g, msg = m:grant(path, access, { kind = kind, source = source })
      return g ~= nil, msg
    end)
  end
end

--- Grants, the forms of nono.grants: allow/read/write (directories) and
-- their _file forms, as the command line's --allow and so on.  Return the
-- policy (to chain) or nil, message.
for _, f in ipairs(grants.FORMS) do Policy[f.method] = granter(f.access, f.kind, f.method) end

--- Keep `path` denied (mode "deny", the default) or read-only ("readonly")
-- even inside a grant.
function Policy:protect(path, mode)
  mutable(self)
  path_arg("protect", path)
  mode = mode or "deny"
  check(mode == "deny" or mode == "readonly", "protect: unknown mode '%s' (expected deny or readonly)", tostring(mode))
  return change(self, function(m) return m:protect(path, mode, { source = "protect " .. path }) end)
end

--- Lift the protection of `path` (checked when the policy is resolved).
function Policy:bypass(path)
  mutable(self)
  path_arg("bypass", path)
  return change(self, function(m) return m:bypass(path, "bypass " .. path) end)
end

local function command(method, name)
  return function(self, cmd)
    mutable(self)
    check(grants.check_command(cmd), "%s: '%s' is not a command name", name, tostring(cmd))
    return change(self, function(m) return m[method](m, cmd, name .. " " .. cmd) end)
  end
end

--- Add `name` to, or take it off, the blocklist of commands.
Policy.block_command = command("block_command", "block_command")
Policy.allow_command = command("allow_command", "allow_command")

--- No TCP/UDP/netlink sockets (seccomp) and no TCP bind/connect (Landlock).
function Policy:net_block(on)
  mutable(self)
  check(on == nil or type(on) == "boolean", "net_block: expected a boolean, got %s", type(on))
  return change(self, function(m)
    m:set_net_block(on ~= false)
    return true
  end)
end

--- Refuse to apply or spawn on a kernel below Landlock ABI `n`.
function Policy:abi_min(n)
  mutable(self)
  check(math.type(n) == "integer" and n >= 1, "abi_min: expected a positive integer, got %s", tostring(n))
  return change(self, function(m) return m:set_abi_min(n, "abi_min " .. n) end)
end

local function resolved(m)
  if m.resolved then return true end
  return m:resolve()
end

--- Why `op` ("read", "write", "readwrite", "exec") on `path` is allowed or
-- denied, from the rules the kernel gets (the table of `nono why --json`).
-- Once applied, from the rules this process is sandboxed with.
function Policy:why(path, op)
  local st = state(self)
  check(type(path) == "string", "why: expected a path (string), got %s", type(path))
  no_nul(path, "why: the path")
  check(op == "read" or op == "write" or op == "readwrite" or op == "exec",
    "why: unknown op '%s' (expected read, write, readwrite or exec)", tostring(op))
  local ok, msg = resolved(st.model)
  if not ok then return nil, msg end
  return st.model:why(path, op)
end

--- What the kernel will enforce, and what it will not (`--dry-run --json`).
function Policy:report()
  local st = state(self)
  local ok, msg = resolved(st.model)
  if not ok then return nil, msg end
  return st.model:report()
end

--- The Landlock rules: a list of { path, mask, access = "read+write", isdir }.
function Policy:rules()
  local st = state(self)
  local ok, msg = resolved(st.model)
  if not ok then return nil, msg end
  local out = {}
  for i, r in ipairs(st.model:rules()) do
    out[i] = { path = r.path, mask = r.mask, isdir = r.isdir, access = st.model:describe(r) }
  end
  return out
end

--- The core plan for model `m`: exactly what `nono run` builds.
local function plan(m)
  if not m.abi then return nil, "nono: Landlock is not available: " .. tostring(m.abi_error), m.abi_errno end
  local ok, msg = resolved(m)
  if not ok then return nil, msg end
  ok, msg = m:check_floor()
  if not ok then return nil, msg end
  return m:plan(core.isatty(0) and "keep" or "new")
end

--- Threads in this process (Landlock restricts only the calling thread).
local function threads()
  local f = io.open("/proc/self/status")
  if not f then return nil end
  local n = f:read("a"):match("\nThreads:%s*(%d+)")
  f:close()
  return tonumber(n)
end

local function refuse(msg)
  error("nono: cannot apply: " .. tostring(msg):gsub("^nono: ", ""), 0)
end

--- Sandbox this process, for good: no_new_privs, capabilities dropped,
-- Landlock, scopes, seccomp.  All or nothing (see nono_apply in
-- docs/api.md).  opts: keep_caps (true: a process that holds capabilities
-- keeps them).  Returns true; raises when the sandbox could not be applied
-- (the process is then as it was).  The policy is sealed once applied.
function Policy:apply(opts)
  local st = mutable(self)
  check(opts == nil or type(opts) == "table", "apply: expected a table of options, got %s", type(opts))
  opts = opts or {}
  check(opts.keep_caps == nil or type(opts.keep_caps) == "boolean", "apply: keep_caps must be a boolean")
  local flags = 0
  if opts.keep_caps then
    flags = core.apply_flags and core.apply_flags.keep_caps
    -- an older nono.core would drop what the caller said it needs
    if not flags then refuse("keep_caps: this nono.core cannot keep capabilities (plan:apply takes no flags)") end
  end
  local n = threads()
  if n and n > 1 then
    refuse(string.format("the process has %d threads (Landlock would restrict only this one)", n))
  end
  -- A running process cannot enter the mount namespace read-only binds
  -- need: here protections inside grants and the blocked commands are
  -- kept by narrowing.  A model of its own, built from the recorded
  -- changes, so nothing a read method cached (a namespace probe that
  -- chose binds, rules resolved for them) can leak into this plan.
  local m, msg = build(st, false)
  if not m then refuse(msg) end
  local pl, perr
  pl, msg, perr = plan(m)
  if not pl then refuse(msg .. (perr and string.format(" (errno %d)", perr) or "")) end
  local ok, amsg, aerr
  if flags ~= 0 then
    ok, amsg, aerr = pl:apply(flags)
  else
    ok, amsg, aerr = pl:apply()
  end
  pl:close()
  if not ok then
    if aerr == core.errno.E2BIG then
      refuse("the process already has 16 Landlock layers, the kernel's limit (E2BIG); nothing was changed")
    end
    refuse(tostring(amsg) .. (aerr and string.format(" (errno %d)", aerr) or ""))
  end
  -- From now on every answer comes from the rules this process has.
  st.model, st.sealed = m, true
  return true
end

--- The child's environment as a list of "NAME=value", less what `nono run`
-- strips (nono.env: LD_*, BASH_ENV, NODE_OPTIONS, ...) but the names in
-- `keep`.
local function environment(given, keep)
  local list
  if given == nil then
    list = core.environ()
  else
    check(type(given) == "table", "spawn: env must be a table, got %s", type(given))
    list = {}
    if #given > 0 or next(given) == nil then
      for i, e in pairs(given) do
        check(math.type(i) == "integer" and i >= 1 and i <= #given,
          "spawn: env is either a list of \"NAME=value\" or a map of names to values")
        check(type(e) == "string", "spawn: env[%d] is a %s, not a string", i, type(e))
        no_nul(e, "spawn: env[%d]", i)
        check(e:find("^[^=]+="), "spawn: env[%d] is not NAME=value", i)
        list[i] = e
      end
    else
      for k, v in pairs(given) do
        check(type(k) == "string" and type(v) == "string", "spawn: env maps names to strings")
        no_nul(k, "spawn: env name %q", k)
        no_nul(v, "spawn: env %s", k)
        check(k ~= "" and not k:find("=", 1, true), "spawn: env name %q is not a variable name", k)
        list[#list + 1] = k .. "=" .. v
      end
      table.sort(list)
    end
  end
  local set
  if keep ~= nil then
    check(type(keep) == "table", "spawn: keep_env must be a list of names, got %s", type(keep))
    set = {}
    for i, name in ipairs(keep) do
      check(type(name) == "string", "spawn: keep_env[%d] is a %s, not a string", i, type(name))
      set[name] = true
    end
  end
  return (env.filter(list, set))
end

--- Run `argv` in a sandboxed child, as `nono run` does, and wait for it.
-- opts: env (a list of "NAME=value" or a map; default: this environment),
-- keep_env (names let through although they load code, as --keep-env),
-- cwd (the child's directory).  Returns { kind = "exited"|"signaled"|
-- "setup_failed"|"not_executed", code, stage?, message? }, or nil,
-- message, errno when the sandbox could not be built.
function Policy:spawn(argv, opts)
  local st = state(self)
  check(type(argv) == "table" and #argv > 0, "spawn: expected a non-empty list of strings")
  for i, a in ipairs(argv) do
    check(type(a) == "string", "spawn: argv[%d] is a %s, not a string", i, type(a))
    no_nul(a, "spawn: argv[%d]", i)
  end
  check(opts == nil or type(opts) == "table", "spawn: opts must be a table")
  opts = opts or {}
  check(opts.cwd == nil or type(opts.cwd) == "string", "spawn: cwd must be a string")
  if opts.cwd then no_nul(opts.cwd, "spawn: cwd") end
  local envp = environment(opts.env, opts.keep_env)
  local n = threads()
  if n and n > 1 then
    return nil, string.format("nono: cannot spawn: the process has %d threads "
      .. "(another thread could take the child's SIGCHLD)", n), EBUSY
  end
  local pl, msg, err = plan(st.model)
  if not pl then return nil, msg, err end
  -- The child starts in the caller's directory: the caller goes there for
  -- the fork and comes back on every way out, a raised error included.
  local back
  if opts.cwd then
    local here, herr = lfs.currentdir()
    if not here or here:sub(1, 1) ~= "/" then
      pl:close()
      return nil, "nono: spawn: cannot name the current directory to come back to: " .. tostring(herr or here)
    end
    back = here
    local ok, cmsg, cerr = lfs.chdir(opts.cwd)
    if not ok then
      pl:close()
      return nil, "nono: spawn: " .. tostring(cmsg), cerr
    end
  end
  io.stdout:flush()
  io.stderr:flush()
  local ran, result = pcall(pl.spawn, pl, argv, envp)
  pl:close()
  if back then
    local ok, cmsg = lfs.chdir(back)
    if not ok then
      error("nono: spawn: cannot return to " .. back .. ": " .. tostring(cmsg), 0)
    end
  end
  if not ran then error(result, 0) end
  return result
end

return M
