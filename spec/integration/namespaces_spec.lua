-- Outside processes without signals or ptrace (threat rows 20 and 29),
-- tried for real as root and as uid 65534, each next to the same attempt
-- without nono:
--   * prlimit on another process of the same user (RLIMIT_NOFILE here; the
--     same call sets RLIMIT_CPU or RLIMIT_CORE): refused by seccomp on
--     every machine;
--   * where user namespaces work, the command runs in its own pid and IPC
--     namespaces: another process's /proc/<pid> is not there, SysV shared
--     memory and message queues made outside are not either, and killing
--     nono with SIGKILL ends every process of the sandbox, detached or
--     not.  On the floor (nono-no-landlock NOUIDMAP: the namespace cannot
--     be set up) each of these is the documented residual, and the spec
--     asserts that too.
local H = require "spec.helper"
local dkjson = require "dkjson" -- busted's own dependency

local built_attempt = os.getenv("NONO_ATTEMPT") or (H.source .. "/build/nono-attempt")

--- How nono is run: where namespaces work here, and on the floor.
local MODES = {
  { name = "namespaces", floor = false },
  { name = "floor", floor = "NOUIDMAP" },
}

local function trim(s)
  return (s:gsub("%s+$", ""))
end

--- A `sleep` of `user`'s, outside any sandbox: its pid.
local function outside_sleep(user)
  local pid = H.sh(H.as(user, "sh -c 'sleep 300 >/dev/null 2>&1 & echo $!'")):match("%d+")
  assert(pid, "no outside process")
  return pid
end

