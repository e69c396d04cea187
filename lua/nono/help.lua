--- The help texts, made with the option lines of nono.options, the man
-- page's OPTIONS section, and the did-you-mean of a mistyped word.  Loaded
-- only when one of them is shown.
local defaults = require "nono.defaults"
local options = require "nono.options"

local OPTIONS, COMMANDS, option_of = options.OPTIONS, options.COMMANDS, options.option_of
local M = {}


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
Where user namespaces work, every mount outside the write grants is
read-only and nosuid in the command's mount namespace (chmod, chown, utimes
and xattrs there fail: EROFS), and the outside daemons' sockets are hidden
(the user's runtime directory, docker, the D-Bus system bus, X11, tmux,
screen, $SSH_AUTH_SOCK, ~/.gnupg/S.*).  The report's mounts and sockets
lines say what; on the floor neither, as the report says.
  @--allow-unix-socket@
  @--private-tmp@
  @--discard-tmp@

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
sockets, MPTCP and SCTP are refused).  With --allow-host (and under the
agent profiles, which allow their model APIs) the command reaches only those
hosts, through a proxy nono runs outside (HTTPS_PROXY and the like point at
it): in a network namespace of loopback only where namespaces work; no UDP,
no DNS inside; TCP connect to the proxy's port only, and no bind but
--allow-bind's ports (Landlock ABI 4+; below it nono refuses unless
--best-effort).
  @--allow-host@
  @--allow-port@
  @--allow-bind@
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

Ephemeral sessions: every change waits aside until you commit it ('nono
help session'); when COMMAND ends nono prints the session's id.
  @--ephemeral@
Rollback ('nono help rollback'):
  @--rollback@
  @--rollback-exclude@

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
  check FILE   load a profile (a path or a name) and build its policy as run
               does; report the first error with its file and line, or
               where the policy was sealed; exit 0 if run would take it, 1
               if not

A name is looked up among the built-ins first, then in your directory, and
never in the working directory.  A profile runs under limits: 10 million
instructions, 64 MiB of memory and, for one nono does not ship, 5 seconds;
past one, it fails with an error naming it.  See docs/profiles.md and 'man
nono-profile'.
]]

HELP.why = [[
Usage: nono why --path PATH [--op read|write|readwrite|exec] [--json] [--self | options]
       nono why --host HOST[:PORT] [--json] [--self | options]
       nono why --port PORT | --bind PORT [--json] [--self | options]

Answers whether the sandbox that 'nono run' would build with the same
options allows OP on PATH, from the same rules the kernel is given: ALLOWED
or DENIED, the reason, the grant or protection responsible, and the flag
that would change it.  The --profile, grant, --bypass, --allow-command,
--block-command, --net-block, --allow-host, --allow-port, --allow-bind,
--net-open, --abi-min and --best-effort options are those of 'nono run'
(see 'nono help run').  With
--host, whether the command may reach HOST[:PORT] (443 unless given); with
--port and --bind, whether it may connect to (through the proxy) or listen
on a TCP port.

  @--path@
  @--op@
  @--host@
  @--port@
  @--bind@
  @--json@
  @--self@

Exit status: 0 if ALLOWED, 1 if DENIED, 2 for a usage error, 126 if there
is no policy to answer from (a profile or grant error; --self outside a
sandbox, or with a policy nono did not write), 125 if the answer could not
be written.
]]

HELP.session = [[
Usage: nono session list
       nono session diff ID
       nono session commit ID
       nono session discard ID

An ephemeral session ('nono run --ephemeral ...') writes only to overlays:
its changes wait under $XDG_STATE_HOME/nono/sessions/ID (else
~/.local/state/nono/sessions/ID), outside every grant, and the real tree is
untouched.  When the command ends nono prints the session's id and how many
entries it changed.

  list      the sessions kept: id, start, running or ended, changes, trees
  diff      what commit would do: added, changed, removed and refused
            entries, with a unified diff for each file
  commit    apply the changes to the real tree, then drop the session.  The
            kept changes are treated as hostile: paths are resolved beneath
            the tree without following symlinks; device nodes, fifos,
            sockets and symlinks leading out of the tree are left out (and
            named; the exit status is then 1); setuid, setgid and sticky
            bits are dropped; each file is written to a temporary name and
            renamed over the old one.  Anything changed in the real tree
            since the session started stops the commit before anything is
            written.  A commit that stops half-way can be run again.
  discard   drop the session; the real tree was never changed
]]

HELP.rollback = [[
Usage: nono rollback list
       nono rollback show ID
       nono rollback restore ID [PATH...]
       nono rollback prune [--keep N] [--keep-days DAYS]

'nono run --rollback' (or rollback() in a profile) records the project
before COMMAND runs: every file, symlink and directory beneath the git work
tree (else the working directory), untracked and ignored files such as .env
included, with their modes; directories named node_modules, target, .venv,
venv, __pycache__, .tox, .mypy_cache, .pytest_cache, .gradle, .next, .nuxt,
.parcel-cache and .terraform are left out (--rollback-exclude).  When the
session ends, one line on stderr says what it added, changed and removed,
and the command that undoes it.

  list      the recorded sessions, oldest first
  show      what session ID changed, with a diff of each text file
  restore   put back the tree session ID recorded before it ran (only
            PATH... and what is beneath them, if given): what is there now
            is recorded first as a session of its own, so the restore can
            be undone too; each file is replaced whole (written beside it,
            renamed over it); a symlink the session left is replaced, never
            followed; nothing is written outside the recorded root
  prune     remove old sessions, then the stored contents no session uses:
  @--keep@
  @--keep-days@
  @-h@

The snapshots are kept in nono's state directory ($XDG_STATE_HOME/nono,
else ~/.local/state/nono), which no session can read or write; a file the
same in two sessions is stored once, and a file whose size, times and inode
did not change since the last snapshot of the tree is not read again.
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

M.HELP, M.unknown, M.man_options = HELP, unknown, man_options

return M
