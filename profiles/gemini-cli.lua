-- Gemini CLI (`gemini`, @google/gemini-cli).  Paths checked against 0.61:
-- the user directory is ~/.gemini, where $GEMINI_CLI_HOME replaces the home
-- directory; system settings are in /etc/gemini-cli.
-- Policy inputs (docs/threats.md, row 27): GEMINI_CLI_HOME come from the
-- launcher's environment, which no session can set for the next one (shell
-- start-up files, environment.d and nono's own config are protected); the
-- project files looked at here only add protections (absent when missing), never grants.
description "Gemini CLI (gemini): the project and ~/.gemini; its settings, trust, hooks and policies read-only"

extends { "base", "node" }

-- The network: the Gemini API with a key (generativelanguage), Code Assist
-- for a Google sign-in (cloudcode-pa), the sign-in's token refresh
-- (oauth2.googleapis.com/token) and its user information (www.googleapis.com),
-- as the bundle names them; the consent page opens in the user's browser.
-- Everything else is refused unless added (--allow-host, or --net-open).
allow_host("generativelanguage.googleapis.com", "cloudcode-pa.googleapis.com", "oauth2.googleapis.com",
  "www.googleapis.com")

local gemini_home = getenv("GEMINI_CLI_HOME")
if gemini_home == nil or gemini_home == "" then gemini_home = home() end
local dir = path.join(gemini_home, ".gemini")
allow(dir, { missing = "create" })

-- Administrators' settings must keep applying inside the sandbox.
read("/etc/gemini-cli", { optional = true })

-- What runs or is approved later without asking (row 19): settings (hooks,
-- mcpServers, tools.discoveryCommand), trust decisions (a trusted folder's
-- settings are obeyed), trusted hooks, policy rules (auto-approvals), the
-- .env Gemini loads into its own environment, and extensions.
-- A missing one must not narrow ~/.gemini (Gemini writes projects.json,
-- oauth_creds.json and its state there) nor the project root: what appears
-- during the session is moved aside when it ends.
readonly({
  path.join(dir, "settings.json"),
  path.join(dir, "trustedFolders.json"),
  path.join(dir, "trusted_hooks.json"),
  path.join(dir, "policy_integrity.json"),
  path.join(dir, "policies"),
  path.join(dir, ".env"),
  path.join(dir, "extensions"),
}, { missing = "absent", guard = true })

local root = project_root()
readonly({
  path.join(root, ".gemini/settings.json"),
  path.join(root, ".gemini/policies"),
  path.join(root, ".gemini/extensions"),
}, { missing = "absent", guard = true })
