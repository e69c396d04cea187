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

  it("makes a sealed policy file nobody can write, and refuses what is no sealed file", function()
    local fd <close> = assert(core.sealed_memfd("line one\nline two\0with a NUL"))
    local n = fd:fileno()
    local path = "/proc/self/fd/" .. n
    assert.equal("line one\nline two\0with a NUL", core.read_sealed(n))
    -- whoever holds it (the command, through /proc) cannot write it, nor
    -- truncate it
    local f = assert(io.open(path, "r+"))
    local ok, werr = f:write("forged")
    if ok then ok, werr = f:flush() end
    assert.is_nil(ok)
    assert.matches("Operation not permitted", werr)
    f:close()
    local t, oerr = io.open(path, "w")
    assert.is_nil(t)
    assert.matches("Operation not permitted", oerr)
    assert.equal("line one\nline two\0with a NUL", core.read_sealed(n))
    -- a descriptor that is no sealed memory file is no sealed policy
    local _, pmsg, perr = core.read_sealed(0)
    assert.matches("not a sealed policy", pmsg)
    assert.is_number(perr)
  end)

  it("hands the sealed policy over on its socket to each request, or says it has none", function()
    local ask, reply = assert(core.policy_channel())
    local ask_owned <close> = ask
    local reply_owned <close> = reply
    local n = ask:fileno()
    assert.equal(0, core.answer_asks(reply, nil)) -- nobody asked
    -- not answered in time: the reader says so (its request stays)
    local text, msg, err = core.read_sealed(n, 30)
    assert.is_nil(text)
    assert.matches("did not answer", msg)
    assert.is_number(err)
    local fd <close> = assert(core.sealed_memfd("the policy"))
    assert.equal(1, core.answer_asks(reply, fd))
    -- (that answer waits on the reader's end: the next request takes it)
    assert.equal("the policy", core.read_sealed(n, 1000))
    assert.equal(1, core.answer_asks(reply, fd))
    assert.equal("the policy", core.read_sealed(n, 1000))
    -- one answer each, to as many requests as there were
    assert.equal(1, core.answer_asks(reply, nil))
    local _, nmsg = core.read_sealed(n, 1000)
    assert.matches("could not hand over its policy", nmsg)
    assert.equal(1, core.answer_asks(reply, nil))
    assert.equal(0, core.answer_asks(reply, nil))
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
