-- The supervisor (issue: time-limited grants, audit log, process tree,
-- `why --self`), tried for real as root and as uid 65534: a time-limited
-- grant is readable before it expires and refused by the kernel after; a
-- double-forked, setsid'ed grandchild does not outlive `nono run`; the
-- audit log is JSON lines with the session's events; inside the sandbox
-- `nono why --self` answers from the sealed policy.
local H = require "spec.helper"

local built_no_userns = os.getenv("NONO_NO_LANDLOCK") or (H.source .. "/build/nono-no-landlock")

--- A directory outside every grant but the one the spec gives it, with a
-- file in it, writable by both users; and a log directory nobody grants.
-- Inside a sandbox: asks nono run for its sealed policy (on the socket
-- NONO_POLICY_FD names) and tries to write the memory file it is handed.
local PYWRITE = "/usr/bin/python3 -c " .. H.q(table.concat({
  "import os, socket",
  "s = socket.socket(fileno=int(os.environ['NONO_POLICY_FD']))",
  "s.send(b'?')",
  "_, fds, _, _ = socket.recv_fds(s, 1, 1)",
  "try:",
  "    os.write(fds[0], b'{}')",
  "    print('CHANGED')",
  "except OSError as e:",
  "    print('REFUSED', e.strerror)",
}, "\n"))

local function setup(w, user)
  w.timed = w.root .. "/timed"
  w.logs = w.root .. "/logs"
  local owner = user == "nobody" and "65534:65534" or "0:0"
  assert(os.execute(table.concat({
    "set -e",
    "mkdir -p " .. H.q(w.timed .. "/sub") .. " " .. H.q(w.logs),
    "printf 'timed secret\\n' > " .. H.q(w.timed .. "/f"),
    "chown -R " .. owner .. " " .. H.q(w.timed) .. " " .. H.q(w.logs) .. " " .. H.q(w.project),
  }, "\n")))
  w.log = w.logs .. "/audit.jsonl"
end

--- The audit log's events, each line decoded (an error for a bad line).
local function events(w)
  return H.json_lines(H.slurp(w.log))
end

local function find(evs, name)
  for _, ev in ipairs(evs) do
    if ev.event == name then return ev end
  end
end

--- Whether process `pid` still runs (a zombie counts as gone).
local function alive(pid)
  local stat = H.slurp("/proc/" .. pid .. "/stat")
  return stat ~= "" and not stat:match("^%d+ %(.-%) Z")
end

