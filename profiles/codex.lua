-- OpenAI Codex CLI (`codex`, @openai/codex).  Paths checked against the
-- 0.169 binary: everything lives in $CODEX_HOME (default ~/.codex): config.toml,
-- auth.json, sessions/, history.jsonl, log/, the state database, hooks.
-- Policy inputs (docs/threats.md, row 27): CODEX_HOME and CODEX_SQLITE_HOME come from the
-- launcher's environment, which no session can set for the next one (shell
-- start-up files, environment.d and nono's own config are protected); the
-- project files looked at here only add protections (absent when missing), never grants.
description "OpenAI Codex CLI (codex): the project and ~/.codex; its config, hooks and rules read-only"

extends { "base", "node" }

-- The network: the model API (api.openai.com, with an API key), the
-- ChatGPT sign-in's token exchange (auth.openai.com/oauth/token) and the
-- API a ChatGPT sign-in talks to (chatgpt.com/backend-api/codex), as the
-- binary names them.  Everything else is refused unless added (--allow-host,
-- or --net-open).
allow_host("api.openai.com", "auth.openai.com", "chatgpt.com")

local codex_home = getenv("CODEX_HOME")
if codex_home == nil or codex_home == "" then codex_home = path.join(home(), ".codex") end
allow(codex_home, { missing = "create" })

local sqlite_home = getenv("CODEX_SQLITE_HOME")
if sqlite_home and sqlite_home ~= "" then allow(sqlite_home, { optional = true }) end

-- What runs later without asking (row 19): config.toml (notify, mcp_servers,
-- hooks, profiles), hooks, and the execpolicy rules that approve commands
-- ("always allow" answers therefore do not persist).
-- A missing one must not narrow its directory (Codex writes auth.json,
-- sessions and its logs next to them; the project root must keep taking
-- new files): what appears during the session is moved aside when it ends.
local function codex_code(dir)
  readonly({
    path.join(dir, "config.toml"),
    path.join(dir, "hooks.json"),
    path.join(dir, "hooks"),
    path.join(dir, "rules"),
  }, { missing = "absent", guard = true })
end
codex_code(codex_home)
codex_code(path.join(project_root(), ".codex"))
