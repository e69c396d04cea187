-- The profile environment is a security boundary of its own: what a
-- profile can reach and how a typo fails.  The rest of nono.profile is in
-- profile_spec.lua.
local profile = require "nono.profile"
local F = require "spec.unit.profile_fixture"
local write = F.write
local assert_plain = F.assert_plain

describe("nono.profile", function()
  local root, home, project, userdir, env, ctx, user, run
  before_each(function() root, home, project, userdir, env, ctx, user, run = F.world() end)
  after_each(function() F.rm_rf(root) end)

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
      -- (the profile directory moves with XDG_CONFIG_HOME)
      local function deep_run(text)
        write(deep .. "/nono/profiles/t.lua", text)
        return profile.load("t", ctx)
      end
      local spec = assert(deep_run("local function both(p)\n  read(p)\n  allow(p)\nend\nboth('/a')\n"))
      assert.equal("profile t:2", spec.grants[1].source)
      assert.equal("profile t:3", spec.grants[2].source)
      local _, err = deep_run("\nallow(false)\n")
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
end)
