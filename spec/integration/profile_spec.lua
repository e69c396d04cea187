-- `nono run --profile`: the built-in agent profiles, tried for real as root
-- and as uid 65534 in a git project with a fixture home holding fake
-- secrets.  Git must keep working (add, commit, branch, stash) while the
-- files git runs code from stay read-only (threat row 19).
local H = require "spec.helper"

local AGENTS = { "claude-code", "codex", "opencode", "openclaw", "gemini-cli" }

--- Make the world's project a git repository owned by `user`.
local function git_project(w, user)
  local owner = user == "nobody" and "65534:65534" or "0:0"
  local out, err, code = H.sh(table.concat({
    "cd " .. H.q(w.project),
    "git init -q .",
    "git config user.email spec@nono.invalid",
    "git config user.name spec",
    "git add file.txt",
    "git commit -qm initial",
    "chown -R " .. owner .. " " .. H.q(w.project),
    -- the home belongs to the user, as a real one does (agents' state
    -- directories are created in it)
    "chown -R " .. owner .. " " .. H.q(w.home),
  }, " && "))
  assert(code == 0, out .. err)
end

--- A write refused by a read-only mount (EROFS) or by Landlock (EACCES).
local function refused(answer)
  return answer == "EROFS" or answer == "EACCES"
end

