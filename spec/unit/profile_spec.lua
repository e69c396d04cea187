-- Profiles compute the policy, so their loader is a security boundary of
-- its own: what a profile can reach, how a typo fails, where a profile may
-- come from, and how profiles compose.  These specs pin each of those.
local lfs = require "lfs"
local profile = require "nono.profile"

--- A fresh directory from os.tmpname (which creates a file: replace it).
local function tmpdir()
  local name = os.tmpname()
  os.remove(name)
  assert(lfs.mkdir(name))
  return name
end

local function mkdirs(path)
  local at = ""
  for part in path:gmatch("[^/]+") do
    at = at .. "/" .. part
    if not lfs.attributes(at) then assert(lfs.mkdir(at)) end
  end
end

local function write(path, text)
  mkdirs(path:match("^(.*)/[^/]*$"))
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

local function rm_rf(path)
  local a = lfs.symlinkattributes(path)
  if not a then return end
  if a.mode == "directory" then
    for entry in lfs.dir(path) do
      if entry ~= "." and entry ~= ".." then rm_rf(path .. "/" .. entry) end
    end
    assert(lfs.rmdir(path))
  else
    assert(os.remove(path))
  end
end

--- A repository as git lays it out (what discovery looks at: .git and HEAD).
local function make_repo(dir)
  write(dir .. "/.git/HEAD", "ref: refs/heads/main\n")
  mkdirs(dir .. "/.git/hooks")
  mkdirs(dir .. "/.git/objects")
  mkdirs(dir .. "/.git/refs")
  write(dir .. "/.git/config", "[core]\n")
end

--- Every value in `t`, recursively, is plain data (no functions, userdata).
local function assert_plain(t, where)
  for k, v in pairs(t) do
    assert.is_true(type(k) == "string" or type(k) == "number", where .. ": key " .. tostring(k))
    if type(v) == "table" then
      assert_plain(v, where .. "." .. tostring(k))
    else
      assert.is_true(type(v) == "string" or type(v) == "number" or type(v) == "boolean",
        where .. "." .. tostring(k) .. " is a " .. type(v))
    end
  end
end

