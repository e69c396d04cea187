--- The command line: parse, build the policy, and hand it to the core.
-- Exit codes: the command's own; 128+N when it was killed by signal N;
-- 126 when the sandbox could not be set up (the command never ran); 127 when
-- the command could not be executed; 125 when the audit log (or nono's own
-- standard output, main.c) could not be written; 2 for usage errors.
-- `nono why`: 0 ALLOWED, 1 DENIED.
local core = require "nono.core"
local defaults = require "nono.defaults"
local env = require "nono.env"
local json = require "nono.json"
local git = require "nono.git"
local lfs = require "lfs"
local paths = require "nono.paths"
local policy = require "nono.policy"
local profile = require "nono.profile"
local supervisor = require "nono.supervisor"

local M = {}

local EXIT_USAGE, EXIT_SETUP, EXIT_NOEXEC = 2, 126, 127
-- `nono why`: the verdict as a status scripts can test.
local EXIT_ALLOWED, EXIT_DENIED = 0, 1
-- nono's own record failed: the audit log could not be written (main.c
-- uses it too when standard output cannot be written).
local EXIT_RECORD = 125

local function say(fmt, ...)
  io.stderr:write("nono: ", string.format(fmt, ...), "\n")
end

local function usage_error(cmd, fmt, ...)
  say(fmt, ...)
  say("see 'nono help%s'", cmd and " " .. cmd or "")
  return EXIT_USAGE
end

local HELP = {}

HELP.main = [[
nono — run a command in a kernel-enforced sandbox (Landlock)

Usage:
  nono run [options] [--] COMMAND [ARGS...]   run COMMAND sandboxed
  nono why --path PATH [--op OP] [options]     explain the sandbox's verdict
  nono profile list|show NAME|check FILE       the Lua profiles
  nono help [run|why|profile]                  show help for a command
  nono --version

Nothing is reachable in the sandbox but what you grant and a small system set
(programs, libraries, the /etc files programs need, /proc, /dev/null and the
terminal).  Run 'nono help run' for the options.
]]

