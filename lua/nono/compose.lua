--- The policy a command runs under, composed: the profile's spec, then the
-- command line's options, which add to it; the command's environment; and
-- what `nono run` refuses before anything is set up.
local core = require "nono.core"
local lfs = require "lfs"
local env = require "nono.env"
local exits = require "nono.exits"
local git = require "nono.git"
local net = require "nono.net"
local paths = require "nono.paths"
local policy = require "nono.policy"
local profile = require("nono.lazy")("nono.profile")
local grants = require "nono.grants"
local state = require "nono.state"
local POLICY = require("nono.options").POLICY

-- The options that are grants (nono.grants' forms).
local GRANT_FLAGS = {}
for _, f in ipairs(grants.FORMS) do GRANT_FLAGS[f.flag] = f end

local EXIT_USAGE, EXIT_SETUP = exits.USAGE, exits.SETUP
local M = {}

--- What a profile sees of the world (nono.profile's ctx); `granted`, the
-- command line's grants (nono.grants() in the profile).
local function profile_ctx(cwd, abi, granted)
  local home, homes = paths.homes(os.getenv)
  return { home = home, homes = homes, uid = core.geteuid(), cwd = cwd, getenv = os.getenv, abi = abi,
    grants = granted }
end

--- Put a profile's spec into the policy: its grants, protections, bypasses,
-- command changes, network and ABI settings.  (Its environment changes are
-- applied by `environment`.)  Returns true, or nil and a message.
local function apply_profile(p, spec)
  for _, g in ipairs(spec.grants) do
    local ok, msg = p:grant(g.path, g.access, { kind = g.kind, optional = g.optional,
      source = g.source, ttl = g.ttl, create = g.create })
    if not ok then return nil, msg end
  end
  for _, pr in ipairs(spec.protect) do
    local ok, msg = p:protect(pr.path, pr.mode, { source = pr.source, create = pr.create, guard = pr.guard,
      why = (pr.why and pr.why .. ", " or "") .. "protected by " .. pr.source })
    if not ok then return nil, msg end
  end
  for _, a in ipairs(spec.absent) do
    local ok, msg = p:keep_absent(a.path, { source = a.source, why = a.why })
    if not ok then return nil, msg end
  end
  for _, b in ipairs(spec.bypass) do
    local ok, msg = p:bypass(b.path, b.source)
    if not ok then return nil, msg end
  end
  local sources = spec.command_sources or {}
  if spec.private_tmp then p:private_tmp("profile " .. spec.name) end
  for _, sk in ipairs(spec.unix_sockets or {}) do
    local ok, msg = p:allow_unix_socket(sk.path, sk.source)
    if not ok then return nil, msg end
  end
  for _, name in ipairs(spec.commands.block) do
    local ok, msg = p:block_command(name, sources[name] or "profile " .. spec.name)
    if not ok then return nil, msg end
  end
  for _, name in ipairs(spec.commands.allow) do
    local ok, msg = p:allow_command(name, sources[name] or "profile " .. spec.name)
    if not ok then return nil, msg end
  end
  if spec.net.block then p:set_net_block(true) end
  if spec.net.open then p.net_open = true end
  for _, h in ipairs(spec.net.hosts or {}) do
    local ok, msg = net.allow(p, h.text, h.source)
    if not ok then return nil, msg end
  end
  for _, r in ipairs(spec.net.ports or {}) do
    local ok, msg = net.allow_port(p, r.right, r.port, r.source)
    if not ok then return nil, msg end
  end
  if spec.keep_dirs then p:set_keep_dirs(true) end
  if spec.abi_min then
    local ok, msg = p:set_abi_min(spec.abi_min, "profile " .. spec.name)
    if not ok then return nil, msg end
  end
  return true
end

--- Build and resolve the policy for parsed options: the command line's
-- grants, then the profile (which sees them, and has the last word), then
-- the command line's other options.  `ns`: nil to ask the probe whether
-- the namespaces work, "assume" to plan as if they do (the run tries
-- them: cli.lua), or the probe's answer already asked (packed).  Returns
-- the policy and the profile's spec (or nil), or nil, message, exit status.
local function build_policy(opts, create_missing, ns)
  local cwd = core.realpath(".")
  local home, homes, note = paths.homes(os.getenv)
  if not home then
    return nil, "cannot tell the home directory: HOME is not an absolute path and this user has no "
      .. "passwd entry with one\nhint: set HOME to the home directory", EXIT_SETUP
  end
  local p = policy.new { home = home, homes = homes, home_note = note, cwd = cwd,
    path = os.getenv("PATH"), no_namespaces = opts.no_namespaces,
    binds = ns == "assume" or nil, probe = type(ns) == "table" and ns or nil }
  p:set_create_missing(create_missing)
  local granted, rest = {}, {}
  for _, o in ipairs(opts.policy) do
    if GRANT_FLAGS[o.option] then
      local g, msg = POLICY[o.option](p, o.value, o.option .. " " .. o.value)
      if not g then return nil, msg, EXIT_USAGE end
      -- (what a profile sees of them: only asked for with one)
      if opts.profile then
        granted[#granted + 1] = { path = g.path, access = g.access:gsub("%+", ","), kind = g.kind,
          ttl = g.ttl, source = g.source }
      end
    else
      rest[#rest + 1] = o
    end
  end
  local spec
  if opts.profile then
    local ctx = profile_ctx(cwd, p.abi, granted)
    local msg
    spec, msg = profile.load(opts.profile, ctx)
    if not spec then return nil, msg, EXIT_SETUP end
    local ok, amsg = apply_profile(p, spec)
    if not ok then return nil, amsg, EXIT_SETUP end
    -- profiles load from here too: nothing in the sandbox may write it
    local dir = profile.user_dir(ctx)
    if dir then p:protect(dir, "readonly", { source = "protected", why = "nono's user profiles" }) end
  else
    -- Without a profile (whose project group does this and grants what the
    -- pointers name), the repository nono runs in keeps what git obeys
    -- read-only all the same (rows 19, 27): a plain --allow . covers it.
    local ok, repo = pcall(git.find, cwd, { uid = core.geteuid(), homes = homes })
    if not ok then return nil, repo, EXIT_SETUP end
    if repo then
      local prot = git.protected(repo, { home = home, project = repo.root,
        xdg_config_home = os.getenv("XDG_CONFIG_HOME") })
      local source = "git (" .. repo.root .. ")"
      for _, r in ipairs(prot.readonly) do
        if lfs.symlinkattributes(r.path) then
          p:protect(r.path, "readonly", { source = source, why = r.why, guard = true })
        else
          p:keep_absent(r.path, { source = source, why = r.why })
        end
      end
      for _, a in ipairs(prot.absent) do p:keep_absent(a.path, { source = source, why = a.why }) end
    end
  end
  -- nono's state (snapshots a restore writes back from) is attacker input
  -- once a session can reach it: out of reach in every policy.
  local state_dir = state.dir(os.getenv)
  if state_dir then p:protect(state_dir, "deny", { source = "protected", why = state.WHY }) end
  -- (what `nono shell` adds: the shell's start-up files and its own)
  for _, g in ipairs(opts.extra_grants or {}) do
    local ok, msg = p:grant(g.path, "read", { kind = g.kind, optional = g.optional, source = g.source })
    if not ok then return nil, msg, EXIT_SETUP end
  end
  for _, o in ipairs(rest) do
    local ok, msg = POLICY[o.option](p, o.value, o.option .. " " .. o.value)
    if not ok then return nil, msg, EXIT_USAGE end
  end
  if opts.net_block then p:set_net_block(true) end
  if opts.net_open then p.net_open = true end
  if p.net_block and (p.net_open or (p.hosts and #p.hosts > 0)) then
    return nil, "--net-block leaves no network: it goes with neither --net-open nor allowed hosts", EXIT_USAGE
  end
  local ports_ok, ports_msg = net.check_ports(p)
  if not ports_ok then return nil, ports_msg, EXIT_USAGE end
  if opts.keep_dirs then p:set_keep_dirs(true) end
  if opts.private_tmp then p:private_tmp("--private-tmp") end
  p:set_accept_links(opts.accept_links)
  p:set_best_effort(opts.best_effort)
  -- nono itself stays runnable inside, for `nono why --self`
  local exe = core.realpath("/proc/self/exe")
  if exe then
    local g = p:grant(exe, "read", { kind = "file", optional = true, source = "nono itself (nono why --self)" })
    -- (beneath a time-limited grant it goes with it: --allow /tmp:5m with
    -- nono under /tmp)
    if g then g.nono_self = true end
  end
  local ok, msg = p:resolve()
  if not ok then return nil, msg, EXIT_SETUP end
  return p, spec
end

--- The command's environment: the launcher's, with the profile's drops and
-- sets applied, then every variable that makes programs load code removed
-- unless the command line kept it (--keep-env).  A profile cannot keep or
-- set one of those (threat row 18).  Returns the list and the dropped names.
local function environment(spec, keep)
  local list = core.environ()
  if spec then
    local drop, out = {}, {}
    for _, name in ipairs(spec.env.drop) do drop[name] = true end
    for name in pairs(spec.env.set) do drop[name] = true end
    for _, entry in ipairs(list) do
      if not drop[entry:match("^([^=]*)") or entry] then out[#out + 1] = entry end
    end
    local names = {}
    for name in pairs(spec.env.set) do names[#names + 1] = name end
    table.sort(names)
    for _, name in ipairs(names) do out[#out + 1] = name .. "=" .. spec.env.set[name] end
    list = out
  end
  return env.filter(list, keep)
end

local function landlock_hint(errno)
  if errno == core.errno.EOPNOTSUPP then
    return "Landlock is built into this kernel but not enabled: add 'landlock' to the lsm= kernel boot parameter"
  end
  return "Landlock needs Linux 5.13 or later built with CONFIG_SECURITY_LANDLOCK=y and enabled in lsm="
end

--- What `nono run` refuses before anything is set up: no Landlock, an ABI
-- below the floor, a time-limited grant the machine cannot take back.
-- Returns true, or nil and the lines to print.
local function check_runnable(p)
  if not p.abi then
    return nil, { "cannot sandbox: Landlock is not available (" .. tostring(p.abi_error) .. ")",
      "hint: " .. landlock_hint(p.abi_errno),
      "nono never runs a command unsandboxed; the command was not run" }
  end
  local floor_ok, floor_msg = p:check_floor()
  if not floor_ok then return nil, { floor_msg, "the command was not run" } end
  if net.mode(p) == "allow-list" and p.abi < 4 and not p.best_effort then
    return nil, { string.format("--allow-host needs Landlock ABI 4 (TCP connect rules) to keep the "
        .. "command from going around the proxy; this kernel has %d", p.abi),
      "hint: add --best-effort to run with the proxy offered but not enforced",
      "the command was not run" }
  end
  local bind_ok, bind_lines = net.check_runnable(p)
  if not bind_ok then return nil, bind_lines end
  local timed = p:timed_grants()
  if #timed > 0 then
    local ok, msg = p:check_timed()
    if not ok then return nil, { msg, "the command was not run" } end
    if not p:binds_available(timed[1].canonical) then
      return nil, { timed[1].source .. " is time-limited, and taking it back needs a private "
          .. "mount namespace, which unprivileged user namespaces give; they are not available here ("
          .. tostring(p:report().namespaces.reason) .. ")",
        "hint: drop the :DURATION (or the profile's ttl) to grant it for the whole run, or enable "
          .. "user namespaces (sysctl kernel.unprivileged_userns_clone=1, or "
          .. "kernel.apparmor_restrict_unprivileged_userns=0 on Ubuntu)",
        "nono never turns a time-limited grant into a permanent one; the command was not run" }
    end
  end
  return true
end

M.profile_ctx, M.apply_profile, M.build_policy = profile_ctx, apply_profile, build_policy
M.environment, M.landlock_hint, M.check_runnable = environment, landlock_hint, check_runnable

return M
