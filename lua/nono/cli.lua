--- The command line: parse, build the policy, and hand it to the core.
-- Exit codes: the command's own; 128+N when it was killed by signal N;
-- 126 when the sandbox could not be set up (the command never ran); 127 when
-- the command could not be executed; 125 when the audit log (or nono's own
-- standard output, main.c) could not be written; 2 for usage errors; 1 when
-- `profile check` or `setup --check` finds a fault, and from `nono why` for
-- DENIED (0 ALLOWED).  (126 rather than a code of nono's own, as env(1) has
-- 125 for its: man/nono.1, EXIT STATUS, says why.)
local core = require "nono.core"
local defaults = require "nono.defaults"
local env = require "nono.env"
local json = require "nono.json"
local git = require "nono.git"
local lfs = require "lfs"
local net = require "nono.net"
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

--- What a grant option does to the policy.  A value ending in :DURATION
-- is a time-limited grant (a path that ends so is written ./PATH:5m:).
local function grant_option(access, kind)
  return function(p, v, src)
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
          return nil, src .. ": " .. msg .. "; " .. src:match("^%S+") .. " PATH:DURATION grants PATH for that long"
        end
      end
    end
    return p:grant(path, access, { kind = kind, source = src, ttl = ttl })
  end
end

-- The commands whose options shape the policy: `why` answers for exactly
-- the sandbox `run` would build, `shell` is `run` with a shell, `setup
-- --check` reports what that policy enforces here.
local SHAPING = "run shell why setup"