--- Time-limited grants need the namespace; on the floor nono refuses them
-- (floor_spec and "refuses a time-limited grant where user namespaces are
-- unavailable" try that).  True when the test can go on.
local function timed_ready(user)
  if not H.ready(user) then return false end
  if H.floor then
    pending("time-limited grants are refused on the floor (" .. H.floor .. ")")
    return false
  end
  return true
end

--- Wait, without a timing assertion, for `path` to hold a number.
local function wait_for_pid(path)
  for _ = 1, 100 do
    local pid = H.slurp(path):match("^(%d+)")
    if pid then return pid end
    os.execute("sleep 0.1")
  end
  error("no pid in " .. path)
end

for _, user in ipairs(H.users) do
  describe("the supervisor as " .. user .. " #landlock #userns", function()
    local w = H.each_world(function(w) setup(w, user) end)

    it("lets a time-limited grant be read before it expires and the kernel refuse it after", function()
      H.ready(user)
      -- The control: every operation succeeds while the grant lasts.
      local out, err, code = H.nono(w, user, { "run", "--allow", w.timed .. ":2s", "--read-file", w.probe,
        "--", "sh", "-c", table.concat({
          "P=" .. H.q(w.probe) .. "; T=" .. H.q(w.timed),
          "$P read $T/f; $P create $T/new; $P list $T",
          "sleep 3",
          "$P read $T/f; $P create $T/new2; $P list $T; $P read $T/sub",
        }, "\n") })
      assert.equal(1, code, err) -- the probe's status for the last (refused) operation
      assert.same({ "ok", "ok", "ok", "EACCES", "EACCES", "EACCES", "EACCES" },
        (function() local t = {} for l in out:gmatch("%S+") do t[#t + 1] = l end return t end)())
      assert.is_nil(io.open(w.timed .. "/new2"))
      assert.equal("timed secret\n", H.slurp(w.timed .. "/f")) -- hidden, not touched
    end)

    it("takes back a time-limited grant while the command asks for the sealed policy without end", function()
      if not timed_ready(user) then return end
      -- (row 30: nono answers a few requests at a time, then sees to its
      -- expiries, so commands asking faster than it answers cannot hold it
      -- off; and the answers they leave queued on their end of the socket,
      -- nono's own sealed policy, are not taken for descriptors in flight)
      H.add_attempt(w)
      local flood = H.q(w.attempt) .. " ask-flood $NONO_POLICY_FD 3"
      local out, err, code = H.nono(w, user, { "run", "--allow", w.timed .. ":1s", "--read-file", w.probe,
        "--read-file", w.attempt, "--", "sh", "-c", table.concat({
          "P=" .. H.q(w.probe) .. "; T=" .. H.q(w.timed),
          "$P read $T/f",
          flood .. " & " .. flood .. " &",
          "sleep 2",
          "$P read $T/f",
          "wait",
        }, "\n") })
      assert.equal(0, code, err)
      local first, second, rest = out:match("^(%S+)\n(%S+)\n(.*)$")
      assert(first, out)
      assert.equal("ok", first)
      assert.equal("EACCES", second)
      local n = 0
      for asked in rest:gmatch("asked (%d+)") do
        n = n + 1
        assert.is_true(tonumber(asked) > 10000, out)
      end
      assert.equal(2, n, out)
    end)

    it("takes back nested time-limited grants, the inner one already hidden by the outer", function()
      H.ready(user)
      local out, err, code = H.nono(w, user, { "run", "--allow", w.timed .. ":1s", "--allow",
        w.timed .. "/sub:2s", "--read-file", w.probe, "--audit-log", w.log, "--", "sh", "-c",
        "P=" .. H.q(w.probe) .. "; $P create " .. H.q(w.timed .. "/sub/x") .. "; sleep 3; $P create "
          .. H.q(w.timed .. "/sub/y") .. "; echo alive" })
      assert.equal(0, code, err)
      assert.equal("ok\nEACCES\nalive\n", out)
      local hidden_by
      for _, ev in ipairs(events(w)) do hidden_by = hidden_by or ev.hidden_by end
      assert.matches(":1s$", hidden_by)
    end)

    it("takes back a time-limited grant inside a wider one, and only that path", function()
      H.ready(user)
      local out, err, code = H.nono(w, user, { "run", "--allow", ".", "--allow", "sub:1s",
        "--read-file", w.probe, "--", "sh", "-c",
        "P=" .. H.q(w.probe) .. "; $P create sub/a; sleep 2; $P create sub/b; $P read file.txt; $P create c" })
      assert.equal(0, code, err)
      assert.equal("ok\nEACCES\nok\nok\n", out)
    end)

    it("kills what still holds an expired path (a working directory inside it)", function()
      H.ready(user)
      local out, err, code = H.nono(w, user, { "run", "--allow", w.timed .. ":1s", "--audit-log", w.log,
        "--", "sh", "-c", "cd " .. H.q(w.timed) .. " && echo in && sleep 30 && echo never" })
      assert.equal("in\n", out)
      assert.equal(137, code, err) -- SIGKILL, long before the sleep ends
      assert.matches("killed what held it", err)
      local ev = find(events(w), "expire")
      assert.equal(w.timed, ev.path)
      assert.equal("kill", ev.action)
      local whats = {}
      for _, h in ipairs(ev.holders) do whats[h.what] = true end
      assert.is_true(whats.cwd)
    end)

    it("does not count the launcher's stdout beneath a time-limited grant as a holder", function()
      H.ready(user)
      local logf = w.timed .. "/ci.log"
      assert(os.execute("touch " .. H.q(logf) .. " && chmod 0666 " .. H.q(logf)))
      -- the launcher opens the log; the command only writes to what it was given
      local _, err, code = H.sh(string.format("cd %s && env HOME=%s %s run --allow %s --audit-log %s -- "
        .. "sh -c 'echo before; sleep 2; echo after' > %s", H.q(w.project), H.q(w.home),
        H.as(user, H.q(w.nono)), H.q(w.timed .. ":1s"), H.q(w.log), H.q(logf)))
      assert.equal(0, code, err)
      assert.equal("before\nafter\n", H.slurp(logf))
      assert.equal(0, #find(events(w), "expire").holders)
      -- the control: the same file opened by the command through the grant holds it
      _, err, code = H.nono(w, user, { "run", "--allow", w.timed .. ":1s", "--", "sh", "-c",
        "exec 3>> " .. H.q(logf) .. "; sleep 5; echo never >&3" })
      assert.equal(137, code, err)
      assert.is_nil(H.slurp(logf):find("never", 1, true))
    end)

    it("grants nono to itself beneath a time-limited grant of its directory", function()
      H.ready(user)
      -- the spec's nono lives in the fixture's bin/: a time-limited grant of
      -- the whole fixture covers it
      local _, err, code = H.nono(w, user, { "run", "--allow", w.root .. ":60s", "--", "true" })
      assert.equal(0, code, err)
    end)

    it("with --on-expire report, reports an open descriptor (which keeps working: the residual)", function()
      H.ready(user)
      local out, err, code = H.nono(w, user, { "run", "--allow", w.timed .. ":1s", "--on-expire", "report",
        "--audit-log", w.log, "--", "sh", "-c",
        "exec 3< " .. H.q(w.timed .. "/f") .. "; sleep 2; cat <&3; cat " .. H.q(w.timed .. "/f") })
      assert.equal(1, code, err)
      assert.equal("timed secret\n", out)
      assert.matches("Permission denied", err)
      local ev = find(events(w), "expire")
      assert.equal("report", ev.action)
      local fd3 = false
      for _, h in ipairs(ev.holders) do fd3 = fd3 or h.what == "fd 3" end
      assert.is_true(fd3)
    end)

    it("ends the session when the sandbox moved a time-limited grant away (fails closed)", function()
      H.ready(user)
      -- --write on the directory lets the command rename the granted file
      -- (or a granted directory: write grants remove and rename them); the
      -- Landlock rule follows the file, so hiding the old path would not
      -- take it back.
      local out, err, code = H.nono(w, user, { "run", "--write", w.timed, "--allow-file",
        w.timed .. "/f:1s", "--read-file", w.probe, "--audit-log", w.log, "--", "sh", "-c",
        "P=" .. H.q(w.probe) .. "; $P rename " .. H.q(w.timed .. "/f") .. " " .. H.q(w.timed .. "/moved")
          .. "; $P create " .. H.q(w.timed .. "/f") -- a decoy in its place
          .. "; sleep 3; $P read " .. H.q(w.timed .. "/moved") .. "; echo never" })
      assert.equal("ok\nok\n", out)
      assert.equal(137, code, err)
      assert.matches("could not be taken back %(" .. (w.timed .. "/f"):gsub("%p", "%%%0") .. ": Stale", err)
      local ev = find(events(w), "expire")
      assert.matches("Stale", ev.error)
      assert.is_string(find(events(w), "exit").error)
    end)

    it("ends the session when the sandbox moved a time-limited directory away (fails closed)", function()
      H.ready(user)
      local out, err, code = H.nono(w, user, { "run", "--write", w.timed, "--allow", w.timed .. "/sub:1s",
        "--read-file", w.probe, "--audit-log", w.log, "--", "sh", "-c",
        "P=" .. H.q(w.probe) .. "; $P rename " .. H.q(w.timed .. "/sub") .. " " .. H.q(w.timed .. "/moved")
          .. "; $P mkdir " .. H.q(w.timed .. "/sub") -- a decoy in its place
          .. "; sleep 3; $P create " .. H.q(w.timed .. "/moved/f") .. "; echo never" })
      assert.equal("ok\nok\n", out)
      assert.equal(137, code, err)
      assert.matches("could not be taken back %(" .. (w.timed .. "/sub"):gsub("%p", "%%%0") .. ": Stale", err)
      assert.is_nil(io.open(w.timed .. "/moved/f", "r"))
    end)

    it("refuses a time-limited grant that would hide a permanent one beneath it", function()
      H.ready(user)
      local _, err, code = H.nono(w, user, { "run", "--allow", w.timed .. ":5m", "--allow", w.timed .. "/sub",
        "--", "true" })
      assert.equal(126, code)
      assert.matches("would be hidden", err)
    end)

    it("refuses a time-limited grant where user namespaces are unavailable, and runs nothing", function()
      H.ready(user)
      local helper = w.bin .. "/nono-no-landlock"
      assert(os.execute("cp " .. H.q(built_no_userns) .. " " .. H.q(helper)))
      local cmd = string.format("cd %s && env HOME=%s %s %s NOUSERNS %s run --allow %s -- touch %s",
        H.q(w.project), H.q(w.home), H.as(user, ""), H.q(helper), H.q(w.nono), H.q(w.timed .. ":5m"),
        H.q(w.timed .. "/ran"))
      local _, err, code = H.sh(cmd)
      assert.equal(126, code, err)
      assert.matches("time%-limited", err)
      assert.matches("never turns a time%-limited grant into a permanent one", err)
      assert.is_nil(io.open(w.timed .. "/ran"))
      -- the same without the time limit runs
      local _, err2, code2 = H.sh((cmd:gsub(":5m", "")))
      assert.equal(0, code2, err2)
    end)

    it("shows the expiry in --dry-run", function()
      H.ready(user)
      local out, err, code = H.nono(w, user, { "run", "--dry-run", "--allow", w.timed .. ":5m", "--", "true" })
      assert.equal(0, code, err)
      assert.matches("expires after 300s", out)
      assert.matches("expiry%s+%-%-allow [^\n]*:5m: after 300s", out)
    end)

    it("ends a double-forked, setsid'ed grandchild with the session", function()
      H.ready(user)
      -- (found by its command line: in the sandbox's pid namespace, $! is
      -- not the number the host knows it by)
      local mark = H.marker()
      local script = "(setsid sh -c 'sleep " .. mark .. " & echo $! > pid; wait' &) ; "
        .. "while [ ! -s pid ]; do sleep 0.05; done"
      -- The control: without nono the grandchild outlives its parent.
      H.sh("cd " .. H.q(w.project) .. " && " .. H.as(user, "sh -c " .. H.q(script)) .. " >/dev/null 2>&1")
      local bare = wait_for_pid(w.project .. "/pid")
      assert.is_true(alive(bare))
      assert.same({ bare }, H.pids_running({ "sleep", mark }))
      os.execute("kill -9 " .. bare)
      os.remove(w.project .. "/pid")

      mark = H.marker()
      script = script:gsub("sleep 299%.%d+", "sleep " .. mark)
      local _, err, code = H.nono(w, user, { "run", "--allow", ".", "--audit-log", w.log, "--", "sh", "-c", script })
      assert.equal(0, code, err)
      wait_for_pid(w.project .. "/pid") -- it did start
      assert.same({}, H.pids_running({ "sleep", mark }))
      local exit = find(events(w), "exit")
      assert.is_true(exit.left_behind_killed >= 1)
    end)

    it("leaves no process and nothing holding a time-limited grant when nono is killed (SIGKILL, row 20)", function()
      if not timed_ready(user) then return end
      --- The processes holding `path` open (any process: root reads them all).
      local function holding(path)
        local found = {}
        for link in H.sh("find /proc/[0-9]*/fd -lname " .. H.q(path) .. " 2>/dev/null"):gmatch("[^\n]+") do
          found[#found + 1] = link:match("^/proc/(%d+)/")
        end
        return found
      end
      --- The processes running `sleep MARK` (pgrep: one pass over /proc).
      local function sleeping(mark)
        local found = {}
        for pid in H.sh("pgrep -f -x " .. H.q("sleep " .. mark)):gmatch("%d+") do found[#found + 1] = pid end
        return found
      end
      --- Start `cmd` as the user in the background: its pid, once the
      -- detached reader has said it holds the file.
      local function start(cmd, ready)
        local pid = H.sh(string.format("(cd %s && exec env HOME=%s %s) >/dev/null 2>&1 & echo $!",
          H.q(w.project), H.q(w.home), H.as(user, cmd))):match("%d+")
        for _ = 1, 200 do
          if io.open(ready) then return pid end
          os.execute("sleep 0.05")
        end
        error("never ready")
      end
      local function script(mark, ready)
        return "(setsid sh -c 'exec 3< " .. w.timed .. "/f; touch " .. ready .. "; exec sleep " .. mark
          .. "' &); exec sleep 300"
      end
      -- The control: without nono the detached reader outlives its killed
      -- parent, and keeps the file open.
      local mark, ready = H.marker(), w.project .. "/ready-bare"
      local parent = start("sh -c " .. H.q(script(mark, ready)), ready)
      os.execute("kill -KILL " .. parent)
      local bare = sleeping(mark)
      assert.equal(1, #bare)
      assert.same(bare, holding(w.timed .. "/f"))
      os.execute("kill -KILL " .. bare[1])

      mark, ready = H.marker(), w.project .. "/ready-nono"
      local nono = start(H.q(w.nono) .. " run --allow . --allow " .. H.q(w.timed .. ":60s") .. " -- sh -c "
        .. H.q(script(mark, ready)), ready)
      assert.equal(1, #sleeping(mark))
      os.execute("kill -KILL " .. nono)
      local gone = false
      for _ = 1, 200 do
        gone = #sleeping(mark) == 0 and #holding(w.timed .. "/f") == 0
        if gone then break end
        os.execute("sleep 0.05")
      end
      assert.is_true(gone, "a process of the sandbox outlived nono, or the grant is still held")
    end)

    it("ends a detached process whose main thread exited while another runs (\"Zl\"), with the session", function()
      H.ready(user)
      local attempt = w.bin .. "/nono-attempt"
      assert(os.execute("cp " .. H.q(H.built_attempt) .. " " .. H.q(attempt)))
      -- a thread of it reads file.txt 20 s on, unless killed first
      local argv = { attempt, "leader-exit", "file.txt", "20" }
      -- (each run writes a file of its own: a "ready" left by the one
      -- before would end the wait before the process is set up)
      local function script(out)
        return "(setsid " .. table.concat(argv, " ") .. " > " .. out .. " 2>&1 &); "
          .. "while ! grep -q ready " .. out .. " 2>/dev/null; do sleep 0.05; done"
      end
      -- The control: without nono it outlives its parent, as a "Zl".
      H.sh("cd " .. H.q(w.project) .. " && " .. H.as(user, "sh -c " .. H.q(script("bare.txt"))) .. " >/dev/null 2>&1")
      local bare = H.pids_running(argv)
      assert.equal(1, #bare)
      assert.matches("^%d+ %(nono%-attempt%) Z", H.slurp("/proc/" .. bare[1] .. "/stat"))
      os.execute("kill -9 " .. bare[1])

      local _, err, code = H.nono(w, user, { "run", "--allow", ".", "--read-file", attempt, "--audit-log", w.log,
        "--", "sh", "-c", script("out.txt") })
      assert.equal(0, code, err)
      assert.same({}, H.pids_running(argv))
      -- killed, not waited for: its thread never got to read
      assert.equal("ready\n", H.slurp(w.project .. "/out.txt"))
      assert.is_true(find(events(w), "exit").left_behind_killed >= 1)
    end)

    it("kills a thread that holds an expired path in a descriptor table of its own (row 30)", function()
      if not timed_ready(user) then return end
      local attempt = w.bin .. "/nono-attempt"
      assert(os.execute("cp " .. H.q(H.built_attempt) .. " " .. H.q(attempt)))
      local vector = { attempt, "files-thread", w.timed .. "/f", "2" }
      -- The control: without nono its thread opens the file and reads it.
      local out = H.sh(H.as(user, table.concat({ vector[1], vector[2], vector[3], "0" }, " ")))
      assert.equal("ready\nok timed secret\n", out)
      -- --on-expire report: the thread's descriptor is found, and (the
      -- residual) keeps working
      local err, code
      out, err, code = H.nono(w, user, H.args({ "run", "--allow", w.timed .. ":1s", "--read-file", attempt,
        "--on-expire", "report", "--audit-log", w.log, "--" }, vector))
      assert.equal(0, code, err)
      assert.equal("ready\nok timed secret\n", out)
      local whats = {}
      for _, h in ipairs(find(events(w), "expire").holders) do whats[#whats + 1] = h.what end
      assert.matches("^fd %d+ %(thread %d+%)$", table.concat(whats, "\n"))
      -- by default it is killed before it reads
      out, err, code = H.nono(w, user, H.args({ "run", "--allow", w.timed .. ":1s", "--read-file", attempt,
        "--" }, vector))
      assert.equal(137, code, err)
      assert.equal("ready\n", out)
      assert.matches("killed what held it: pid %d+ %(fd %d+ %(thread %d+%)%)", err)
    end)

    it("kills a process whose main thread exited while another holds an expired path (row 30)", function()
      if not timed_ready(user) then return end
      local attempt = w.bin .. "/nono-attempt"
      assert(os.execute("cp " .. H.q(H.built_attempt) .. " " .. H.q(attempt)))
      local vector = { attempt, "leader-exit", w.timed .. "/f", "2" }
      -- The control: without nono its other thread reads the file.
      assert.equal("ready\nok timed secret\n",
        (H.sh(H.as(user, table.concat({ vector[1], vector[2], vector[3], "0" }, " ")))))
      -- a child of the command's, so that its main thread's exit is not
      -- the command's end
      local script = table.concat(vector, " ") .. " & wait $!"
      local out, err, code = H.nono(w, user, { "run", "--allow", w.timed .. ":1s", "--read-file", attempt,
        "--on-expire", "report", "--audit-log", w.log, "--", "sh", "-c", script })
      assert.equal(0, code, err)
      assert.equal("ready\nok timed secret\n", out)
      local whats = {}
      for _, h in ipairs(find(events(w), "expire").holders) do whats[#whats + 1] = h.what end
      assert.matches("^fd %d+ %(thread %d+%)$", table.concat(whats, "\n"))
      out, err, code = H.nono(w, user, { "run", "--allow", w.timed .. ":1s", "--read-file", attempt,
        "--", "sh", "-c", script .. "; echo status=$?" })
      assert.equal(0, code, err)
      assert.equal("ready\nstatus=137\n", out)
      assert.matches("killed what held it", err)
    end)

    it("ends the session when a descriptor may be in flight in a unix socket at expiry (SCM_RIGHTS, row 30)",
      function()
        if not timed_ready(user) then return end
        local attempt = w.bin .. "/nono-attempt"
        assert(os.execute("cp " .. H.q(H.built_attempt) .. " " .. H.q(attempt)))
        -- the file opened, sent over a socket in a message of no bytes and
        -- closed: in no descriptor table until it is received, 2 s on
        local vector = { attempt, "park-fd", w.timed .. "/f", "2" }
        -- The control: without nono the received descriptor reads.
        assert.equal("ready\nok timed secret\n",
          (H.sh(H.as(user, table.concat({ vector[1], vector[2], vector[3], "0" }, " ")))))
        -- The leak the mount alone leaves: no process holds the path, yet
        -- what is received after the expiry reads (--on-expire report
        -- lets it; it is reported as in flight).
        local out, err, code = H.nono(w, user, H.args({ "run", "--allow", w.timed .. ":1s", "--read-file", attempt,
          "--on-expire", "report", "--audit-log", w.log, "--" }, vector))
        assert.equal(0, code, err)
        assert.equal("ready\nok timed secret\n", out)
        local ev = find(events(w), "expire")
        assert.equal("report", ev.action)
        assert.equal(1, #ev.in_flight)
        assert.matches("^fd %d+ %(socket:%[%d+%], 1 in flight%)$", ev.in_flight[1].what)
        -- By default the session ends before anything is received.
        os.remove(w.log)
        out, err, code = H.nono(w, user, H.args({ "run", "--allow", w.timed .. ":1s", "--read-file", attempt,
          "--audit-log", w.log, "--" }, vector))
        assert.equal(137, code, err)
        assert.equal("ready\n", out)
        assert.matches("could not be taken back %(descriptors in flight in unix sockets", err)
        ev = find(events(w), "expire")
        assert.matches("^descriptors in flight", ev.error)
        assert.same({}, ev.holders)
        assert.equal(1, #ev.in_flight)
        assert.is_string(find(events(w), "exit").error)
      end)

    it("writes an audit log of JSON lines: start, signal, exit", function()
      H.ready(user)
      local cmd = string.format("cd %s && { env HOME=%s %s run --allow . --audit-log %s -- "
        .. "sh -c 'trap \"exit 3\" TERM; touch ready; while :; do sleep 0.1; done' & "
        .. "pid=$!; while [ ! -e ready ]; do sleep 0.05; done; kill -TERM $pid; wait $pid; echo rc=$?; }",
        H.q(w.project), H.q(w.home), H.as(user, H.q(w.nono)), H.q(w.log))
      local out, err = H.sh(cmd)
      assert.equal("rc=3\n", out, err)
      local evs = events(w)
      assert.equal("start", evs[1].event)
      assert.same({ "sh", "-c" }, { evs[1].argv[1], evs[1].argv[2] })
      assert.is_true(evs[1].pid > 0)
      assert.equal(7, evs[1].enforcement.landlock.abi)
      assert.is_true(evs[1].rules > 0)
      local sig = find(evs, "signal")
      assert.equal("SIGTERM", sig.signal)
      assert.equal(evs[1].pid, sig.to)
      local exit = evs[#evs]
      assert.equal("exit", exit.event)
      assert.equal("exited", exit.status)
      assert.equal(3, exit.code)
      assert.is_true(exit.duration_ms >= 0)
      for _, ev in ipairs(evs) do assert.matches("^%d%d%d%d%-%d%d%-%d%dT", ev.time) end
    end)

    it("refuses an audit log the sandbox could write", function()
      H.ready(user)
      local _, err, code = H.nono(w, user, { "run", "--allow", ".", "--audit-log", "log.jsonl", "--", "true" })
      assert.equal(126, code)
      assert.matches("the sandbox could write there", err)
      assert.is_nil(io.open(w.project .. "/log.jsonl"))
    end)

    it("runs nono inside nono: the inner sandbox narrows the outer one, and why --self answers for it", function()
      H.ready(user)
      -- (the inner nono without LeakSanitizer, which needs ptrace: see below)
      local out, err, code = H.nono(w, user, { "run", "--allow", ".", "--read-file", w.probe, "--",
        "env", "ASAN_OPTIONS=detect_leaks=0", w.nono, "run", "--read", ".",
        "--read-file", w.probe, "--", "sh", "-c", table.concat({
          "P=" .. H.q(w.probe),
          "$P read file.txt; $P create inner.txt; $P read " .. H.q(w.secret),
          H.q(w.nono) .. " why --self --path inner.txt --op write",
        }, "\n") })
      assert.equal(1, code, err) -- why's status: DENIED
      assert.matches("^ok\nEACCES\nEACCES\nDENIED write ", out)
      assert.matches("%-%-read %. %(read on", out)
      assert.is_nil(io.open(w.project .. "/inner.txt"))
      -- the control: the outer sandbox alone lets it create the file
      local _, _, ocode = H.nono(w, user, { "run", "--allow", ".", "--", "sh", "-c", "echo x > inner.txt" })
      assert.equal(0, ocode)
    end)

    it("answers why --self inside the sandbox from the sealed policy, which the sandbox cannot change", function()
      H.ready(user)
      local out, err, code = H.nono(w, user, { "run", "--allow", ".", "--allow", w.timed .. ":2s",
        "--", "sh", "-c", H.inside_script(w, {
          "$N why --self --path file.txt --op write",
          "$N why --self --path " .. H.q(w.secret),
          "$N why --self --path " .. H.q(w.timed .. "/f"),
          -- the memory file it is handed cannot be changed
          PYWRITE,
          "sleep 3",
          "$N why --self --path " .. H.q(w.timed .. "/f"),
        }) })
      assert.equal(1, code, err) -- why's status: DENIED
      local answers = {}
      for verdict in out:gmatch("(%u+) %a+ /") do answers[#answers + 1] = verdict end
      assert.same({ "ALLOWED", "DENIED", "ALLOWED", "DENIED" }, answers)
      assert.matches("protected", out)
      assert.matches("expired", out)
      assert.not_matches("CHANGED", out)
      assert.matches("REFUSED Operation not permitted", out) -- the seals refuse the write
      -- one set by the launcher (an outer nono) does not reach the command
      -- (env prints its environment as execve gave it; a shell would merge)
      local fdout = H.nono(w, user, { "run", "--allow", ".", "--", "env" }, { env = "NONO_POLICY_FD=99" })
      local seen = {}
      for v in fdout:gmatch("NONO_POLICY_FD=(%d+)") do seen[#seen + 1] = v end
      assert.equal(1, #seen)
      assert.not_equal("99", seen[1])
      -- outside a sandbox there is nothing to answer from
      local _, err2, code2 = H.nono(w, user, { "why", "--self", "--path", "." })
      assert.equal(126, code2)
      assert.matches("not inside a nono sandbox", err2)
    end)

    it("keeps the sealed policy within the file size limit, and runs the command where it does not fit", function()
      -- (a memory file larger than RLIMIT_FSIZE would not be made, and
      -- its SIGXFSZ would end nono; dash counts 512-byte blocks)
      H.ready(user)
      local script = H.inside_script(w, { "$N why --self --path file.txt --op write" })
      local function limited(blocks)
        return function(cmd) return "ulimit -f " .. blocks .. " && " .. cmd end
      end
      local out, err, code = H.nono(w, user, { "run", "--allow", ".", "--", "sh", "-c", script },
        { wrap = limited(256) })
      assert.equal(0, code, err)
      assert.matches("ALLOWED write", out)
      assert.not_matches("cannot answer", err)
      -- 4 KiB: less than the policy's text; the command runs all the same
      local out2, err2, code2 = H.nono(w, user, { "run", "--allow", ".", "--", "sh", "-c",
        "echo RAN; " .. script }, { wrap = limited(8) })
      assert.matches("RAN", out2)
      assert.matches("nono why %-%-self cannot answer in this session: .*File too large", err2)
      assert.not_matches("ALLOWED", out2)
      assert.equal(126, code2) -- why's own: it found no policy to answer from
    end)

    it("answers every why --self of a session, several at once, from the same sealed policy", function()
      H.ready(user)
      local asks = {}
      for i = 1, 6 do asks[i] = "$N why --self --path " .. (i % 2 == 0 and "file.txt --op write" or H.q(w.secret)) .. " &" end
      asks[#asks + 1] = "wait"
      local out, err, code = H.nono(w, user, { "run", "--allow", ".", "--", "sh", "-c",
        H.inside_script(w, asks) })
      assert.equal(0, code, err)
      local verdicts = {}
      for verdict in out:gmatch("(%u+) %a+ /") do verdicts[verdict] = (verdicts[verdict] or 0) + 1 end
      assert.same({ ALLOWED = 3, DENIED = 3 }, verdicts)
      assert.not_matches("cannot answer", err)
    end)
  end)
end
