--- `require "nono"`: the friendly API over nono.core and nono.policy, the
-- same policy code profiles and `nono run` use.  Build a policy, inspect
-- it, ask `why`, then either `apply` it to this process (sealed, no way
-- back) or `spawn` each command in its own sandboxed child.
--
-- Misuse (wrong types, unknown names) raises with a message starting
-- "nono: "; failures of the operating system return nil, message, errno.
-- See docs/api.md.
local core = require "nono.core"
local policy = require "nono.policy"
local lfs = require "lfs"

local M = { core = core, version = core.version }

local SEALED = "nono: policy is sealed (applied)"

local Policy = {}
Policy.__index = Policy

local function check(cond, fmt, ...)
  if not cond then error("nono: " .. string.format(fmt, ...), 0) end
end

local function mutable(self, what, path)
  if self.sealed then error(SEALED, 0) end
  if path ~= nil or what then
    check(type(path) == "string" and path ~= "", "%s: expected a path (string), got %s", what, type(path))
  end
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
  return setmetatable({
    p = policy.new {
      home = opts.home or os.getenv("HOME"), cwd = opts.cwd or core.realpath("."),
      system = opts.system, protect = opts.protect, commands = opts.commands,
    },
    sealed = false,
  }, Policy)
end

local function granter(access, kind, name)
  return function(self, path)
    mutable(self, name, path)
    self.p.resolved = false
    local g, msg = self.p:grant(path, access, { kind = kind, source = name .. " " .. path })
    if not g then return nil, msg end
    return self
  end
end

--- Grants, as the command line's --allow/--read/--write (directories) and
-- their -file forms.  Return the policy (to chain) or nil, message.
Policy.allow = granter("read,write", "dir", "allow")
Policy.read = granter("read", "dir", "read")
Policy.write = granter("write", "dir", "write")
Policy.allow_file = granter("read,write", "file", "allow_file")
Policy.read_file = granter("read", "file", "read_file")
Policy.write_file = granter("write", "file", "write_file")

--- Keep `path` denied (mode "deny", the default) or read-only ("readonly")
-- even inside a grant.
function Policy:protect(path, mode)
  mutable(self, "protect", path)
  mode = mode or "deny"
  check(mode == "deny" or mode == "readonly", "protect: unknown mode '%s' (expected deny or readonly)", tostring(mode))
  self.p.resolved = false
  local ok, msg = self.p:protect(path, mode, { source = "protect " .. path })
  if not ok then return nil, msg end
  return self
end

--- Lift the protection of `path` (checked when the policy is resolved).
function Policy:bypass(path)
  mutable(self, "bypass", path)
  self.p.resolved = false
  local ok, msg = self.p:bypass(path, "bypass " .. path)
  if not ok then return nil, msg end
  return self
end

local function command(method, name)
  return function(self, cmd)
    mutable(self)
    check(type(cmd) == "string" and cmd:match("^[%w][%w%._+-]*$"), "%s: '%s' is not a command name", name, tostring(cmd))
    self.p.resolved = false
    assert(self.p[method](self.p, cmd, name .. " " .. cmd))
    return self
  end
end

--- Add `name` to, or take it off, the blocklist of commands.
Policy.block_command = command("block_command", "block_command")
Policy.allow_command = command("allow_command", "allow_command")

--- No TCP/UDP/netlink sockets (seccomp) and no TCP bind/connect (Landlock).
function Policy:net_block(on)
  mutable(self)
  check(on == nil or type(on) == "boolean", "net_block: expected a boolean, got %s", type(on))
  self.p:set_net_block(on ~= false)
  return self
end

--- Refuse to apply or spawn on a kernel below Landlock ABI `n`.
function Policy:abi_min(n)
  mutable(self)
  check(math.type(n) == "integer" and n >= 1, "abi_min: expected a positive integer, got %s", tostring(n))
  self.p:set_abi_min(n, "abi_min " .. n)
  return self
end

local function resolved(self)
  if self.p.resolved then return true end
  return self.p:resolve()
end

--- Why `op` ("read", "write", "readwrite", "exec") on `path` is allowed or
-- denied, from the rules the kernel gets (the table of `nono why --json`).
function Policy:why(path, op)
  check(type(path) == "string", "why: expected a path (string), got %s", type(path))
  check(op == "read" or op == "write" or op == "readwrite" or op == "exec",
    "why: unknown op '%s' (expected read, write, readwrite or exec)", tostring(op))
  local ok, msg = resolved(self)
  if not ok then return nil, msg end
  return self.p:why(path, op)
