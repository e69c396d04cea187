--- The command line: parse, dispatch, and run the commands.  The option
-- table is nono.options; the policy a command runs under is composed in
-- nono.compose; the exit statuses are nono.exits.
local core = require "nono.core"
local compose = require "nono.compose"
local lazy = require "nono.lazy"
local ephemeral = lazy "nono.ephemeral"
local exits = require "nono.exits"
local json = lazy "nono.json"
local lfs = require "lfs"
local mounts = require "nono.mounts"
local net = require "nono.net"
local options = require "nono.options"
local paths = require "nono.paths"
local policy = require "nono.policy"
local profile = lazy "nono.profile"
local report = lazy "nono.report"
local rollback_cli = lazy "nono.rollback_cli"
local supervisor = require "nono.supervisor"

local M = {}

local EXIT_USAGE, EXIT_SETUP, EXIT_NOEXEC = exits.USAGE, exits.SETUP, exits.NOEXEC
local EXIT_RECORD = exits.RECORD

local COMMANDS, FLAGS, VALUES, POLICY, SETS = options.COMMANDS, options.FLAGS, options.VALUES,
  options.POLICY, options.SETS
local option_names = options.option_names
local build_policy, check_runnable = compose.build_policy, compose.check_runnable
local environment, profile_ctx = compose.environment, compose.profile_ctx

-- Loaded when used: the help texts and did-you-mean.
local function help() return require "nono.help" end
-- Lua's collector, which main.c stops for start-up: on before anything
-- that allocates as it goes (a snapshot's walk of the tree, the
-- supervisor's wait of hours once something wakes it, the walks at the
-- end of a session, the other commands).  Lua's own pause and step
-- multiplier (lgc.h), but steps of 256 bytes, not 8 KiB: the first step
-- comes at once, and a step over a large part of the heap, before the
-- little the rest of a short session allocates, cost a profile run 0.3 ms.
local function gc_on()
  collectgarbage("incremental", 200, 100, 8)
  collectgarbage("restart")
end

local function say(fmt, ...)
  io.stderr:write("nono: ", string.format(fmt, ...), "\n")
end

local function usage_error(cmd, fmt, ...)
  say(fmt, ...)
  say("see 'nono help%s'", cmd and " " .. cmd or "")
  return EXIT_USAGE