HELP.run = [[
Usage: nono run [options] [--] COMMAND [ARGS...]

Runs COMMAND under a Landlock ruleset built from the grants below plus the
built-in system set, and a seccomp filter.  Both are applied in a child
process with no_new_privs set; neither can be lifted by the command or its
children.

Profile:
  --profile NAME     start from a Lua profile (a built-in such as claude-code,
                     yours, or a path); the options below add to it.  See
                     'nono help profile'.

Grants (each may be repeated; '~' and relative paths are expanded, symlinks
are resolved once, and a path that does not exist is an error):
  --allow DIR        read, write and create beneath DIR
  --read DIR         read (and execute) beneath DIR
  --write DIR        write and create beneath DIR, without reading
  --allow-file FILE  read and write one file
  --read-file FILE   read (and execute) one file
  --write-file FILE  write one file
Write grants include removing and renaming directories (rm -rf build,
mv dir1 dir2, temporary directories, git checkout); what must keep its
place stays put (a protected file and the directories holding it).
Device-node creation is never granted.  PATH:DURATION (90s, 5m, 2h) is a
time-limited grant: when it expires, nono hides PATH from the command with
an empty, unreadable, read-only mount in the command's own mount namespace,
so the kernel refuses every new open beneath it.  What still holds it open
(a descriptor, a working directory, a mapping) is then killed, or with
--on-expire report only reported.  Needs unprivileged user namespaces:
without them nono refuses to run (126) rather than grant it for good.
  --on-expire kill|report   what happens to those holders (default: kill,
                     or the profile's on_expire)
  --keep-dirs        write grants do not remove or rename directories (the
                     stricter rule; breaks temporary directories and git)
  --accept-hard-links  run although a protected file has more than one name
                     (without it nono refuses: a mount or a Landlock rule
                     keeps a path, and another name reaches the same file)

Protected paths stay out of reach (~/.ssh, ~/.aws, ~/.gnupg, ~/.npmrc,
shell histories, ...) or read-only (~/.bashrc, ~/.profile, ~/.gitconfig,
~/.config/nono, ...) even inside a grant such as --allow ~, and cannot be
created where they do not exist.  Such a grant is narrowed: its directories
on the way to a protected name get rules entry by entry, so new names
directly in them cannot be created.  'nono run --dry-run' lists them all.
  --bypass PATH      lift the protection of PATH (as listed; repeatable)

@BLOCKED@
  --allow-command NAME   take NAME off the blocklist, both tiers (repeatable)
  --block-command NAME   block NAME for every process too: looked up in the
                     system directories, then in PATH (repeatable)

Network: TCP and UDP over IPv4/IPv6, unix sockets and netlink routing
information are allowed; every other socket family, raw sockets, MPTCP and
SCTP are refused.
  --net-block        unix sockets only (seccomp), and Landlock's TCP bind and
                     connect denied too (kernels with Landlock ABI 4+)

Kernel:
  --abi-min N        refuse to run on a kernel with Landlock ABI below N
  --best-effort      run below --abi-min anyway; the report says what is missing

Environment: variables that make programs load code (LD_*, BASH_ENV, ENV,
BASH_FUNC_*, PROMPT_COMMAND, NODE_OPTIONS, PYTHONSTARTUP, PERL5OPT, RUBYOPT,
JAVA_TOOL_OPTIONS, LUA_INIT, ...) are removed; the rest is passed on.
  --keep-env NAME    pass NAME on even if it is one of those (repeatable)

Session: nono stays outside the sandbox as a small supervisor.  It passes
SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1 and SIGUSR2 on to COMMAND, and when
COMMAND ends it kills whatever COMMAND left running (double-forked, setsid'ed
daemons included: nono is their subreaper).  Inside, 'nono why --self' answers
from the sealed policy of the sandbox.
  --audit-log FILE   append the session's events to FILE as JSON lines
                     (start, expiry, signals, exit); FILE must be where the
                     sandbox cannot write.  Each line is written whole or
                     not at all; if one cannot be written (a full disk),
                     nono says why and exits 125 when the session ends
  --audit-log-required  stop COMMAND (and all it started) as soon as an
                     event cannot be written to the audit log

Output:
  --dry-run          print the policy and the enforcement report; run nothing
  --json             with --dry-run: the same as one JSON object (a byte that
                     is not UTF-8 is written \udcXX, XX its value)
  -v, --verbose      print the enforcement report to stderr before running
  -h, --help         this help

An option's value is the next argument, unless that begins with '-' (a
forgotten value: nono refuses); write --audit-log=-x, or ./-x for a path.

Exit status: COMMAND's own; 128+N if it was killed by signal N (31, SIGSYS,
when it made a system call from another architecture); 126 if the sandbox
could not be set up (COMMAND was not run); 127 if COMMAND could not be
executed (not found, or blocked); 125 if the audit log could not be written
completely (whatever COMMAND's own status: the message gives it), or if
nono's own output could not be written; 2 for a usage error.
]]

