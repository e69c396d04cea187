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

-- How nono is run (--no-namespaces, the same floor by choice, is tried
-- next to them).
local MODES = H.MODES

local trim = H.trim

--- A `sleep` of `user`'s, outside any sandbox: its pid.
local function outside_sleep(user)
  local pid = H.sh(H.as(user, "sh -c 'sleep 300 >/dev/null 2>&1 & echo $!'")):match("%d+")
  assert(pid, "no outside process")
  return pid
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

for _, user in ipairs(H.users) do
  describe("outside processes as " .. user .. " #landlock #namespaces", function()
    local w = H.each_world(H.add_attempt)

    --- nono-attempt VECTOR... inside `nono run EXTRA` in `mode`: its answer, status, stderr.
    local function inside(mode, vector, extra) return H.attempt(w, user, vector, { extra = extra, floor = mode.floor }) end
    --- The same without nono, as this user.
    local function bare(vector) return H.attempt_bare(w, user, vector) end

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

    it("keeps scheduling, priorities and kill(-1) off other processes; on the floor by seccomp (row 29)", function()
      H.ready(user)
      local pid = outside_sleep(user)
      finally(function() os.execute("kill " .. pid) end)
      local calls = { "setpriority", "ioprio_set", "sched_setaffinity", "sched_setscheduler", "sched_setparam",
        "sched_setattr" }
      -- The control: without nono the same user sets each on its process
      -- (to what it has already) and may signal others with kill(-1).
      for _, call in ipairs(calls) do assert.equal("ok", bare({ "same-sched", call, pid }), call) end
      assert.equal("ok", bare({ "same-sched", "kill-all", "0" }))
      local floors = { MODES[2], { name = "--no-namespaces", floor = false, extra = { "--no-namespaces" } } }
      for _, call in ipairs(calls) do
        -- where namespaces work the process is not there for the command
        assert.equal("ESRCH", (inside(MODES[1], { "same-sched", call, pid })), call)
        for _, mode in ipairs(floors) do
          assert.equal("EPERM", (inside(mode, { "same-sched", call, pid }, mode.extra)), mode.name .. " " .. call)
          -- its own, named as 0, work
          assert.equal("ok", (inside(mode, { "same-sched", call, "0" }, mode.extra)), mode.name .. " " .. call)
        end
        assert.equal("ok", (inside(MODES[1], { "same-sched", call, "0" })), call)
      end
      for _, mode in ipairs(floors) do
        assert.equal("EPERM", (inside(mode, { "same-sched", "kill-all", "0" }, mode.extra)), mode.name)
      end
      assert.is_false(gone(pid))
      -- the tools that set them on themselves or on the command they run
      for _, mode in ipairs({ MODES[1], floors[1], floors[2] }) do
        local out, err, code = shell(mode, "echo $(( $(nice -n 5 nice) - $(nice) )); taskset -c 0 true && echo taskset; "
          .. "chrt -b 0 true && echo chrt; ionice -c 3 true && echo ionice; "
          .. "printf 'all: a b\\na:\\n\\t@echo a\\nb:\\n\\t@echo b\\n' > mk && make -s --no-print-directory -j2 -f mk | sort",
          H.args({ "--allow", "." }, mode.extra or {}))
        assert.equal(0, code, mode.name .. ": " .. err)
        assert.equal("5\ntaskset\nchrt\nionice\na\nb\n", out, mode.name)
      end
    end)

    it("runs on the floor with --no-namespaces where namespaces work, and says so (rows 20, 29)", function()
      H.ready(user)
      local pid = outside_sleep(user)
      finally(function() os.execute("kill " .. pid) end)
      local nons = { name = "--no-namespaces", floor = false }
      local extra = { "--no-namespaces" }
      -- what the namespaces hide shows, as on the floor: the residual
      local out = H.nono(w, user, { "run", "--no-namespaces", "--read-file", w.probe, "--", w.probe, "read",
        "/proc/" .. pid .. "/cmdline" })
      assert.equal("ok", trim(out))
      assert.equal("EPERM", (inside(nons, { "prlimit", pid }, extra)))
      local uts_in, err, code = shell(nons, "readlink /proc/self/ns/uts /proc/self/ns/ipc /proc/self/ns/pid", extra)
      assert.equal(0, code, err)
      assert.equal(H.sh("readlink /proc/self/ns/uts /proc/self/ns/ipc /proc/self/ns/pid"), uts_in)
      local json_out
      json_out, err, code = H.nono(w, user, { "run", "--no-namespaces", "--dry-run", "--json", "--", "true" })
      assert.equal(0, code, err)
      local r = assert(dkjson.decode(json_out), json_out).enforcement
      assert.is_false(r.namespaces.available)
      assert.equal("turned off (--no-namespaces)", r.namespaces.reason)
      assert.is_false(r.processes.pid_namespace)
      assert.is_false(r.processes.uts_namespace)
      assert.equal("turned off (--no-namespaces)", r.processes.reason)
      local text = H.nono(w, user, { "run", "--no-namespaces", "--dry-run", "--", "true" })
      assert.matches("\n  namespaces +turned off %(%-%-no%-namespaces%)", text)
      assert.matches("\n  processes +shared pid, IPC and UTS namespaces %(turned off", text)
      -- and time-limited grants are refused, as on the floor
      local _, terr, tcode = H.nono(w, user, { "run", "--no-namespaces", "--allow", w.project .. ":5m", "--", "true" })
      assert.equal(126, tcode)
      assert.matches("turned off %(%-%-no%-namespaces%)", terr)
    end)

    it("gives the command a host name of its own where namespaces work (UTS); on the floor the host's", function()
      H.ready(user)
      local host = H.sh("readlink /proc/self/ns/uts")
      local name = H.sh("hostname")
      -- inside, the name is the host's (copied) but the namespace is another
      local out, err, code = shell(MODES[1], "hostname; readlink /proc/self/ns/uts; "
        .. "hostname nono-spec-x 2>/dev/null || echo refused; hostname")
      assert.equal(0, code, err)
      local lines = {}
      for l in out:gmatch("[^\n]+") do lines[#lines + 1] = l end
      assert.equal(trim(name), lines[1])
      assert.matches("^uts:%[%d+%]$", lines[2])
      assert.are_not.equal(trim(host), lines[2])
      -- setting it needs a capability nobody inside has (the namespace
      -- is the second wall)
      assert.equal("refused", lines[3])
      assert.equal(trim(name), lines[4])
      assert.equal(name, H.sh("hostname"))
      out = shell(MODES[2], "readlink /proc/self/ns/uts")
      assert.equal(host, out)
    end)

    it("prepares a network namespace with loopback only; --net-block uses it where namespaces work", function()
      H.ready(user)
      local port = tostring(20000 + math.random(0, 9999))
      -- a listener on the host's loopback
      local listener = H.sh("socat TCP-LISTEN:" .. port .. ",bind=127.0.0.1,fork,reuseaddr /dev/null "
        .. ">/dev/null 2>&1 & echo $!"):match("%d+")
      finally(function() os.execute("kill " .. listener) end)
      -- The controls: without nono the host's listener answers, a listener
      -- of one's own on 127.0.0.1 too; in a new network namespace whose
      -- loopback is still down, nothing does.
      assert.is_true(eventually(function() return bare({ "connect-tcp", "127.0.0.1", port }) == "ok" end))
      assert.equal("ok", bare({ "tcp-self" }))
      assert.equal("ENETUNREACH", trim((H.sh(H.as(user, "unshare -rn " .. H.q(w.attempt) .. " tcp-self")))))
      -- The prepared namespace, through the core without --net-block's
      -- seccomp rules (which refuse inet sockets before any namespace could
      -- be seen): the host's loopback is not there, its own is up.
      local file = w.root .. "/net.lua"
      local f = assert(io.open(file, "w"))
      f:write(string.format("local ATTEMPT, HOME, PROJECT, PORT = %q, %q, %q, %q\n", w.attempt, w.home,
        w.project, port), [[
        local policy = require "nono.policy"
        local p = policy.new { home = HOME, cwd = PROJECT }
        assert(p:grant(ATTEMPT, "read", { kind = "file" }))
        assert(p:resolve())
        for _, vector in ipairs { { "connect-tcp", "127.0.0.1", PORT }, { "tcp-self" } } do
          local plan = assert(p:plan("new"))
          plan:set_private_net()
          io.stdout:flush()
          local r = plan:spawn({ ATTEMPT, table.unpack(vector) })
          plan:close()
          assert(r.kind == "exited", r.kind)
        end
      ]])
      f:close()
      os.execute("chmod 0644 " .. H.q(file))
      local lib = os.getenv("NONO_BUILD_LIB") or (H.source .. "/build/lib")
      local setup = string.format('package.path=%q..package.path; package.cpath=%q..package.cpath',
        H.source .. "/lua/?.lua;" .. H.source .. "/lua/?/init.lua;", lib .. "/?.so;")
      local out, err, code = H.sh("cd " .. H.q(w.project) .. " && "
        .. H.as(user, "lua5.4 -e " .. H.q(setup) .. " " .. H.q(file)) .. " </dev/null")
      assert.equal(0, code, err)
      assert.equal("ECONNREFUSED\nok\n", out)
      -- nono run --net-block: the namespace on top of seccomp and
      -- Landlock (only lo is there), and the report says so
      local dev
      dev, err, code = shell(MODES[1], "cat /proc/net/dev", { "--net-block" })
      assert.equal(0, code, err)
      assert.matches("\n%s*lo:", dev)
      assert.equal(1, select(2, dev:gsub("\n%s*[%w%-_.]+:", "")))
      assert.is_true(select(2, H.slurp("/proc/net/dev"):gsub("\n%s*[%w%-_.]+:", "")) > 1)
      local rep = H.nono(w, user, { "run", "--dry-run", "--net-block", "--", "true" }, { floor = false })
      assert.matches("\n  network +own network namespace: loopback only", rep)
      assert.equal("EACCES", (inside(MODES[1], { "connect-tcp", "127.0.0.1", port }, { "--net-block" })))
      -- without --net-block, or on the floor, the host's (as documented)
      rep = H.nono(w, user, { "run", "--dry-run", "--", "true" }, { floor = false })
      assert.matches("\n  network +open", rep)
      rep = H.nono(w, user, { "run", "--dry-run", "--net-block", "--", "true" }, { floor = "NOUIDMAP" })
      assert.matches("\n  network +the host's network namespace %(uid_map", rep)
      assert.equal("ok", (inside(MODES[1], { "connect-tcp", "127.0.0.1", port })))
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
            found = H.pids_running({ "sleep", mark })[1]
            return found ~= nil
          end), "no detached sleep " .. mark)
          return pid, found
        end
        -- The control: without nono, the detached process outlives its
        -- killed parent.
        local mark = H.marker()
        local parent, detached = start(nil, mark)
        os.execute("kill -KILL " .. parent)
        assert.is_true(eventually(function() return gone(parent) end))
        assert.same({ detached }, H.pids_running({ "sleep", mark }))
        os.execute("kill -KILL " .. detached)

        -- Where namespaces work, the pid namespace's init dies with nono
        -- (its parent-death signal) and the kernel ends the namespace.
        mark = H.marker()
        local nono, inner = start(MODES[1], mark)
        os.execute("kill -KILL " .. nono)
        assert.is_true(eventually(function() return #H.pids_running({ "sleep", mark }) == 0 end),
          "the detached sleep " .. inner .. " outlived nono")

        -- On the floor nothing ends it (the documented residual).
        mark = H.marker()
        nono, inner = start(MODES[2], mark)
        os.execute("kill -KILL " .. nono)
        assert.is_true(eventually(function() return gone(nono) end))
        assert.same({ inner }, H.pids_running({ "sleep", mark }))
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

    it("starts once more on the floor where the namespaces it assumed cannot be made, and runs the command once "
      .. "(a /proc with a part hidden by a mount, as in a container)", function()
      H.ready(user)
      if not H.is_root then
        pending("hiding a part of /proc needs root")
        return
      end
      -- No probe runs ahead of a plain run where nothing says namespaces
      -- cannot work: its own set-up is the test, and a step that fails
      -- (here mounting the pid namespace's /proc) is put to the probe.
      local counter = w.project .. "/runs"
      local script = "echo run >> " .. H.q(counter) .. "; cat /proc/1/comm"
      --- `nono ARGS` as `user` in a mount namespace whose /proc has a file
      -- hidden by a bind mount (root makes it; the user runs in it).
      local function hidden(args)
        return H.nono(w, user, args, { floor = false, wrap = function(cmd)
          return "unshare --mount --propagation private sh -c "
            .. H.q("mount --bind /dev/null /proc/timer_list && " .. cmd)
        end })
      end
      -- the control: with nothing hidden, the command's pid 1 is nono's init
      local out, err, code = H.nono(w, user, { "run", "--allow", ".", "--", "sh", "-c", script }, { floor = false })
      assert.equal(0, code, err)
      assert.equal("nono-init", trim(out))
      os.remove(counter)
      out, err, code = hidden({ "run", "--allow", ".", "--", "sh", "-c", script })
      assert.equal(0, code, err)
      assert.equal("", err)
      assert.not_equal("nono-init", trim(out)) -- the host's pid 1: the floor
      assert.not_equal("", trim(out))
      assert.equal("run\n", H.slurp(counter)) -- once
      -- an agent profile too: its proxy and private /tmp are made again for
      -- the floor, and the attempt leaves no session directory behind
      os.remove(counter)
      -- (the profile creates its directories in the home: the user's own)
      assert(os.execute("chown -R " .. (user == "nobody" and "65534:65534" or "0:0") .. " " .. H.q(w.home)))
      local state = w.home .. "/.local/state/nono/tmp"
      local before = H.sh("ls " .. H.q(state) .. " 2>/dev/null")
      out, err, code = hidden({ "run", "--profile", "claude-code", "--", "sh", "-c",
        script .. "; printenv HTTPS_PROXY" })
      assert.equal(0, code, err)
      local comm, proxy = out:match("^(.-)\n(.-)\n$")
      assert.not_equal("nono-init", comm, out)
      assert.matches("^http://nono:%x+@127%.0%.0%.1:%d+$", proxy) -- the floor's proxy, with its token
      assert.equal("run\n", H.slurp(counter))
      assert.equal(before, H.sh("ls " .. H.q(state) .. " 2>/dev/null"))
      -- what --dry-run says there (the probe asked first): the same reason
      out = hidden({ "run", "--dry-run", "--allow", ".", "--", "true" })
      assert.matches("\n  namespaces +unavailable %(mount /proc: EPERM", out)
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
      assert.matches("\n  processes +own pid, IPC and UTS namespaces", out)
      assert.not_matches("not isolated  the user's other processes", out, 1, true)
      assert.matches("\n  process tree +ends with the command: the pid namespace's init", out)
      out = H.nono(w, user, { "run", "--dry-run", "--", "true" }, { floor = "NOUIDMAP" })
      assert.matches("\n  processes +shared pid, IPC and UTS namespaces %(uid_map: EACCES", out)
      assert.matches("prlimit, setpriority, ioprio_set and sched_set* on another process, and kill(-1), are "
        .. "refused", out, 1, true)
      -- what the floor leaves, each on a line of its own
      assert.matches("\n  not isolated  the user's other processes show in /proc", out)
      assert.matches("\n  not isolated  SysV shared memory", out)
      assert.matches("\n  not isolated  if nono is killed %(SIGKILL%), detached processes live on", out)
      assert.is_true(ns.processes.uts_namespace)
      assert.is_false(floor.processes.uts_namespace)
      assert.is_true(#floor.processes.not_isolated >= 5)
      assert.is_nil(ns.processes.not_isolated)
    end)
  end)
end
