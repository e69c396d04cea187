--- `nono setup --check`: what this machine supports and what nono enforces
-- here, each check tried for real where it can be.
local core = require "nono.core"
local compose = require "nono.compose"
local env = require "nono.env"
local json = require "nono.json"
local policy = require "nono.policy"
local report = require "nono.report"
local supervisor = require "nono.supervisor"

local build_policy, check_runnable = compose.build_policy, compose.check_runnable
local enforcement = report.enforcement
local M = {}

-- The agent CLIs the built-in profiles are for: the command, its profile,
-- the npm package it comes from.
local AGENTS = {
  { "claude", profile = "claude-code", package = "@anthropic-ai/claude-code" },
  { "codex", profile = "codex", package = "@openai/codex" },
  { "opencode", profile = "opencode", package = "opencode-ai" },
  { "gemini", profile = "gemini-cli", package = "@google/gemini-cli" },
  { "openclaw", profile = "openclaw", package = "openclaw", needs = "Node.js 24 or later" },
}

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local text = f:read("a")
  f:close()
  return text
end

--- A sandboxed `true` under policy `p`, for real.  Returns the outcome
-- (supervisor.run's) or nil and why it was not tried.
local function trial(p, environ)
  p:set_session("new")
  local plan <close>, msg = p:plan("new")
  if not plan then return nil, msg end
  local exe = policy.which("true", os.getenv("PATH")) or "/bin/true"
  local said = {}
  local result, failure = supervisor.run(plan, { exe }, { policy = p, environ = environ, on_expire = "kill",
    say = function(fmt, ...) said[#said + 1] = string.format(fmt, ...) end })
  result.failure = failure or said[1]
  return result
end

--- What this machine supports and what nono enforces here: one check per
-- line, each { name, state = ok|limited|missing|refused|note, text, hint }.
local function setup_checks(opts)
  local p, msg, status = build_policy(opts, false)
  if not p then return nil, msg, status end
  local r = enforcement(p)
  local checks = {}
  local function check(name, state, text, hint)
    checks[#checks + 1] = { name = name, state = state, text = text, hint = hint }
  end
  local ll = r.landlock
  if ll.available then
    check("landlock", "ok", string.format("ABI %d on this kernel (nono knows 1 to %d); handles %s", ll.abi,
      core.landlock_abi_known, table.concat(ll.handled_fs, " ")),
      "every grant and protection is enforced by the kernel for the command and all its children")
    local gaps = p:missing_features()
    if #gaps > 0 then
      local what = {}
      for k, f in ipairs(gaps) do what[k] = f.what .. " (ABI " .. f.abi .. ")" end
      check("newer ABIs", "limited", "not on this kernel: " .. table.concat(what, "; "),
        "a newer kernel adds them; --abi-min N refuses to run below ABI N")
    end
    check("scopes", #ll.scoped > 0 and "ok" or "limited",
      #ll.scoped > 0 and table.concat(ll.scoped, " ") or "none: outside processes can be signalled "
        .. "and their abstract unix sockets reached",
      #ll.scoped > 0 and "signals and abstract unix sockets stay inside the sandbox"
        or "needs Landlock ABI 6 (Linux 6.12)")
    check("network", ll.abi >= 4 and "ok" or "limited",
      ll.abi >= 4 and "Landlock TCP bind and connect rules available" or "no Landlock TCP rules (ABI < 4)",
      "--net-block: seccomp allows unix sockets only"
        .. (ll.abi >= 4 and ", and Landlock denies TCP bind and connect too" or ""))
  else
    check("landlock", "missing", "unavailable: " .. tostring(ll.error),
      compose.landlock_hint(p.abi_errno) .. "; without it nono runs nothing (126)")
  end
  for _, f in ipairs(ll.best_effort_missing) do
    check("best effort", "limited", string.format("missing %s (ABI %d; --abi-min %d asked for it)", f.what,
      f.abi, ll.abi_min), "--best-effort runs without it; drop it to refuse instead")
  end
  local actions = read_file("/proc/sys/kernel/seccomp/actions_avail")
  if actions then
    check("seccomp", "ok", "filters supported (" .. actions:gsub("%s+$", "") .. ")",
      "the filter refuses ptrace, namespaces, io_uring, keyctl, bpf, TIOCSTI and the other calls "
        .. "'nono run --dry-run' lists")
  else
    check("seccomp", "missing", "no seccomp filter support in this kernel (CONFIG_SECCOMP_FILTER)",
      "nono never runs a command without its filter: every 'nono run' is refused (126)")
  end
  local mode = (read_file("/proc/self/status") or ""):match("\nSeccomp:%s*(%d)")
  if mode == "2" then
    check("outer filter", "note", "nono itself runs under a seccomp filter (a container, or an outer nono)",
      "its rules stay in force inside; if it refuses unshare, user namespaces are unavailable (below)")
  end
  -- The namespace probe the policy runs, asked on a policy of its own (the
  -- one above uses it only when a protection wants a mount).
  local probe = policy.new { abi = p.abi, system = false, protect = false, commands = false }
  probe:binds_available()
  local ns = probe:report().namespaces
  if p.no_namespaces then
    check("namespaces", "limited", "not used: --no-namespaces (the floor, by choice)"
        .. (ns.available and "; they work on this machine" or "; unavailable here too: " .. tostring(ns.reason)),
      "protections fall back to Landlock narrowing and guarded files, time-limited grants are refused (126); "
        .. "drop --no-namespaces to use them")
  elseif ns.available then
    check("namespaces", "ok", "unprivileged user and mount namespaces work",
      "protected files inside grants are read-only mounts; time-limited grants are taken back at expiry")
  else
    check("namespaces", "limited", "unavailable: " .. tostring(ns.reason),
      "protections fall back to Landlock narrowing (no new names directly in a narrowed directory), "
        .. "git's and the agents' files are guarded (put back when the session ends), time-limited grants "
        .. "are refused (126); to enable: sysctl kernel.unprivileged_userns_clone=1, or "
        .. "kernel.apparmor_restrict_unprivileged_userns=0 on Ubuntu")
  end
  check("policy", "ok", string.format("%d rules; %d paths protected inside grants, %d directories narrowed%s",
    ll.rules or 0, r.protections.active, r.protections.narrowed,
    #r.protections.ro_binds > 0 and string.format(", %d read-only mounts", #r.protections.ro_binds) or ""),
    "'nono run --dry-run' with the same options lists every rule")
  local runnable, why_not = check_runnable(p)
  if not runnable then
    check("run", "refused", why_not[1], why_not[2] and why_not[2]:gsub("^hint: ", ""))
  elseif not ns.available or p.no_namespaces then
    check("run", "limited", "refuses time-limited grants (PATH:DURATION, ttl): they need user namespaces",
      "drop the duration to grant for the whole run")
  end
  local outcome, terr
  if runnable then
    local environ = env.filter(core.environ())
    outcome, terr = trial(p, environ)
  end
  if not runnable then
    check("trial", "refused", "not tried: nono run refuses here", "see the line above")
  elseif not outcome then
    check("trial", "missing", "could not be set up: " .. tostring(terr), "nono run would refuse (126)")
  elseif outcome.kind == "exited" and outcome.code == 0 then
    check("trial", "ok", "a sandboxed 'true' ran under this policy and exited 0",
      "Landlock, seccomp and the process hygiene were applied for real"
        .. (#r.protections.ro_binds > 0 and ", and the read-only mounts in a private namespace" or ""))
  else
    check("trial", "missing", string.format("a sandboxed 'true' did not run: %s%s", outcome.stage
      and ("setup failed at " .. outcome.stage .. ": " .. tostring(outcome.message))
      or (outcome.kind .. " " .. tostring(outcome.code) .. (outcome.message and ": " .. outcome.message or "")),
      outcome.failure and " (" .. outcome.failure .. ")" or ""), "nono run would refuse (126)")
  end
  local agents = {}
  for _, a in ipairs(AGENTS) do
    local found = policy.which(a[1], os.getenv("PATH"))
    agents[#agents + 1] = { command = a[1], profile = a.profile, path = found }
    if found then
      check(a[1], "ok", found .. (a.needs and " (needs " .. a.needs .. ")" or ""),
        string.format("nono run --profile %s -- %s", a.profile, a[1]))
    else
      check(a[1], "absent", "not found on PATH",
        string.format("npm install -g %s%s; then nono run --profile %s -- %s", a.package,
          a.needs and " (needs " .. a.needs .. ")" or "", a.profile, a[1]))
    end
  end
  local ok = ll.available and outcome and outcome.kind == "exited" and outcome.code == 0 or false
  return { ok = ok, version = core.version, kernel = (read_file("/proc/sys/kernel/osrelease") or "?"):gsub("%s+$", ""),
    checks = json.array(checks), agents = json.array(agents), enforcement = r }
end

M.checks = setup_checks

return M
