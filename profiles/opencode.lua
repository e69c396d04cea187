-- opencode (`opencode`, opencode-ai).  Paths checked against 1.18: the XDG
-- directories via xdg-basedir, $XDG_*/opencode for config, data, cache and
-- state; configuration files opencode.jsonc, opencode.json or config.json;
-- JavaScript plugins and tools in {plugin,plugins,tool,tools}/*.{js,ts} of
-- the config directory and of the project's .opencode directory.
-- Policy inputs (docs/threats.md, row 27): the XDG variables, OPENCODE_CONFIG_DIR and OPENCODE_CONFIG come from the
-- launcher's environment, which no session can set for the next one (shell
-- start-up files, environment.d and nono's own config are protected); the
-- project files looked at here only add protections (absent when missing), never grants.
description "opencode: the project and its XDG directories; its config, plugins and tools read-only"

extends { "base", "node" }

-- The network: opencode talks to whichever model provider it is set up
-- for, so the common providers' APIs (@model-apis), and its own services:
-- opencode.ai (Zen, sharing) and the model catalogue it fetches
-- (models.dev; models.opencode.ai is where opencode 1.18 asks first, seen
-- in its traffic here).  Everything else is refused unless added
-- (--allow-host, or --net-open): opencode also asks registry.npmjs.org
-- for provider packages (--allow-host @npm).
allow_host("@model-apis", "opencode.ai", "api.opencode.ai", "models.opencode.ai", "models.dev")

local config = xdg.config("opencode")
allow(config, { missing = "create" })
allow(xdg.data("opencode"), { missing = "create" })
allow(xdg.cache("opencode"), { missing = "create" })
allow(xdg.state("opencode"), { missing = "create" })

-- Extra configuration named by the environment: read only.
local extra_dir = getenv("OPENCODE_CONFIG_DIR")
if extra_dir and extra_dir ~= "" then read(extra_dir, { optional = true }) end
local extra_file = getenv("OPENCODE_CONFIG")
if extra_file and extra_file ~= "" then read_file(extra_file, { optional = true }) end

-- Code opencode loads later without asking (row 19): its configuration
-- (plugins, MCP servers, commands run by the formatter and LSP settings),
-- plugins and tools, and the packages it installs for them.
-- A missing one must not narrow the config directory.  opencode writes a
-- default opencode.jsonc, package.json and node_modules there on its first
-- run; they are made first (an empty configuration, an empty package), so
-- opencode finds them and has nothing to write.  The other names: what
-- appears during the session is moved aside when it ends.
readonly(path.join(config, "opencode.jsonc"), { missing = "create", content = "{}\n", guard = true })
readonly(path.join(config, "package.json"), { missing = "create", content = "{}\n", guard = true })
readonly(path.join(config, "node_modules"), { missing = "create", guard = true })
readonly({
  path.join(config, "opencode.json"),
  path.join(config, "config.json"),
  path.join(config, "plugin"),
  path.join(config, "plugins"),
  path.join(config, "tool"),
  path.join(config, "tools"),
}, { missing = "absent", guard = true })

local root = project_root()
readonly({
  path.join(root, "opencode.json"),
  path.join(root, "opencode.jsonc"),
  path.join(root, ".opencode"),
}, { missing = "absent", guard = true })
