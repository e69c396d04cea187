-- Descriptors nono.core hands to Lua are objects with one owner: born
-- closed, closed once (fd:close(), a <close> variable, or the collector),
-- and unusable after.  A listing unwound by a memory error leaves no
-- directory open.  A host that cannot budget a profile refuses to run it.
local H = require "spec.helper"
local core = require "nono.core"
local lfs = require "lfs"

--- Whether descriptor `n` is open in this process.
local function is_open(n)
  return lfs.symlinkattributes("/proc/self/fd/" .. n) ~= nil
end

local function open_fds()
  local n = 0
  for name in lfs.dir("/proc/self/fd") do
    if name ~= "." and name ~= ".." then n = n + 1 end
  end
  return n
end

describe("nono.core descriptors", function()
  local w
  before_each(function() w = H.world() end)
  after_each(function() H.destroy(w) end)

  it("closes a held directory once, and refuses to use it after", function()
    local fd = assert(core.hold_dir(w.project))
    local n = fd:fileno()
    assert.is_true(is_open(n))
    assert.equal(w.project, core.held_path(fd))
    assert.is_true(fd:close())
    assert.is_false(is_open(n))
    assert.is_true(fd:close()) -- again: nothing to do
    assert.has_error(function() core.held_path(fd) end)
    assert.has_error(function() fd:fileno() end)
    assert.matches("closed", tostring(fd))
  end)

  it("closes a <close> variable's descriptor when the scope ends", function()
    local n
    do
      local fd <close> = assert(core.sealed_memfd("text"))
      n = fd:fileno()
      assert.is_true(is_open(n))
      assert.equal("text", core.read_sealed(n))
    end
    assert.is_false(is_open(n))
  end)

  it("keeps a policy file to fill later unwritable to all but its view, then seals it", function()
    local fd <close>, fill = assert(core.sealed_later())
    local n = fd:fileno()
    local path = "/proc/self/fd/" .. n
    -- not filled yet: a reader waits for it, and gives up
    local text, msg, err = core.read_sealed(n, 30)
    assert.is_nil(text)
    assert.matches("never completed", msg)
    assert.is_number(err)
    -- whoever holds it (the command, through /proc) cannot write it, nor
    -- truncate it, nor grow it: only the view made with it writes
    local f = assert(io.open(path, "r+"))
    local ok, werr = f:write("forged")
    if ok then ok, werr = f:flush() end
    assert.is_nil(ok)
    assert.matches("Operation not permitted", werr)
    f:close()
    local w, oerr = io.open(path, "w")
    assert.is_nil(w)
    assert.matches("Operation not permitted", oerr)
    -- filled once: the text, whole, and every seal
    assert.is_true(fill("line one\nline two\0with a NUL"))
    assert.equal("line one\nline two\0with a NUL", core.read_sealed(n))
    assert.has_error(function() fill("again") end)
    local a = assert(io.open(path, "r+"))
    assert.is_nil((a:write("x") and a:flush()))
    a:close()
    assert.equal("line one\nline two\0with a NUL", core.read_sealed(n))
    -- a memory file with none of the seals is no sealed policy
    local _, pmsg, perr = core.read_sealed(0)
    assert.matches("not a sealed policy", pmsg)
    assert.is_number(perr)
  end)

  it("does not wait for a policy file sealed against its last seals before it was filled", function()
    -- whoever reopens it for writing may add F_SEAL_SEAL (it cannot
    -- write): the file can never be completed, so no reader waits for it
    local fd <close>, fill = assert(core.sealed_later())
    local path = string.format("/proc/%d/fd/%d", core.getpid(), fd:fileno())
    local _, err, code = H.sh("/usr/bin/python3 -c " .. H.q(table.concat({
      "import fcntl, os, sys",
      "fd = os.open(sys.argv[1], os.O_RDWR)",
      "fcntl.fcntl(fd, 1033, 1)", -- F_ADD_SEALS, F_SEAL_SEAL
    }, "\n")) .. " " .. H.q(path))
    assert.equal(0, code, err)
    local before = core.monotonic_ms()
    local text, msg = core.read_sealed(fd:fileno(), 5000)
    assert.is_nil(text)
    assert.matches("not a sealed policy", msg)
    assert.is_true(core.monotonic_ms() - before < 4000)
    local ok, fmsg = fill("text")
    assert.is_nil(ok)
    assert.matches("Operation not permitted", fmsg)
  end)

  it("closes a forgotten descriptor when it is collected", function()
    local n = assert(core.hold_dir(w.project)):fileno()
    assert.is_true(is_open(n))
    collectgarbage()
    collectgarbage()
    assert.is_false(is_open(n))
  end)

  it("fsyncs and closes the audit log once", function()
    local path = w.project .. "/audit.log"
    local log = assert(core.log_open(path))
    assert.is_true(core.log_write(log, "one line\n"))
    local n = log:fileno()
    assert.is_true(log:close())
    assert.is_false(is_open(n))
    assert.is_true(log:close())
    assert.has_error(function() core.log_write(log, "more\n") end)
    assert.equal("one line\n", H.slurp(path))
  end)

  it("takes only a descriptor object as the plan's inherited descriptor", function()
    local plan <close> = core.policy(core.fs_rights_for_abi(1))
    assert.has_error(function() plan:set_inherit_fd(5) end)
    local fd <close> = assert(core.sealed_memfd("x"))
    plan:set_inherit_fd(fd)
    fd:close()
    assert.has_error(function() plan:set_inherit_fd(fd) end)
  end)

  it("leaves no directory open when a memory error unwinds a listing", function()
    -- enough entries that the listing outgrows the memory limit below
    local names = {}
    for i = 1, 400 do names[#names + 1] = string.format("%s/%03d%s", w.project, i, string.rep("n", 200)) end
    H.sh("touch " .. table.concat(names, " "))
    assert.equal(402, #assert(core.list_dir(w.project))) -- with file.txt and sub
    collectgarbage()
    local before = open_fds()
    local ok, err = core.run_budgeted(function() return core.list_dir(w.project) end, 100000000, 16 * 1024)
    assert.is_false(ok)
    assert.equal("memory limit exceeded", err)
    collectgarbage()
    collectgarbage()
    assert.equal(before, open_fds())
  end)
end)

describe("a host without an instruction budget", function()
  it("refuses to run a profile rather than run it without one", function()
    local dir = H.sh("mktemp -d /tmp/nono-spec.XXXXXX"):gsub("%s+$", "")
    finally(function() H.sh("rm -rf " .. H.q(dir)) end)
    local f = assert(io.open(dir .. "/p.lua", "w"))
    f:write('description "x"\n')
    f:close()
    local script = string.format([[
      -- a host whose core has neither the budget nor the child process
      local core = require "nono.core"
      core.run_budgeted, core.isolate = nil, nil
      debug = nil
      package.loaded.debug = nil
      local profile = require "nono.profile"
      local spec, msg = profile.load(%q, {})
      io.write(tostring(spec), "|", tostring(msg))
    ]], dir .. "/p.lua")
    local lib = os.getenv("NONO_BUILD_LIB") or (H.source .. "/build/lib")
    local out, err = H.sh("cd " .. H.q(H.source) .. " && lua5.4 -e "
      .. H.q("package.path = './lua/?.lua;' .. package.path; package.cpath = '" .. lib .. "/?.so;' "
        .. ".. package.cpath") .. " -e " .. H.q(script))
    assert.equal("", err)
    assert.matches("^nil|.*no instruction budget.*the profile was not run", out)
    -- the control: the same profile with the budget the host has
    local profile = require "nono.profile"
    assert.is_table(profile.load(dir .. "/p.lua", {}))
  end)
end)