--- Every option of every command, in the order the help and the man page
-- list them.  This one table is where the parser's tables below, the
-- option lines of the help texts, the man page's OPTIONS section (`nono
-- help --man-options`) and the shell completions (`nono completion`) come
-- from.  Each entry: its names; `arg`, the value's name (none: a flag);
-- `key`, where the parser puts it; `policy`, how it shapes the policy (in
-- order, after the profile); `cmds`, the commands taking it ("nono": the
-- program itself); `group`, the heading it is listed under; `complete`,
-- what its value completes to (dir, file, profile, command, variable, or a
-- list of words); `help`, one paragraph.
local OPTIONS = {
  { "--profile", arg = "NAME", key = "profile", cmds = SHAPING, group = "Profile", complete = "profile",
    help = "start from a Lua profile (a built-in such as claude-code, yours, or a path); the other "
      .. "options add to it.  See 'nono help profile'." },

  { "--allow", arg = "DIR", policy = grant_option("read,write", "dir"), cmds = SHAPING, group = "Grants",
    complete = "dir", help = "read, write and create beneath DIR" },
  { "--read", arg = "DIR", policy = grant_option("read", "dir"), cmds = SHAPING, group = "Grants",
    complete = "dir", help = "read (and execute) beneath DIR" },
  { "--write", arg = "DIR", policy = grant_option("write", "dir"), cmds = SHAPING, group = "Grants",
    complete = "dir", help = "write and create beneath DIR, without reading" },
  { "--allow-file", arg = "FILE", policy = grant_option("read,write", "file"), cmds = SHAPING,
    group = "Grants", complete = "file", help = "read and write one file" },
  { "--read-file", arg = "FILE", policy = grant_option("read", "file"), cmds = SHAPING, group = "Grants",
    complete = "file", help = "read (and execute) one file" },
  { "--write-file", arg = "FILE", policy = grant_option("write", "file"), cmds = SHAPING, group = "Grants",
    complete = "file", help = "write one file" },
  { "--keep-dirs", key = "keep_dirs", cmds = SHAPING, group = "Grants",
    help = "write grants do not remove or rename directories (the stricter rule; breaks temporary "
      .. "directories and git)" },
  { "--accept-hard-links", key = "accept_links", cmds = SHAPING, group = "Grants",
    help = "run although a protected file has more than one name (without it nono refuses: a mount "
      .. "or a Landlock rule keeps a path, and another name reaches the same file)" },

  { "--bypass", arg = "PATH", policy = function(p, v, src) return p:bypass(v, src) end, cmds = SHAPING,
    group = "Protected paths", complete = "file",
    help = "lift the protection of PATH (as listed; repeatable)" },

  { "--allow-command", arg = "NAME", policy = function(p, v, src) return p:allow_command(v, src) end,
    cmds = SHAPING, group = "Commands", complete = "command",
    help = "take NAME off the blocklist, both tiers (repeatable)" },
  { "--block-command", arg = "NAME", policy = function(p, v, src) return p:block_command(v, src) end,
    cmds = SHAPING, group = "Commands", complete = "command",
    help = "block NAME for every process too: looked up in the system directories, then in PATH "
      .. "(repeatable)" },

  { "--net-block", key = "net_block", cmds = SHAPING, group = "Network",
    help = "unix sockets only (seccomp), and Landlock's TCP bind and connect denied too (kernels "
      .. "with Landlock ABI 4+)" },
  { "--allow-host", arg = "HOST[:PORT]", policy = function(p, v, src) return net.allow(p, v, src) end,
    cmds = SHAPING, group = "Network",
    help = "let COMMAND reach HOST (ports 443 and 80, or PORT) through nono's proxy, and nothing else: "
      .. "*.example.com for its subdomains, @GROUP for a named group (@npm, @pypi, @github, "
      .. "@package-registries, @git-hosting, ...); repeatable.  No UDP, no DNS inside" },
  { "--net-open", key = "net_open", cmds = SHAPING, group = "Network",
    help = "keep the network open although the profile allows hosts one by one" },

  { "--abi-min", arg = "N", policy = function(p, v, src) return p:set_abi_min(v, src) end, cmds = SHAPING,
    group = "Kernel", complete = { "1", "2", "3", "4", "5", "6", "7", "8", "9" },
    help = "refuse to run on a kernel with Landlock ABI below N" },
  { "--best-effort", key = "best_effort", cmds = SHAPING, group = "Kernel",
    help = "run below --abi-min anyway; the report says what is missing" },

  { "--keep-env", arg = "NAME", key = "keep_env", set = true, cmds = "run shell", group = "Environment",
    complete = "variable",
    help = "pass NAME on even if it is one of the variables that make programs load code (repeatable)" },

  { "--audit-log", arg = "FILE", key = "audit_log", cmds = "run shell", group = "Session", complete = "file",
    help = "append the session's events to FILE as JSON lines (start, expiry, signals, exit); FILE "
      .. "must be where the sandbox cannot write.  Each line is written whole or not at all; if one "
      .. "cannot be written (a full disk), nono says why and exits 125 when the session ends" },
  { "--audit-log-required", key = "audit_log_required", cmds = "run shell", group = "Session",
    help = "stop COMMAND (and all it started) as soon as an event cannot be written to the audit log" },

  { "--on-expire", arg = "kill|report", key = "on_expire", cmds = "run shell", group = "Session",
    complete = { "kill", "report" },
    help = "what happens to the processes still holding a time-limited grant when it expires: "
      .. "killed (the default, or the profile's on_expire) or only reported" },

  { "--dry-run", key = "dry_run", cmds = "run shell", group = "Output",
    help = "print the policy and the enforcement report; run nothing" },
  { "--json", key = "json", cmds = "run shell", group = "Output",
    help = "with --dry-run: the same as one JSON object (a byte that is not UTF-8 is written \\udcXX, "
      .. "XX its value)" },
  { "-v", "--verbose", key = "verbose", cmds = "run shell", group = "Output",
    help = "print the enforcement report to stderr before running" },

  { "--path", arg = "PATH", key = "path", cmds = "why", group = "Asking why", complete = "file",
    help = "the path to ask about (need not exist: write then means create)" },
  { "--host", arg = "HOST[:PORT]", key = "host", cmds = "why", group = "Asking why",
    help = "the host to ask about instead (port 443 unless given)" },
  { "--op", arg = "OP", key = "op", cmds = "why", group = "Asking why",
    complete = { "read", "write", "readwrite", "exec" }, help = "read (default), write, readwrite or exec" },
  { "--json", key = "json", cmds = "why", group = "Asking why",
    help = "answer as one JSON object (a byte of a path that is not UTF-8 is written \\udcXX, XX its value)" },
  { "--self", key = "self", cmds = "why", group = "Asking why",
    help = "inside a sandbox: answer for the sandbox this process runs in, from the sealed policy "
      .. "'nono run' handed down (no policy options then; time-limited grants count as expired once "
      .. "their time is up)" },

  { "--check", key = "check", cmds = "setup", group = "Checking the machine",
    help = "report what this machine supports and what nono enforces here, each with a hint; "
      .. "exit 0 if nono can sandbox a command here, 1 if not" },
  { "--json", key = "json", cmds = "setup", group = "Checking the machine",
    help = "with --check: the same as one JSON object" },

  { "-h", "--help", key = "help", cmds = SHAPING, group = "Every command",
    help = "this help" },
  { "-V", "--version", cmds = "nono", group = "nono itself",
    help = "print the version, and the Landlock ABI of this kernel" },
}

--- The commands, in the order the help lists them.
local COMMANDS = {
  { "run", usage = "nono run [options] [--] COMMAND [ARGS...]", brief = "run COMMAND sandboxed" },
  { "shell", usage = "nono shell [options]", brief = "your shell, sandboxed" },
  { "why", usage = "nono why --path PATH [--op OP] | --host HOST[:PORT] [options]",
    brief = "explain the sandbox's verdict" },
  { "profile", usage = "nono profile list|show NAME|check FILE", brief = "the Lua profiles" },
  { "setup", usage = "nono setup --check [--json]", brief = "what nono can enforce here" },
  { "completion", usage = "nono completion bash|zsh|fish", brief = "print a shell completion script" },
  { "help", usage = "nono help [COMMAND]", brief = "show help for a command" },
}

-- The parser's tables, per command: flags (no value), options with a value
-- besides the policy options, and the policy options (shared).
local FLAGS, VALUES, POLICY = { profile = {} }, { profile = {} }, {}
-- Of those with a value, the ones that may be repeated (collected in a set).
local SETS = {}
for _, o in ipairs(OPTIONS) do
  for cmd in o.cmds:gmatch("%S+") do
    FLAGS[cmd], VALUES[cmd] = FLAGS[cmd] or {}, VALUES[cmd] or {}
    for _, name in ipairs(o) do
      if o.policy then
        POLICY[name] = o.policy
      elseif o.arg then
        VALUES[cmd][name] = o.key
      else
        FLAGS[cmd][name] = o.key
      end
    end
  end
  if o.set then SETS[o.key] = true end
end

--- The entry of option `name` that command `cmd` takes, or nil.
local function option_of(cmd, name)
  for _, o in ipairs(OPTIONS) do
    if (" " .. o.cmds .. " "):find(" " .. cmd .. " ", 1, true) then
      for _, n in ipairs(o) do
        if n == name then return o end
      end
    end
  end
end

--- The names of every option `cmd` takes.
local function option_names(cmd)
  local out = {}
  for _, o in ipairs(OPTIONS) do
    if (" " .. o.cmds .. " "):find(" " .. cmd .. " ", 1, true) then
      for _, n in ipairs(o) do out[#out + 1] = n end
    end
  end
  return out
end

--- Optimal string alignment distance: insertions, deletions, substitutions
-- and swaps of neighbours (the usual typos) cost one each.
local function distance(a, b)
  local d = {}
  for i = 0, #a do d[i] = { [0] = i } end
  for j = 0, #b do d[0][j] = j end
  for i = 1, #a do
    for j = 1, #b do
      local cost = a:byte(i) == b:byte(j) and 0 or 1
      d[i][j] = math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if i > 1 and j > 1 and a:byte(i) == b:byte(j - 1) and a:byte(i - 1) == b:byte(j) then
        d[i][j] = math.min(d[i][j], d[i - 2][j - 2] + 1)
      end
    end
  end
  return d[#a][#b]
end

--- What `word` was probably meant to be among `candidates`: the closest
-- one within a third of its length (at least one edit; between equally
-- close ones, the one that starts alike), or the only one it is the start
-- of.  Returns it, or nil when nothing is close or it stays a tie.
local function closest(word, candidates)
  local bare = word:gsub("^%-+", "")
  local best, best_d, tie
  local prefixed = {}
  for _, c in ipairs(candidates) do
    local cb = c:gsub("^%-+", "")
    local dist = distance(bare, cb) + (cb:sub(1, 1) == bare:sub(1, 1) and 0 or 0.5)
    if dist <= math.max(1, #bare // 3) + 0.5 and c ~= best then
      if not best_d or dist < best_d then
        best, best_d, tie = c, dist, false
      elseif dist == best_d then
        tie = true
      end
    end
    if #bare >= 3 and cb:sub(1, #bare) == bare and word:sub(1, 1) == c:sub(1, 1) then
      prefixed[#prefixed + 1] = c
    end
  end
  if best and not tie then return best end
  if #prefixed == 1 then return prefixed[1] end
end

--- "unknown option '--alow' (did you mean --allow?)"
local function unknown(what, word, candidates)
  local guess = closest(word, candidates)
  return string.format("unknown %s '%s'%s", what, word, guess and " (did you mean " .. guess .. "?)" or "")
end

--- Wrap `words` after `first` (a line's start) at 78 columns; lines after
-- the first start with `indent`.  Two spaces after a sentence stay two.
local function fill(first, words, indent)
  local lines, line = {}, first
  local fresh = true
  for _, word in ipairs(words) do
    if not fresh and #line + #word + 1 > 78 then
      lines[#lines + 1] = (line:gsub("%s+$", ""))
      line = indent .. word
    else
      line = fresh and line .. word or line .. " " .. word
    end
    fresh = false
  end
  lines[#lines + 1] = (line:gsub("%s+$", ""))
  return table.concat(lines, "\n")
end

local function words_of(text, into)
  into = into or {}
  for word, space in text:gmatch("(%S+)(%s*)") do into[#into + 1] = #space > 1 and word .. " " or word end
  return into
end

--- An option as the help lists it: its names and value, the text beside
-- them from column 21.
local function help_entry(o)
  local head = "  " .. table.concat(o, ", ") .. (o.arg and " " .. o.arg or "")
  local first = #head <= 19 and head .. string.rep(" ", 21 - #head) or head .. "  "
  return fill(first, words_of(o.help), string.rep(" ", 21))
end

--- Fill in a help text's @OPTION@ lines from the table (the entry of that
-- option the command takes).
local function with_options(cmd, text)
  return (text:gsub("  @([%-%w]+)@", function(name)
    local o = option_of(cmd, name)
    if not o then error("help of " .. cmd .. ": no option " .. name) end
    return help_entry(o)
  end))
end

local HELP = {}

HELP.main = (function()
  local lines = { "nono — run a command in a kernel-enforced sandbox (Landlock)", "", "Usage:" }
  for _, c in ipairs(COMMANDS) do lines[#lines + 1] = string.format("  %-41s  %s", c.usage, c.brief) end
  lines[#lines + 1] = string.format("  %-41s  %s", "nono -V, --version", "print the version")
  return table.concat(lines, "\n") .. [[


Nothing is reachable in the sandbox but what you grant and a small system set
(programs, libraries, the /etc files programs need, /proc, /dev/null and the
terminal).  Run 'nono help run' for the options, 'man nono' for the manual.
]]
end)()

HELP.run = [[
Usage: nono run [options] [--] COMMAND [ARGS...]

Runs COMMAND under a Landlock ruleset built from the grants below plus the
built-in system set, and a seccomp filter.  Both are applied in a child
process with no_new_privs set; neither can be lifted by the command or its
children.

Profile:
  @--profile@

Grants (each may be repeated; '~' and relative paths are expanded, symlinks
are resolved once, and a path that does not exist is an error):
  @--allow@
  @--read@
  @--write@
  @--allow-file@
  @--read-file@
  @--write-file@
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
  @--on-expire@
  @--keep-dirs@
  @--accept-hard-links@

Protected paths stay out of reach (~/.ssh, ~/.aws, ~/.gnupg, ~/.npmrc,
shell histories, ...) or read-only (~/.bashrc, ~/.profile, ~/.gitconfig,
~/.config/nono, ...) even inside a grant such as --allow ~, and cannot be
created where they do not exist.  Such a grant is narrowed: its directories
on the way to a protected name get rules entry by entry, so new names
directly in them cannot be created.  'nono run --dry-run' lists them all.
  @--bypass@

@BLOCKED@
  @--allow-command@
  @--block-command@

Network: open unless hosts are allowed (TCP and UDP over IPv4/IPv6, unix
sockets and netlink routing information; every other socket family, raw
sockets, MPTCP and SCTP are refused).  With --allow-host the command reaches
only those hosts, through a proxy nono runs outside (HTTPS_PROXY and the
like point at it); no UDP, no DNS inside, TCP connect to the proxy's port
only (Landlock ABI 4+; below it nono refuses unless --best-effort).
  @--allow-host@
  @--net-open@
  @--net-block@

Kernel:
  @--abi-min@
  @--best-effort@

Environment: variables that make programs load code (LD_*, BASH_ENV, ENV,
BASH_FUNC_*, PROMPT_COMMAND, NODE_OPTIONS, PYTHONSTARTUP, PERL5OPT, RUBYOPT,
JAVA_TOOL_OPTIONS, LUA_INIT, ...) are removed; the rest is passed on.
  @--keep-env@

Session: nono stays outside the sandbox as a small supervisor.  It passes
SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1 and SIGUSR2 on to COMMAND, and when
COMMAND ends it kills whatever COMMAND left running (double-forked, setsid'ed
daemons included: nono is their subreaper).  Inside, 'nono why --self' answers
from the sealed policy of the sandbox.
  @--audit-log@
  @--audit-log-required@

Output:
  @--dry-run@
  @--json@
  @-v@
  @-h@

An option's value is the next argument, unless that begins with '-' (a
forgotten value: nono refuses); write --audit-log=-x, or ./-x for a path.

Exit status: COMMAND's own; 128+N if it was killed by signal N (31, SIGSYS,
when it made a system call from another architecture); 126 if the sandbox
could not be set up (COMMAND was not run); 127 if COMMAND could not be
executed (not found, or blocked); 125 if the audit log could not be written
completely (whatever COMMAND's own status: the message gives it), or if
nono's own output could not be written; 2 for a usage error.  (126 and 127
are the shell's own codes for a command that could not be run: 'man nono'
says why nono keeps them rather than a code of its own.)
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

HELP.shell = [[
Usage: nono shell [options]

Starts your shell ($SHELL, else /bin/sh) interactively in the sandbox that
'nono run' builds from the same options (see 'nono help run': --profile, the
grants, --dry-run, ...), with NONO_SANDBOX=1 in its environment and its
prompt marked "[nono] ":

  bash   --rcfile names a file nono writes: it sources your ~/.bashrc,
         then marks PS1 before every prompt (a prompt your ~/.bashrc
         rebuilds keeps the mark); bash still reads /etc/bash.bashrc first
  zsh    ZDOTDIR names a directory nono writes whose .zshenv and .zshrc
         source yours, then mark PS1 (from precmd, likewise)
  fish   --init-command wraps fish_prompt after your config has loaded
  other  PS1 is set in the environment ("[nono] $ ", or "# " for root)

Your shell's own start-up files are granted read-only (--dry-run lists them).
The files nono writes live in a new directory, 0700, in the first of
$XDG_RUNTIME_DIR, $TMPDIR, /tmp, /var/tmp, /dev/shm and nono's own config
directory (~/.config/nono, read-only in every sandbox) where this sandbox
cannot create, replace or remove anything, and are removed when the shell
exits.

Exit status: the shell's, as for 'nono run'.
]]

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
past one, it fails with an error naming it.  See docs/profiles.md and 'man
nono-profile'.
]]

HELP.why = [[
Usage: nono why --path PATH [--op read|write|readwrite|exec] [--json] [--self | options]
       nono why --host HOST[:PORT] [--json] [options]

Answers whether the sandbox that 'nono run' would build with the same
options allows OP on PATH, from the same rules the kernel is given: ALLOWED
or DENIED, the reason, the grant or protection responsible, and the flag
that would change it.  The --profile, grant, --bypass, --allow-command,
--block-command, --net-block, --allow-host, --net-open, --abi-min and
--best-effort options are those of 'nono run' (see 'nono help run').  With
--host, whether the command may reach HOST[:PORT] (443 unless given).

  @--path@
  @--op@
  @--host@
  @--json@
  @--self@

Exit status: 0 if ALLOWED, 1 if DENIED, 2 for a usage error, 126 if there
is no policy to answer from (a profile or grant error; --self outside a
sandbox, or with a policy nono did not write), 125 if the answer could not
be written.
]]

HELP.setup = [[
Usage: nono setup --check [--json] [options]

Reports what this machine supports and what nono will enforce here: the
Landlock ABI and the rights it handles, seccomp, user namespaces (and the
step that fails when they do not work), what 'nono run' would refuse or
do only as best effort, a trial run of a sandboxed /bin/true, and which
agent CLIs are on PATH; each line with a hint.  The policy options of
'nono run' (--profile, grants, --abi-min, ...) report for that policy.

  @--check@
  @--json@
]]

HELP.completion = [[
Usage: nono completion bash|zsh|fish

Prints a completion script for the shell: subcommands, options and their
values, and profile names (from 'nono profile list').  Load it with

  bash   source <(nono completion bash)    (or install it as
         /usr/share/bash-completion/completions/nono)
  zsh    nono completion zsh > ~/.zfunc/_nono, with ~/.zfunc in fpath
         before compinit
  fish   nono completion fish | source    (or save it as
         ~/.config/fish/completions/nono.fish)

'make install' installs all three.
]]

for cmd, text in pairs(HELP) do HELP[cmd] = with_options(cmd, text) end

--- The OPTIONS section of nono(1), in roff: the table, grouped.  The page
-- (man/nono.1) holds this between its "generated" markers; `make man`
-- refreshes it and a spec checks it is current.
local function man_options()
  -- (an option's hyphens are minus signs, \-; a hyphen inside a word
  -- such as read-only stays one)
  local function roff(text)
    local src = text:gsub("\\", "\\e")
    local out = src:gsub("()(%-[%w%-]*)", function(at, word)
      if at == 1 or src:sub(at - 1, at - 1):match("[%s%(%[,'\"/|]") then return (word:gsub("%-", "\\-")) end
    end)
    return (out:gsub("\n([.'])", "\n\\&%1"):gsub("^([.'])", "\\&%1"))
  end
  local out, groups, order = {}, {}, {}
  -- (every option of a group is taken by the same commands: the page
  -- says which once, under the group's heading)
  for _, o in ipairs(OPTIONS) do
    if not groups[o.group] then
      groups[o.group] = { cmds = o.cmds, list = {} }
      order[#order + 1] = o.group
    end
    local g = groups[o.group]
    if g.cmds ~= o.cmds then error("option " .. o[1] .. " is taken by other commands than its group " .. o.group) end
    g.list[#g.list + 1] = o
  end
  for _, name in ipairs(order) do
    local g = groups[name]
    local takers = {}
    for cmd in g.cmds:gmatch("%S+") do takers[#takers + 1] = cmd == "nono" and "nono" or "nono " .. cmd end
    out[#out + 1] = ".SS " .. name
    out[#out + 1] = "Taken by " .. roff(table.concat(takers, ", ")) .. "."
    for _, o in ipairs(g.list) do
      local names = {}
      for i, n in ipairs(o) do names[i] = "\\fB" .. n:gsub("%-", "\\-") .. "\\fR" end
      out[#out + 1] = ".TP"
      out[#out + 1] = table.concat(names, ", ") .. (o.arg and " \\fI" .. roff(o.arg) .. "\\fR" or "")
      out[#out + 1] = roff(o.help)
    end
  end
  return table.concat(out, "\n") .. "\n"
end

--- What the completion scripts are made from (nono.completion).
local function completion_spec()
  local commands = {}
  for i, c in ipairs(COMMANDS) do
    local options = {}
    for _, o in ipairs(OPTIONS) do
      if (" " .. o.cmds .. " "):find(" " .. c[1] .. " ", 1, true) then options[#options + 1] = o end
    end
    commands[i] = { name = c[1], brief = c.brief, options = options }
  end
  local top = {}
  for _, o in ipairs(OPTIONS) do
    if o.cmds == "nono" then top[#top + 1] = o end
  end
  top[#top + 1] = { "-h", "--help", help = "the overview of the commands" }
  local topics = {}
  for i, c in ipairs(COMMANDS) do topics[i] = c[1] end
  return { commands = commands, top = top, topics = topics,
    profile_commands = { { "list", brief = "the profiles and their descriptions" },
      { "show", brief = "the policy a profile computes here" },
      { "check", brief = "load a profile and report its first error" } },
    shells = { "bash", "zsh", "fish" } }
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
      return nil, unknown("option", a, option_names(cmd))
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
  if spec.net.open then p.net_open = true end
  for _, h in ipairs(spec.net.hosts or {}) do
    local ok, msg = net.allow(p, h.text, h.source)
    if not ok then return nil, msg end
  end
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
  -- (what `nono shell` adds: the shell's start-up files and its own)
  for _, g in ipairs(opts.extra_grants or {}) do
    local ok, msg = p:grant(g.path, "read", { kind = g.kind, optional = g.optional, source = g.source })
    if not ok then return nil, msg, EXIT_SETUP end
  end
  for _, o in ipairs(opts.policy) do
    local ok, msg = POLICY[o.option](p, o.value, o.option .. " " .. o.value)
    if not ok then return nil, msg, EXIT_USAGE end
  end
  if opts.net_block then p:set_net_block(true) end
  if opts.net_open then p.net_open = true end
  if p.net_block and (p.net_open or (p.hosts and #p.hosts > 0)) then
    return nil, "--net-block leaves no network: it goes with neither --net-open nor allowed hosts", EXIT_USAGE
  end
  if opts.keep_dirs then p:set_keep_dirs(true) end
  p.accept_links = opts.accept_links or nil
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
    local mode = net.mode(p)
    if r.seccomp.net_block then
      line("  network       blocked: seccomp allows unix sockets only; Landlock TCP %s",
        #ll.handled_net > 0 and "bind and connect denied too" or "rules unavailable (ABI < 4)")
    elseif mode == "allow-list" then
      local hosts = {}
      for _, h in ipairs(p.hosts) do hosts[#hosts + 1] = h.text end
      line("  network       allow-list: only through nono's proxy, to %s", table.concat(hosts, " "))
      if net.namespace(p) then
        line("  network       own network namespace with loopback only: no interface of this machine "
          .. "is reachable; the proxy's socket is made inside it and served from outside; Landlock allows "
          .. "TCP connect to the proxy's port only, and no bind; UDP is refused (seccomp); the proxy also "
          .. "asks for this session's token")
      elseif #ll.handled_net > 0 then
        line("  network       FLOOR MODE, weaker: Landlock allows TCP connect to the proxy's port only, "
          .. "and no bind; its rules name ports, not addresses, so that port on any other host is "
          .. "reachable too; UDP is refused (seccomp); the proxy asks for this session's token, so "
          .. "no other local process can use it")
      else
        line("  network       NOT ENFORCED (Landlock ABI %d < 4, --best-effort): any TCP connect "
          .. "goes out; only clients that honour HTTPS_PROXY use the proxy; UDP is refused", ll.abi)
      end
      line("  network       the proxy resolves names and refuses loopback, private, link-local, CGNAT, "
        .. "unique-local and cloud-metadata addresses unless that address is allowed itself")
    else
      line("  network       open (%s)", p.net_open and "--net-open"
        or "--allow-host allows hosts one by one; --net-block closes it")
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
  local procs = r.processes
  if procs.pid_namespace then
    line("  processes     own pid and IPC namespaces: /proc shows the sandbox's processes only, SysV IPC "
      .. "and message queues are its own; prlimit on another process is refused")
  else
    line("  processes     shared pid and IPC namespaces (%s): the user's other processes show in /proc, "
      .. "SysV IPC is shared; prlimit on another process is refused (seccomp)", procs.reason)
  end
  if #r.terminals > 0 then
    line("  terminal      %s (the session's own) and /dev/tty; no other of /dev/pts; a pseudo-terminal "
      .. "made inside cannot be opened (openpty, script, tmux fail)", table.concat(r.terminals, " "))
  else
    line("  terminal      none of /dev/pts (stdin, stdout and stderr are no terminal); a pseudo-terminal "
      .. "made inside cannot be opened (openpty, script, tmux fail)")
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
  if procs.pid_namespace then
    line("  process tree  ends with the command: the pid namespace's init kills what is left, and the "
      .. "kernel ends the namespace if nono is killed")
  else
    line("  process tree  ends with the command: orphans are reparented to nono (subreaper) and killed; "
      .. "if nono is killed, detached processes live on")
  end
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
  json.array(r.terminals)
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
  if net.mode(p) == "allow-list" and p.abi < 4 and not p.best_effort then
    return nil, { string.format("--allow-host needs Landlock ABI 4 (TCP connect rules) to keep the "
        .. "command from going around the proxy; this kernel has %d", p.abi),
      "hint: add --best-effort to run with the proxy offered but not enforced",
      "the command was not run" }
  end
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

--- `nono run`; `nono shell` comes here with its options parsed and its
-- shell prepared (`shell`: see prepare_shell).
local function run(args, i, shell)
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
  local p, spec_or_msg, status
  if shell and shell.policy then
    p, spec_or_msg = shell.policy, shell.spec
  else
    p, spec_or_msg, status = build_policy(opts, not opts.dry_run)
  end
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
  if shell then shell:environ(environ) end
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

  -- The allow-list's proxy (row 32): its socket and port now, for the
  -- plan's port rule and the command's environment; supervisor.run forks
  -- it just before the command.
  local proxy
  if net.mode(p) == "allow-list" then
    -- Where namespaces work the socket is made in the command's own
    -- network namespace (exec.c) and arrives over a socket pair.
    local fd, port, send
    if net.namespace(p) then
      send, fd = core.socketpair()
      port = net.NAMESPACE_PORT
    else
      fd, port = core.proxy_listen(0)
    end
    local token, tmsg = fd and core.random_hex(16)
    if not fd or not token then
      say("cannot start the proxy: %s", fd and tmsg or port)
      say("the command was not run")
      return EXIT_SETUP
    end
    p.proxy_port = port
    proxy = { fd = not send and fd or nil, receive_fd = send and fd or nil, send_fd = send, port = port,
      auth = "Basic " .. net.base64("nono:" .. token), hosts = p.hosts, verbose = opts.verbose }
    local names = {}
    for _, name in ipairs(net.variables) do names[name] = true end
    for j = #environ, 1, -1 do
      if names[environ[j]:match("^([^=]*)")] then table.remove(environ, j) end
    end
    for _, e in ipairs(net.environment(string.format("http://nono:%s@127.0.0.1:%d", token, port))) do
      environ[#environ + 1] = e
    end
  end

  local plan <close>, emsg = p:plan(p.session)
  local sealed
  if plan then
    if #p:timed_grants() > 0 then plan:set_private_mounts() end
    if proxy and proxy.send_fd then plan:set_netns(proxy.port, proxy.send_fd) end
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
    start = start, proxy = proxy,
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
  if not opts.path and not opts.host then return usage_error("why", "--path PATH is required (or --host HOST)") end
  if opts.path and opts.host then return usage_error("why", "ask about --path or --host, not both") end
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
  if opts.host then
    local answer, herr = net.why(p, opts.host)
    if not answer then return usage_error("why", "--host %s: %s", opts.host, herr) end
    if opts.json then
      io.stdout:write(json.encode(answer), "\n")
    else
      io.stdout:write(string.format("%s %s\n  reason: %s\n", answer.verdict:upper(), answer.target, answer.reason))
      if answer.hint then io.stdout:write("  hint: ", answer.hint, "\n") end
      if answer.note then io.stdout:write("  note: ", answer.note, "\n") end
    end
    return answer.verdict == "allowed" and EXIT_ALLOWED or EXIT_DENIED
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
  local msg = unknown("profile command", sub, { "list", "show", "check" })
  return usage_error("profile", "%s", msg:find("did you mean") and msg or msg .. " (list, show or check)")
end

---------------------------------------------------------------------------
-- `nono shell`

--- Quote a word for sh, bash and zsh.
local function shq(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

-- The start-up files each shell reads, granted read-only to it ("~" and
-- the shell's own variables expand as the policy expands paths).
local SHELL_FILES = {
  bash = { "/etc/bash.bashrc", "~/.bashrc", "~/.bash_aliases", "~/.inputrc" },
  zsh = { "/etc/zsh", "@ZDOTDIR@/.zshenv", "@ZDOTDIR@/.zshrc" },
  fish = { "/etc/fish", "@XDG@/fish" },
}

-- What fish runs once its configuration has loaded: fish_prompt wrapped.
local FISH_INIT = "if functions -q fish_prompt; functions -c fish_prompt __nono_fish_prompt; "
  .. "else; function __nono_fish_prompt; printf '> '; end; end; "
  .. "function fish_prompt; printf '[nono] '; __nono_fish_prompt; end"

local Shell = {}
Shell.__index = Shell

--- Remove the files nono wrote for the shell (nothing in the sandbox could
-- write where they are, so the names are still nono's).
function Shell:__close()
  if self.dir and not self.dry_run then
    for _, name in ipairs(self.files) do os.remove(self.dir .. "/" .. name) end
    os.remove(self.dir)
  end
end

--- The shell's variables, set over the filtered environment.
function Shell:environ(list)
  for j = #list, 1, -1 do
    local name = list[j]:match("^([^=]*)=")
    if self.env[name] then table.remove(list, j) end
  end
  local names = {}
  for name in pairs(self.env) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do list[#list + 1] = name .. "=" .. self.env[name] end
end

--- A new directory, 0700, beneath `base`, for the shell's start-up files.
local function new_private_dir(base)
  local f = assert(io.open("/dev/urandom", "rb"))
  for _ = 1, 16 do
    local dir = string.format("%s/nono-shell.%s", base, (f:read(6):gsub(".", function(c)
      return string.format("%02x", c:byte())
    end)))
    local ok, msg = lfs.mkdir(dir)
    if ok then
      f:close()
      local cok, cmsg = core.chmod(dir, 448) -- 0700
      local a = lfs.symlinkattributes(dir)
      if not cok or not a or a.mode ~= "directory" or a.uid ~= core.geteuid() or a.permissions ~= "rwx------" then
        os.remove(dir)
        return nil, string.format("%s: not a private directory of this user (%s)", dir, cmsg or "mode")
      end
      return dir
    end
    if not tostring(msg):find("exists") then
      f:close()
      return nil, string.format("cannot create a directory in %s: %s", base, msg)
    end
  end
  f:close()
  return nil, "cannot find a free name in " .. base
end

--- Where the shell's start-up files may go: the candidates in order, each
-- { dir, make = create it when missing }.
local function shell_places(p)
  local out = {}
  local function add(d, make)
    if d and d:sub(1, 1) == "/" then out[#out + 1] = { dir = core.realpath(d) or paths.clean(d), make = make } end
  end
  add(os.getenv("XDG_RUNTIME_DIR"))
  add(os.getenv("TMPDIR"))
  add("/tmp")
  add("/var/tmp")
  add("/dev/shm")
  -- nono's own configuration directory: read-only in every sandbox
  local config = profile.user_dir(profile_ctx(p.cwd, p.abi))
  add(config and config:match("^(.*)/profiles$"), true)
  return out
end

--- Whether, in policy `p`, the sandbox can neither create a name in `dir`
-- nor gain rights on one made there later (a narrowed directory gives
-- each entry listed at the start the grant's rights).
local function out_of_reach(p, dir)
  local answer = p:why(dir .. "/nono-shell.new", "write")
  return answer and answer.verdict == "denied" and not p:narrowed_at(dir)
end

--- `mkdir -p` of what is missing of `dir`.
local function make_dirs(dir)
  local path = ""
  for part in dir:gmatch("[^/]+") do
    path = path .. "/" .. part
    if not lfs.attributes(path) then
      local ok, msg = lfs.mkdir(path)
      if not ok then return nil, "cannot create " .. path .. ": " .. tostring(msg) end
    end
  end
  return true
end

--- Write the shell's start-up files (`texts`: name -> text) where the
-- sandbox the options build cannot write them, and build that sandbox's
-- policy with them granted read-only.  A place is tried only if the
-- sandbox could not create a name there; once the files exist, the policy
-- built with them must deny writing each and creating beside them (the
-- file runs in the shell, and a session granted the place could otherwise
-- plant code in the next shell's).  Sets sh.dir, sh.policy, sh.spec.
-- Returns true, or nil, message, status.
local function place_shell_files(sh, opts, texts, grants)
  local probe, msg, status = build_policy(opts, false)
  if not probe then return nil, msg, status end
  local tried = {}
  for _, c in ipairs(shell_places(probe)) do
    local isdir = lfs.attributes(c.dir, "mode") == "directory"
    if (isdir or c.make) and out_of_reach(probe, c.dir) then
      opts.extra_grants = grants
      local n = #grants + 1
      if opts.dry_run then
        sh.dir = c.dir .. "/nono-shell.XXXXXXXXXXXX"
        grants[n] = { path = sh.dir, kind = "dir", optional = true, source = "nono shell (the start-up file nono writes)" }
        for name in pairs(texts) do sh.files[#sh.files + 1] = name end
        return true
      end
      local ok, err = true, nil
      if not isdir then ok, err = make_dirs(c.dir) end
      local dir
      if ok then dir, err = new_private_dir(c.dir) end
      if not dir then return nil, err, EXIT_SETUP end
      sh.dir, sh.files = dir, {}
      for name, text in pairs(texts) do
        sh.files[#sh.files + 1] = name
        local f, ferr = io.open(dir .. "/" .. name, "w")
        if not f or not f:write(text) or not f:close() then
          sh:__close()
          return nil, "cannot write " .. dir .. "/" .. name .. ": " .. tostring(ferr), EXIT_SETUP
        end
      end
      grants[n] = { path = dir, kind = "dir", source = "nono shell (the start-up file nono writes)" }
      local p, spec, pstatus = build_policy(opts, true)
      if not p then
        sh:__close()
        return nil, spec, pstatus
      end
      local safe = out_of_reach(p, dir)
      for _, name in ipairs(sh.files) do
        local answer = p:why(dir .. "/" .. name, "write")
        safe = safe and answer and answer.verdict == "denied"
      end
      if safe then
        sh.policy, sh.spec = p, spec
        return true
      end
      sh:__close()
      sh.dir, grants[n] = nil, nil
    end
    tried[#tried + 1] = c.dir
  end
  return nil, "no place for the shell's start-up file that this sandbox cannot write (tried "
    .. table.concat(tried, ", ") .. ")\nhint: set XDG_RUNTIME_DIR to a directory outside the grants",
    EXIT_SETUP
end

--- Prepare `nono shell`: which shell, its command line, the files it
-- reads, its environment.  Returns the Shell, or nil, message, status.
local function prepare_shell(opts)
  local given = os.getenv("SHELL")
  local path = given and given:sub(1, 1) == "/" and policy.which(given) and given or "/bin/sh"
  local name = path:match("([^/]*)$")
  local kind = SHELL_FILES[name] and name or "sh"
  local sh = setmetatable({ opts = opts, kind = kind, files = {}, dry_run = opts.dry_run,
    env = { NONO_SANDBOX = "1" } }, Shell)
  local zdotdir = os.getenv("ZDOTDIR")
  zdotdir = zdotdir and zdotdir:sub(1, 1) == "/" and zdotdir or nil
  local xdg = os.getenv("XDG_CONFIG_HOME")
  xdg = xdg and xdg:sub(1, 1) == "/" and xdg or "~/.config"
  local grants = {}
  for _, f in ipairs(SHELL_FILES[kind] or {}) do
    f = f:gsub("@ZDOTDIR@", function() return zdotdir or "~" end):gsub("@XDG@", function() return xdg end)
    grants[#grants + 1] = { path = f, optional = true, source = "nono shell (" .. kind .. "'s start-up files)" }
  end
  opts.extra_grants = grants
  local header = "# Written by nono shell for this session, removed when it ends.\n"
  local texts
  if kind == "bash" then
    texts = { bashrc = header
      .. "if [ -f ~/.bashrc ]; then . ~/.bashrc; fi\n"
      .. "__nono_mark() { case $PS1 in '[nono] '*) ;; *) PS1=\"[nono] $PS1\" ;; esac; }\n"
      .. "PROMPT_COMMAND=\"${PROMPT_COMMAND:+$PROMPT_COMMAND\n}__nono_mark\"\n"
      .. "__nono_mark\n" }
  elseif kind == "zsh" then
    -- zsh reads $ZDOTDIR/.zshenv, then $ZDOTDIR/.zshrc: these source the
    -- user's own (ZDOTDIR as it was, else ~) and put ZDOTDIR back.
    local user = zdotdir and shq(zdotdir) or "$HOME"
    texts = {
      [".zshenv"] = header
        .. "__nono_dir=$ZDOTDIR\nZDOTDIR=" .. user .. "\n"
        .. "[[ -f $ZDOTDIR/.zshenv ]] && . $ZDOTDIR/.zshenv\n"
        .. "__nono_user=$ZDOTDIR\nZDOTDIR=$__nono_dir\n",
      [".zshrc"] = header
        .. "ZDOTDIR=$__nono_user\nunset __nono_dir __nono_user\n"
        .. "[[ -f $ZDOTDIR/.zshrc ]] && . $ZDOTDIR/.zshrc\n"
        .. (zdotdir and "" or "unset ZDOTDIR\n")
        .. "__nono_mark() { [[ $PS1 == '[nono] '* ]] || PS1=\"[nono] $PS1\"; }\n"
        .. "precmd_functions+=(__nono_mark)\n"
        .. "__nono_mark\n",
    }
  end
  local argv = { path, "-i" }
  if texts then
    local ok, msg, status = place_shell_files(sh, opts, texts, grants)
    if not ok then return nil, msg, status end
    table.sort(sh.files)
    if kind == "bash" then
      argv = { path, "--rcfile", sh.dir .. "/bashrc", "-i" }
    else
      sh.env.ZDOTDIR = sh.dir
    end
  elseif kind == "fish" then
    argv = { path, "--init-command", FISH_INIT, "-i" }
  else
    local ps1 = os.getenv("PS1")
    sh.env.PS1 = "[nono] " .. ((ps1 and ps1 ~= "") and ps1 or (core.geteuid() == 0 and "# " or "$ "))
  end
  opts.command = argv
  return sh
end

local function shell_command(args, i)
  local opts, status = parse_command("shell", args, i)
  if not opts then return status end
  if #opts.command > 0 then
    return usage_error("shell", "unexpected argument '%s' (nono shell runs your shell; 'nono run' a command)",
      opts.command[1])
  end
  local sh <close>, msg, sstatus = prepare_shell(opts)
  if not sh then
    say("%s", msg)
    say("the command was not run")
    return sstatus
  end
  return run(nil, nil, sh)
end

---------------------------------------------------------------------------
-- `nono setup --check`

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
  p.session = "new"
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
      landlock_hint(p.abi_errno) .. "; without it nono runs nothing (126)")
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
  if ns.available then
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
  elseif not ns.available then
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

local function setup_command(args, i)
  local opts, status = parse_command("setup", args, i)
  if not opts then return status end
  if #opts.command > 0 then return usage_error("setup", "unexpected argument '%s'", opts.command[1]) end
  if not opts.check then return usage_error("setup", "nono setup --check [--json]: --check is what setup does") end
  local result, msg, rstatus = setup_checks(opts)
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
-- `nono completion SHELL` and `nono help --man-options`

local function completion_command(args, i)
  local shell = args[i]
  if shell == "-h" or shell == "--help" then
    io.stdout:write(HELP.completion)
    return 0
  end
  local completion = require "nono.completion"
  if not shell or args[i + 1] or not completion[shell] then
    if shell and not args[i + 1] then
      return usage_error("completion", "%s", unknown("shell", shell, { "bash", "zsh", "fish" }))
    end
    return usage_error("completion", "nono completion bash|zsh|fish")
  end
  io.stdout:write(completion[shell](completion_spec()))
  return 0
end

function M.main(args)
  local cmd = args[1]
  if cmd == "run" then
    return run(args, 2)
  elseif cmd == "shell" then
    return shell_command(args, 2)
  elseif cmd == "why" then
    return why(args, 2)
  elseif cmd == "profile" then
    return profile_command(args, 2)
  elseif cmd == "setup" then
    return setup_command(args, 2)
  elseif cmd == "completion" then
    return completion_command(args, 2)
  elseif cmd == "--version" or cmd == "-V" or cmd == "version" then
    local abi = core.landlock_abi()
    io.stdout:write(string.format("nono %s (%s; Landlock ABI %s on this kernel, up to %d known)\n",
      core.version, _VERSION, abi and tostring(abi) or "unavailable", core.landlock_abi_known))
    return 0
  elseif cmd == "help" and args[2] == "--man-options" then
    io.stdout:write(man_options())
    return 0
  elseif cmd == "help" or cmd == "--help" or cmd == "-h" or cmd == nil then
    local topic = cmd == "help" and args[2] or "main"
    if not HELP[topic] then
      local topics = {}
      for k, c in ipairs(COMMANDS) do topics[k] = c[1] end
      return usage_error(nil, "no help for '%s'%s", topic,
        (unknown("", topic, topics):match(" %(did you mean .*%)$") or ""))
    end
    io.stdout:write(HELP[topic])
    return cmd == nil and EXIT_USAGE or 0
  end
  local names = {}
  for k, c in ipairs(COMMANDS) do names[k] = c[1] end
  if cmd:sub(1, 1) == "-" then
    return usage_error(nil, "%s", unknown("option", cmd, { "-V", "--version", "-h", "--help" }))
  end
  return usage_error(nil, "%s", unknown("command", cmd, names))
end

return M
