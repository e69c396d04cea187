-- The binary as a whole: the host, `why` against the kernel, help texts.
local H = require "spec.helper"
local dkjson = require "dkjson" -- busted's own dependency, used to check our JSON

describe("the nono binary", function()
  local w
  before_each(function() w = H.world() end)
  after_each(function() H.destroy(w) end)

  it("needs no shared library but what a static binary needs: no liblua", function()
    local out = H.sh("ldd " .. H.q(H.built_nono) .. " 2>&1")
    assert.not_matches("liblua", out)
    assert.not_matches("lfs", out)
    for lib in out:gmatch("(%S+%.so[%.%d]*)") do
      assert.is_truthy(lib:match("^libc%.so") or lib:match("ld%-linux") or lib:match("vdso")
        or lib:match("^/lib") or lib:match("libasan") or lib:match("libubsan")
        or lib:match("libm%.so") or lib:match("libgcc_s") or lib:match("libstdc"), lib)
    end
  end)

  it("is not steered by LUA_PATH, LUA_CPATH or LUA_INIT", function()
    local evil = w.root .. "/evil"
    assert(os.execute("mkdir -p " .. H.q(evil .. "/nono") .. " && printf 'print(\"EVIL\") os.exit(0)' > "
      .. H.q(evil .. "/nono/cli.lua")))
    local env = "LUA_PATH=" .. H.q(evil .. "/?.lua") .. " LUA_PATH_5_4=" .. H.q(evil .. "/?.lua")
      .. " LUA_CPATH=" .. H.q(evil .. "/?.so") .. " LUA_INIT=" .. H.q('print("EVIL") os.exit(0)')
    local out, _, code = H.nono(w, "root", { "--version" }, { env = env })
    assert.equal(0, code)
    assert.matches("^nono %d+%.%d+%.%d+", out)
    assert.not_matches("EVIL", out)
  end)

  it("prints its version and help, and exits 2 with usage when given nothing", function()
    local out, _, code = H.nono(w, "root", { "--version" })
    assert.equal(0, code)
    assert.matches("Landlock ABI", out)
    out, _, code = H.nono(w, "root", { "--help" })
    assert.equal(0, code)
    assert.matches("nono run %[options%]", out)
    out, _, code = H.nono(w, "root", { "help", "run" })
    assert.equal(0, code)
    for _, flag in ipairs { "--allow", "--read", "--write", "--allow-file", "--read-file",
                            "--write-file", "--dry-run", "-v, --verbose" } do
      assert.matches("\n%s+" .. flag:gsub("%-", "%%-") .. " ", out)
    end
    out, _, code = H.nono(w, "root", { "help", "why" })
    assert.equal(0, code)
    assert.matches("%-%-json", out)
    local _, err
    _, err, code = H.nono(w, "root", {})
    assert.equal(2, code)
    _, err, code = H.nono(w, "root", { "help", "nothing" })
    assert.equal(2, code)
    assert.matches("no help for 'nothing'", err)
  end)
end)

for _, user in ipairs(H.users) do
  describe("nono why as " .. user .. " #landlock", function()
    local w
    before_each(function() w = H.world() end)
    after_each(function() H.destroy(w) end)

    it("answers DENIED for the secret with the flag to add, and ALLOWED in the project", function()
      H.can_run_as(user)
      local out, _, code = H.nono(w, user, { "why", "--allow", ".", "--path", "~/.ssh/id_rsa" })
      assert.equal(1, code) -- DENIED
      assert.matches("^DENIED read " .. w.secret:gsub("%p", "%%%0"), out)
      assert.matches("hint: add %-%-read%-file " .. w.secret:gsub("%p", "%%%0"), out)
      out = H.nono(w, user, { "why", "--allow", ".", "--path", "file.txt", "--op", "write" })
      assert.matches("^ALLOWED write", out)
      assert.matches("granted by %-%-allow %.", out)
    end)

    it("answers in JSON", function()
      H.can_run_as(user)
      local out, _, code = H.nono(w, user, { "why", "--json", "--read", ".", "--path", "sub", "--op", "write" })
      assert.equal(1, code) -- DENIED
      local a = assert(dkjson.decode(out))
      assert.equal("denied", a.verdict)
      assert.equal(w.project .. "/sub", a.canonical)
      assert.same({ "make_reg" }, a.needed)
      assert.equal("--read .", a.grants[1] == nil and "--read ." or a.grants[1].source)
      assert.equal("add --write " .. w.project .. "/sub", a.hint)
    end)

    it("rejects a bad --op and a missing --path with exit 2", function()
      H.can_run_as(user)
      local _, err, code = H.nono(w, user, { "why", "--path", ".", "--op", "delete" })
      assert.equal(2, code)
      assert.matches("unknown operation 'delete'", err)
      _, err, code = H.nono(w, user, { "why", "--op", "read" })
      assert.equal(2, code)
      assert.matches("%-%-path PATH is required", err)
    end)

    -- `why` and the kernel must agree: every case below is asked of `why`
    -- and then tried by the probe under the same grants.
    it("agrees with the kernel on every case tried", function()
      H.can_run_as(user)
      H.require_landlock()
      assert(os.execute("cp /bin/true " .. H.q(w.outside .. "/true") .. " && cp /bin/true " .. H.q(w.project .. "/true")))
      local grants = { "--allow", "sub", "--read", ".", "--write-file", w.outside .. "/file.txt",
                       "--read-file", w.probe }
      local cases = {
        { "read", "file.txt", "read" }, { "write", "file.txt", "write" },
        { "read", "sub", "list" }, { "write", "sub/new", "create" },
        { "write", "new", "create" }, { "read", w.secret, "read" },
        { "write", w.outside .. "/file.txt", "write" }, { "read", w.outside .. "/file.txt", "read" },
        { "write", w.outside .. "/new", "create" }, { "read", "/etc/passwd", "read" },
        { "write", "/etc/passwd", "write" }, { "exec", "/bin/true", "exec" },
        { "exec", w.outside .. "/true", "exec" }, { "exec", "true", "exec" },
        { "read", w.home, "list" },
      }
      for _, c in ipairs(cases) do
        local op, path, probe_op = c[1], c[2], c[3]
        local out = H.nono(w, user, H.args({ "why", "--json", "--path", path, "--op", op }, grants))
        local a = assert(dkjson.decode(out), out)
        local kernel = H.probe(w, user, grants, probe_op, path)
        if probe_op == "exec" and kernel == "" then kernel = "ok" end -- true printed nothing
        local said = string.format("why says %s %s %s, kernel says %s", a.verdict, op, path, kernel)
        if a.verdict == "allowed" then
          assert.equal("ok", kernel, said)
        else
          H.refused(kernel, said)
        end
      end
    end)
  end)
end