--- The pids of the processes whose command line is exactly `argv`.
local function pids_running(argv)
  local want, found = table.concat(argv, "\0") .. "\0", {}
  for name in io.popen("ls /proc"):lines() do
    if name:match("^%d+$") and H.slurp("/proc/" .. name .. "/cmdline") == want then
      local stat = H.slurp("/proc/" .. name .. "/stat")
      if stat ~= "" and not stat:match("^%d+ %(.-%) Z") then found[#found + 1] = name end
    end
  end
  return found
end

--- Wait, without a timing assertion, for `fn()` to hold; false if it did
-- not within ten seconds.
local function eventually(fn)
  for _ = 1, 200 do
    if fn() then return true end
    os.execute("sleep 0.05")
  end
  return false
end

--- Whether process `pid` has ended (a zombie has).
local function gone(pid)
  local stat = H.slurp("/proc/" .. pid .. "/stat")
  return stat == "" or stat:match("^%d+ %(.-%) Z") ~= nil
end

--- An argument no other process has: `sleep` with it is found by pids_running.
local serial = 0
local function marker()
  serial = serial + 1
  return string.format("299.%d%03d%d", os.time() % 100000, serial, math.random(1000, 9999))
end

for _, user in ipairs(H.users) do
  describe("outside processes as " .. user .. " #landlock #namespaces", function()
    local w
    before_each(function()
      w = H.world()
      w.attempt = w.bin .. "/nono-attempt"
      assert(os.execute("cp " .. H.q(built_attempt) .. " " .. H.q(w.attempt)))
    end)
    after_each(function() H.destroy(w) end)

    --- nono-attempt VECTOR... inside `nono run` in `mode`: its answer, status, stderr.
    local function inside(mode, vector, extra)
      local args = H.args({ "run", "--read-file", w.attempt }, extra or {}, { "--", w.attempt }, vector)
      local out, err, code = H.nono(w, user, args, { floor = mode.floor })
      return trim(out), code, err
    end

    --- The same without nono, as this user.
    local function bare(vector)
      local words = {}
      for i, a in ipairs(vector) do words[i] = H.q(a) end
      return trim((H.sh(H.as(user, H.q(w.attempt) .. " " .. table.concat(words, " ") .. " </dev/null"))))
    end

    --- `nono run ... -- sh -c SCRIPT` in `mode`: stdout, stderr, status.
    local function shell(mode, script, extra)
      return H.nono(w, user, H.args({ "run" }, extra or {}, { "--", "sh", "-c", script }), { floor = mode.floor })
    end

    --- Whether `mode` really gives the command its own namespaces here
    -- (what --dry-run --json reports).
    local function report(mode)
      local out, err, code = H.nono(w, user, { "run", "--dry-run", "--json", "--", "true" }, { floor = mode.floor })
      assert.equal(0, code, err)
      return assert(dkjson.decode(out), out).enforcement
    end

    it("refuses prlimit on another process of the user, with or without namespaces (row 29)", function()
      H.ready(user)
      local pid = outside_sleep(user)
      finally(function() os.execute("kill " .. pid) end)
      local limits = H.slurp("/proc/" .. pid .. "/limits")
      assert.matches("Max open files", limits)
      -- The control: without nono the same user reads and lowers it.
      assert.equal("ok", bare({ "prlimit", pid }))
      if user == "root" then -- (nobody's bare parent is a shell of root's)
        assert.equal("ok", bare({ "prlimit-parent" }))
      end
      for _, mode in ipairs(MODES) do
        assert.equal("EPERM", (inside(mode, { "prlimit", pid })), mode.name)
        assert.equal("EPERM", (inside(mode, { "prlimit", pid, "3" })), mode.name)
        assert.equal("EPERM", (inside(mode, { "prlimit-parent" })), mode.name)
        assert.equal(limits, H.slurp("/proc/" .. pid .. "/limits"), mode.name)
        -- its own limits, as getrlimit, setrlimit and ulimit set them, work
        assert.equal("ok", (inside(mode, { "prlimit-self" })), mode.name)
        assert.equal("ok", (inside(mode, { "setrlimit-self" })), mode.name)
        local out, err, code = shell(mode, "ulimit -n 64 && ulimit -n && prlimit --nofile=32 sh -c 'ulimit -n'")
        assert.equal(0, code, err)
        assert.equal("64\n32\n", out, mode.name)
        -- the util-linux tool fails cleanly on another process
        local _, perr, pcode = shell(mode, "prlimit --pid " .. pid .. " --nofile")
        assert.equal(1, pcode, mode.name)
        assert.matches("Operation not permitted", perr, 1, true)
      end
      assert.equal("ok", bare({ "prlimit", pid, "3" }))
      assert.matches("Max open files%s+3%s+3", H.slurp("/proc/" .. pid .. "/limits"))
    end)

    it("hides other processes from /proc where namespaces work; on the floor they show (row 29)", function()
      H.ready(user)
      local pid = outside_sleep(user)
      finally(function() os.execute("kill " .. pid) end)
      local cmdline = "/proc/" .. pid .. "/cmdline"
      -- The control: without nono the user reads any of its processes'.
      assert.equal("ok", H.probe_bare(w, user, "read", cmdline))
      local grants = { "--read-file", w.probe, "--", w.probe, "read", cmdline }
      local out = H.nono(w, user, H.args({ "run" }, grants), { floor = false })
      assert.equal("ENOENT", trim(out))
      out = H.nono(w, user, H.args({ "run" }, grants), { floor = "NOUIDMAP" })
      assert.equal("ok", trim(out)) -- the residual
      -- inside, /proc is the namespace's own: pid 1 is nono's init, the
      -- listing holds the sandbox's processes only, /proc/self is the caller
      local list, err, code = shell(MODES[1], "cat /proc/1/comm; ls /proc | grep -c '^[0-9]*$'; "
        .. "cat /proc/self/stat | cut -d' ' -f1; echo $$")
      assert.equal(0, code, err)
      local comm, count, self, shpid = list:match("^(%S+)\n(%d+)\n(%d+)\n(%d+)\n$")
      assert.equal("nono-init", comm, list)
      assert.is_true(tonumber(count) <= 5, list)
      assert.are_not.equal(shpid, self) -- cat's own, not the shell's
    end)

    it("ends every process of the sandbox when nono is killed; on the floor a detached one lives on (row 20)",
      function()
        H.ready(user)
        local function start(mode, mark)
          local ready = w.project .. "/ready-" .. mark
          local script = "(setsid sleep " .. mark .. " >/dev/null 2>&1 &); touch " .. H.q(ready) .. "; exec sleep 300"
          local nono = H.q(w.nono)
          if mode and mode.floor then nono = H.q(w.injector) .. " " .. mode.floor .. " " .. nono end
          local cmd = mode and (nono .. " run --allow . -- sh -c " .. H.q(script)) or ("sh -c " .. H.q(script))
          local pid = H.sh(string.format("(cd %s && exec env HOME=%s %s) >/dev/null 2>&1 & echo $!",
            H.q(w.project), H.q(w.home), H.as(user, cmd))):match("%d+")
          assert(pid)
          assert.is_true(eventually(function() return io.open(ready) ~= nil end), "never started")
          local found
          assert.is_true(eventually(function()
            found = pids_running({ "sleep", mark })[1]
            return found ~= nil
          end), "no detached sleep " .. mark)
          return pid, found
        end
        -- The control: without nono, the detached process outlives its
        -- killed parent.
        local mark = marker()
        local parent, detached = start(nil, mark)
        os.execute("kill -KILL " .. parent)
        assert.is_true(eventually(function() return gone(parent) end))
        assert.same({ detached }, pids_running({ "sleep", mark }))
        os.execute("kill -KILL " .. detached)

        -- Where namespaces work, the pid namespace's init dies with nono
        -- (its parent-death signal) and the kernel ends the namespace.
        mark = marker()
        local nono, inner = start(MODES[1], mark)
        os.execute("kill -KILL " .. nono)
        assert.is_true(eventually(function() return #pids_running({ "sleep", mark }) == 0 end),
          "the detached sleep " .. inner .. " outlived nono")

        -- On the floor nothing ends it (the documented residual).
        mark = marker()
        nono, inner = start(MODES[2], mark)
        os.execute("kill -KILL " .. nono)
        assert.is_true(eventually(function() return gone(nono) end))
        assert.same({ inner }, pids_running({ "sleep", mark }))
        os.execute("kill -KILL " .. inner)
      end)

    it("keeps SysV shared memory and message queues made outside out of reach where namespaces work (row 29)",
      function()
        H.ready(user)
        local shm = H.sh(H.as(user, "ipcmk -M 4096")):match("(%d+)%s*$")
        local queue = H.sh(H.as(user, "ipcmk -Q")):match("(%d+)%s*$")
        assert(shm and queue, "ipcmk made nothing")
        finally(function() os.execute("ipcrm -m " .. shm .. " -q " .. queue) end)
        -- The control: without nono the user attaches and reads them.
        assert.equal("ok", bare({ "shmat", shm }))
        assert.equal("ok", bare({ "msgctl", queue }))
        assert.equal("EINVAL", (inside(MODES[1], { "shmat", shm })))
        assert.equal("EINVAL", (inside(MODES[1], { "msgctl", queue })))
        local listed = shell(MODES[1], "ipcs -m; ipcs -q")
        assert.not_matches("%s" .. shm .. "%s", listed)
        assert.not_matches("%s" .. queue .. "%s", listed)
        -- the floor shares them (the residual)
        assert.equal("ok", (inside(MODES[2], { "shmat", shm })))
        assert.equal("ok", (inside(MODES[2], { "msgctl", queue })))
      end)

    it("says whether the pid and IPC namespaces are used, and why not", function()
      H.ready(user)
      local ns, floor = report(MODES[1]), report(MODES[2])
      assert.is_true(ns.processes.pid_namespace)
      assert.is_true(ns.processes.ipc_namespace)
      assert.equal("private", ns.processes.proc)
      assert.is_false(floor.processes.pid_namespace)
      assert.is_false(floor.processes.ipc_namespace)
      assert.matches("^uid_map: EACCES", floor.processes.reason)
      local out = H.nono(w, user, { "run", "--dry-run", "--", "true" }, { floor = false })
      assert.matches("\n  processes +own pid and IPC namespaces", out)
      assert.matches("\n  process tree +ends with the command: the pid namespace's init", out)
      out = H.nono(w, user, { "run", "--dry-run", "--", "true" }, { floor = "NOUIDMAP" })
      assert.matches("\n  processes +shared pid and IPC namespaces %(uid_map: EACCES", out)
      assert.matches("prlimit on another process is refused", out, 1, true)
    end)
  end)
end