end
--- Parse `args` from index `i` for command `cmd`.  Options end at "--" or at
-- the first argument that is not an option (the command, for `run`).
-- Returns opts, or nil and a usage message.
local function parse(cmd, args, i)
  local opts = { policy = {}, command = {} }
  while i <= #args do
    local a = args[i]
    if a == "--" then
      i = i + 1
      break
    end
    if a:sub(1, 1) ~= "-" or a == "-" then break end
    local name, inline = a:match("^(%-%-[^=]+)=(.*)$")
    name = name or a
    if FLAGS[cmd][name] then
      if inline then return nil, "option " .. name .. " takes no value" end
      opts[FLAGS[cmd][name]] = true
      i = i + 1
    elseif POLICY[name] or VALUES[cmd][name] then
      local value = inline
      if not value then
        value = args[i + 1]
        i = i + 1
        -- `--audit-log --dry-run`: the value forgotten, the next option
        -- would be taken for it (and --dry-run not honoured)
        if value and value:sub(1, 1) == "-" then
          return nil, string.format("option %s needs a value, and '%s' is an option; for a value that "
            .. "begins with '-', write %s=%s (or ./%s for a path)", name, value, name, value, value)
        end
      end
      if value == nil or value == "" then return nil, "option " .. name .. " needs a value" end
      local key = VALUES[cmd][name]
      if POLICY[name] then
        opts.policy[#opts.policy + 1] = { option = name, value = value }
      elseif SETS[key] then
        opts[key] = opts[key] or {}
        opts[key][value] = true
      else
        opts[key] = value
      end
      i = i + 1
    else
      return nil, help().unknown("option", a, option_names(cmd))
    end
  end
  for j = i, #args do opts.command[#opts.command + 1] = args[j] end
  return opts
end

--- Parse a command's options.  Returns opts, or nil and the exit status
-- once help or a usage error has been printed.
local function parse_command(cmd, args, i)
  local opts, err = parse(cmd, args, i)
  if not opts then return nil, usage_error(cmd, "%s", err) end
  if opts.help then
    io.stdout:write(help().HELP[cmd])
    return nil, 0
  end
  return opts
end
--- Where the audit log may go: nowhere the sandbox could write, replace
-- or remove it.  Returns the canonical path, or nil and a message.
local function check_audit_log(p, path)
  local answer, msg = p:why(path, "write")
  if not answer then return nil, msg end
  local dir = answer.canonical:match("^(.*)/[^/]*$")
  local parent = p:why(dir == "" and "/" or dir, "write")
  if answer.verdict ~= "denied" or parent.verdict ~= "denied" then
    return nil, string.format("--audit-log %s: the sandbox could write there (%s); "
      .. "put the log where the command cannot reach it", path,
      answer.verdict ~= "denied" and answer.reason or parent.reason)
  end
  return answer.canonical
end

--- `s` as one word for a shell (quoted only when it needs to be).
local function shell_word(s)
  if s:match("^[%w%./_:+,=@%-]+$") then return s end
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

--- The file execvp runs for `name` (canonical when it is executable), so
-- that `why` answers for it: why looks a bare name up in the working
-- directory, not in PATH.
local function exec_file(name, p)
  local found = policy.which(name, os.getenv("PATH"), p.cwd)
  if found then return found end
  if not name:find("/", 1, true) then
    for dir in ((os.getenv("PATH") or "/bin:/usr/bin") .. ":"):gmatch("([^:]*):") do
      local file = (dir == "" and p.cwd or dir) .. "/" .. name
      if file:sub(1, 1) == "/" and lfs.attributes(file) then return file end
    end
    return name
  end
  return paths.expand(name, p.home, p.cwd) or name
end

--- `nono why` with the options that shaped the policy of `opts` (a run's),
-- so that it answers for the same sandbox.
local function why_command(opts, path, op)
  local words = { "nono", "why" }
  if opts.profile then words[#words + 1] = "--profile " .. shell_word(opts.profile) end
  for _, o in ipairs(opts.policy) do words[#words + 1] = o.option .. " " .. shell_word(o.value) end
  for _, f in ipairs { { "--net-block", "net_block" }, { "--keep-dirs", "keep_dirs" },
      { "--accept-hard-links", "accept_links" }, { "--best-effort", "best_effort" },
      { "--no-namespaces", "no_namespaces" } } do
    if opts[f[2]] then words[#words + 1] = f[1] end
  end
  words[#words + 1] = "--path " .. shell_word(path) .. " --op " .. op
  return table.concat(words, " ")
end

--- The status of a session that ended (see run), with its messages.
local function session_status(result, opts, p)
  local command = opts.command
  if result.kind == "exited" then
    return result.code
  elseif result.kind == "signaled" then
    return 128 + result.code
  elseif result.kind == "not_executed" then
    say("cannot execute '%s': %s", command[1], result.message)
    if result.code == core.errno.EACCES then
      say("hint: the sandbox may not grant execute on it: %s",
        why_command(opts, exec_file(command[1], p), "exec"))
    elseif result.code == core.errno.ENOENT then
      say("hint: check the name and PATH; grant its directory with --read if it is outside the system set")
    end
    return EXIT_NOEXEC
  end
  say("sandbox setup failed at %s: %s", result.stage, result.message)
  if result.stage_id == "seccomp" then
    say("hint: nono needs a kernel with CONFIG_SECCOMP_FILTER; it never runs a command without its filter")
  end
  say("the command was not run")
  return EXIT_SETUP
end

-- The steps of the sandbox's set-up that need the namespaces (exec.c's
-- stage ids), each before the command's execve.
local NAMESPACE_STEPS = { namespace = true, init = true, proc = true }

--- `nono run` once: its status; or nil and the probe's answer (packed)
-- when a run that assumed the namespaces found them missing (see run).
local function run_once(args, i, shell, probed)
  local opts, status
  if shell then
    opts = shell.opts
  else
    opts, status = parse_command("run", args, i)
    if not opts then return status end
  end
  if #opts.command == 0 and not opts.dry_run then
    return usage_error("run", "no command given (nono run [options] -- COMMAND [ARGS...])")
  end
  if opts.json and not opts.dry_run then
    return usage_error("run", "--json goes with --dry-run")
  end
  if opts.on_expire and opts.on_expire ~= "kill" and opts.on_expire ~= "report" then
    return usage_error("run", "--on-expire takes kill or report, not '%s'", opts.on_expire)
  end
  if opts.audit_log_required and not opts.audit_log then
    return usage_error("run", "--audit-log-required goes with --audit-log FILE")
  end
  -- Where the launcher started no probe ahead (main.c; ns.h), a plain run
  -- plans as if the namespaces work and its own set-up is the test: the
  -- probe is asked only if that set-up fails (below).  Not when what is
  -- enforced is said or recorded before the start.
  local assume = not probed and not shell and not opts.dry_run and not opts.verbose
    and not opts.audit_log and not opts.no_namespaces and core.ns_assumable()
  local p, spec_or_msg, status
  if shell and shell.policy then
    p, spec_or_msg = shell.policy, shell.spec
  else
    p, spec_or_msg, status = build_policy(opts, not opts.dry_run, probed or assume and "assume" or nil)
  end
  if not p then
    say("%s", spec_or_msg)
    say("the command was not run")
    return status
  end
  local spec = spec_or_msg
  if assume and (opts.rollback or opts.ephemeral or spec and (spec.rollback or spec.ephemeral)) then
    -- a record or an overlay, made before the start, depends on the
    -- answer: asked now (the proxy and the private /tmp are made again)
    local answer = table.pack(core.ns_available(p.cwd))
    if answer[1] ~= true then return nil, answer end
    assume = false
  end
  local on_expire = opts.on_expire or spec and spec.on_expire or "kill"
  if spec and spec.ephemeral and not shell then opts.ephemeral = true end
  -- What --rollback (or the profile's rollback()) records.
  local record
  if opts.rollback or spec and spec.rollback then
    local given = {}
    for n in pairs(opts.rollback_exclude or {}) do given[#given + 1] = n end
    table.sort(given)
    if #given == 0 and spec and spec.rollback_exclude then given = spec.rollback_exclude end
    record = { root = rollback_cli.root(p.cwd), excludes = rollback_cli.excludes(given),
      command = table.concat(opts.command, " ") }
  end
  -- Row 5: with no terminal on stdin the command needs no controlling
  -- terminal, so it gets none (setsid): TIOCSTI then fails in the kernel too.
  p:set_session(core.isatty(0) and "keep" or "new")
  local environ, dropped = environment(spec, opts.keep_env)
  if shell then shell:environ(environ) end
  local runnable, why_not = check_runnable(p)
  local eph
  if runnable and opts.ephemeral then
    eph, why_not = ephemeral.prepare(p)
    if not eph then
      runnable = false
      why_not[#why_not + 1] = "the command was not run"
    end
  end
  -- The command nono itself runs is checked against the whole blocklist,
  -- found as execvpe will find it (in nono's own PATH).
  local blocked = #opts.command > 0 and p:blocked_command(opts.command[1], os.getenv("PATH"))
  local refusal = blocked and {
    string.format("'%s' is a blocked command (%s: %s); nono does not run it as the command",
      opts.command[1], blocked.why, blocked.path),
    "hint: add " .. report.allow_words(blocked.names) .. " to run it",
    "the command was not run" }
  if opts.dry_run then
    local command = #opts.command > 0 and opts.command or nil
    if opts.json then
      local text = report.json(p, command, dropped)
      io.stdout:write((text:gsub("}\n$", "," .. json.encode { rollback = record and
        { root = record.root, excludes = json.array(record.excludes) } or false,
        ephemeral = eph and ephemeral.report_data(eph) or false }:sub(2) .. "\n")))
    else
      io.stdout:write(report.format(p, command, false, dropped, spec, on_expire),
        rollback_cli.report_line(record))
    end
    if eph and not opts.json then io.stdout:write(ephemeral.report_line(eph)) end
    for _, l in ipairs(why_not or refusal or {}) do
      if not l:find("^the command was not run") then say("%s", l) end
    end
    return not runnable and EXIT_SETUP or refusal and EXIT_NOEXEC or 0
  end
  if not runnable then
    for _, l in ipairs(why_not) do say("%s", l) end
    return EXIT_SETUP
  end
  if refusal then
    for _, l in ipairs(refusal) do say("%s", l) end
    return EXIT_NOEXEC
  end
  local log
  if opts.audit_log then
    local path, msg = check_audit_log(p, opts.audit_log)
    if path then log, msg = supervisor.open_log(path, { required = opts.audit_log_required, say = say }) end
    if not log then
      say("%s", msg)
      say("the command was not run")
      return EXIT_SETUP
    end
  end
  if opts.verbose then
    io.stderr:write(report.format(p, opts.command, true, dropped, spec, on_expire), rollback_cli.report_line(record))
    if eph then io.stderr:write(ephemeral.report_line(eph)) end
  end
  -- The record is taken before the sandbox exists: refused (126) when it
  -- cannot be, as any other part of the session asked for.
  local recorded
  if record then
    gc_on()
    local ok, msg = rollback_cli.check_out_of_reach(p)
    if ok then recorded, msg = rollback_cli.begin(record) end
    if not recorded then
      say("%s", msg)
      say("the command was not run")
      if log then log:event("not_run", { message = msg }) log:close() end
      return EXIT_SETUP
    end
  end

  local proxy
  if net.mode(p) == "allow-list" then
    local pmsg
    proxy, pmsg = net.prepare(p, environ, opts.verbose)
    if not proxy then
      say("cannot start the proxy: %s", pmsg)
      say("the command was not run")
      return EXIT_SETUP
    end
  end
  local plan <close>, emsg = p:plan()
  local ask, reply, eph_ok = nil, nil, true
  if plan and eph then
    eph_ok, emsg = ephemeral.create(eph, opts.command)
    if eph_ok then eph_ok, emsg = ephemeral.add_to_plan(eph, plan, p) end
  end
  if plan and eph_ok then
    if #p:timed_grants() > 0 then plan:set_private_mounts() end
    if p:net_namespace() then plan:set_private_net() end
    if proxy and proxy.send_fd then plan:set_netns(proxy.port, proxy.send_fd) end
    -- The sealed policy `nono why --self` answers from inside: a memory
    -- file no one can write, handed over on the socket the command gets
    -- when a reader asks (supervisor.run's `asked`), and made then: most
    -- sessions never ask, and its export costs about what building the
    -- policy did.
    p:start_clock(core.time_ms() / 1000)
    ask, reply = core.policy_channel()
    if ask then
      plan:set_inherit_fd(ask)
      -- (one inherited from an outer nono names a descriptor closed now)
      for j = #environ, 1, -1 do
        if environ[j]:find("^NONO_POLICY_FD=") then table.remove(environ, j) end
      end
      environ[#environ + 1] = "NONO_POLICY_FD=" .. ask:fileno()
    else
      emsg = reply
    end
  end
  if not plan or not eph_ok or not ask then
    if eph then ephemeral.abandon(eph) end
    say("cannot set up the sandbox: %s", emsg)
    say("the command was not run")
    if log then log:event("not_run", { message = emsg }) log:close() end
    return EXIT_SETUP
  end
  -- closed when this returns: the command has its own copy by then
  local ask_owned <close> = ask
  local reply_owned <close> = reply
  io.stdout:flush()
  io.stderr:flush()
  local start
  if log then
    -- The start event: the command, the grants and the enforcement report
    -- (the rules themselves are counted, not listed: --dry-run --json has them).
    local grants = {}
    for _, g in ipairs(p.grants) do
      grants[#grants + 1] = { path = g.canonical, access = g.access, source = g.source, ttl = g.ttl,
        expires_at = g.expires_at }
    end
    start = { argv = json.array(opts.command), profile = spec and spec.name, cwd = p.cwd,
      on_expire = on_expire, rules = #p:rules(), grants = grants, enforcement = report.enforcement(p),
      environment_removed = json.array(dropped) }
  end
  -- Lua's collector comes on once something other than the command's end
  -- wakes the supervisor (a signal, an expiry): a collection writes to
  -- every object, and each page it writes is then copied while the pid
  -- namespace's init, a copy of this process, runs.  (The proxy runs no
  -- Lua itself: each connection's process, a copy that ends with it, runs
  -- its few hooks.)
  local sealed -- the policy's memory file, made when first asked for
  local result, failure = supervisor.run(plan, opts.command, {
    policy = p, environ = environ, on_expire = on_expire, log = log, verbose = opts.verbose, say = say,
    start = start, proxy = proxy,
    asked = { fd = reply, own = ask, answer = function()
      -- (made once, the first time: the policy does not change)
      if sealed == nil then
        local ok, fd, fmsg = pcall(function() return core.sealed_memfd(p:export()) end)
        sealed = ok and fd or false
        if not sealed then say("nono why --self cannot answer in this session: %s", ok and fmsg or fd) end
      end
      core.answer_asks(reply, sealed or nil)
    end },
    woken = gc_on,
  })
  if sealed then sealed:close() end
  -- (what the session left in its overlay or its record is walked below;
  -- its /tmp only when something is left there, mounts.finish)
  if eph or recorded then gc_on() end
  if assume and result.kind == "setup_failed" and NAMESPACE_STEPS[result.stage_id] then
    -- The namespaces were assumed and a step of theirs failed, before the
    -- command's execve: where the probe finds them missing, the command
    -- starts again on the floor, as if the probe had been asked first; else
    -- the failure stands.
    local answer = table.pack(core.ns_available(p.cwd))
    if answer[1] == false then
      mounts.finish(p, true, say) -- (the attempt's private /tmp, empty; its proxy is stopped)
      return nil, answer
    end
  end
  if log then log:close() end
  if failure then say("%s", failure) end
  mounts.finish(p, opts.discard_tmp, say, gc_on)
  if recorded then rollback_cli.finish(recorded, say) end
  local status = session_status(result, opts, p)
  if eph then
    -- (a command that never ran changed nothing: its session goes)
    local ran = result and (result.kind == "exited" or result.kind == "signaled")
    if ran then ephemeral.finish(eph) else ephemeral.abandon(eph) end
  end
  if log and log.failed and status ~= EXIT_SETUP then
    -- The session's record is incomplete: that is the outcome to report,
    -- whatever the command did (a script cannot tell otherwise).
    say("the audit log %s is incomplete (%s); nono exits %d (the command's own status: %d)",
      opts.audit_log, log.failed, EXIT_RECORD, status)
    return EXIT_RECORD
  end
  return status
end

--- `nono run`; `nono shell` comes here with its options parsed and its
-- shell prepared (`shell`: see prepare_shell).  A run that assumed the
-- namespaces and found them missing runs once more, with the probe's
-- answer (run_once).
local function run(args, i, shell)
  local status, answer = run_once(args, i, shell)
  if answer then status = run_once(args, i, shell, answer) end
  return status
end

local function why(args, i)
  local opts, status = parse_command("why", args, i)
  if not opts then return status end
  return require("nono.why_cli").command(opts, say, function(fmt, ...) return usage_error("why", fmt, ...) end)
end

--- `nono profile list|show NAME|check FILE`.
local function profile_command(args, i)
  local sub, target = args[i], args[i + 1]
  if sub == nil or sub == "-h" or sub == "--help" then
    io.stdout:write(help().HELP.profile)
    return sub and 0 or EXIT_USAGE
  end
  local ctx = profile_ctx(core.realpath("."), core.landlock_abi())
  if sub == "list" then
    if target then return usage_error("profile", "unexpected argument '%s'", target) end
    for _, e in ipairs(profile.list(ctx)) do
      local origin = e.origin .. (e.shadowed and ", shadowed by the built-in" or "")
      io.stdout:write(string.format("%-14s %-10s %s\n", e.name, e.origin,
        e.error and ("ERROR: " .. e.error) or (e.description or "")))
      if e.origin ~= "builtin" then io.stdout:write(string.format("%14s %s (%s)\n", "", e.file, origin)) end
    end
    return 0
  elseif sub == "show" then
    if not target then return usage_error("profile", "nono profile show NAME [run options]") end
    local rest = { "--dry-run", "--profile", target }
    for j = i + 2, #args do rest[#rest + 1] = args[j] end
    return run(rest, 1)
  elseif sub == "check" then
    if not target or args[i + 2] then return usage_error("profile", "nono profile check FILE|NAME") end
    -- Exactly what `run` does with it, short of running: load it and
    -- build the policy, so that "ok" means `run` takes it.
    local p, spec = build_policy({ profile = target, policy = {} }, false)
    if not p then
      say("%s", spec)
      return 1
    end
    io.stdout:write(string.format("ok: %s (%s): %d grants, %d protections%s; %s\n", spec.name, spec.file,
      #spec.grants, #spec.protect,
      #spec.extends > 0 and ", composed of " .. table.concat(spec.extends, ", ") or "",
      report.sealed_where(spec)))
    return 0
  end
  local msg = help().unknown("profile command", sub, { "list", "show", "check" })
  return usage_error("profile", "%s", msg:find("did you mean") and msg or msg .. " (list, show or check)")
end

local function shell_command(args, i)
  local opts, status = parse_command("shell", args, i)
  if not opts then return status end
  if #opts.command > 0 then
    return usage_error("shell", "unexpected argument '%s' (nono shell runs your shell; 'nono run' a command)",
      opts.command[1])
  end
  local sh <close>, msg, sstatus = require("nono.shell").prepare(opts)
  if not sh then
    say("%s", msg)
    say("the command was not run")
    return sstatus
  end
  return run(nil, nil, sh)
end

local function setup_command(args, i)
  local opts, status = parse_command("setup", args, i)
  if not opts then return status end
  if #opts.command > 0 then return usage_error("setup", "unexpected argument '%s'", opts.command[1]) end
  if not opts.check then return usage_error("setup", "nono setup --check [--json]: --check is what setup does") end
  local result, msg, rstatus = require("nono.setup").checks(opts)
  if not result then
    say("%s", msg)
    return rstatus
  end
  if opts.json then
    io.stdout:write(json.encode(result), "\n")
  else
    io.stdout:write(string.format("nono %s on Linux %s: what this machine supports and what nono enforces here\n",
      result.version, result.kernel))
    for _, c in ipairs(result.checks) do
      io.stdout:write(string.format("%-8s %-12s %s\n", c.state, c.name, c.text))
      if c.hint then io.stdout:write(string.format("%21s hint: %s\n", "", c.hint)) end
    end
    io.stdout:write(result.ok and "nono can sandbox commands here\n"
      or "nono cannot sandbox commands here: see the lines above\n")
  end
  return result.ok and 0 or 1
end

---------------------------------------------------------------------------
-- `nono rollback`

local function rollback_command(args, i)
  local opts, status = parse_command("rollback", args, i)
  if not opts then return status end
  -- options after the subcommand too (nono rollback prune --keep 5)
  local words = opts.command
  if words[1] then
    local more, mstatus = parse_command("rollback", words, 2)
    if not more then return mstatus end
    for k, v in pairs(more) do
      if k ~= "command" and k ~= "policy" then opts[k] = v end
    end
    for _, o in ipairs(more.policy) do opts.policy[#opts.policy + 1] = o end
    words = { words[1], table.unpack(more.command) }
  end
  if #opts.policy > 0 then
    return usage_error("rollback", "option %s is not one of nono rollback's", opts.policy[1].option)
  end
  return rollback_cli.command(words, opts, say, function(msg) return usage_error("rollback", "%s", msg) end)
end

---------------------------------------------------------------------------
-- `nono completion SHELL` and `nono help --man-options`

local function completion_command(args, i)
  local shell = args[i]
  if shell == "-h" or shell == "--help" then
    io.stdout:write(help().HELP.completion)
    return 0
  end
  local completion = require "nono.completion"
  if not shell or args[i + 1] or not completion[shell] then
    if shell and not args[i + 1] then
      return usage_error("completion", "%s", help().unknown("shell", shell, { "bash", "zsh", "fish" }))
    end
    return usage_error("completion", "nono completion bash|zsh|fish")
  end
  io.stdout:write(completion[shell](options.completion_spec()))
  return 0
end

function M.main(args)
  local cmd = args[1]
  if cmd ~= "run" then gc_on() end
  if cmd == "run" then
    return run(args, 2)
  elseif cmd == "shell" then
    return shell_command(args, 2)
  elseif cmd == "why" then
    return why(args, 2)
  elseif cmd == "profile" then
    return profile_command(args, 2)
  elseif cmd == "rollback" then
    return rollback_command(args, 2)
  elseif cmd == "setup" then
    return setup_command(args, 2)
  elseif cmd == "session" then
    if args[2] == "-h" or args[2] == "--help" then
      io.stdout:write(help().HELP.session)
      return 0
    end
    return ephemeral.command(args, 2, function()
      return usage_error("session", "expected list, diff ID, commit ID or discard ID")
    end)
  elseif cmd == "completion" then
    return completion_command(args, 2)
  elseif cmd == "--version" or cmd == "-V" or cmd == "version" then
    local abi = core.landlock_abi()
    io.stdout:write(string.format("nono %s (%s; Landlock ABI %s on this kernel, up to %d known)\n",
      core.version, _VERSION, abi and tostring(abi) or "unavailable", core.landlock_abi_known))
    return 0
  elseif cmd == "help" and args[2] == "--man-options" then
    io.stdout:write(help().man_options())
    return 0
  elseif cmd == "help" or cmd == "--help" or cmd == "-h" or cmd == nil then
    local topic = cmd == "help" and args[2] or "main"
    if not help().HELP[topic] then
      local topics = {}
      for k, c in ipairs(COMMANDS) do topics[k] = c[1] end
      return usage_error(nil, "no help for '%s'%s", topic,
        (help().unknown("", topic, topics):match(" %(did you mean .*%)$") or ""))
    end
    io.stdout:write(help().HELP[topic])
    return cmd == nil and EXIT_USAGE or 0
  end
  local names = {}
  for k, c in ipairs(COMMANDS) do names[k] = c[1] end
  if cmd:sub(1, 1) == "-" then
    return usage_error(nil, "%s", help().unknown("option", cmd, { "-V", "--version", "-h", "--help" }))
  end
  return usage_error(nil, "%s", help().unknown("command", cmd, names))
end

return M
