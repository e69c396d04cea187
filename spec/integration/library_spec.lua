--- `require "nono"` and the C API, used as a program would: the rock tree,
-- a Lua script sandboxing itself (as root and as uid 65534), sealing, the
-- thread refusal, the C example, and spawn.
local H = require "spec.helper"
local nono = require "nono"

local lib = os.getenv("NONO_BUILD_LIB") or (H.source .. "/build/lib")
local example_c = os.getenv("NONO_EXAMPLE_C") or (H.source .. "/build/nono-example-c")
local threads_apply = os.getenv("NONO_THREADS_APPLY") or (H.source .. "/build/nono-threads-apply")

-- Runs a Lua file from the source tree with this build's module.
local function lua(file, ...)
  local setup = string.format('package.path=%q..package.path; package.cpath=%q..package.cpath',
    H.source .. "/lua/?.lua;" .. H.source .. "/lua/?/init.lua;", lib .. "/?.so;")
  local words = { "lua5.4", "-e", H.q(setup), H.q(H.source .. "/" .. file) }
  for _, a in ipairs { ... } do words[#words + 1] = H.q(a) end
  return table.concat(words, " ")
end

describe("the rock", function()
  it("installs with luarocks make offline and loads without linking liblua", function()
    local tree = H.sh("mktemp -d /tmp/nono-spec.rock.XXXXXX"):gsub("%s+$", "")
    finally(function() os.execute("rm -rf " .. H.q(tree)) end)
    local _, err, code = H.sh("cd " .. H.q(H.source) .. " && luarocks --lua-version=5.4 make --deps-mode=none --tree "
      .. H.q(tree) .. " nono-scm-1.rockspec")
    assert.are.equal(0, code, err)
    local so = tree .. "/lib/lua/5.4/nono/core.so"
    assert.are.equal("0", (H.sh("ldd " .. H.q(so) .. " | grep -c liblua"):gsub("%s+$", "")))
    local setup = string.format("package.path=%q; package.cpath=%q",
      tree .. "/share/lua/5.4/?.lua;" .. tree .. "/share/lua/5.4/?/init.lua;/usr/share/lua/5.4/?.lua",
      tree .. "/lib/lua/5.4/?.so;/usr/lib/x86_64-linux-gnu/lua/5.4/?.so")
    local out, lerr, lcode = H.sh("lua5.4 -e " .. H.q(setup) .. " -e " .. H.q(
      'local nono = require "nono"; print(nono.version, package.searchpath("nono.core", package.cpath))'))
    assert.are.equal(0, lcode, lerr)
    assert.matches("^scm\t" .. tree:gsub("%p", "%%%0") .. "/lib/lua/5.4/nono/core.so", out)
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