for _, user in ipairs(H.users) do
  describe("built-in profiles as " .. user .. " #landlock #profiles", function()
    local w
    before_each(function()
      w = H.world()
      git_project(w, user)
    end)
    after_each(function() H.destroy(w) end)


    for _, agent in ipairs(AGENTS) do
      it(agent .. ": git works in the project, the secret and ~/.bashrc do not", function()
        H.ready(user)
        local PROFILE = { "--profile", agent }
        local out, err, code = H.nono(w, user, H.args({ "run" }, PROFILE, { "--", "sh", "-c",
          "echo change >> file.txt && echo new > new.txt && git add -A && git commit -qm work"
          .. " && git branch topic && echo wip >> file.txt && git stash -q && git stash list"
          .. " && git log --format=%s" }))
        assert.equal(0, code, err)
        assert.matches("work\ninitial", out)
        assert.matches("stash@{0}", out, 1, true)
        assert.equal("EACCES", (H.probe(w, user, PROFILE, "read", w.secret)))
        local answer = H.probe(w, user, PROFILE, "write", w.home .. "/.bashrc")
        assert.is_true(refused(answer), answer)
        assert.equal("# rc\n", H.slurp(w.home .. "/.bashrc"))
        local config = H.slurp(w.project .. "/.git/config")
        answer = H.probe(w, user, PROFILE, "write", w.project .. "/.git/config")
        local hook = H.probe(w, user, PROFILE, "create", w.project .. "/.git/hooks/pre-commit")
        if H.floor then
          -- no mounts: guarded, so written during the session and restored after it
          assert.equal("ok", answer)
          assert.equal("ok", hook)
        else
          assert.is_true(refused(answer), answer)
          assert.is_true(refused(hook), hook)
        end
        assert.equal(config, H.slurp(w.project .. "/.git/config"))
        assert.is_nil(io.open(w.project .. "/.git/hooks/pre-commit", "r"))
        assert.equal("ok", H.probe_bare(w, user, "read", w.secret))
      end)
    end

    it("refuses to run when the profile has an error, naming file and line", function()
      H.ready(user)
      local dir = w.home .. "/.config/nono/profiles"
      assert(os.execute("mkdir -p " .. H.q(dir)))
      local f = assert(io.open(dir .. "/typo.lua", "w"))
      f:write('description "a typo"\nallow(projcet_root())\n')
      f:close()
      assert(os.execute("chmod -R a+rX " .. H.q(w.home .. "/.config")))
      local _, err, code = H.nono(w, user, { "run", "--profile", "typo", "--", "sh", "-c",
        "echo RAN > ran.txt" })
      assert.equal(126, code)
      assert.matches("typo.lua:2: undefined global 'projcet_root'", err, 1, true)
      assert.matches("the command was not run", err, 1, true)
      assert.is_nil(io.open(w.project .. "/ran.txt", "r"))
      local out
      out, err, code = H.nono(w, user, { "profile", "check", "typo" })
      assert.equal(1, code)
      assert.matches("undefined global 'projcet_root'", err, 1, true)
      out, _, code = H.nono(w, user, { "profile", "check", "claude-code" })
      assert.equal(0, code)
      assert.matches("^ok: claude%-code", out)
    end)

    it("refuses in profile check what run refuses, naming file and line", function()
      H.ready(user)
      -- a name that is not a command name, and one found nowhere (the
      -- policy looks each up when it is built: check used to say "ok")
      for i, body in ipairs { 'commands { block = { "foo:bar" } }\n',
          'description "blocks what is not there"\ncommands { block = { "nono-spec-no-such-command" } }\n' } do
        local file = w.project .. "/check" .. i .. ".lua"
        local f = assert(io.open(file, "w"))
        f:write(body)
        f:close()
        os.execute("chmod a+r " .. H.q(file))
        local where = file .. ":" .. i .. ":"
        local _, err, code = H.nono(w, user, { "profile", "check", file })
        assert.equal(1, code, err)
        assert.matches(where, err, 1, true)
        _, err, code = H.nono(w, user, { "run", "--profile", file, "--", "sh", "-c", "echo RAN > ran.txt" })
        assert.equal(126, code, err)
        assert.matches(where, err, 1, true)
        assert.is_nil(io.open(w.project .. "/ran.txt", "r"))
      end
    end)

    it("seals a profile at nono.apply(): run enforces that policy, a grant after it is refused at its line",
        function()
      H.ready(user)
      local function write(name, text)
        local file = w.project .. "/" .. name
        local f = assert(io.open(file, "w"))
        f:write(text)
        f:close()
        os.execute("chmod a+r " .. H.q(file))
        return file
      end
      -- The command line's grants are there before the profile runs: this
      -- one sees --read OUTSIDE and makes it read+write, then seals.
      local sealed = write("sealed.lua", table.concat({
        'description "sees the command line, then seals"',
        "nono.allow(project_root())",
        "for _, g in ipairs(nono.grants()) do",
        '  if g.source:find("^%-%-read ") then nono.allow(g.path) end',
        "end",
        "nono.apply()",
      }, "\n") .. "\n")
      local out, err, code = H.nono(w, user, { "profile", "check", sealed })
      assert.equal(0, code, err)
      assert.matches("sealed by nono.apply() at " .. sealed .. ":6", out, 1, true)
      out, err, code = H.nono(w, user, { "run", "--dry-run", "--profile", sealed, "--", "true" })
      assert.equal(0, code, err)
      assert.matches("sealed by nono.apply() at " .. sealed .. ":6", out, 1, true)
      local grants = { "--profile", sealed, "--read", w.outside }
      -- control: --read alone leaves OUTSIDE read-only
      assert.is_true(refused(H.probe(w, user, { "--read", w.outside }, "create", w.outside .. "/a")))
      assert.equal("ok", H.probe(w, user, grants, "create", w.outside .. "/b"))
      -- and what the profile did not grant stays out of reach
      assert.equal("ok", H.probe_bare(w, user, "read", w.secret))
      assert.equal("EACCES", H.probe(w, user, grants, "read", w.secret))

      local after = write("after.lua", "nono.allow(project_root())\nnono.apply()\nnono.read(home())\n")
      local where = after .. ":3: read: the policy is sealed (nono.apply() at " .. after .. ":2)"
      _, err, code = H.nono(w, user, { "profile", "check", after })
      assert.equal(1, code, err)
      assert.matches(where, err, 1, true)
      _, err, code = H.nono(w, user, { "run", "--profile", after, "--", "sh", "-c", "echo RAN > ran.txt" })
      assert.equal(126, code, err)
      assert.matches(where, err, 1, true)
      assert.is_nil(io.open(w.project .. "/ran.txt", "r"))
      -- a profile that does not seal is sealed when it returns
      out, err, code = H.nono(w, user, { "profile", "check", write("open.lua", "allow(project_root())\n") })
      assert.equal(0, code, err)
      assert.matches("sealed when it returned", out, 1, true)
    end)

    it("runs with a time-limited grant from the command line (supervisor_spec shows its expiry)", function()
      H.ready(user)
      local out, _, code = H.nono(w, user, { "run", "--dry-run", "--allow", ".:5m", "--", "true" })
      assert.equal(0, code)
      assert.matches("expires after 300s", out, 1, true)
      local err
      _, err, code = H.nono(w, user, { "run", "--allow", ".:5m", "--", "sh", "-c", "echo RAN > ran.txt" })
      assert.equal(0, code, err)
      assert.equal("RAN\n", H.slurp(w.project .. "/ran.txt"))
      -- not a duration, and no path is named so: a usage error saying what
      -- a duration is
      _, err, code = H.nono(w, user, { "run", "--allow", ".:5x", "--", "true" })
      assert.equal(2, code)
      assert.matches("invalid duration '5x'", err, 1, true)
    end)

    it("lists the built-ins and shows a profile's computed policy", function()
      H.ready(user)
      local out, _, code = H.nono(w, user, { "profile", "list" })
      assert.equal(0, code)
      for _, agent in ipairs(AGENTS) do assert.matches(agent:gsub("%p", "%%%0") .. "%s+builtin", out) end
      out, _, code = H.nono(w, user, { "profile", "show", "claude-code" })
      assert.equal(0, code)
      assert.matches("profile: claude-code", out, 1, true)
      assert.matches(w.project, out, 1, true)
    end)
  end)
end