end

--- What the kernel will enforce, and what it will not (`--dry-run --json`).
function Policy:report()
  local ok, msg = resolved(self)
  if not ok then return nil, msg end
  return self.p:report()
end

--- The Landlock rules: a list of { path, mask, access = "read+write", isdir }.
function Policy:rules()
  local ok, msg = resolved(self)
  if not ok then return nil, msg end
  local out = {}
  for i, r in ipairs(self.p:rules()) do
    out[i] = { path = r.path, mask = r.mask, isdir = r.isdir, access = self.p:describe(r) }
  end
  return out
end

--- The core plan for this policy: exactly what `nono run` builds.
local function plan(self, for_self)
  local p = self.p
  if not p.abi then return nil, "nono: Landlock is not available: " .. tostring(p.abi_error), p.abi_errno end
  -- A running process cannot enter the mount namespace read-only binds
  -- need: protections are then kept by narrowing the grants instead.
  if for_self and p.binds ~= false then p.binds, p.resolved = false, false end
  local ok, msg = resolved(self)
  if not ok then return nil, msg end
  ok, msg = p:check_floor()
  if not ok then return nil, msg end
  return p:plan(core.isatty(0) and "keep" or "new")
end

--- Threads in this process (Landlock restricts only the calling thread).
local function threads()
  local f = io.open("/proc/self/status")
  if not f then return nil end
  local n = f:read("a"):match("\nThreads:%s*(%d+)")
  f:close()
  return tonumber(n)
end

--- Sandbox this process, for good: no_new_privs, Landlock, scopes, seccomp.
-- All or nothing (see nono_apply in docs/api.md).  Returns true, or nil,
-- message, errno; the policy is sealed once applied.
function Policy:apply()
  if self.sealed then error(SEALED, 0) end
  local n = threads()
  if n and n > 1 then
    return nil, string.format("nono: cannot apply: the process has %d threads "
      .. "(Landlock would restrict only this one)", n), 16 -- EBUSY
  end
  local pl, msg, err = plan(self, true)
  if not pl then return nil, msg, err end
  local ok, amsg, aerr = pl:apply()
  pl:close()
  if not ok then return nil, "nono: cannot apply: " .. amsg, aerr end
  self.sealed = true
  return true
end

local function environment(env)
  if env == nil then return core.environ() end
  check(type(env) == "table", "spawn: env must be a table, got %s", type(env))
  if #env > 0 or next(env) == nil then return env end
  local list = {}
  for k, v in pairs(env) do
    check(type(k) == "string" and type(v) == "string", "spawn: env maps names to strings")
    list[#list + 1] = k .. "=" .. v
  end
  table.sort(list)
  return list
end

--- Run `argv` in a sandboxed child, as `nono run` does, and wait for it.
-- opts: env (a list of "NAME=value" or a map; default: this environment),
-- cwd (the child's directory).  Returns { kind = "exited"|"signaled"|
-- "setup_failed"|"not_executed", code, stage?, message? }, or nil,
-- message, errno when the sandbox could not be built.
function Policy:spawn(argv, opts)
  check(type(argv) == "table" and #argv > 0, "spawn: expected a non-empty list of strings")
  for i, a in ipairs(argv) do check(type(a) == "string", "spawn: argv[%d] is a %s, not a string", i, type(a)) end
  check(opts == nil or type(opts) == "table", "spawn: opts must be a table")
  opts = opts or {}
  check(opts.cwd == nil or type(opts.cwd) == "string", "spawn: cwd must be a string")
  local envp = environment(opts.env)
  local pl, msg, err = plan(self, false)
  if not pl then return nil, msg, err end
  local back
  if opts.cwd then
    back = lfs.currentdir()
    local ok, cmsg, cerr = lfs.chdir(opts.cwd)
    if not ok then pl:close(); return nil, "nono: spawn: " .. tostring(cmsg), cerr end
  end
  io.stdout:flush()
  io.stderr:flush()
  local result = pl:spawn(argv, envp)
  pl:close()
  if back then lfs.chdir(back) end
  return result
end

return M
