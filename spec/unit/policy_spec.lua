-- The policy is the one place grants become Landlock rights; `why` reads the
-- same masks.  These specs pin the rights each grant gives.
local H = require "spec.helper"
local core = require "nono.core"
local policy = require "nono.policy"
local lfs = require "lfs"
local A = core.access

describe("nono.policy", function()
  local w
  before_each(function() w = H.world() end)
  after_each(function() H.destroy(w) end)

  local function new(abi)
    return policy.new { abi = abi or 7, home = w.home, cwd = w.project, system = false }
  end

  it("gives remove_dir with write (not with keep_dirs), never device-node creation", function()
    local p = new()
    assert(p:grant(".", "read,write", { kind = "dir" }))
    assert(p:resolve())
    local rules = p:rules()
    assert.equal(1, #rules)
    assert.equal(w.project, rules[1].path)
    assert.equal(0, rules[1].mask & (A.make_char | A.make_block))
    assert.equal(A.remove_file | A.remove_dir, rules[1].mask & (A.remove_file | A.remove_dir))
    assert.equal("read+write", p:describe(rules[1]))
    p = new()
    p:set_keep_dirs(true)
    assert(p:grant(".", "read,write", { kind = "dir" }))
    assert(p:resolve())
    assert.equal(0, p:rules()[1].mask & A.remove_dir)
    assert.equal(A.remove_file, p:rules()[1].mask & A.remove_file)
    assert.equal("read+write", p:describe(p:rules()[1]))
    assert.is_false(p:report().directories.removable)
  end)

  it("keeps the directories above a read-only mount in place: pinned", function()
    assert(os.execute("mkdir -p " .. H.q(w.project .. "/.git/hooks") .. " && touch "
      .. H.q(w.project .. "/.git/config")))
    local function git_policy()
      local p = policy.new { abi = 7, home = w.home, cwd = w.project, system = false, commands = false,
        binds = true }
      assert(p:grant(".", "read,write", { kind = "dir", source = "--allow ." }))
      assert(p:protect(".git/config", "readonly", { source = "test" }))
      assert(p:resolve())
      local by_path = {}
      for _, r in ipairs(p:rules()) do by_path[r.path] = r end
      return p, by_path
    end
    -- .git could be renamed away (remove_dir in the project) with its
    -- config's mount, and a new .git made: .git is pinned instead
    local p, rules = git_policy()
    assert.same({ w.project .. "/.git/config" }, p.ro_binds)
    assert.same({ w.project .. "/.git" }, p.pin_binds)
    assert.equal(A.remove_dir, rules[w.project].mask & A.remove_dir)
    assert.same({ w.project .. "/.git" }, p:report().directories.pinned)
    -- nothing to keep where no grant removes directories
    local q = policy.new { abi = 7, home = w.home, cwd = w.project, system = false, commands = false,
      binds = true }
    q:set_keep_dirs(true)
    assert(q:grant(".", "read,write", { kind = "dir" }))
    assert(q:protect(".git/config", "readonly", { source = "test" }))
    assert(q:resolve())
    assert.same({}, q.pin_binds)
  end)

  it("limits a grant on a file to file rights", function()
    local p = new()
    assert(p:grant("file.txt", "read,write", { kind = "file" }))
    assert(p:resolve())
    local m = p:rules()[1].mask
    assert.equal(0, m & ~core.fs_file_rights())
    assert.equal(A.read_file | A.write_file, m & (A.read_file | A.write_file))
  end)

  it("handles every right the ABI knows, and masks rules to it", function()
    assert.equal(0, core.fs_rights_for_abi(1) & (A.refer | A.truncate | A.ioctl_dev))
    assert.equal(A.refer, core.fs_rights_for_abi(2) & A.refer)
    assert.equal(0, core.fs_rights_for_abi(7) & A.resolve_unix)
    assert.equal(A.resolve_unix, core.fs_rights_for_abi(9) & A.resolve_unix)
    assert.equal(core.fs_rights_for_abi(9), core.fs_rights_for_abi(42))
    local p = new(1)
    assert(p:grant(".", "read,write"))
    assert(p:resolve())
    assert.equal(0, p:rules()[1].mask & (A.refer | A.truncate))
    local gaps = {}
    for _, gap in ipairs(p:report().landlock.unhandled_fs) do gaps[gap.right] = gap.needs_abi end
    assert.same({ refer = 2, truncate = 3, ioctl_dev = 5, resolve_unix = 9 }, gaps)
  end)

  it("merges two names for one directory into one rule", function()
    assert(os.execute("ln -s project " .. H.q(w.root .. "/alias")))
    local p = new()
    assert(p:grant(".", "read"))
    assert(p:grant(w.root .. "/alias", "write", { source = "--write alias" }))
    assert(p:resolve())
    assert.equal(1, #p:rules())
    assert.equal(policy.classes.read | policy.classes.write, p:rules()[1].mask)
  end)

  it("fails on a missing user grant, naming it; skips missing optional ones", function()
    local p = new()
    assert(p:grant("nope", "read", { source = "--read nope" }))
    local ok, err = p:resolve()
    assert.is_nil(ok)
    assert.matches("^%-%-read nope: .*/project/nope does not exist", err)
    p = new()
    assert(p:grant("/no/such/system/dir", "read", { optional = true }))
    assert.is_true(p:resolve())
    assert.equal(0, #p:rules())
    assert.equal(1, #p.skipped)
  end)

  it("rejects unknown access words", function()
    local ok, err = new():grant(".", "read,exec-everything", { source = "--x ." })
    assert.is_nil(ok)
    assert.equal("--x .: unknown access 'exec-everything' (expected read, write, exec or ioctl; exec is read)", err)
  end)

  describe("why", function()
    local p
    before_each(function()
      p = new()
      assert(p:grant(".", "read,write", { source = "--allow ." }))
      assert(p:grant(w.outside .. "/file.txt", "read", { source = "--read-file f", kind = "file" }))
    end)

    it("allows what a grant covers and names the grant", function()
      local a = assert(p:why("file.txt", "write"))
      assert.equal("allowed", a.verdict)
      assert.equal(w.project .. "/file.txt", a.canonical)
      assert.same({ "write_file" }, a.needed)
      assert.equal("--allow .", a.grants[1].source)
    end)

    it("treats writing a missing name as creating it in its directory", function()
      local a = assert(p:why("sub/new.txt", "write"))
      assert.equal("allowed", a.verdict)
      assert.same({ "make_reg" }, a.needed)
      a = assert(p:why(w.outside .. "/new.txt", "write"))
      assert.equal("denied", a.verdict)
      assert.equal("add --write " .. w.outside, a.hint)
    end)

    it("denies what no grant covers, with the flag that would change it", function()
      local a = assert(p:why(w.secret, "read"))
      assert.equal("denied", a.verdict)
      assert.equal("no grant covers this path", a.reason)
      -- ~/.ssh is protected, so the grant alone would be refused
      assert.equal("add --read-file " .. w.secret .. " and --bypass ~/.ssh ("
        .. w.home .. "/.ssh is protected: SSH keys and config)", a.hint)
    end)

    it("denies a right the covering grant lacks", function()
      local a = assert(p:why(w.outside .. "/file.txt", "write"))
      assert.equal("denied", a.verdict)
      assert.same({ "write_file" }, a.missing)
      assert.matches("%-%-read%-file f %(read on .*%) covers this path but lacks write_file", a.reason)
      assert.equal("add --write-file " .. w.outside .. "/file.txt", a.hint)
    end)

    it("rejects an unknown operation", function()
      local a, err = p:why("file.txt", "delete")
      assert.is_nil(a)
      assert.matches("unknown operation 'delete'", err)
    end)
  end)

  describe("narrowing a grant around protected paths (row 3)", function()
    local function home_policy(binds)
      local p = policy.new { abi = 7, home = w.home, cwd = w.project, system = false,
        commands = false, binds = binds }
      assert(p:grant("~", "read,write", { kind = "dir", source = "--allow ~" }))
      assert(p:resolve())
      local by_path = {}
      for _, r in ipairs(p:rules()) do by_path[r.path] = r end
      return p, by_path
    end

    it("gives the home itself no right and each entry its own rule", function()
      local _, rules = home_policy(false)
      assert.is_nil(rules[w.home], "a right on ~ would hold for ~/.ssh too")
      assert.is_nil(rules[w.home .. "/.ssh"])
      assert.is_nil(rules[w.secret])
      -- without user namespaces ~/.bashrc is narrowed to read
      assert.equal(policy.classes.read & core.fs_file_rights(), rules[w.home .. "/.bashrc"].mask)
    end)

    it("keeps a read-only file by a read-only mount where user namespaces work", function()
      local p, rules = home_policy(true)
      assert.same({ w.home .. "/.bashrc" }, p.ro_binds)
      assert.equal(A.write_file, rules[w.home .. "/.bashrc"].mask & A.write_file)
      local a = assert(p:why("~/.bashrc", "write"))
      assert.equal("denied", a.verdict)
      assert.matches("a read%-only mount", a.reason)
      assert.is_nil(rules[w.home], "~/.ssh still narrows the home")
    end)

    it("answers why from the narrowed rules", function()
      local p = home_policy(false)
      local a = assert(p:why("~/.ssh/id_rsa", "read"))
      assert.equal("denied", a.verdict)
      assert.equal("add --bypass ~/.ssh to lift the protection", a.hint)
      a = assert(p:why("~/new.txt", "write"))
      assert.equal("denied", a.verdict)
      assert.matches("entry by entry", a.reason)
    end)
  end)

  describe("time-limited grants and the exported policy", function()
    it("answers why the same from the exported policy (why --self) as from the policy", function()
      local p = policy.new { abi = 7, home = w.home, cwd = w.project, system = false, commands = false }
      assert(p:grant("~", "read,write", { kind = "dir", source = "--allow ~" }))
      assert(p:grant(w.outside, "read", { kind = "dir", source = "--read outside", ttl = 60 }))
      assert(p:resolve())
      p:start_clock(core.time_ms() / 1000)
      local copy = assert(policy.import(p:export()))
      for _, q in ipairs {
        { "~/.ssh/id_rsa", "read" }, { "~/.bashrc", "write" }, { "~/new.txt", "write" },
        { "file.txt", "write" }, { w.outside .. "/file.txt", "read" }, { w.outside .. "/file.txt", "write" },
        { "/etc/passwd", "read" },
      } do
        local a, b = assert(p:why(q[1], q[2])), assert(copy:why(q[1], q[2]))
        assert.same(a, b)
      end
      assert.matches("time%-limited", copy:why(w.outside .. "/file.txt", "read").note)
    end)

    it("carries every protection in force, field for field, through the exported policy", function()
      local p = policy.new { abi = 7, home = w.home, cwd = w.project, binds = true }
      assert(p:grant("~", "read,write", { kind = "dir", source = "--allow ~" }))
      assert(p:resolve())
      -- and one with every field set, escapes in each text
      p.active[#p.active + 1] = { mode = "noexec", bind = true, guarded = true, nlink = 3,
        canonical = "/a\tb\\c\nd", why = "why\t", source = "src\n", given = "g\\", name = "n",
        names = { "n", "m\tx", "o" } }
      local fields = { "mode", "bind", "guarded", "nlink", "canonical", "why", "source", "given", "name", "names" }
      local copy = assert(policy.import(p:export()))
      assert.equal(#p.active, #copy.active)
      local blocked, bound = 0, 0
      for i, a in ipairs(p.active) do
        for _, f in ipairs(fields) do
          local want = a[f]
          if f == "names" and want and #want == 0 then want = nil end
          assert.same(want, copy.active[i][f], a.canonical .. " " .. f)
        end
        if a.names then blocked = blocked + 1 end
        if a.bind then bound = bound + 1 end
      end
      assert.is_true(blocked > 1 and bound > 1, "the blocklist and the binds were exported")
    end)

    it("answers why --host, --port and --bind the same from the exported policy", function()
      local net = require "nono.net"
      for _, setup in ipairs {
        function(p) assert(net.allow(p, "api.example.com", "--allow-host api.example.com"))
          assert(net.allow(p, "*.example.org:8443", "profile x:3"))
          assert(net.allow_port(p, "connect", "8080", "--allow-port 8080"))
          assert(net.allow_port(p, "bind", 3000, "--allow-bind 3000")) end,
        function(p) p:set_net_block(true) end,
        function() end,
      } do
        local p = policy.new { abi = 7, home = w.home, cwd = w.project, system = false, commands = false }
        setup(p)
        assert(p:resolve())
        local copy = assert(policy.import(p:export()))
        for _, h in ipairs { "api.example.com", "api.example.com:8080", "a.example.org:8443", "evil.example", "[::1]:80" } do
          assert.same(net.why(p, h), net.why(copy, h), h)
        end
        for _, q in ipairs { { "connect", 8080 }, { "connect", 22 }, { "bind", 3000 }, { "bind", 3001 } } do
          assert.same(net.why_port(p, q[1], q[2]), net.why_port(copy, q[1], q[2]))
        end
      end
    end)

    it("denies what an expired grant covered, naming it", function()
      local p = policy.new { abi = 7, home = w.home, cwd = w.project, system = false, commands = false }
      assert(p:grant(".", "read,write", { kind = "dir", source = "--allow ." }))
      assert(p:grant("sub", "read,write", { kind = "dir", source = "--allow sub:1s", ttl = 1 }))
      assert(p:resolve())
      p:start_clock(core.time_ms() / 1000 - 2)
      local a = assert(p:why("sub/x", "write"))
      assert.equal("denied", a.verdict)
      assert.matches("^%-%-allow sub:1s was time%-limited and expired", a.reason)
      assert.equal("allowed", p:why("file.txt", "write").verdict)
    end)

    it("refuses a time-limited grant holding a permanent one", function()
      local p = policy.new { abi = 7, home = w.home, cwd = w.project, system = false, commands = false }
      assert(p:grant(".", "read", { kind = "dir", source = "--read .:5m", ttl = 300 }))
      assert(p:grant("sub", "read,write", { kind = "dir", source = "--allow sub" }))
      assert(p:resolve())
      local ok, msg = p:check_timed()
      assert.is_nil(ok)
      assert.matches("would be hidden", msg)
    end)

    it("refuses data that is not an exported policy", function()
      assert.same({ nil, "not a nono policy (version 3)" }, { policy.import('{"version":1}') })
      assert.same({ nil, "not a nono policy (bad network)" }, { policy.import('{"version":3}') })
      assert.same({ nil, "not a nono policy (bad network)" },
        { policy.import('{"version":3,"net":{"hosts":[{"host":1}],"ports":[]}}') })
      assert.same({ nil, "not a nono policy (bad line)" },
        { policy.import('{"version":3,"net":{"hosts":[],"ports":[]}}\nx') })
    end)
  end)

  it("refuses a grant whose path became a symlink after it was resolved (row 24)", function()
    assert(os.execute("mkdir -p " .. H.q(w.root .. "/real/sub") .. " && ln -s real " .. H.q(w.root .. "/link")))
    local plan <close> = core.policy(core.fs_rights_for_abi(1))
    assert(plan:add_path(w.root .. "/real/sub", A.read_file))
    -- the path as canonicalised before the swap now runs through a symlink
    local ok, msg, errno = plan:add_path(w.root .. "/link/sub", A.read_file)
    assert.is_nil(ok)
    assert.equal(40, errno, msg) -- ELOOP: refused, not followed
  end)
end)
