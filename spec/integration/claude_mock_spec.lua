-- The real Claude Code, driven non-interactively (`claude -p`) under
-- `nono run --profile claude-code`, against a local stand-in for the
-- Anthropic Messages API (spec/fixtures/mock-anthropic.js) that answers
-- with scripted tool calls.  The mock runs outside the sandbox and logs
-- every request, so the spec sees exactly what reached "the model": the
-- agent's edits land in the project, and when it is told to read
-- ~/.ssh/id_rsa the tool result it sends back is the kernel's refusal, never
-- the key.  As root and as uid 65534.
local H = require "spec.helper"
local dkjson = require "dkjson" -- busted's own dependency

local SECRET_TEXT = "FAKE PRIVATE KEY" -- what H.world() puts in ~/.ssh/id_rsa

local AGENTS_DIR = H.agents_dir
local CLAUDE = AGENTS_DIR .. "/node_modules/.bin/claude"
local MOCK = H.absolute(H.source .. "/spec/fixtures") .. "/mock-anthropic.js"

--- node and the agent must be there in CI; elsewhere the test is pending.
local function claude_ready()
  local reason
  if select(3, H.sh("command -v node >/dev/null")) ~= 0 then
    reason = "node is not installed (the mock Anthropic API is a Node script)"
  elseif not io.open(CLAUDE, "r") then
    reason = CLAUDE .. " is not installed (sh scripts/agents.sh installs the agents from npm)"
  end
  if not reason then return true end
  if H.in_ci then error(reason) end
  pending(reason)
  return false
end

--- Start the mock with `turns` as its script (its pid in w.mock_pid, for
-- after_each to stop it); returns its port and log.
local function start_mock(w, turns)
  local script, log = w.root .. "/mock-script.json", w.root .. "/mock-log.jsonl"
  local portfile = w.root .. "/mock-port"
  local f = assert(io.open(script, "w"))
  f:write(dkjson.encode(turns))
  f:close()
  local pid = H.sh(string.format("node %s %s %s >%s 2>%s & echo $!", H.q(MOCK), H.q(script),
    H.q(log), H.q(portfile), H.q(w.root .. "/mock-stderr"))):gsub("%s+$", "")
  w.mock_pid = assert(pid:match("^%d+$"), "no pid for the mock")
  -- It prints its port once listening; wait for that (or for it to die).
  H.sh(string.format("for i in $(seq 200); do [ -s %s ] && break; kill -0 %s || break; sleep 0.05; done",
    H.q(portfile), w.mock_pid))
  local port = H.slurp(portfile):match("^(%d+)\n")
  assert(port, "the mock did not start: " .. H.slurp(w.root .. "/mock-stderr"))
  return port, log
end

--- Run `claude -p` in the project under the claude-code profile, as `user`,
-- with HOME at the fixture home.  Returns the parsed --output-format json
-- result (or nil), stdout, stderr and the exit status.
local function run_claude(w, user, port)
  local env = {
    "HOME=" .. w.home,
    -- Claude keeps $TMPDIR/claude-<uid> and its shell's cwd file there
    -- (without them its Bash tool fails, and when claude-<uid> cannot be
    -- created it hangs): the session's private /tmp.
    "TMPDIR=/tmp",
    "ANTHROPIC_BASE_URL=http://127.0.0.1:" .. port,
    "ANTHROPIC_API_KEY=fake",
    "DISABLE_TELEMETRY=1", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1", "DISABLE_AUTOUPDATER=1",
  }
  for i, e in ipairs(env) do env[i] = H.q(e) end
  local words = {
    -- the mock is on loopback: the profile's allow-list goes through
    -- nono's proxy, which refuses loopback unless that address is allowed
    "run", "--profile", "claude-code", "--read", AGENTS_DIR, "--allow-host", "127.0.0.1:" .. port, "--",
    CLAUDE, "-p", "Follow the plan.", "--output-format", "json",
    -- Pre-approved, so Claude Code asks nobody and refuses nothing itself:
    -- whatever is denied is denied by the kernel.  (--dangerously-skip-
    -- permissions refuses to run as root unless IS_SANDBOX=1.)
    "--allowedTools", "Bash", "Read", "Edit", "Write",
  }
  for i, a in ipairs(words) do words[i] = H.q(a) end
  local out, err, code = H.sh(string.format("cd %s && env %s timeout -k 10 120 %s %s </dev/null",
    H.q(w.project), table.concat(env, " "), H.as(user, H.q(w.nono)), table.concat(words, " ")))
  return dkjson.decode(out), out, err, code