describe("nono.profile", function()
  local root, home, project, env, ctx, userdir

  before_each(function()
    root = tmpdir()
    home = root .. "/home"
    project = root .. "/project"
    userdir = home .. "/.config/nono/profiles"
    mkdirs(home .. "/.ssh")
    mkdirs(project .. "/sub")
    make_repo(project)
    env = {}
    ctx = {
      home = home, cwd = project, abi = 7,
      getenv = function(name) return env[name] end,
    }
  end)

  after_each(function() rm_rf(root) end)

  --- Write a user profile and return its path.
  local function user(name, text)
    local path = userdir .. "/" .. name .. ".lua"
    write(path, text)
    return path
  end

  --- Load a throw-away user profile made of `text`.
  local function run(text, name)
    user(name or "t", text)
    return profile.load(name or "t", ctx)
  end

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

  describe("the restricted environment", function()
    it("refuses to read an undefined global, naming file and line", function()
      local ok, err = run("local x = 1\nallow(projcet_root())\n")
      assert.is_nil(ok)
      assert.equal(userdir .. "/t.lua:2: undefined global 'projcet_root'", err)
    end)

    it("refuses to create or replace a global", function()
      local _, err = run("\n\nroot = cwd()\n")
      assert.matches("^" .. userdir:gsub("%p", "%%%0") .. "/t%.lua:3: assignment to global 'root'", err)
      _, err = run("allow = nil\n")
      assert.matches("t%.lua:1: assignment to global 'allow'", err)
    end)

    it("offers no way to run code, load code or touch files", function()
      for _, name in ipairs({ "io", "require", "load", "loadstring", "loadfile", "dofile", "debug",
                              "collectgarbage", "coroutine", "setmetatable", "getmetatable",
                              "rawset", "rawget", "package", "_G", "print" }) do
        local _, err = run("local x = " .. name .. "\n")
        assert.equal(userdir .. "/t.lua:1: undefined global '" .. name .. "'", err)
      end
      local spec, err = run([[
        assert(os.execute == nil and os.remove == nil and os.exit == nil and os.getenv)
        assert(string.dump == nil and string.format)
        assert(type(table.concat) == "function" and math.max and utf8.char)
      ]])
      assert.is_nil(err)
      assert.is_table(spec)
    end)

    it("protects only what exists with if_exists", function()
      local spec = assert(run(string.format(
        "readonly({ %q, %q }, { if_exists = true })\nprotect(%q)", userdir, userdir .. "/missing",
        userdir .. "/missing2")))
      local modes = {}
      for _, p in ipairs(spec.protect) do modes[p.path] = p.mode end
      assert.same({ [userdir] = "readonly", [userdir .. "/missing2"] = "deny" }, modes)
      local _, err = run("readonly('/x', { if_exist = true })")
      assert.matches("readonly: unknown option 'if_exist' %(expected if_exists, missing, content, guard or why%)", err)
    end)

    it("refuses bytecode", function()
      local path = user("bin", string.dump(function() end))
      local ok, err = profile.load("bin", ctx)
      assert.is_nil(ok)
      assert.equal(path .. ": bytecode is refused; a profile is Lua source text", err)
    end)

    it("stops a runaway profile with the instruction budget", function()
      local budget = profile.BUDGET
      profile.BUDGET = 200000
      finally(function() profile.BUDGET = budget end)
      local _, err = run("while true do end\n", "loop")
      assert.equal("profile loop: instruction budget exhausted (runaway loop?)", err)
      -- a profile's own pcall cannot swallow it
      _, err = run("while true do pcall(function() while true do end end) end\n", "loop2")
      assert.equal("profile loop2: instruction budget exhausted (runaway loop?)", err)
    end)

    it("names the file and line of a bad argument and says what was expected", function()
      local f = userdir .. "/t.lua"
      local cases = {
        { "allow(nil)", "allow: expected a path string, got nil" },
        { "read_file(42)", "read_file: expected a path string, got number" },
        { "allow('/x', { optinal = true })", "allow: unknown option 'optinal' (expected optional, missing, content, ttl, ioctl or from)" },
        { "allow('/x', { ttl = '5 minutes' })", "allow: ttl: invalid duration '5 minutes'" },
        { "grant{ path = '/x', access = 'rwx' }", "grant: unknown access 'rwx'" },
        { "allow('~bob/x')", "allow: '~bob/x': only '~' and '~/...' are expanded" },
        { "abi_min('7')", "abi_min: expected a Landlock ABI version (a positive integer), got \"7\"" },
        { "on_expire('stop')", "on_expire: expected \"kill\" or \"report\", got \"stop\"" },
        { "net{ block = 'yes' }", "net: block: expected true or false, got \"yes\"" },
        { "commands{ allow = { 'rm' }, block = { 'rm' } }", "commands: 'rm' is in both allow and block" },
        { "env{ set = { A = 1 } }", "env: set: A: expected a string value, got number" },
        { "extends 'no-such-profile'", "extends: unknown profile 'no-such-profile'" },
      }
      for _, case in ipairs(cases) do
        local _, err = run("-- a comment\n\n" .. case[1] .. "\n")
        assert.equal(f .. ":3: " .. case[2], err:sub(1, #f + 4 + #case[2]))
      end
    end)

    it("seals the policy at nono.apply(), the same verbs on the nono object, and sees the command line's grants",
        function()
      local f = userdir .. "/t.lua"
      ctx.grants = { { path = "/srv/cli", access = "read", kind = "dir", source = "--read /srv/cli" } }
      local spec = assert(run("nono.read('/a')\nread_file('/b')\nassert(#nono.grants() == 3)\nnono.apply()\n"))
      assert.equal(f .. ":4", spec.sealed)
      assert.equal(2, #spec.grants)
      assert.equal("profile t:1", spec.grants[1].source)
      ctx.grants = nil
      assert.is_nil(assert(run("allow('/a')\n")).sealed)
      for _, case in ipairs {
        { "nono.allow('/x')", "allow" }, { "protect '/x'", "protect" }, { "extends 'base'", "extends" },
        { "nono.apply()", "nono.apply" } } do
        local _, err = run("allow('/a')\nnono.apply()\n" .. case[1] .. "\n")
        assert.equal(f .. ":3: " .. case[2] .. ": the policy is sealed (nono.apply() at " .. f .. ":2): "
          .. "nothing can be added after it", err)
      end
    end)

    it("gives the line of the call even from a helper function, and a long path in full", function()
      local deep = userdir .. "/" .. string.rep("d", 40)
      ctx.xdg_config_home = deep
      userdir = deep .. "/nono/profiles"
      local spec = assert(run("local function both(p)\n  read(p)\n  allow(p)\nend\nboth('/a')\n"))
      assert.equal("profile t:2", spec.grants[1].source)
      assert.equal("profile t:3", spec.grants[2].source)
      local _, err = run("\nallow(false)\n")
      assert.equal(deep .. "/nono/profiles/t.lua:2: allow: expected a path string, got boolean", err)
    end)

    it("produces exactly the documented spec, as plain data", function()
      local spec = assert(run([[
        description "a test profile"
        allow("/srv/a", { optional = true, ttl = "5m" })
        read_file("~/f", { ioctl = true })
        write("rel")
        grant{ path = "/srv/b", access = "exec,write" }
        protect "/srv/a/secret"
        readonly { "/srv/a/ro1", "/srv/a/ro2" }
        bypass "~/.bashrc"
        net{ block = true }
        commands{ allow = { "rm" }, block = { "curl" } }
        env{ set = { A = "1" }, keep = { "NODE_OPTIONS" }, drop = { "B" } }
        abi_min(4)
        on_expire "report"
        allow_unix_socket "/run/x.sock"
        private_tmp()
      ]]))
      assert_plain(spec, "spec")
      local s = "profile t:"
      assert.same({
        name = "t", file = userdir .. "/t.lua", description = "a test profile",
        grants = {
          { path = "/srv/a", access = "read,write", kind = "dir", optional = true, ttl = 300, source = s .. "2" },
          { path = "~/f", access = "read,ioctl", kind = "file", source = s .. "3" },
          { path = "rel", access = "write", kind = "dir", source = s .. "4" },
          { path = "/srv/b", access = "read,write", source = s .. "5" },
        },
        protect = {
          { path = "/srv/a/secret", mode = "deny", source = s .. "6" },
          { path = "/srv/a/ro1", mode = "readonly", source = s .. "7" },
          { path = "/srv/a/ro2", mode = "readonly", source = s .. "7" },
        },
        absent = {},
        bypass = { { path = "~/.bashrc", source = s .. "8" } },
        unix_sockets = { { path = "/run/x.sock", source = s .. "14" } }, private_tmp = true,
        net = { block = true, hosts = {}, ports = {} },
        commands = { allow = { "rm" }, block = { "curl" } },
        command_sources = { rm = s .. "10", curl = s .. "10" },
        env = { set = { A = "1" }, keep = { "NODE_OPTIONS" }, drop = { "B" } },
        abi_min = 4, on_expire = "report", extends = {},
      }, spec)
    end)

    it("offers the computation helpers", function()
      env.XDG_CACHE_HOME = "/xdg/cache"
      env.XDG_DATA_HOME = "relative/is/ignored"
      write(home .. "/.claude/x", "")
      local spec, err = run([[
        assert(home() == "]] .. home .. [[")
        assert(cwd() == "]] .. project .. [[")
        assert(xdg.config() == home() .. "/.config")
        assert(xdg.config("opencode") == home() .. "/.config/opencode")
        assert(xdg.cache("x") == "/xdg/cache/x")
        assert(xdg.data() == home() .. "/.local/share")
        assert(xdg.state() == home() .. "/.local/state")
        assert(xdg.runtime() == nil)
        assert(getenv("XDG_CACHE_HOME") == "/xdg/cache" and getenv("NOPE") == nil)
        assert(exists("~/.claude") and is_dir("~/.claude") and not is_dir("~/.claude/x"))
        assert(is_file("~/.claude/x") and not exists("~/nope"))
        assert(attributes("~/.claude").mode == "directory")
        assert(symlink_attributes("~/.claude/x").mode == "file")
        local names = dir("~")
        assert(names[1] == ".claude" and names[2] == ".config" and names[3] == ".ssh" and #names == 3)
        assert(dir("~/nope") == nil)
        assert(platform() == "linux" and abi() == 7)
        assert(path.join("/a/", "b", "c") == "/a/b/c")
        assert(path.expand("~/x") == home() .. "/x" and path.expand("sub") == cwd() .. "/sub")
        assert(path.parent("/a/b") == "/a" and path.parent("/a") == "/" and path.basename("/a/b") == "b")
        assert(path.is_beneath("/a/b", "/a") and not path.is_beneath("/ab", "/a"))
      ]])
      assert.is_nil(err)
      assert.is_table(spec)
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
