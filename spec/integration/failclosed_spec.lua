-- `nono run` fails closed: where Landlock is unavailable it refuses, with
-- exit 126, instead of running the command unsandboxed.  nono-no-landlock
-- fakes that kernel with a seccomp filter that fails Landlock's syscalls
-- with ENOSYS (not built in) or EOPNOTSUPP (built in, not enabled in lsm=).
-- A control runs the same command without the helper and sees it run.
local H = require "spec.helper"

local built_helper = os.getenv("NONO_NO_LANDLOCK") or (H.source .. "/build/nono-no-landlock")

local RUN_ECHO = { "run", "--allow", ".", "--", "sh", "-c", "echo RAN > ran.txt" }

--- Put a copy of the helper into the world's bin/, where uid 65534 can
-- reach it (it cannot reach the build tree).
local function add_helper(w)
  w.no_landlock = w.bin .. "/nono-no-landlock"
  local _, err, code = H.sh("cp " .. H.q(built_helper) .. " " .. H.q(w.no_landlock)
    .. " && chmod 0755 " .. H.q(w.no_landlock))
  assert(code == 0, "cannot copy " .. built_helper .. ": " .. err)
end

--- Run `nono ARGS...` as `user` in world `w` (from the project directory,
-- HOME at the fixture home, like H.nono) with Landlock's syscalls failing
-- with `errno_name`.  Returns stdout, stderr, status.
local function nono_without_landlock(w, user, errno_name, args)
  local words = {}
  for i, a in ipairs(args) do words[i] = H.q(a) end
  local cmd = string.format("cd %s && env HOME=%s %s",
    H.q(w.project), H.q(w.home),
    H.as(user, table.concat({ H.q(w.no_landlock), errno_name, H.q(w.nono),
      table.concat(words, " ") }, " ")))
  return H.sh(cmd)
end

for _, user in ipairs(H.users) do
  describe("nono without Landlock as " .. user .. " #failclosed", function()
    local w
    before_each(function()
      w = H.world()
      add_helper(w)
    end)
    after_each(function() H.destroy(w) end)

    it("refuses to run the command when Landlock is not built in (ENOSYS)", function()
      if not H.can_run_as(user) then return end
      local _, err, code = nono_without_landlock(w, user, "ENOSYS", RUN_ECHO)
      assert.equal(126, code)
      assert.matches("Landlock is not available", err, 1, true)
      assert.matches("CONFIG_SECURITY_LANDLOCK", err, 1, true)
      assert.matches("the command was not run", err, 1, true)
      assert.is_nil(io.open(w.project .. "/ran.txt", "r"))
    end)

    it("refuses to run the command when Landlock is not enabled (EOPNOTSUPP)", function()
      if not H.can_run_as(user) then return end
      local _, err, code = nono_without_landlock(w, user, "EOPNOTSUPP", RUN_ECHO)
      assert.equal(126, code)
      assert.matches("Landlock is not available", err, 1, true)
      assert.matches("lsm=", err, 1, true)
      assert.matches("the command was not run", err, 1, true)
      assert.is_nil(io.open(w.project .. "/ran.txt", "r"))
    end)

    it("reports Landlock UNAVAILABLE in --dry-run and exits 126", function()
      if not H.can_run_as(user) then return end
      local out, _, code = nono_without_landlock(w, user, "ENOSYS",
        { "run", "--dry-run", "--allow", ".", "--", "true" })
      assert.equal(126, code)
      assert.matches("UNAVAILABLE", out, 1, true)
    end)

    it("says the Landlock ABI is unavailable in --version", function()
      if not H.can_run_as(user) then return end
      local out, _, code = nono_without_landlock(w, user, "ENOSYS", { "--version" })
      assert.equal(0, code)
      assert.matches("Landlock ABI unavailable", out, 1, true)
    end)

    it("refuses to run the command when the seccomp filter cannot be installed", function()
      if not H.can_run_as(user) then return end
      if not H.require_landlock() then return end
      local _, err, code = nono_without_landlock(w, user, "NOSECCOMP", RUN_ECHO)
      assert.equal(126, code)
      assert.matches("sandbox setup failed at installing the seccomp filter: Invalid argument", err, 1, true)
      assert.matches("CONFIG_SECCOMP_FILTER", err, 1, true)
      assert.matches("the command was not run", err, 1, true)
      assert.is_nil(io.open(w.project .. "/ran.txt", "r"))
    end)

    it("refuses a Landlock ABI floor above the kernel's, unless --best-effort", function()
      if not H.can_run_as(user) then return end
      if not H.require_landlock() then return end
      local abi = tonumber(H.sh(H.q(w.nono) .. " --version"):match("Landlock ABI (%d+)"))
      local floor = tostring(abi + 1)
      local _, err, code = H.nono(w, user, { "run", "--abi-min", floor, "--allow", ".", "--",
        "sh", "-c", "echo RAN > ran.txt" })
      assert.equal(126, code)
      assert.matches("requires Landlock ABI " .. floor, err, 1, true)
      assert.matches("--best-effort", err, 1, true)
      assert.is_nil(io.open(w.project .. "/ran.txt", "r"))
      local out
      out, err, code = H.nono(w, user, { "run", "-v", "--abi-min", floor, "--best-effort",
        "--allow", ".", "--", "sh", "-c", "echo RAN > ran.txt" })
      assert.equal(0, code, err)
      assert.matches("BEST EFFORT   missing", err, 1, true)
      assert.equal("RAN\n", H.slurp(w.project .. "/ran.txt"))
      -- a floor the kernel meets runs without --best-effort
      os.remove(w.project .. "/ran.txt")
      out, err, code = H.nono(w, user, { "run", "--abi-min", tostring(abi), "--allow", ".", "--",
        "sh", "-c", "echo RAN > ran.txt" })
      assert.equal(0, code, err)
      assert.equal("RAN\n", H.slurp(w.project .. "/ran.txt"))
      assert.equal("", out)
    end)

    it("control: runs the same command when Landlock is available", function()
      if not H.can_run_as(user) then return end
      if not H.require_landlock() then return end
      local _, err, code = H.nono(w, user, RUN_ECHO)
      assert.equal(0, code, err)
      assert.equal("RAN\n", H.slurp(w.project .. "/ran.txt"))
    end)
  end)
end
