-- Claude Code (`claude`, @anthropic-ai/claude-code).  Paths checked against
-- the 2.1.x binary: the config directory is $CLAUDE_CONFIG_DIR or ~/.claude;
-- the global state file is ~/.claude.json (inside $CLAUDE_CONFIG_DIR when
-- that is set); native installs live in $XDG_DATA_HOME/claude/versions,
-- with staging in $XDG_CACHE_HOME/claude and locks in $XDG_STATE_HOME/claude.
-- Policy inputs (docs/threats.md, row 27): CLAUDE_CONFIG_DIR and the XDG variables come from the
-- launcher's environment, which no session can set for the next one (shell
-- start-up files, environment.d and nono's own config are protected); the
-- project files looked at here only add protections (absent when missing), never grants.
description "Claude Code (claude): the project, ~/.claude and ~/.claude.json; its settings, hooks and plugins read-only"

extends { "base", "node" }

-- The network: the model API (api.anthropic.com: messages, and the API key
-- a console login creates) and the login's token exchange
-- (platform.claude.com/v1/oauth/token), as the 2.1.x binary names them;
-- the authorize pages open in the user's browser, outside.  Everything
-- else (telemetry, WebFetch, MCP servers, package registries) is refused
-- unless added: --allow-host, or --net-open.
allow_host("api.anthropic.com", "platform.claude.com")

local config_dir = getenv("CLAUDE_CONFIG_DIR")
local state_file
if config_dir == nil or config_dir == "" then
  config_dir = path.join(home(), ".claude")
  state_file = path.join(home(), ".claude.json")
else
  state_file = path.join(config_dir, ".claude.json")
end

-- Sessions, history, todos, shell snapshots, backups of .claude.json.
allow(config_dir, { missing = "create" })

-- ~/.claude.json: Claude writes it under a lock, `~/.claude.json.lock`,
-- which proper-lockfile creates with mkdir and removes with rmdir, then via
-- a temp file `~/.claude.json.tmp.<pid>.<hex>` renamed over it.  Landlock
-- cannot grant "names starting with .claude.json" in a directory: creating
-- either would need write on all of ~, and rmdir is never granted.  So only
-- the file itself is granted.  Claude then logs "Failed to save config with
-- lock", falls back to an unlocked save, and when the temp file is refused
-- (EACCES) on an existing file it writes the file in place (checked in the
-- 2.1.x source).  Costs: no locking between concurrent Claude instances.  A
-- missing ~/.claude.json is made as "{}" before the sandbox (Claude takes
-- an empty file as corrupted).  Setting CLAUDE_CONFIG_DIR moves the file into
-- the config directory and avoids all of this.
allow_file(state_file, { missing = "create", content = "{}" })

-- What runs later without asking, possibly outside any sandbox (row 19):
-- settings (hooks, permissions.allow, statusLine, apiKeyHelper), hook
-- scripts, plugins (they bring hooks and MCP servers) and the old local
-- install's binary.  "Always allow" answers therefore do not persist.
-- Not protectable: the mcpServers entries in ~/.claude.json, which Claude
-- rewrites all the time; see docs/profiles.md.
-- Missing ones must not narrow the config directory (Claude creates
-- history.jsonl and its state directories there on a first run): the
-- directories are made empty before the sandbox (none means none), and a
-- file that appears during the session is moved aside when it ends.
readonly({
  path.join(config_dir, "settings.json"),
  path.join(config_dir, "settings.local.json"),
  path.join(config_dir, "local"),
}, { missing = "absent", guard = true })
readonly({
  path.join(config_dir, "hooks"),
  path.join(config_dir, "plugins"),
}, { missing = "create", guard = true })

-- The same files in the project: a missing one would keep new files out of
-- the project root if it narrowed, so one that appears during the session
-- is moved aside when it ends (settings.local.json is usually git-ignored:
-- a review of the changes would not show it).
local root = project_root()
readonly({
  path.join(root, ".claude/settings.json"),
  path.join(root, ".claude/settings.local.json"),
  path.join(root, ".claude/hooks"),
  path.join(root, ".mcp.json"),
}, { missing = "absent", guard = true })

-- The native install: ~/.local/bin/claude is a symlink into
-- ~/.local/share/claude/versions/; the kernel checks execute on the target,
-- so the link itself needs no grant.  Read (and execute) only: a writable
-- install is a binary the user runs unsandboxed next time, so the
-- auto-updater cannot update from inside the sandbox.
read(xdg.data("claude"), { optional = true })
allow(xdg.cache("claude"), { optional = true })
allow(xdg.state("claude"), { optional = true })
