-- OpenClaw (`openclaw`, the npm package openclaw; needs Node >= 24.16).
-- Paths checked against 2026.9: the state directory is $OPENCLAW_STATE_DIR
-- (default ~/.openclaw) holding openclaw.json ($OPENCLAW_CONFIG_PATH moves
-- it), .env, credentials/, agents/, the state database, workspace/
-- ($OPENCLAW_WORKSPACE_DIR moves it), hooks/ and extensions/.
-- Named OpenClaw profiles (~/.openclaw-<profile>) need their own grant.
-- Policy inputs (docs/threats.md, row 27): OPENCLAW_STATE_DIR, OPENCLAW_WORKSPACE_DIR and OPENCLAW_CONFIG_PATH come from the
-- launcher's environment, which no session can set for the next one (shell
-- start-up files, environment.d and nono's own config are protected); the
-- project files looked at here only add protections (absent when missing), never grants.
description "OpenClaw (openclaw): the project and ~/.openclaw; its config, .env, hooks and extensions read-only"

extends { "base", "node" }

-- The network: OpenClaw talks to whichever model provider it is set up
-- for, so the common providers' APIs (@model-apis); its telemetry and push
-- relays are not allowed.  Everything else is refused unless added
-- (--allow-host, or --net-open).
allow_host("@model-apis")

local state = getenv("OPENCLAW_STATE_DIR")
if state == nil or state == "" then state = path.join(home(), ".openclaw") end
allow(state, { missing = "create" })

local workspace = getenv("OPENCLAW_WORKSPACE_DIR")
if workspace and workspace ~= "" then allow(workspace, { optional = true }) end

local config = getenv("OPENCLAW_CONFIG_PATH")
if config == nil or config == "" then config = path.join(state, "openclaw.json") end

-- What runs later without asking (row 19): the configuration (channels,
-- plugins, commands), the .env loaded into OpenClaw's environment, hooks and
-- extensions (plugins).
-- A missing one must not narrow the state directory (OpenClaw writes its
-- credentials and state there on a first run): what appears during the
-- session is moved aside when it ends.
readonly({
  config,
  path.join(state, ".env"),
  path.join(state, "hooks"),
  path.join(state, "extensions"),
}, { missing = "absent", guard = true })