-- The blocklist in the help comes from the table the policy uses.
do
  local function wrap(words, indent)
    local lines, line = {}, nil
    for _, word in ipairs(words) do
      if line and #line + #word + 1 > 76 then
        lines[#lines + 1] = line
        line = indent .. word
      else
        line = line and line .. " " .. word or indent .. word
      end
    end
    lines[#lines + 1] = line
    return table.concat(lines, "\n")
  end
  -- (two spaces after a sentence stay two, as in the rest of the help)
  local function words_of(text, into)
    for word, space in text:gmatch("(%S+)(%s*)") do into[#into + 1] = #space > 1 and word .. " " or word end
    return into
  end
  -- "deletion: rm rmdir; moving: mv ..." per tier
  local tiers = { exec = {}, tree = {} }
  for _, group in ipairs(defaults.blocked_commands) do
    local list = tiers[group.tier]
    if #list > 0 then list[#list] = list[#list] .. ";" end
    list[#list + 1] = group.category .. ":"
    for _, name in ipairs(group.names) do list[#list + 1] = name end
  end
  local text = table.concat({
    wrap(words_of("Commands: nono refuses to run a blocked command as COMMAND itself "
      .. "(found through PATH and symlinks; exit 127).  Checked at exec only, so "
      .. "COMMAND's children may run them (the grants decide what they can change):", {}), ""),
    wrap(tiers.exec, "  "),
    wrap(words_of("Blocked for every process of the sandbox too (they have no place in a "
      .. "project's work; where user namespaces work, not even ld.so runs them):", {}), ""),
    wrap(tiers.tree, "  "),
    wrap(words_of("A seat belt, not a boundary: a copy or an interpreter reaches the same "
      .. "system calls.", {}), ""),
  }, "\n")
  HELP.run = HELP.run:gsub("@BLOCKED@", function() return text end)
end

HELP.profile = [[
Usage: nono profile list | show NAME [options] | check FILE

  list         the built-in profiles and yours ($XDG_CONFIG_HOME/nono/profiles,
               default ~/.config/nono/profiles), with their descriptions
               (each file's description line, read without running it)
  show NAME    the policy and enforcement report NAME computes here (as
               'nono run --dry-run --profile NAME'; run options add to it)
  check FILE   load a profile (a path or a name) and report the first error
               with its file and line; exit 0 if it loads, 1 if not

A name is looked up among the built-ins first, then in your directory, and
never in the working directory.  A profile runs under limits: 10 million
instructions, 64 MiB of memory and, for one nono does not ship, 5 seconds;
past one, it fails with an error naming it.  See docs/profiles.md.
]]

HELP.why = [[
Usage: nono why --path PATH [--op read|write|readwrite|exec] [--json] [--self | options]

Answers whether the sandbox that 'nono run' would build with the same
options allows OP on PATH, from the same rules the kernel is given: ALLOWED
or DENIED, the reason, the grant or protection responsible, and the flag
that would change it.  The --profile, grant, --bypass, --allow-command,
--block-command, --net-block, --abi-min and --best-effort options are those
of 'nono run' (see 'nono help run').

  --path PATH   the path to ask about (need not exist: write then means create)
  --op OP       read (default), write, readwrite or exec
  --json        answer as one JSON object (a byte of a path that is not
                UTF-8 is written \udcXX, XX its value)
  --self        inside a sandbox: answer for the sandbox this process runs in,
                from the sealed policy 'nono run' handed down (no policy
                options then; time-limited grants count as expired once
                their time is up)

Exit status: 0 if ALLOWED, 1 if DENIED, 2 for a usage error, 126 if there
is no policy to answer from (a profile or grant error; --self outside a
sandbox, or with a policy nono did not write), 125 if the answer could not
be written.
]]

-- Options that shape the policy, shared by `run` and `why` (so that `why`
-- answers for exactly the sandbox `run` would build).  Applied in order.
local GRANTS = {
  ["--allow"] = { access = "read,write", kind = "dir" },
  ["--read"] = { access = "read", kind = "dir" },
  ["--write"] = { access = "write", kind = "dir" },
  ["--allow-file"] = { access = "read,write", kind = "file" },
  ["--read-file"] = { access = "read", kind = "file" },
  ["--write-file"] = { access = "write", kind = "file" },
}
local POLICY = {
  ["--bypass"] = function(p, v, src) return p:bypass(v, src) end,
  ["--allow-command"] = function(p, v, src) return p:allow_command(v, src) end,
  ["--block-command"] = function(p, v, src) return p:block_command(v, src) end,
  ["--abi-min"] = function(p, v, src) return p:set_abi_min(v, src) end,
}
for name, spec in pairs(GRANTS) do
  POLICY[name] = function(p, v, src)
    -- PATH:5m is a time-limited grant.  What looks like a duration after
    -- the last ':' and is not one (PATH:5x, :1d, :0s, :-1s, a huge number)
    -- is an error saying what a duration is, unless a path named exactly
    -- so exists (then it is that path).
    local path, ttl = v, nil
    local head, duration = v:match("^(.*):([^:/]*)$")
    if head and head ~= "" and duration:match("^[-+]?[%d.]") then
      local seconds, msg = profile.parse_ttl(duration)
      if seconds then
        path, ttl = head, seconds
      else
        local whole = paths.expand(v, p.home, p.cwd)
        if not (whole and lfs.symlinkattributes(whole)) then
          return nil, src .. ": " .. msg .. "; " .. name .. " PATH:DURATION grants PATH for that long"
        end
      end
    end
    return p:grant(path, spec.access, { kind = spec.kind, source = src, ttl = ttl })
  end
end

-- Flags without a value, per command.
local FLAGS = {
  profile = {},
  run = { ["--dry-run"] = "dry_run", ["-v"] = "verbose", ["--verbose"] = "verbose",
          ["--json"] = "json", ["--net-block"] = "net_block", ["--best-effort"] = "best_effort",
          ["--keep-dirs"] = "keep_dirs", ["--accept-hard-links"] = "accept_links",
          ["--audit-log-required"] = "audit_log_required", ["-h"] = "help", ["--help"] = "help" },
  why = { ["--json"] = "json", ["--net-block"] = "net_block", ["--best-effort"] = "best_effort",
          ["--keep-dirs"] = "keep_dirs", ["--accept-hard-links"] = "accept_links", ["--self"] = "self",
          ["-h"] = "help", ["--help"] = "help" },
}
-- Options with a value, besides the policy options.
local VALUES = {
  profile = {},
  run = { ["--keep-env"] = "keep_env", ["--profile"] = "profile", ["--audit-log"] = "audit_log",
          ["--on-expire"] = "on_expire" },
  why = { ["--path"] = "path", ["--op"] = "op", ["--profile"] = "profile" },
}
-- Of those, the ones that may be repeated (collected in a set).
local SETS = { keep_env = true }

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
      return nil, "unknown option '" .. a .. "'"
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
    io.stdout:write(HELP[cmd])
    return nil, 0
  end
  return opts
end

--- What a profile sees of the world (profile.lua's ctx).
local function profile_ctx(cwd, abi)
  local home, homes = paths.homes(os.getenv)
  return { home = home, homes = homes, uid = core.geteuid(), cwd = cwd, getenv = os.getenv, abi = abi }
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
  for _, name in ipairs(spec.commands.block) do
    local ok, msg = p:block_command(name, "profile " .. spec.name)
    if not ok then return nil, msg end
  end
  for _, name in ipairs(spec.commands.allow) do
    local ok, msg = p:allow_command(name, "profile " .. spec.name)
    if not ok then return nil, msg end
  end
  if spec.net.block then p:set_net_block(true) end
  if spec.keep_dirs then p:set_keep_dirs(true) end
  if spec.abi_min then
    local ok, msg = p:set_abi_min(spec.abi_min, "profile " .. spec.name)
    if not ok then return nil, msg end
  end
  return true
end

--- Build and resolve the policy for parsed options: the profile first,
-- then the command line's options, which add to it.  Returns the policy
-- and the profile's spec (or nil), or nil, message, exit status.
local function build_policy(opts, create_missing)
  local cwd = core.realpath(".")
  local home, homes, note = paths.homes(os.getenv)
  if not home then
    return nil, "cannot tell the home directory: HOME is not an absolute path and this user has no "
      .. "passwd entry with one\nhint: set HOME to the home directory", EXIT_SETUP
  end
  local p = policy.new { home = home, homes = homes, home_note = note, cwd = cwd,
    path = os.getenv("PATH") }
  p.create_missing = create_missing
  local spec
  if opts.profile then
    local ctx = profile_ctx(cwd, p.abi)
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
  for _, o in ipairs(opts.policy) do
    local ok, msg = POLICY[o.option](p, o.value, o.option .. " " .. o.value)
    if not ok then return nil, msg, EXIT_USAGE end
  end
  if opts.net_block then p:set_net_block(true) end
  if opts.keep_dirs then p:set_keep_dirs(true) end
  p.accept_links = opts.accept_links or nil
  p:set_best_effort(opts.best_effort)
  -- nono itself stays runnable inside, for `nono why --self`
  local exe = core.realpath("/proc/self/exe")
  if exe then
    p:grant(exe, "read", { kind = "file", optional = true, source = "nono itself (nono why --self)" })
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
  if errno == 95 then -- EOPNOTSUPP
    return "Landlock is built into this kernel but not enabled: add 'landlock' to the lsm= kernel boot parameter"
  end
  return "Landlock needs Linux 5.13 or later built with CONFIG_SECURITY_LANDLOCK=y and enabled in lsm="
end

--- "--allow-command A --allow-command B": what lifts a blocked file.
local function allow_words(names)
  local words = {}
  for i, name in ipairs(names) do words[i] = "--allow-command " .. name end
  return table.concat(words, " ")
end

--- The policy and enforcement report.  `brief` (for -v) folds the system
-- set and the entries of narrowed grants into one line each; --dry-run
-- lists every rule.
local function format_report(p, command, brief, dropped, spec, on_expire)
  local r = p:report()
  local out, folded = {}, {}
  local function line(fmt, ...) out[#out + 1] = string.format(fmt, ...) end
  -- What `nono run` does with the time-limited grants here: takes each back
  -- when it expires, or refuses to run (nested grants, no namespaces).
  local timed = p:timed_grants()
  local timed_refused = #timed > 0 and not (p:check_timed() and p:binds_available(timed[1].canonical))
  if spec then
    line("profile: %s (%s)%s", spec.name, spec.file,
      #spec.extends > 0 and ", composed of " .. table.concat(spec.extends, ", ") or "")
  end
  line("policy:")
  for _, rule in ipairs(p:rules()) do
    local fold = brief and (rule.grant.source == "system" or rule.protection)
    if fold then
      folded[rule.grant.source] = (folded[rule.grant.source] or 0) + 1
    else
      line("  %-16s %-36s %s%s%s", p:describe(rule), rule.path, rule.grant.source,
        rule.protection and " (narrowed: " .. rule.protection.canonical .. (rule.protection.mode == "keeps_place"
          and " keeps its place)" or " is protected)") or "",
        rule.grant.ttl and string.format(timed_refused and " (expires after %ds: nono run refuses "
          .. "it here, see below)" or " (expires after %ds)", rule.grant.ttl) or "")
    end
  end
  for source, n in pairs(folded) do
    line("  (and %d rules from %s: nono run --dry-run lists them)", n, source)
  end
  for _, g in ipairs(brief and {} or p.skipped or {}) do
    line("  %-16s %-36s %s (%s)", g.access, g.path, g.source,
      g.create and "missing: nono run creates it" or "not present here, skipped")
  end
  if command then
    local blocked = p:blocked_command(command[1], os.getenv("PATH"))
    line("command: %s%s", table.concat(command, " "), blocked and string.format(
      " (refused: %s is a blocked command; %s runs it)", blocked.path, allow_words(blocked.names)) or "")
  end
  line("enforcement:")
  local ll = r.landlock
  if ll.available then
    line("  landlock      ABI %d, %d rules; handles %s", ll.abi, ll.rules or 0,
      table.concat(ll.handled_fs, " "))
    for _, gap in ipairs(ll.unhandled_fs) do
      line("  not enforced  %s (needs Landlock ABI %s; this kernel has %d)", gap.right,
        tostring(gap.needs_abi), ll.abi)
    end
    line("  scopes        %s", #ll.scoped > 0 and table.concat(ll.scoped, " ") or "none (need Landlock ABI 6)")
    if r.seccomp.net_block then
      line("  network       blocked: seccomp allows unix sockets only; Landlock TCP %s",
        #ll.handled_net > 0 and "bind and connect denied too" or "rules unavailable (ABI < 4)")
    else
      line("  network       open (--net-block closes it)")
    end
    for _, f in ipairs(ll.best_effort_missing) do
      line("  BEST EFFORT   missing %s (ABI %d; --abi-min %d asked for it)", f.what, f.abi, ll.abi_min)
    end
  else
    line("  landlock      UNAVAILABLE (%s): nono run refuses to run", ll.error)
  end
  line("  seccomp       denies %s", r.seccomp.denied)
  line("  sockets       %s", r.seccomp.sockets)
  local ns = r.namespaces
  if ns.available then
    line("  namespaces    user+mount: read-only and no-exec bind mounts")
  elseif ns.step then
    line("  namespaces    unavailable (%s); protections use Landlock narrowing", ns.reason)
  elseif ns.probed then
    line("  namespaces    %s; protections use Landlock narrowing", ns.reason)
  else
    line("  namespaces    not needed: no protection here is kept by a mount")
  end
  local pr = r.protections
  line("  protected     %d paths kept out of reach or read-only inside grants; %d directories narrowed",
    pr.active, pr.narrowed)
  for _, b in ipairs(pr.bypassed) do line("  bypassed      %s (%s)", b.path, b.by) end
  for _, path in ipairs(pr.ro_binds) do
    line("  read-only     %s (a read-only mount in a private user and mount namespace)", path)
  end
  for _, gd in ipairs(pr.guards) do
    line("  guarded       %s (%s): no mounts here, so it stays writable during the session; nono "
      .. "keeps a copy and restores it when the session ends", gd.path, gd.why or "protected")
  end
  for _, a in ipairs(pr.kept_absent) do
    line("  kept absent   %s (%s): if it appears during the session, nono moves it aside at the end; "
      .. "until then git outside would obey it", a.path, a.why or "protected")
  end
  if r.home then line("  home          %s", r.home) end
  if #pr.commands_checked > 0 then
    line("  commands      checked at exec: %s (nono does not run them as the command)",
      table.concat(pr.commands_checked, " "))
  end
  for _, l in ipairs(pr.hard_links) do
    line("  hard links    %s has %d names (--accept-hard-links): the protection holds for this path, "
      .. "another name of the same file is not covered", l.path, l.nlink)
  end
  for _, c in ipairs(pr.commands_shared) do
    line("  commands      checked at exec only: %s (%s is shared with other commands: blocking it for "
      .. "every process would block them too)", table.concat(c.names, " "), c.file)
  end
  if #pr.commands_blocked > 0 then
    line("  commands      blocked for every process: %s (%s)", table.concat(pr.commands_blocked, " "),
      #pr.noexec_binds > 0 and "read-only no-exec mounts: not even ld.so runs them"
      or "execute withheld: Landlock narrows their directories; ld.so can still run them")
  end
  local d = r.directories
  if not d.removable then
    line("  directories   write grants do not remove or rename them (--keep-dirs)")
  else
    line("  directories   removed and renamed inside write grants (--keep-dirs withholds it)")
  end
  for _, path in ipairs(d.pinned) do
    line("  kept in place %s (pinned: a mount of itself; it holds a read-only mount)", path)
  end
  for _, path in ipairs(d.guarded) do
    line("  kept in place %s (guarded: it holds a guarded path; if it is renamed or replaced during the "
      .. "session, nono moves it back when the session ends)", path)
  end
  for _, path in ipairs(d.kept) do
    line("  kept in place %s (it holds a read-only mount, and this core cannot pin it: no directory "
      .. "directly in %s can be removed or renamed)", path, path:match("^(.*)/[^/]*$"))
  end
  if r.session == "keep" then
    line("  session       kept: stdin is a terminal (TIOCSTI is refused by seccomp)")
  elseif r.session == "new" then
    line("  session       new (setsid): no controlling terminal")
  end
  line("  no_new_privs  on")
  for _, item in ipairs(r.hygiene) do line("  hygiene       %s", item) end
  if dropped then
    line("  environment   removed: %s", #dropped > 0 and table.concat(dropped, " ") or "(none set)")
  end
  for _, gap in ipairs(r.not_yet) do line("  not enforced  %s", gap) end
  for _, g in ipairs(timed) do
    if timed_refused then
      line("  expiry        %s: nono run refuses to run: this time-limited grant could not be taken "
        .. "back here (see the message)", g.source)
    else
      line("  expiry        %s: after %ds %s is hidden by an empty read-only mount in the command's "
        .. "mount namespace; what still holds it open is %s", g.source, g.ttl, g.canonical,
        on_expire == "report" and "reported" or "killed")
    end
  end
  line("  process tree  ends with the command: orphans are reparented to nono (subreaper) and killed")
  return table.concat(out, "\n") .. "\n"
end

--- The report as JSON (`nono run --dry-run --json`).
--- The enforcement report with its lists marked as JSON arrays (an empty
-- one is written [], not {}).
local function enforcement(p)
  local r = p:report()
  for _, key in ipairs { "handled_fs", "unhandled_fs", "handled_net", "scoped", "best_effort_missing" } do
    json.array(r.landlock[key])
  end
  for _, key in ipairs { "bypassed", "commands_checked", "commands_blocked", "commands_absent", "ro_binds",
      "noexec_binds", "kept_absent", "guards", "hard_links", "commands_shared" } do
    json.array(r.protections[key])
  end
  json.array(r.directories.pinned)
  json.array(r.directories.kept)
  json.array(r.directories.guarded)
  return r
end

local function json_report(p, command, dropped)
  local rules = {}
  for i, rule in ipairs(p:rules()) do
    rules[i] = { path = rule.path, access = p:describe(rule), rights = json.array(policy.names_of(rule.mask)),
      source = rule.grant.source, narrowed_for = rule.protection and rule.protection.canonical,
      ttl = rule.grant.ttl }
  end
  local blocked = command and p:blocked_command(command[1], os.getenv("PATH"))
  return json.encode {
    rules = json.array(rules), command = command and json.array(command),
    command_blocked = blocked and { path = blocked.path, names = json.array(blocked.names), why = blocked.why },
    environment_removed = dropped and json.array(dropped), enforcement = enforcement(p),
  } .. "\n"
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
      { "--accept-hard-links", "accept_links" }, { "--best-effort", "best_effort" } } do
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
    if result.code == 13 then -- EACCES
      say("hint: the sandbox may not grant execute on it: %s",
        why_command(opts, exec_file(command[1], p), "exec"))
    elseif result.code == 2 then -- ENOENT
      say("hint: check the name and PATH; grant its directory with --read if it is outside the system set")
    end
    return EXIT_NOEXEC
  end
  say("sandbox setup failed at %s: %s", result.stage, result.message)
  if result.stage == "installing the seccomp filter" then
    say("hint: nono needs a kernel with CONFIG_SECCOMP_FILTER; it never runs a command without its filter")
  end
  say("the command was not run")
  return EXIT_SETUP
end

local function run(args, i)
  local opts, status = parse_command("run", args, i)
  if not opts then return status end
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
  local p, spec_or_msg, status = build_policy(opts, not opts.dry_run)
  if not p then
    say("%s", spec_or_msg)
    say("the command was not run")
    return status
  end
  local spec = spec_or_msg
  local on_expire = opts.on_expire or spec and spec.on_expire or "kill"
  -- Row 5: with no terminal on stdin the command needs no controlling
  -- terminal, so it gets none (setsid): TIOCSTI then fails in the kernel too.
  p.session = core.isatty(0) and "keep" or "new"
  local environ, dropped = environment(spec, opts.keep_env)
  local runnable, why_not = check_runnable(p)
  -- The command nono itself runs is checked against the whole blocklist,
  -- found as execvpe will find it (in nono's own PATH).
  local blocked = #opts.command > 0 and p:blocked_command(opts.command[1], os.getenv("PATH"))
  local refusal = blocked and {
    string.format("'%s' is a blocked command (%s: %s); nono does not run it as the command",
      opts.command[1], blocked.why, blocked.path),
    "hint: add " .. allow_words(blocked.names) .. " to run it",
    "the command was not run" }
  if opts.dry_run then
    local command = #opts.command > 0 and opts.command or nil
    io.stdout:write(opts.json and json_report(p, command, dropped)
      or format_report(p, command, false, dropped, spec, on_expire))
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
  if opts.verbose then io.stderr:write(format_report(p, opts.command, true, dropped, spec, on_expire)) end

  local plan <close>, emsg = p:plan(p.session)
  local sealed
  if plan then
    if #p:timed_grants() > 0 then plan:set_private_mounts() end
    -- The sealed policy `nono why --self` answers from inside (read-only:
    -- a memory file no one can write once sealed).
    p:start_clock(core.time_ms() / 1000)
    sealed, emsg = core.sealed_memfd(p:export())
    if sealed then
      plan:set_inherit_fd(sealed)
      -- (one inherited from an outer nono names a descriptor closed now)
      for j = #environ, 1, -1 do
        if environ[j]:find("^NONO_POLICY_FD=") then table.remove(environ, j) end
      end
      environ[#environ + 1] = "NONO_POLICY_FD=" .. sealed
    end
  end
  if not plan or not sealed then
    say("cannot set up the sandbox: %s", emsg)
    say("the command was not run")
    if log then log:event("not_run", { message = emsg }) log:close() end
    return EXIT_SETUP
  end
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
      on_expire = on_expire, rules = #p:rules(), grants = grants, enforcement = enforcement(p),
      environment_removed = json.array(dropped) }
  end
  local result, failure = supervisor.run(plan, opts.command, {
    policy = p, environ = environ, on_expire = on_expire, log = log, verbose = opts.verbose, say = say,
    start = start,
  })
  if log then log:close() end
  if failure then say("%s", failure) end
  local status = session_status(result, opts, p)
  if log and log.failed and status ~= EXIT_SETUP then
    -- The session's record is incomplete: that is the outcome to report,
    -- whatever the command did (a script cannot tell otherwise).
    say("the audit log %s is incomplete (%s); nono exits %d (the command's own status: %d)",
      opts.audit_log, log.failed, EXIT_RECORD, status)
    return EXIT_RECORD
  end
  return status
end

--- An error value as one line of text, without the position a Lua error
-- adds.
local function first_line(e)
  return (tostring(e):match("^[^\n]*"):gsub("^[^:]*:[%d?-]+: ", ""))
end

--- The sealed policy of the sandbox this process runs in, handed down by
-- `nono run` (NONO_POLICY_FD).  Returns a Policy that answers `why`, or nil
-- and a message.
local function own_policy()
  local value = os.getenv("NONO_POLICY_FD")
  if not value or value == "" then
    return nil, "--self: not inside a nono sandbox (NONO_POLICY_FD is not set)"
  end
  local fd = value:match("^%d+$") and math.tointeger(tonumber(value))
  if not fd or fd > 0x7fffffff then
    return nil, string.format("--self: NONO_POLICY_FD is '%s', not a descriptor number: it was not set "
      .. "by nono run", value)
  end
  local text, msg = core.read_sealed(fd)
  if not text then return nil, "--self: descriptor " .. fd .. ": " .. msg end
  -- Anyone inside may hand a sealed memory file of their own: what it
  -- holds is checked, and whatever it is, the answer is a message.
  local ok, p, pmsg = pcall(policy.import, text)
  local bad = not ok and p or not p and pmsg
  if not bad then
    local wok, answer = pcall(p.why, p, "/", "read")
    bad = not wok and answer or type(answer) ~= "table" and "it gives no answer"
  end
  if bad then
    return nil, string.format("--self: descriptor %d does not hold a policy nono run wrote (%s)", fd,
      first_line(bad))
  end
  return p
end

local function why(args, i)
  local opts, status = parse_command("why", args, i)
  if not opts then return status end
  if #opts.command > 0 then
    return usage_error("why", "unexpected argument '%s'", opts.command[1])
  end
  if not opts.path then return usage_error("why", "--path PATH is required") end
  if opts.self and (opts.profile or #opts.policy > 0 or opts.net_block or opts.best_effort
      or opts.keep_dirs or opts.accept_links) then
    return usage_error("why", "--self answers for the sandbox this process is in; it takes no policy options")
  end
  local p, msg, status
  if opts.self then
    p, msg = own_policy()
    status = EXIT_SETUP
  else
    p, msg, status = build_policy(opts)
  end
  if not p then
    say("%s", msg)
    return status
  end
  local ok, answer, werr = true, nil, nil
  if opts.self then
    ok, answer, werr = pcall(p.why, p, opts.path, opts.op or "read")
  else
    answer, werr = p:why(opts.path, opts.op or "read")
  end
  if not ok then
    say("--self: the policy in NONO_POLICY_FD cannot answer for %s (%s)", opts.path, first_line(answer))
    return EXIT_SETUP
  end
  if not answer then return usage_error("why", "%s", werr) end
  if opts.json then
    answer.grants = json.array(answer.grants)
    answer.needed = json.array(answer.needed)
    answer.missing = json.array(answer.missing)
    io.stdout:write(json.encode(answer), "\n")
  else
    io.stdout:write(string.format("%s %s %s\n  reason: %s\n", answer.verdict:upper(), answer.op,
      answer.canonical, answer.reason))
    if answer.hint then io.stdout:write("  hint: ", answer.hint, "\n") end
    if answer.note then io.stdout:write("  note: ", answer.note, "\n") end
  end
  return answer.verdict == "allowed" and EXIT_ALLOWED or EXIT_DENIED
end

--- `nono profile list|show NAME|check FILE`.
local function profile_command(args, i)
  local sub, target = args[i], args[i + 1]
  if sub == nil or sub == "-h" or sub == "--help" then
    io.stdout:write(HELP.profile)
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
    local spec, msg = profile.check(target, ctx)
    if not spec then
      say("%s", msg)
      return 1
    end
    io.stdout:write(string.format("ok: %s (%s): %d grants, %d protections%s\n", spec.name, spec.file,
      #spec.grants, #spec.protect,
      #spec.extends > 0 and ", composed of " .. table.concat(spec.extends, ", ") or ""))
    return 0
  end
  return usage_error("profile", "unknown profile command '%s' (list, show or check)", sub)
end

function M.main(args)
  local cmd = args[1]
  if cmd == "run" then
    return run(args, 2)
  elseif cmd == "why" then
    return why(args, 2)
  elseif cmd == "profile" then
    return profile_command(args, 2)
  elseif cmd == "--version" or cmd == "version" then
    local abi = core.landlock_abi()
    io.stdout:write(string.format("nono %s (%s; Landlock ABI %s on this kernel, up to %d known)\n",
      core.version, _VERSION, abi and tostring(abi) or "unavailable", core.landlock_abi_known))
    return 0
  elseif cmd == "help" or cmd == "--help" or cmd == "-h" or cmd == nil then
    local topic = cmd == "help" and args[2] or "main"
    if not HELP[topic] then return usage_error(nil, "no help for '%s'", topic) end
    io.stdout:write(HELP[topic])
    return cmd == nil and EXIT_USAGE or 0
  end
  return usage_error(nil, "unknown command '%s'", cmd)
end

return M
