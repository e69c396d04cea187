-- Profiles compute the policy, so their loader is a security boundary of
-- its own: what a profile can reach, how a typo fails, where a profile may
-- come from, and how profiles compose.  These specs pin each of those.
local profile = require "nono.profile"
local F = require "spec.unit.profile_fixture"
local mkdirs = F.mkdirs
local write = F.write
local rm_rf = F.rm_rf
local make_repo = F.make_repo
local assert_plain = F.assert_plain

describe("nono.profile", function()
  local root, home, project, userdir, env, ctx, user, run
  before_each(function() root, home, project, userdir, env, ctx, user, run = F.world() end)
  after_each(function() F.rm_rf(root) end)

  describe("built-in profiles", function()
    local agents = { "claude-code", "codex", "opencode", "openclaw", "gemini-cli" }

    for _, name in ipairs(agents) do
      it(name .. " loads, grants the project read+write and names the source of every entry", function()
        local spec, err = profile.load(name, ctx)
        assert.is_nil(err)
        assert.equal(name, spec.name)
        assert.equal("profiles/" .. name .. ".lua", spec.file)
        assert.is_string(spec.description)
        assert_plain(spec, name)
        assert.same({ "project", "git", "base", "node" }, spec.extends)
        assert.is_true(#spec.grants > 3)
        assert.same({ path = project, access = "read,write", kind = "dir", source = "profile project:8" },
          spec.grants[1])
        for _, g in ipairs(spec.grants) do
          assert.matches("^profile [%w-]+:%d+$", g.source)
          assert.is_truthy(({ read = true, write = true, ["read,write"] = true,
                              ["read,write,ioctl"] = true })[g.access], g.access)
        end
        local readonly = {}
        for _, p in ipairs(spec.protect) do
          assert.matches("^profile [%w-]+:%d+$", p.source)
          if p.mode == "readonly" then readonly[p.path] = true end
        end
        assert.is_true(readonly[project .. "/.git/config"])
        assert.is_true(readonly[project .. "/.git/hooks"])
        assert.same({}, spec.bypass)
        assert.same({ allow = {}, block = {} }, spec.commands)
      end)
    end

    it("accepts the name with .lua", function()
      local spec = assert(profile.load("claude-code.lua", ctx))
      assert.equal("claude-code", spec.name)
    end)

    it("keeps Claude Code's settings read-only and grants ~/.claude.json as a single file", function()
      local spec = assert(profile.load("claude-code", ctx))
      local ro, grants = {}, {}
      local absent = {}
      for _, p in ipairs(spec.protect) do ro[p.path] = p.mode end
      for _, a in ipairs(spec.absent) do absent[a.path] = true end
      for _, g in ipairs(spec.grants) do grants[g.path] = g end
      -- a missing settings file is kept absent (moved aside if it appears),
      -- an existing one read-only; a missing hooks directory is made empty
      assert.is_true(absent[home .. "/.claude/settings.json"])
      assert.equal("readonly", ro[home .. "/.claude/hooks"])
      write(home .. "/.claude/settings.json", "{}")
      spec = assert(profile.load("claude-code", ctx))
      ro = {}
      for _, p in ipairs(spec.protect) do ro[p.path] = p.mode end
      assert.equal("readonly", ro[home .. "/.claude/settings.json"])
      -- in the project a missing one never narrows the root
      assert.is_nil(ro[project .. "/.claude/settings.json"])
      assert.equal("file", grants[home .. "/.claude.json"].kind)
      assert.equal("read,write", grants[home .. "/.claude"].access)
      assert.equal("read", grants[home .. "/.local/share/claude"].access)
      assert.is_nil(grants[home], "never the whole home directory")
    end)

    it("follows the agents' own environment variables", function()
      env.CODEX_HOME = root .. "/codex-home"
      env.CLAUDE_CONFIG_DIR = root .. "/claude-config"
      local codex = assert(profile.load("codex", ctx))
      local claude = assert(profile.load("claude-code", ctx))
      local function has(spec, path)
        for _, g in ipairs(spec.grants) do if g.path == path then return true end end
        return false
      end
      assert.is_true(has(codex, root .. "/codex-home"))
      assert.is_true(has(claude, root .. "/claude-config"))
      assert.is_true(has(claude, root .. "/claude-config/.claude.json"))
      assert.is_false(has(claude, home .. "/.claude.json"))
    end)

    it("grants the working directory when the git root is the home directory", function()
      rm_rf(project .. "/.git")
      make_repo(home)
      local inside = home .. "/work"
      mkdirs(inside)
      ctx.cwd = inside
      local spec = assert(profile.load("codex", ctx))
      assert.equal(inside, spec.grants[1].path)
      for _, g in ipairs(spec.grants) do assert.not_equal(home, g.path) end
    end)

    it("are all listed, with their descriptions", function()
      local seen = {}
      for _, e in ipairs(profile.list(ctx)) do
        assert.is_nil(e.error)
        if e.origin == "builtin" then seen[e.name] = e end
      end
      for _, name in ipairs(agents) do
        assert.is_string(seen[name].description)
        assert.equal("profiles/" .. name .. ".lua", seen[name].file)
      end
      assert.is_truthy(seen.base)
    end)
  end)

  describe("git discovery", function()
    it("finds the work tree root and git dir from a subdirectory", function()
      ctx.cwd = project .. "/sub"
      local spec, err = run([[
        local root = git_root()
        local gd, common = git_dir()
        allow(root); allow(gd); allow(common)
        assert(git_root("/") == nil and git_dir("/") == nil)
        assert(project_root() == root)
      ]])
      assert.is_nil(err)
      assert.equal(project, spec.grants[1].path)
      assert.equal(project .. "/.git", spec.grants[2].path)
      assert.equal(project .. "/.git", spec.grants[3].path)
    end)

    it("follows a worktree's .git file to its git dir and the common dir", function()
      local wt = root .. "/wt"
      local gitdir = project .. "/.git/worktrees/wt"
      write(gitdir .. "/HEAD", "ref: refs/heads/wt\n")
      write(gitdir .. "/commondir", "../..\n")
      write(wt .. "/.git", "gitdir: ../project/.git/worktrees/wt\n")
      mkdirs(wt .. "/src")
      ctx.cwd = wt .. "/src"
      local spec = assert(run("allow(git_root()); local g, c = git_dir(); allow(g); allow(c)"))
      assert.equal(wt, spec.grants[1].path)
      assert.equal(gitdir, spec.grants[2].path)
      assert.equal(project .. "/.git", spec.grants[3].path)
      -- the project group grants both git dirs and keeps the shared config read-only
      local p = assert(profile.load("project", ctx))
      local ro = {}
      for _, e in ipairs(p.protect) do ro[e.path] = true end
      assert.equal(wt, p.grants[1].path)
      assert.equal(gitdir, p.grants[2].path)
      assert.equal(project .. "/.git", p.grants[3].path)
      assert.is_true(ro[project .. "/.git/config"] and ro[project .. "/.git/hooks"])
      -- config.worktree is protected only where it exists
      assert.is_nil(ro[gitdir .. "/config.worktree"])
    end)

    it("follows an absolute gitdir: (a submodule) and ignores a .git without HEAD", function()
      local sub = project .. "/sub"
      local moddir = project .. "/.git/modules/sub"
      write(moddir .. "/HEAD", "0123\n")
      mkdirs(moddir .. "/objects")
      mkdirs(moddir .. "/refs")
      write(sub .. "/.git", "gitdir: " .. moddir .. "\n")
      mkdirs(root .. "/stray/.git")
      ctx.cwd = sub
      local spec = assert(run([[
        allow(git_root()); local g, c = git_dir(); allow(g); allow(c)
        allow(git_root("]] .. root .. [[/stray") or "/none")
      ]]))
      assert.equal(sub, spec.grants[1].path)
      assert.equal(moddir, spec.grants[2].path)
      assert.equal(moddir, spec.grants[3].path)
      assert.equal("/none", spec.grants[4].path)
    end)
  end)

  describe("composition", function()
    it("runs extends first, include-once, and merges later-wins", function()
      user("a", [[
        description "a"
        allow "/a"
        commands{ block = { "curl", "wget" }, allow = { "rm" } }
        env{ set = { X = "a", Y = "a" }, keep = { "K" }, drop = { "D" } }
        net{ block = true }
        abi_min(5)
        on_expire "kill"
      ]])
      user("b", [[
        include "a"
        read "/b"
        commands{ allow = { "curl" } }
        env{ set = { X = "b" }, drop = { "K" }, keep = { "D" } }
        net{ block = false }
        abi_min(3)
      ]])
      local spec = assert(run([[
        extends { "b", "a" }
        description "top"
        write "/c"
        commands{ block = { "rm" } }
        on_expire "report"
      ]], "top"))
      assert.same({ "a", "b" }, spec.extends)
      assert.equal("top", spec.description)
      assert.same({ "/a", "/b", "/c" }, { spec.grants[1].path, spec.grants[2].path, spec.grants[3].path })
      assert.equal(3, #spec.grants)
      assert.same({ "profile a:2", "profile b:2", "profile top:3" },
        { spec.grants[1].source, spec.grants[2].source, spec.grants[3].source })
      assert.same({ allow = { "curl" }, block = { "wget", "rm" } }, spec.commands)
      assert.same({ set = { X = "b", Y = "a" }, keep = { "D" }, drop = { "K" } }, spec.env)
      assert.same({ block = false, hosts = {}, ports = {} }, spec.net)
      assert.equal(5, spec.abi_min)
      assert.equal("report", spec.on_expire)
    end)

    it("carries port grants (allow_port, allow_bind; nono.allow_port too), and refuses a non-port", function()
      local spec = assert(run([[
        allow_host "api.example.com"
        allow_port(8443, "9000")
        nono.allow_bind(3000)
      ]], "ports"))
      assert.same({ { right = "connect", port = 8443, source = "profile ports:2" },
        { right = "connect", port = 9000, source = "profile ports:2" },
        { right = "bind", port = 3000, source = "profile ports:3" } }, spec.net.ports)
      for _, bad in ipairs { "0", "65536", "'80x'", "1.5", "{}" } do
        local s2, err = run("allow_bind(" .. bad .. ")", "bad")
        assert.is_nil(s2, bad)
        assert.matches("allow_bind", err, 1, true)
      end
    end)

    it("lets a later drop remove a variable an earlier profile set", function()
      user("a", "env{ set = { X = '1' } }")
      local spec = assert(run("include 'a'\nenv{ drop = { 'X' } }"))
      assert.same({ set = {}, keep = {}, drop = { "X" } }, spec.env)
    end)

    it("requires extends before the profile's own settings", function()
      user("a", "")
      local _, err = run("allow '/x'\nextends 'a'\n")
      assert.equal(userdir .. "/t.lua:2: extends: must come before the profile's own settings"
        .. " (allow was called first), so that what a profile declares wins over what it extends", err)
    end)

    it("reports a cycle with its chain", function()
      user("a", "extends 'b'")
      user("b", "\ninclude 'c'")
      user("c", "extends 'a'")
      local _, err = profile.load("a", ctx)
      assert.equal(userdir .. "/c.lua:1: extends: cycle: a -> b -> c -> a", err)
      user("self", "extends 'self'")
      _, err = profile.load("self", ctx)
      assert.equal(userdir .. "/self.lua:1: extends: cycle: self -> self", err)
    end)

    it("lets a user profile build on a built-in of the same family", function()
      local spec = assert(run("extends 'claude-code'\nallow '~/.cargo'\n"))
      assert.same({ "project", "git", "base", "node", "claude-code" }, spec.extends)
      assert.equal("profile t:2", spec.grants[#spec.grants].source)
    end)
  end)

  describe("resolution", function()
    it("finds built-ins first, then the user's directory, and paths by path", function()
      local r = assert(profile.resolve("codex", ctx))
      assert.same({ "codex", "builtin", "profiles/codex.lua" }, { r.name, r.origin, r.file })
      assert.matches("^%-%- OpenAI Codex", r.source)
      local mine = user("mine", "read '/m'")
      r = assert(profile.resolve("mine.lua", ctx))
      assert.same({ "mine", "user", mine }, { r.name, r.origin, r.file })
      write(project .. "/local.lua", "read '/l'")
      r = assert(profile.resolve("./local.lua", ctx))
      assert.same({ "local", "path", project .. "/local.lua" }, { r.name, r.origin, r.file })
      r = assert(profile.resolve(mine, ctx))
      assert.equal("path", r.origin)
    end)

    it("never looks in the working directory for a bare name", function()
      write(project .. "/evil.lua", "allow '/'")
      write(project .. "/nono/profiles/evil.lua", "allow '/'")
      write(project .. "/profiles/evil.lua", "allow '/'")
      local ok, err = profile.load("evil", ctx)
      assert.is_nil(ok)
      assert.equal("unknown profile 'evil' (nono profile list shows the available ones)", err)
    end)

    it("does not let a user profile shadow a built-in; list marks it", function()
      local shadow = user("codex", "allow '/'")
      local spec = assert(profile.load("codex", ctx))
      assert.equal("profiles/codex.lua", spec.file)
      local found
      for _, e in ipairs(profile.list(ctx)) do
        if e.origin == "user" and e.name == "codex" then found = e end
      end
      assert.same({ name = "codex", origin = "user", file = shadow, shadowed = true }, found)
      -- the file can still be run by its path
      assert.equal(shadow, assert(profile.load(shadow, ctx)).file)
    end)

    it("takes the user directory from XDG_CONFIG_HOME when it is absolute", function()
      local alt = root .. "/xdg"
      write(alt .. "/nono/profiles/x.lua", "description 'x'")
      env.XDG_CONFIG_HOME = alt
      assert.equal("user", assert(profile.resolve("x", ctx)).origin)
      env.XDG_CONFIG_HOME = "relative"
      assert.is_nil(profile.resolve("x", ctx))
      ctx.xdg_config_home = alt
      assert.equal("user", assert(profile.resolve("x", ctx)).origin)
    end)

    it("serves built-ins from nono.embedded when the host provides it", function()
      local files = { ["profiles/only-embedded.lua"] = "description 'from the binary'\nread '/e'\n" }
      package.preload["nono.embedded"] = function()
        return {
          read = function(name) return files[name] end,
          list = function() return { "lua/nono/cli.lua", "profiles/only-embedded.lua" } end,
        }
      end
      finally(function()
        package.preload["nono.embedded"] = nil
        package.loaded["nono.embedded"] = nil
      end)
      local spec = assert(profile.load("only-embedded", ctx))
      assert.same({ "profiles/only-embedded.lua", "profile only-embedded:2" }, { spec.file, spec.grants[1].source })
      -- the embedded set is the whole set: nothing is read from disk
      assert.is_nil(profile.resolve("codex", ctx))
      local names = {}
      for _, e in ipairs(profile.list(ctx)) do names[#names + 1] = e.name end
      assert.same({ "only-embedded" }, names)
    end)

    it("rejects bad names and reports unreadable paths", function()
      for _, bad in ipairs({ "", ".hidden", "a b", "-x" }) do
        local ok, err = profile.resolve(bad, ctx)
        assert.is_nil(ok)
        assert.is_string(err)
      end
      local _, err = profile.resolve("./missing.lua", ctx)
      assert.equal("cannot read profile " .. project .. "/missing.lua: no such file", err)
      _, err = profile.resolve("./sub", ctx)
      assert.equal("cannot read profile " .. project .. "/sub: not a regular file", err)
    end)

    it("lists a broken user profile with its error", function()
      user("broken", "allow(\n")
      local found
      for _, e in ipairs(profile.list(ctx)) do
        if e.name == "broken" then found = e end
      end
      assert.equal("user", found.origin)
      assert.matches("broken%.lua:2:", found.error)
    end)

    it("check is load", function()
      local path = user("c", "read '/x'")
      assert.same(profile.load(path, ctx), profile.check(path, ctx))
      local _, err = profile.check(project .. "/nope.lua", ctx)
      assert.matches("^cannot read profile", err)
    end)
  end)

  describe("parse_ttl", function()
    it("reads seconds, minutes and hours", function()
      assert.equal(90, profile.parse_ttl("90s"))
      assert.equal(300, profile.parse_ttl("5m"))
      assert.equal(7200, profile.parse_ttl("2h"))
      assert.equal(60, profile.parse_ttl("01m"))
    end)

    it("rejects everything else", function()
      for _, bad in ipairs({ "", "5", "0m", "-5m", "5 m", "5M", "1.5h", "5d", "m", "5ms", " 5m",
                             "9999999999h" }) do
        local ok, err = profile.parse_ttl(bad)
        assert.is_nil(ok, bad)
        assert.equal("invalid duration '" .. bad
          .. "' (expected a whole number from 1 to 999999999 followed by s, m or h, e.g. 90s, 5m, 2h)", err)
      end
      local ok, err = profile.parse_ttl(300)
      assert.is_nil(ok)
      assert.matches("of type number", err)
    end)
  end)
end)
