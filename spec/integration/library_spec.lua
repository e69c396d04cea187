--- `require "nono"` and the C API, used as a program would: the rock tree,
-- a Lua script sandboxing itself (as root and as uid 65534), sealing, the
-- thread refusal, the C example, and spawn.
local H = require "spec.helper"
local nono = require "nono"

local lib = os.getenv("NONO_BUILD_LIB") or (H.source .. "/build/lib")
local example_c = os.getenv("NONO_EXAMPLE_C") or (H.source .. "/build/nono-example-c")
local threads_apply = os.getenv("NONO_THREADS_APPLY") or (H.source .. "/build/nono-threads-apply")
local threads_spawn = os.getenv("NONO_THREADS_SPAWN") or (H.source .. "/build/nono-threads-spawn")
local layers_apply = os.getenv("NONO_LAYERS_APPLY") or (H.source .. "/build/nono-layers-apply")

-- Runs a Lua file from the source tree with this build's module.
local function lua(file, ...)
  local setup = string.format('package.path=%q..package.path; package.cpath=%q..package.cpath',
    H.source .. "/lua/?.lua;" .. H.source .. "/lua/?/init.lua;", lib .. "/?.so;")
  local words = { "lua5.4", "-e", H.q(setup), H.q(H.source .. "/" .. file) }
  for _, a in ipairs { ... } do words[#words + 1] = H.q(a) end
  return table.concat(words, " ")
end

-- Runs `code` as a Lua program of its own, as `user`, with this build's
-- module; `prefix` goes before the interpreter (e.g. "env NAME=value").
-- The program gets the world's paths as globals: HOME, PROJECT, OUTSIDE,
-- SECRET.  Returns stdout, stderr, status.
local function program(w, user, code, prefix)
  local file = w.root .. "/program.lua"
  local f = assert(io.open(file, "w"))
  f:write(string.format("HOME, PROJECT, OUTSIDE, SECRET = %q, %q, %q, %q\n",
    w.home, w.project, w.outside .. "/file.txt", w.secret), code)
  f:close()
  os.execute("chmod 0644 " .. H.q(file))
  local setup = string.format('package.path=%q..package.path; package.cpath=%q..package.cpath',
    H.source .. "/lua/?.lua;" .. H.source .. "/lua/?/init.lua;", lib .. "/?.so;")
  return H.sh("cd " .. H.q(w.project) .. " && " .. (prefix or "") .. " "
    .. H.as(user, "lua5.4 -e " .. H.q(setup) .. " " .. H.q(file)))
end

describe("the rock", function()
  it("builds through CMake offline, exports one symbol, and installs the modules and profiles", function()
    local tmp = H.sh("mktemp -d /tmp/nono-spec.rock.XXXXXX"):gsub("%s+$", "")
    finally(function() os.execute("rm -rf " .. H.q(tmp)) end)
    local src, tree, config = tmp .. "/src", tmp .. "/tree", tmp .. "/config.lua"
    -- a copy of the source: LuaRocks builds in the directory it is run in
    local _, cerr, ccode = H.sh("mkdir " .. H.q(src) .. " && cd " .. H.q(H.source) .. " && tar "
      .. "--exclude='./build*' --exclude=./.agents --exclude=./.git -cf - . | tar -xf - -C "
      .. H.q(src))
    assert.are.equal(0, ccode, cerr)
    -- No rock server at all, so nothing can be downloaded; Debian's
    -- lua-filesystem is the luafilesystem the rockspec depends on.
    local f = assert(io.open(config, "w"))
    f:write('rocks_servers = {}\nrocks_provided = { luafilesystem = "1.8.0-1" }\n')
    f:close()
    -- and, as root, in a network namespace of its own: no network at all
    local _, err, code = H.sh("cd " .. H.q(src) .. " && env LUAROCKS_CONFIG=" .. H.q(config)
      .. (H.is_root and " unshare -n" or "") .. " luarocks --lua-version=5.4 make --tree " .. H.q(tree)
      .. " nono-scm-1.rockspec")
    assert.are.equal(0, code, err)
    local so = tree .. "/lib/lua/5.4/nono/core.so"
    assert.are.equal("0", (H.sh("ldd " .. H.q(so) .. " | grep -c liblua"):gsub("%s+$", "")))
    local symbols = H.sh("nm -D --defined-only " .. H.q(so) .. " | awk '$2 ~ /^[TDBRVW]$/ { print $3 }'")
    assert.are.equal("luaopen_nono_core\n", symbols)
    -- the control: the module of the CMake build holds the C API too
    assert.matches("nono_apply", H.sh("nm --defined-only " .. H.q(lib .. "/nono/core.so")))

    local setup = string.format("package.path=%q; package.cpath=%q",
      tree .. "/share/lua/5.4/?.lua;" .. tree .. "/share/lua/5.4/?/init.lua;/usr/share/lua/5.4/?.lua",
      tree .. "/lib/lua/5.4/?.so;/usr/lib/x86_64-linux-gnu/lua/5.4/?.so")
    local home = tmp .. "/home"
    os.execute("mkdir -p " .. H.q(home .. "/project"))
    local out, lerr, lcode = H.sh("cd / && lua5.4 -e " .. H.q(setup) .. " -e " .. H.q(string.format([[
      local nono = require "nono"
      print(nono.version, package.searchpath("nono.core", package.cpath))
      local profile = require "nono.profile"
      local spec, msg = profile.load("claude-code", { home = %q, cwd = %q, abi = 7,
        getenv = function() return nil end })
      print(spec and spec.name or msg)
      print(package.searchpath("nono.profile", package.path))
    ]], home, home .. "/project")))
    assert.are.equal(0, lcode, lerr)
    local version = H.sh(H.q(H.built_nono) .. " --version"):match("%d+%.%d+%.%d+")
    local lines = {}
    for l in out:gmatch("[^\n]+") do lines[#lines + 1] = l end
    assert.are.equal(version .. "\t" .. so, lines[1])
    assert.are.equal("claude-code", lines[2])
    assert.are.equal(tree .. "/share/lua/5.4/nono/profile.lua", lines[3])
  end)

  it("configures without busted: the tests are off, with a message", function()
    if not H.is_root then pending("needs root (a mount namespace hides busted)") return end
    local tmp = H.sh("mktemp -d /tmp/nono-spec.cmake.XXXXXX"):gsub("%s+$", "")
    finally(function() os.execute("rm -rf " .. H.q(tmp)) end)
    local busted = H.sh("command -v busted"):gsub("%s+$", "")
    local function configure(dir, hide)
      return H.sh("unshare -m sh -c " .. H.q((hide and "mount --bind /bin/false " .. H.q(busted) .. " && " or "")
        .. "cmake -S " .. H.q(H.source) .. " -B " .. H.q(tmp .. "/" .. dir)))
    end
    local out, err, code = configure("without", true)
    assert.are.equal(0, code, err)
    assert.matches("busted not found: the tests are off", out)
    assert.is_nil(io.open(tmp .. "/without/CTestTestfile.cmake"):read("a"):find("spec%-unit"))
    -- the control: with busted, the specs are there
    out, err, code = configure("with", false)
    assert.are.equal(0, code, err)
    assert.is_nil(out:find("busted not found", 1, true))
    assert.truthy(io.open(tmp .. "/with/CTestTestfile.cmake"):read("a"):find("spec%-unit"))
  end)
end)

describe("misuse raises, with a stable message", function()
  it("names the function", function()
    local p = nono.policy { system = false }
    assert.has_error(function() p:read(42) end, "nono: read: expected a path (string), got number")
    assert.has_error(function() p:why("/", "fly") end,
      "nono: why: unknown op 'fly' (expected read, write, readwrite or exec)")
    assert.has_error(function() p:protect("/x", "hide") end,
      "nono: protect: unknown mode 'hide' (expected deny or readonly)")
    assert.has_error(function() nono.policy "x" end, "nono: policy: expected a table of options, got string")
  end)

  it("returns nil, message for a grant that cannot be resolved", function()
    local p = nono.policy { system = false }
    assert.truthy(p:read("/nonexistent/nono-spec"))
    local r, msg = p:spawn { "true" }
    assert.is_nil(r)
    assert.matches("does not exist", msg)
  end)
end)

describe("a Lua script that applies a policy to itself #landlock", function()
  local w
  before_each(function() w = H.world() end)
  after_each(function() H.destroy(w) end)

  for _, user in ipairs(H.users) do
    it("is denied the secret outside by the kernel, and sealed, as " .. user, function()
      if not H.require_landlock() or not H.can_run_as(user) then return end
      local out, err, code = H.sh(H.as(user, lua("examples/apply_self.lua", w.project, w.secret)))
      assert.are.equal(0, code, out .. err)
      assert.matches("allowed: opened", out)
      assert.matches("outside: denied: .*Permission denied %(errno 13%)", out)
      assert.matches("mutation: nono: policy is sealed %(applied%)", out)
    end)
  end

  it("refuses with two threads (C API: -EBUSY, nothing applied)", function()
    if not H.require_landlock() then return end
    local out, err, code = H.sh(H.q(threads_apply))
    assert.are.equal(0, code, out .. err)
    assert.are.equal("EBUSY\n", out)
  end)
end)

describe("the C example #landlock", function()
  local w
  before_each(function() w = H.world() end)
  after_each(function() H.destroy(w) end)

  for _, user in ipairs(H.users) do
    it("lists the granted directory and is denied another, as " .. user, function()
      if not H.require_landlock() or not H.can_run_as(user) then return end
      local out, err, code = H.sh(H.as(user, H.q(example_c) .. " " .. H.q(w.project) .. " " .. H.q(w.outside)))
      assert.are_not.equal(0, code)
      assert.matches("file.txt", out)
      assert.matches("cannot open directory '" .. w.outside:gsub("%p", "%%%0") .. "': Permission denied", err)
    end)
  end
end)

describe("spawn #landlock", function()
  local w
  before_each(function() w = H.world() end)
  after_each(function() H.destroy(w) end)

  it("returns exit codes and signals", function()
    if not H.require_landlock() then return end
    local p = nono.policy { home = w.home, cwd = w.project }
    assert.are.same({ kind = "exited", code = 7 }, p:spawn { "sh", "-c", "exit 7" })
    assert.are.same({ kind = "signaled", code = 15 }, p:spawn { "sh", "-c", "kill -TERM $$" })
    local r = p:spawn { "/nonexistent/nono-spec" }
    assert.are.equal("not_executed", r.kind)
  end)

  it("runs the child sandboxed: the project is readable, the secret is not", function()
    if not H.require_landlock() then return end
    local p = nono.policy { home = w.home, cwd = w.project, protect = false }
    assert(p:allow(w.project))
    local env = { "PATH=/usr/bin:/bin" }
    assert.are.same({ kind = "exited", code = 0 },
      p:spawn({ "sh", "-c", "cat file.txt >/dev/null" }, { cwd = w.project, env = env }))
    assert.are.same({ kind = "exited", code = 1 },
      p:spawn({ "sh", "-c", "cat " .. H.q(w.secret) .. " 2>/dev/null || exit 1" }, { env = env }))
    local why = p:why(w.secret, "read")
    assert.are.equal("denied", why.verdict)
  end)
end)

describe("apply #landlock", function()
  local w
  before_each(function()
    w = H.world()
    -- writable by uid 65534 too, so that only the sandbox can refuse it
    os.execute("chmod 0666 " .. H.q(w.home .. "/.bashrc"))
  end)
  after_each(function() H.destroy(w) end)

  for _, user in ipairs(H.users) do
    it("sandboxes after why, report and rules chose bind mounts, as " .. user, function()
      if not H.ready(user) then return end
      local out, err, code = program(w, user, [[
        local nono = require "nono"
        local p = nono.policy { home = HOME, cwd = PROJECT }
        -- ~/.bashrc is read-only inside this write grant: where namespaces
        -- work, spawn keeps it with a bind mount, which apply cannot use
        assert(p:allow(HOME))
        print("why before: " .. p:why(HOME .. "/.bashrc", "write").verdict)
        local r = p:report()
        print("binds before: " .. #r.protections.ro_binds .. " " .. tostring(r.namespaces.available))
        assert(#p:rules() > 0)
        local f = io.open(OUTSIDE)
        print("outside before: " .. (f and "opened" or "denied"))
        if f then f:close() end
        local b = io.open(HOME .. "/.bashrc", "a")
        print("bashrc before: " .. (b and "opened" or "denied"))
        if b then b:close() end
        print("apply: " .. tostring(p:apply()))
        local _, _, e = io.open(OUTSIDE)
        print("outside after: " .. tostring(e))
        _, _, e = io.open(HOME .. "/.bashrc", "a")
        print("bashrc after: " .. tostring(e))
        _, _, e = io.open(SECRET)
        print("secret after: " .. tostring(e))
        print("why after: " .. p:why(HOME .. "/.bashrc", "write").verdict)
        print("binds after: " .. #p:report().protections.ro_binds)
        -- spawn from the sandboxed process plans without mounts too
        local r = p:spawn({ "sh", "-c", "echo x >> \"$1\" || exit 3", "sh", HOME .. "/.bashrc" })
        print("spawn after: " .. r.kind .. " " .. r.code)
      ]])
      assert.are.equal(0, code, out .. err)
      if out:find("binds before: 0 ") then
        pending("user namespaces do not work here: no bind mount was chosen, nothing to tell apart")
        return
      end
      assert.matches("why before: denied", out)
      assert.matches("binds before: %d+ true", out)
      -- the controls: before apply both opens work
      assert.matches("outside before: opened", out)
      assert.matches("bashrc before: opened", out)
      assert.matches("apply: true", out)
      assert.matches("outside after: 13", out)
      assert.matches("bashrc after: 13", out)
      assert.matches("secret after: 13", out)
      assert.matches("why after: denied", out)
      assert.matches("binds after: 0", out)
      assert.matches("spawn after: exited 3", out)
    end)

    it("raises when it cannot apply: a caller that does not check runs nothing more, as " .. user, function()
      if not H.ready(user) then return end
      local out, err, code = program(w, user, [[
        local nono = require "nono"
        local p = nono.policy { home = HOME, cwd = PROJECT }
        assert(p:read(PROJECT))
        p:abi_min(99)
        local f = io.open(OUTSIDE)
        print("outside before: " .. (f and "opened" or "denied"))
        if f then f:close() end
        p:apply()
        print("after apply: " .. tostring(io.open(OUTSIDE) ~= nil))
      ]])
      assert.are_not.equal(0, code)
      assert.matches("outside before: opened", out)
      assert.not_matches("after apply", out)
      assert.matches("nono: cannot apply: abi_min 99 requires Landlock ABI 99", err)
    end)

    it("leaves the process as it was when it raises, as " .. user, function()
      if not H.ready(user) then return end
      local out, err, code = program(w, user, [[
        local nono = require "nono"
        local p = nono.policy { home = HOME, cwd = PROJECT }
        assert(p:read(PROJECT .. "/nonexistent"))
        local ok, msg = pcall(p.apply, p)
        print("apply: " .. tostring(ok) .. " " .. msg)
        local f = io.open(OUTSIDE)
        print("outside: " .. (f and "opened" or "denied"))
        print("still open: " .. tostring(pcall(p.allow, p, OUTSIDE)))
      ]])
      assert.are.equal(0, code, out .. err)
      assert.matches("apply: false nono: cannot apply: read .* does not exist", out)
      assert.matches("outside: opened", out)
      assert.matches("still open: true", out)
    end)

    it("drops capabilities by default: the process and its child have none, as " .. user, function()
      if not H.ready(user) then return end
      local out, err, code = program(w, user, [[
        local nono = require "nono"
        local function capeff(text) return text:match("CapEff:%s*(%x+)") end
        local function child() local c = io.popen("cat /proc/self/status"); local t = c:read("a"); c:close(); return capeff(t) end
        local function own() local f = io.open("/proc/self/status"); local t = f:read("a"); f:close(); return capeff(t) end
        print("before: " .. own() .. " " .. child())
        local p = nono.policy { home = HOME, cwd = PROJECT }
        assert(p:allow(PROJECT))
        p:apply()
        print("after: " .. own() .. " " .. child())
      ]])
      assert.are.equal(0, code, out .. err)
      local own, kid = out:match("before: (%x+) (%x+)")
      if user == "root" then
        -- the control: root and what it runs hold capabilities without nono
        assert.are_not.equal(0, tonumber(own, 16))
        assert.are_not.equal(0, tonumber(kid, 16))
      else
        assert.are.equal(0, tonumber(own, 16))
      end
      own, kid = out:match("after: (%x+) (%x+)")
      assert.are.equal(0, tonumber(own, 16))
      assert.are.equal(0, tonumber(kid, 16))
    end)
  end

  it("keeps capabilities with keep_caps = true, as root", function()
    if not H.ready("root") then return end
    if not H.is_root then pending("needs root") return end
    if not (nono.core.apply_flags and nono.core.apply_flags.keep_caps) then
      error("nono.core's plan:apply takes no flags (src/lnono_plan.c)")
      return
    end
    local out, err, code = program(w, "root", [[
      local nono = require "nono"
      local function capeff(text) return text:match("CapEff:%s*(%x+)") end
      local p = nono.policy { home = HOME, cwd = PROJECT }
      assert(p:allow(PROJECT))
      p:apply { keep_caps = true }
      local f = io.open("/proc/self/status"); local own = capeff(f:read("a")); f:close()
      local c = io.popen("cat /proc/self/status"); local kid = capeff(c:read("a")); c:close()
      print("after: " .. own .. " " .. kid)
      print("outside: " .. tostring(select(3, io.open(OUTSIDE))))
    ]])
    assert.are.equal(0, code, out .. err)
    local own, kid = out:match("after: (%x+) (%x+)")
    assert.are_not.equal(0, tonumber(own, 16))
    assert.are_not.equal(0, tonumber(kid, 16))
    -- capabilities kept, the sandbox still in force (CAP_DAC_OVERRIDE
    -- does not get past Landlock)
    assert.matches("outside: 13", out)
  end)

  for _, user in ipairs(H.users) do
    it("refuses a 17th Landlock layer with E2BIG before changing anything (C API), as " .. user, function()
      if not H.ready(user) then return end
      local out, err, code = H.sh(H.as(user, H.q(layers_apply)))
      assert.are.equal(0, code, out .. err)
      assert.matches("applied 16\nrefused E2BIG\nfilters 16 16\n", out)
      -- the control: the kernel itself refuses a 17th layer
      assert.matches("kernel E2BIG\nalive\n", out)
    end)

    it("counts the layers it did not apply itself (under nono run), as " .. user, function()
      if not H.ready(user) then return end
      local out, err, code = H.nono(w, user, { "run", "--read-file", layers_apply, "--", layers_apply },
        { floor = false })
      assert.are.equal(0, code, out .. err)
      assert.matches("applied 15\nrefused E2BIG\nfilters 16 16\nkernel E2BIG\nalive\n", out)
    end)
  end
end)

describe("the C API's access classes #landlock", function()
  local w
  before_each(function() w = H.world() end)
  after_each(function() H.destroy(w) end)
  local write_class = os.getenv("NONO_WRITE_CLASS") or (H.source .. "/build/nono-write-class")

  for _, user in ipairs(H.users) do
    it("are nono run's: NONO_WRITE removes a directory where it is granted only, as " .. user, function()
      if not H.ready(user) then return end
      local function fresh()
        os.execute("rm -rf " .. H.q(w.project .. "/new") .. "; mkdir -p " .. H.q(w.project .. "/gone") .. " "
          .. H.q(w.outside .. "/gone") .. " && chmod 0777 " .. H.q(w.project .. "/gone") .. " "
          .. H.q(w.outside .. "/gone"))
      end
      fresh()
      local out, err, code = H.sh(H.as(user, H.q(write_class) .. " " .. H.q(w.project) .. " " .. H.q(w.outside)))
      assert.are.equal(0, code, out .. err)
      assert.are.equal("rmdir granted: ok\nrmdir other: EACCES\nmkdir granted: ok\n", out)
      -- the same grant from nono run: the same answer to the same calls
      fresh()
      local probe_out = H.probe(w, user, { "--allow", w.project }, "rmdir", w.project .. "/gone")
      assert.matches("^ok", probe_out)
      -- the control: without the sandbox the other directory goes too
      fresh()
      local _, _, rcode = H.sh(H.as(user, "rmdir " .. H.q(w.outside .. "/gone")))
      assert.are.equal(0, rcode)
    end)
  end
end)

describe("a sealed policy #landlock", function()
  local w
  before_each(function() w = H.world() end)
  after_each(function() H.destroy(w) end)

  for _, user in ipairs(H.users) do
    it("cannot be changed from Lua, and why stays what the kernel enforces, as " .. user, function()
      if not H.ready(user) then return end
      local out, err, code = program(w, user, [[
        local nono = require "nono"
        local p = nono.policy { home = HOME, cwd = PROJECT }
        assert(p:read(PROJECT))
        print("fields: " .. tostring(next(p)))
        print("metatable: " .. tostring(getmetatable(p)))
        p:apply()
        local before = p:why(OUTSIDE, "read").verdict
        print("assign: " .. select(2, pcall(function() p.sealed = false end)))
        print("setmetatable: " .. tostring(pcall(setmetatable, p, {})))
        -- rawset reaches the object, never the policy it stands for
        rawset(p, "sealed", false)
        rawset(p, "p", { sealed = false })
        rawset(p, "model", {})
        print("allow: " .. select(2, pcall(p.allow, p, OUTSIDE)))
        print("why: " .. before .. " " .. p:why(OUTSIDE, "read").verdict)
        print("look-alike: " .. select(2, pcall(p.why, { }, OUTSIDE, "read")))
        print("kernel: " .. tostring(select(3, io.open(OUTSIDE))))
      ]])
      assert.are.equal(0, code, out .. err)
      assert.matches("fields: nil", out)
      assert.matches("metatable: nono.policy", out)
      assert.matches("assign: nono: policy is sealed %(applied%)", out)
      assert.matches("setmetatable: false", out)
      assert.matches("allow: nono: policy is sealed %(applied%)", out)
      assert.matches("why: denied denied", out)
      assert.matches("look%-alike: nono: expected a policy", out)
      assert.matches("kernel: 13", out)
    end)
  end
end)

describe("spawn, as nono run does #landlock", function()
  local w
  before_each(function() w = H.world() end)
  after_each(function() H.destroy(w) end)

  for _, user in ipairs(H.users) do
    it("strips LD_*, BASH_ENV, NODE_OPTIONS... from the child's environment, as " .. user, function()
      if not H.ready(user) then return end
      local prefix = "env LD_LIBRARY_PATH=/nonexistent/nono BASH_ENV=/nonexistent/nono-bash-env "
        .. "NODE_OPTIONS=--require=/nonexistent/nono.js NONO_SPEC_KEEP=kept"
      local out, err, code = program(w, user, [[
        local nono = require "nono"
        -- the control: without nono the child gets them all
        local c = io.popen("env")
        for line in c:lines() do print("bare " .. line) end
        c:close()
        local p = nono.policy { home = HOME, cwd = PROJECT }
        local r = p:spawn({ "sh", "-c", "env | sed 's/^/inherited /'" })
        print("status " .. r.kind .. " " .. r.code)
        r = p:spawn({ "sh", "-c", "env | sed 's/^/given /'" }, { env = {
          "PATH=/usr/bin:/bin", "LD_PRELOAD=/nonexistent/nono.so", "BASH_ENV=/nonexistent/x",
          "NODE_OPTIONS=--require=/x", "NONO_SPEC_KEEP=kept" } })
        print("status " .. r.kind .. " " .. r.code)
        r = p:spawn({ "sh", "-c", "env | sed 's/^/map /'" }, { env = {
          PATH = "/usr/bin:/bin", LD_AUDIT = "/nonexistent/x", NODE_OPTIONS = "--x", NONO_SPEC_KEEP = "kept" },
          keep_env = { "NODE_OPTIONS" } })
        print("status " .. r.kind .. " " .. r.code)
      ]], prefix)
      assert.are.equal(0, code, out .. err)
      assert.matches("\nbare LD_LIBRARY_PATH=/nonexistent/nono\n", out)
      assert.matches("\nbare BASH_ENV=", out)
      assert.matches("\nbare NODE_OPTIONS=", out)
      assert.not_matches("\ninherited LD_", out)
      assert.not_matches("\ninherited BASH_ENV", out)
      assert.not_matches("\ninherited NODE_OPTIONS", out)
      assert.matches("\ninherited NONO_SPEC_KEEP=kept\n", out)
      assert.not_matches("\ngiven LD_", out)
      assert.not_matches("\ngiven BASH_ENV", out)
      assert.not_matches("\ngiven NODE_OPTIONS", out)
      assert.matches("\ngiven NONO_SPEC_KEEP=kept\n", out)
      assert.not_matches("\nmap LD_", out)
      assert.matches("\nmap NODE_OPTIONS=%-%-x\n", out)
      assert.matches("\nmap NONO_SPEC_KEEP=kept\n", out)
      assert.not_matches("status [^e]", out)
    end)
  end

  for _, user in ipairs(H.users) do
    -- Row 29: where namespaces work the command's /proc is a new mount,
    -- which no rule for the old one reaches; it gets what the policy gives
    -- /proc, asked of the kernel (exec_child.c).  On the floor it is the
    -- host's, under the same rule.
    it("gives the command's /proc what the policy gives /proc, and without a grant the kernel refuses it, as "
        .. user, function()
      if not H.ready(user) then return end
      local out, err, code = program(w, user, [[
        local nono = require "nono"
        -- the control: without nono /proc reads
        local f = io.open("/proc/version")
        print("bare " .. (f and f:read("l") or "refused"))
        if f then f:close() end
        for _, granted in ipairs { true, false } do
          local p = nono.policy { system = false, protect = false, commands = false, home = HOME, cwd = PROJECT }
          assert(p:read("/usr"))
          assert(p:read_file("/etc/ld.so.cache"))
          if granted then assert(p:read("/proc")) end
          local label = granted and "granted" or "not granted"
          for _, argv in ipairs { { "/usr/bin/cat", "/proc/version" }, { "/usr/bin/ls", "/proc/self" } } do
            io.stdout:flush()
            local r = p:spawn(argv, { env = { "PATH=/usr/bin" } })
            print(label .. " " .. argv[1] .. " " .. r.kind .. " " .. r.code)
          end
        end
      ]])
      assert.are.equal(0, code, out .. err)
      assert.matches("bare Linux version", out)
      assert.matches("\ngranted /usr/bin/cat exited 0\n", out)
      assert.matches("\ngranted /usr/bin/ls exited 0\n", out)
      assert.matches("\nLinux version", out)
      assert.matches("\nnot granted /usr/bin/cat exited 1\n", out)
      assert.matches("\nnot granted /usr/bin/ls exited 2\n", out)
      assert.matches("cat: /proc/version: Permission denied", err)
      assert.matches("ls: cannot open directory '/proc/self': Permission denied", err)
    end)
  end

  for _, user in ipairs(H.users) do
    -- Row 20: a double-forked, setsid'ed process ends with the command, as
    -- under nono run.  Where namespaces work the pid namespace's init
    -- kills it; on the floor (unshare refused: nono-no-landlock NOUSERNS)
    -- the spawn's own init, the tree's subreaper, finds it in /proc.
    -- spawn has returned only once it is gone: no waiting here.
    it("ends a detached grandchild with the command, with namespaces and on the floor, as " .. user, function()
      if not H.ready(user) then return end
      local function detach(mark, ready)
        return "(setsid sh -c " .. H.q("touch " .. H.q(ready) .. "; exec sleep " .. mark) .. " >/dev/null 2>&1 &)"
          .. "; while [ ! -e " .. H.q(ready) .. " ]; do sleep 0.01; done; readlink /proc/self/ns/pid"
      end
      -- the control: without nono the detached sleep outlives its parent
      local mark, ready = H.marker(), w.project .. "/ready-bare"
      local _, err, code = H.sh(H.as(user, "sh -c " .. H.q(detach(mark, ready))))
      assert.are.equal(0, code, err)
      local bare = H.pids_running({ "sleep", mark })
      assert.are.equal(1, #bare)
      os.execute("kill -KILL " .. bare[1])
      for _, floor in ipairs { false, true } do
        mark, ready = H.marker(), w.project .. "/ready-" .. tostring(floor)
        local out
        out, err, code = program(w, user, string.format([[
          local nono = require "nono"
          local p = nono.policy { home = HOME, cwd = PROJECT }
          assert(p:allow(PROJECT))
          io.stdout:flush()
          local r = p:spawn({ "sh", "-c", %q })
          print("status " .. r.kind .. " " .. r.code)
          local f = io.popen("readlink /proc/self/ns/pid")
          print("outside " .. f:read("l"))
          f:close()
        ]], detach(mark, ready)), floor and (H.q(H.built_injector) .. " NOUSERNS") or nil)
        assert.are.equal(0, code, out .. err)
        assert.matches("\nstatus exited 0\n", out)
        local inside, outside = out:match("^(pid:%S+)\n.*\noutside (pid:%S+)\n$")
        assert(inside and outside, out)
        -- the floor's run shares the host's pid namespace, the other not
        assert.are.equal(floor, inside == outside)
        assert.is_not_nil(io.open(ready), "the detached process never started")
        assert.same({}, H.pids_running({ "sleep", mark }))
      end
    end)
  end

  it("refuses NUL bytes in argv, env and cwd, naming the argument", function()
    if not H.require_landlock() then return end
    local p = nono.policy { home = w.home, cwd = w.project }
    assert(p:allow(w.project))
    local marker = w.project .. "/ran"
    -- the control: the same call without the NUL byte runs
    assert.are.same({ kind = "exited", code = 0 }, p:spawn { "touch", marker })
    assert.is_true(os.remove(marker))
    assert.has_error(function() p:spawn { "touch", marker .. "\0/x" } end,
      "nono: spawn: argv[2] contains a NUL byte")
    assert.has_error(function() p:spawn({ "touch", marker }, { env = { "A=1", "B=2\0C=3" } }) end,
      "nono: spawn: env[2] contains a NUL byte")
    assert.has_error(function() p:spawn({ "touch", marker }, { env = { B = "2\0C=3" } }) end,
      "nono: spawn: env B contains a NUL byte")
    assert.has_error(function() p:spawn({ "touch", marker }, { cwd = w.project .. "\0/sub" }) end,
      "nono: spawn: cwd contains a NUL byte")
    assert.has_error(function() p:read(w.project .. "\0/sub") end,
      "nono: read: the path contains a NUL byte")
    assert.is_nil(io.open(marker))
  end)

  it("leaves the caller's directory as it was, whichever way spawn ends", function()
    if not H.require_landlock() then return end
    local lfs = require "lfs"
    local here = lfs.currentdir()
    local p = nono.policy { home = w.home, cwd = w.project }
    assert(p:allow(w.project))
    -- the child does start in cwd
    assert.are.same({ kind = "exited", code = 0 },
      p:spawn({ "sh", "-c", "test \"$(pwd)\" = " .. H.q(w.project .. "/sub") }, { cwd = w.project .. "/sub" }))
    assert.are.equal(here, lfs.currentdir())
    -- raised inside nono.core, after the move to cwd: too many arguments
    local argv = { "true" }
    for i = 2, 70000 do argv[i] = "x" end
    assert.has_error(function() p:spawn(argv, { cwd = w.project }) end)
    assert.are.equal(here, lfs.currentdir())
    -- the command cannot be executed
    assert.are.equal("not_executed", p:spawn({ "/nonexistent/nono-spec" }, { cwd = w.project }).kind)
    assert.are.equal(here, lfs.currentdir())
    -- a cwd that does not exist
    assert.is_nil(p:spawn({ "true" }, { cwd = w.project .. "/nonexistent" }))
    assert.are.equal(here, lfs.currentdir())
  end)

  for _, user in ipairs(H.users) do
    it("refuses a threaded caller with EBUSY, and runs a single-threaded one (C API), as " .. user, function()
      if not H.ready(user) then return end
      local out, err, code = H.sh(H.as(user, H.q(threads_spawn)))
      assert.are.equal(0, code, out .. err)
      -- the control first: before the second thread exists, it runs
      assert.are.equal("exited 0\nEBUSY\n", out)
    end)
  end
end)