end

--- Every request the mock received, and the text of each tool result
-- Claude Code sent back, by tool_use id.
local function read_log(log)
  local requests, results = {}, {}
  for line in io.lines(log) do
    local r = assert(dkjson.decode(line), line)
    requests[#requests + 1] = r
    local body = type(r.body) == "table" and r.body or {}
    for _, m in ipairs(body.messages or {}) do
      for _, block in ipairs(type(m.content) == "table" and m.content or {}) do
        if block.type == "tool_result" then
          local text = block.content
          if type(text) == "table" then
            local parts = {}
            for _, c in ipairs(text) do parts[#parts + 1] = c.text or "" end
            text = table.concat(parts, "\n")
          end
          results[block.tool_use_id] = { text = tostring(text), is_error = block.is_error }
        end
      end
    end
  end
  return requests, results
end

for _, user in ipairs(H.users) do
  describe("Claude Code against a mock API as " .. user .. " #landlock #agents", function()
    local w
    before_each(function()
      w = H.world()
      local owner = user == "nobody" and "65534:65534" or "0:0"
      -- A fresh ~/.claude: the profile makes Claude's state directories
      -- (without them its Bash tool fails on mkdir ~/.claude/session-env,
      -- as the profile's readonly names narrow ~/.claude).
      assert(os.execute(table.concat({
        "cd " .. H.q(w.project), "git init -q .",
        "mkdir -p " .. H.q(w.root .. "/tmp"),
        "chown -R " .. owner .. " " .. H.q(w.project) .. " " .. H.q(w.home) .. " " .. H.q(w.root .. "/tmp"),
      }, " && ")))
    end)
    after_each(function()
      if w and w.mock_pid then os.execute("kill " .. w.mock_pid .. " 2>/dev/null") end
      H.destroy(w)
    end)

    local function ready()
      return H.ready(user) and claude_ready()
    end

    it("edits and creates files in the project with its Edit, Write and Bash tools", function()
      if not ready() then return end
      local notes = w.project .. "/notes.txt"
      local port, log = start_mock(w, {
        -- Edit refuses a file the session has not read.
        { tool = "Read", id = "toolu_read_file", input = { file_path = w.project .. "/file.txt" } },
        { tool = "Edit", id = "toolu_edit", input = { file_path = w.project .. "/file.txt",
          old_string = "project", new_string = "edited by the agent" } },
        { tool = "Write", id = "toolu_write", input = { file_path = notes, content = "written by the agent\n" } },
        { tool = "Bash", id = "toolu_bash", input = { command = "echo 'from its shell' >> notes.txt",
          description = "Append a line" } },
        { text = "done" },
      })
      local result, out, err, code = run_claude(w, user, port)
      assert.equal(0, code, err .. out)
      assert.is_table(result, out)
      assert.is_false(result.is_error, out)
      assert.equal("done", result.result)
      assert.same({}, result.permission_denials)
      assert.equal("edited by the agent\n", H.slurp(w.project .. "/file.txt"))
      assert.equal("written by the agent\nfrom its shell\n", H.slurp(notes))
      local _, results = read_log(log)
      for _, id in ipairs { "toolu_read_file", "toolu_edit", "toolu_write", "toolu_bash" } do
        assert.is_table(results[id], "no tool_result for " .. id)
        assert.is_not_true(results[id].is_error, id .. ": " .. results[id].text)
      end
    end)

    it("is denied ~/.ssh/id_rsa by the kernel, and the model is told so", function()
      if not ready() then return end
      -- The control: without the sandbox this user can read the key.
      assert.equal("ok", H.probe_bare(w, user, "read", w.secret))
      local port, log = start_mock(w, {
        { tool = "Bash", id = "toolu_bash_secret", input = { command = "cat ~/.ssh/id_rsa",
          description = "Show the key" } },
        -- Claude Code's own Read tool runs in the sandboxed process itself.
        { tool = "Read", id = "toolu_read_secret", input = { file_path = w.secret } },
        { text = "done" },
      })
      local result, out, err, code = run_claude(w, user, port)
      assert.equal(0, code, err .. out)
      assert.is_table(result, out)
      -- Claude Code refused nothing itself: the denials below are the kernel's.
      assert.same({}, result.permission_denials)
      local requests, results = read_log(log)
      local bash, read = results.toolu_bash_secret, results.toolu_read_secret
      assert.is_table(bash, "no tool_result for the cat")
      assert.is_table(read, "no tool_result for the Read")
      -- cat's own message: open(2) answered EACCES.
      local secret = w.secret:gsub("%p", "%%%0")
      assert.matches("cat: " .. secret .. ": Permission denied", bash.text)
      assert.is_true(bash.is_error)
      -- The runtime's fs error for the same open(2).
      assert.matches("EACCES: permission denied, open '" .. secret .. "'", read.text)
      assert.is_true(read.is_error)
      -- And the key's text reached the model in no request at all.
      assert.is_true(#requests > 0)
      assert.is_nil(H.slurp(log):find(SECRET_TEXT, 1, true), "the key's text reached the mock")
      assert.is_nil(out:find(SECRET_TEXT, 1, true), "the key's text is in claude's output")
    end)

    it("talks to its API through nono's proxy, and its Bash tool reaches no other local port (row 33)",
      function()
      if not ready() then return end
      -- another local server, outside the sandbox
      local other_log = w.root .. "/other.log"
      local portfile = w.root .. "/other.port"
      H.sh(string.format("python3 %s %s %s >/dev/null 2>&1 & echo $! > %s",
        H.q(H.source .. "/spec/fixtures/net_upstream.py"), H.q(portfile), H.q(other_log), H.q(portfile .. ".pid")))
      H.sh("for i in $(seq 200); do [ -s " .. H.q(portfile) .. " ] && break; sleep 0.05; done")
      local other = H.slurp(portfile):match("^(%d+)")
      local other_pid = H.slurp(portfile .. ".pid"):match("^(%d+)")
      assert(other, "the other server did not start")
      -- control: without nono the Bash tool's command reaches it
      local bare = H.sh(H.as(user, "curl -sS -m 20 http://127.0.0.1:" .. other .. "/bare"))
      assert.matches("upstream saw: GET /bare", bare, 1, true)
      local port, log = start_mock(w, {
        { tool = "Bash", id = "toolu_bash_curl", input = { command = "curl -sS -m 20 http://127.0.0.1:" .. other
          .. "/from-claude; curl -sS -m 20 --noproxy '*' http://127.0.0.1:" .. other .. "/direct",
          description = "Fetch" } },
        { text = "done" },
      })
      local result, out, err, code = run_claude(w, user, port)
      os.execute("kill " .. other_pid .. " 2>/dev/null")
      assert.equal(0, code, err .. out .. "\nthe mock's log:\n" .. H.slurp(log):gsub("[^\n]*\"messages\"[^\n]*", function(l)
        return l:sub(1, 300) end))
      assert.is_table(result, out)
      assert.equal("done", result.result)
      local _, results = read_log(log)
      local curl = results.toolu_bash_curl
      assert.is_table(curl, "no tool_result for the curl")
      -- the proxy's refusal, and a direct connect refused by the kernel
      assert.matches("127.0.0.1:" .. other .. " is not an allowed host", curl.text, 1, true)
      assert.matches("curl: %(7%)", curl.text)
      assert.equal("upstream saw: GET /bare HTTP/1.1 | Host: 127.0.0.1:" .. other .. "\n", H.slurp(other_log))
    end)
  end)
end
