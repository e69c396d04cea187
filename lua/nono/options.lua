--- The command line's vocabulary: every option of every command and what
-- it does to the policy, the commands, and the parser's tables made from
-- them.  The help texts (nono.help), the man page's OPTIONS section and the
-- shell completions (nono.completion) come from the same table.
local lfs = require "lfs"
local paths = require "nono.paths"
local grants = require "nono.grants"

local M = {}

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
      local seconds, msg = grants.parse_duration(duration)
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
}
-- The grant forms (nono.grants), each an option.
for _, f in ipairs(grants.FORMS) do
  OPTIONS[#OPTIONS + 1] = { f.flag, arg = f.arg, policy = grant_option(f.access, f.kind), cmds = SHAPING,
    group = "Grants", complete = f.kind, help = f.help }
end
for _, o in ipairs {
  { "--allow-unix-socket", arg = "PATH", policy = function(p, v, src) return p:allow_unix_socket(v, src) end,
    cmds = SHAPING, group = "Grants", complete = "file",
    help = "keep the unix socket PATH reachable ($SSH_AUTH_SOCK for git over ssh): where user namespaces "
      .. "work the outside daemons' sockets are hidden (the user's runtime directory, docker, tmux, X11, "
      .. "ssh-agent, gpg-agent; repeatable)" },
  { "--private-tmp", key = "private_tmp", cmds = SHAPING,
    group = "Grants",
    help = "grant /tmp, /var/tmp and /dev/shm read+write, private to the session where user namespaces "
      .. "work (a new directory under $XDG_STATE_HOME/nono/tmp over each; the host's files and sockets "
      .. "there are out of sight); on the floor the host's (what the agent profiles do)" },
  { "--discard-tmp", key = "discard_tmp", cmds = "run shell", group = "Session",
    help = "remove the session's private /tmp when it ends (kept by default, and its path printed, when "
      .. "the command left something there)" },
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
  { "--allow-host", arg = "HOST[:PORT]", policy = function(p, v, src) return require("nono.net").allow(p, v, src) end,
    cmds = SHAPING, group = "Network",
    help = "let COMMAND reach HOST (ports 443 and 80, or PORT) through nono's proxy, and nothing else: "
      .. "*.example.com for its subdomains, @GROUP for a named group (@npm, @pypi, @github, "
      .. "@package-registries, @git-hosting, @model-apis, ...); repeatable.  No UDP, no DNS inside" },
  { "--allow-port", port_form = "allow_port" },
  { "--allow-bind", port_form = "allow_bind" },
  { "--net-open", key = "net_open", cmds = SHAPING, group = "Network",
    help = "keep the network open although the profile allows hosts one by one" },

  { "--abi-min", arg = "N", policy = function(p, v, src) return p:set_abi_min(v, src) end, cmds = SHAPING,
    group = "Kernel", complete = { "1", "2", "3", "4", "5", "6", "7", "8", "9" },
    help = "refuse to run on a kernel with Landlock ABI below N" },
  { "--no-namespaces", key = "no_namespaces", cmds = SHAPING, group = "Kernel",
    help = "use no namespace even where they work: the floor (Landlock and seccomp alone), as on a "
      .. "machine without unprivileged user namespaces; the report lists what is then not isolated" },
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

  { "--ephemeral", key = "ephemeral", cmds = "run", group = "Ephemeral sessions",
    help = "the directories granted for writing become overlays in the command's own mount namespace: "
      .. "every change is kept aside (under $XDG_STATE_HOME/nono/sessions) and the real tree is "
      .. "untouched until 'nono session commit ID'.  Needs unprivileged user namespaces; refused with "
      .. "a file write grant or a time-limited grant.  See 'nono help session'" },
  { "--rollback", key = "rollback", cmds = "run shell", group = "Rollback",
    help = "record the project (the git work tree, else the working directory) before COMMAND runs, "
      .. "untracked and ignored files included; afterwards one line says what changed and how to undo "
      .. "it ('nono rollback restore ID').  See 'nono help rollback'." },
  { "--rollback-exclude", arg = "NAME", key = "rollback_exclude", set = true, cmds = "run shell",
    group = "Rollback", complete = "file",
    help = "a file or directory name not to record, anywhere in the tree (repeatable; replaces the "
      .. "defaults node_modules target .venv venv __pycache__ ...; +NAME adds to them)" },

  { "--keep", arg = "N", key = "keep", cmds = "rollback", group = "Pruning snapshots",
    help = "nono rollback prune keeps the N newest sessions whatever their age (default 20)" },
  { "--keep-days", arg = "DAYS", key = "keep_days", cmds = "rollback", group = "Pruning snapshots",
    help = "nono rollback prune keeps every session of the last DAYS days (default 30)" },

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
  { "--port", arg = "PORT", key = "port", cmds = "why", group = "Asking why",
    help = "whether the allowed hosts (those without a port of their own) are reached on PORT" },
  { "--bind", arg = "PORT", key = "bind", cmds = "why", group = "Asking why",
    help = "whether the command may listen on TCP port PORT" },
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

  { "-h", "--help", key = "help", cmds = SHAPING .. " rollback", group = "Every command",
    help = "this help" },
  { "-V", "--version", cmds = "nono", group = "nono itself",
    help = "print the version, and the Landlock ABI of this kernel" },
} do
  -- a port form of nono.grants, placed here in the Network group
  for _, f in ipairs(o.port_form and grants.PORT_FORMS or {}) do
    if f.name == o.port_form then
      o = { f.flag, arg = f.arg, cmds = SHAPING, group = "Network", help = f.help,
        policy = function(p, v, src) return require("nono.net").allow_port(p, f.right, v, src) end }
    end
  end
  OPTIONS[#OPTIONS + 1] = o
end

--- The commands, in the order the help lists them.
local COMMANDS = {
  { "run", usage = "nono run [options] [--] COMMAND [ARGS...]", brief = "run COMMAND sandboxed" },
  { "shell", usage = "nono shell [options]", brief = "your shell, sandboxed" },
  { "why", usage = "nono why --path PATH [--op OP] | --host HOST[:PORT] [options]",
    brief = "explain the sandbox's verdict" },
  { "profile", usage = "nono profile list|show NAME|check FILE", brief = "the Lua profiles" },
  { "session", usage = "nono session list|diff ID|commit ID|discard ID",
    brief = "the changes of --ephemeral sessions" },
  { "rollback", usage = "nono rollback list|show ID|restore ID [PATH...]|prune",
    brief = "undo a session recorded with --rollback" },
  { "setup", usage = "nono setup --check [--json]", brief = "what nono can enforce here" },
  { "completion", usage = "nono completion bash|zsh|fish", brief = "print a shell completion script" },
  { "help", usage = "nono help [COMMAND]", brief = "show help for a command" },
}

-- The parser's tables: the policy options (shared), and per command its
-- flags (no value) and its other options with a value.
local POLICY = {}
-- Of those with a value, the ones that may be repeated (collected in a set).
local SETS = {}
for _, o in ipairs(OPTIONS) do
  if o.policy then
    for _, name in ipairs(o) do POLICY[name] = o.policy end
  end
  if o.set then SETS[o.key] = true end
end

local function takes(o, cmd)
  return (" " .. o.cmds .. " "):find(" " .. cmd .. " ", 1, true) ~= nil
end

-- FLAGS[cmd] and VALUES[cmd] are made when first asked for: nono parses
-- one command's line.
local FLAGS, VALUES = {}, {}
local function parser_tables(cmd)
  local flags, values = {}, {}
  for _, o in ipairs(OPTIONS) do
    if not o.policy and takes(o, cmd) then
      for _, name in ipairs(o) do
        if o.arg then values[name] = o.key else flags[name] = o.key end
      end
    end
  end
  FLAGS[cmd], VALUES[cmd] = flags, values
end
for _, t in ipairs { FLAGS, VALUES } do
  setmetatable(t, { __index = function(_, cmd)
    parser_tables(cmd)
    return rawget(t, cmd)
  end })
end

--- The entry of option `name` that command `cmd` takes, or nil.
local function option_of(cmd, name)
  for _, o in ipairs(OPTIONS) do
    if takes(o, cmd) then
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
    if takes(o, cmd) then
      for _, n in ipairs(o) do out[#out + 1] = n end
    end
  end
  return out
end

--- What the completion scripts are made from (nono.completion).
local function completion_spec()
  local commands = {}
  for i, c in ipairs(COMMANDS) do
    local options = {}
    for _, o in ipairs(OPTIONS) do
      if takes(o, c[1]) then options[#options + 1] = o end
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

M.OPTIONS, M.COMMANDS = OPTIONS, COMMANDS
M.FLAGS, M.VALUES, M.POLICY, M.SETS = FLAGS, VALUES, POLICY, SETS
M.option_of, M.option_names, M.completion_spec = option_of, option_names, completion_spec

return M
