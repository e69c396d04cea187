-- Bad input and faults, each answered well (issue "Edges and conventions"):
-- the audit log on a full disk, profiles that would exhaust memory or time,
-- an option whose value was forgotten, bad durations, what --dry-run says
-- of time-limited grants, hints that answer when pasted, JSON for any path,
-- write errors on standard output, a malformed policy for `why --self`, and
-- `why`'s exit status.  Each tried for real, as root and as uid 65534 where
-- a sandbox runs, next to the run that shows what the fault changes.
local H = require "spec.helper"
local json = require "nono.json"
local dkjson = require "dkjson" -- busted's own dependency: a second opinion on our JSON

local PY = "/usr/bin/python3" -- not a user's PATH: uid 65534 must reach it

--- A profile in the world's user directory (readable by uid 65534 too).
local function user_profile(w, name, text)
  local dir = w.home .. "/.config/nono/profiles"
  assert(os.execute("mkdir -p " .. H.q(dir)))
  local f = assert(io.open(dir .. "/" .. name .. ".lua", "w"))
  f:write(text)
  f:close()
  assert(os.execute("chmod -R a+rX " .. H.q(w.home .. "/.config")))
  return dir .. "/" .. name .. ".lua"
end

-- Profiles that would take all memory or hang nono (issue: 40 doublings
-- reach 7 GB; a backtracking pattern never returns to the VM).
local DOUBLING = 'description "doubles a string"\nlocal s = "x"\nfor _ = 1, 40 do s = s .. s end\n'
-- 100 MB of garbage, beyond the 64 MB limit (profile.MEMORY_LIMIT), little live
local GARBAGE = 'description "makes garbage"\nfor i = 1, 100 do local s = string.rep("x", 1000000 + i) end\n'
  .. 'allow(cwd())\n'
local BACKTRACK = 'description "a pattern that backtracks for ages"\n'
  .. 'local s = string.rep("a", 60)\nlocal found = s:match(string.rep("a*", 30) .. "b")\n'

for _, user in ipairs(H.users) do
  describe("faults as " .. user .. " #landlock #faults", function()
    local w
    local mounted
    before_each(function() w = H.world() end)
    after_each(function()
      if mounted then os.execute("umount " .. H.q(mounted)) end
      mounted = nil
      H.destroy(w)
    end)

    --- A 16 KiB tmpfs at w.root/full, writable by `user`, with `free`
    -- bytes left (whole pages).
    local function small_disk(free)
      if not H.is_root then
        pending("mounting a small tmpfs needs root")
        return nil
      end
      local dir = w.root .. "/full"
      assert(os.execute("mkdir -p " .. H.q(dir) .. " && mount -t tmpfs -o size=16k,mode=0777 tmpfs " .. H.q(dir)))
      mounted = dir
      local pages = (16384 - free) // 4096
      if pages > 0 then
        assert(os.execute("dd if=/dev/zero of=" .. H.q(dir .. "/fill") .. " bs=4096 count=" .. pages
          .. " 2>/dev/null"))
      end
      return dir
    end

    -- A start event larger than the one page left: the write is cut short.
    local LONG = string.rep("x", 6000)

    it("writes audit log lines whole on a full disk, says why, and ends with 125", function()
      H.ready(user)
      local dir = small_disk(16384)
      if not dir then return end
      -- the control: with room, the session's status is the command's
      local log = dir .. "/ok.jsonl"
      local _, err, code = H.nono(w, user, { "run", "--allow", ".", "--audit-log", log, "--",
        "sh", "-c", "exit 3", LONG })
      assert.equal(3, code, err)
      local evs = H.json_lines(H.slurp(log))
      assert.same({ "start", "exit" }, { evs[1].event, evs[2].event })
      os.remove(log)
      -- a full disk: one page left, the start event is longer
      assert(os.execute("dd if=/dev/zero of=" .. H.q(dir .. "/fill") .. " bs=4096 count=3 2>/dev/null"))
      log = dir .. "/full.jsonl"
      _, err, code = H.nono(w, user, { "run", "--allow", ".", "--audit-log", log, "--",
        "sh", "-c", "exit 3", LONG })
      assert.equal(125, code, err)
      assert.matches("No space left on device", err, 1, true)
      assert.not_matches("Input/output error", err, 1, true)
      assert.matches("incomplete", err, 1, true)
      assert.matches("the command's own status: 3", err, 1, true)
      -- no cut line: what is there is whole lines, the exit event saying
      -- one event was lost before it
      local text = H.slurp(log)
      assert.matches("\n$", text)
      evs = H.json_lines(text)
      assert.equal(1, #evs)
      assert.equal("exit", evs[1].event)
      assert.equal(1, evs[1].lost_events)
      assert.equal(3, evs[1].code)
    end)

    it("stops the command when the audit log fails with --audit-log-required", function()
      H.ready(user)
      local dir = small_disk(4096)
      if not dir then return end
      local log = dir .. "/log.jsonl"
      -- the control: without the flag the command runs to its end
      local _, err, code = H.nono(w, user, { "run", "--allow", ".", "--audit-log", log, "--",
        "sh", "-c", "echo RAN > after", LONG })
      assert.equal(125, code, err)
      assert.equal("RAN\n", H.slurp(w.project .. "/after"))
      os.remove(w.project .. "/after")
      os.remove(log)
      -- with it, a command that would wait for ever is stopped when the
      -- first event cannot be written (`timeout`, run by H.nono's env, only
      -- keeps a broken nono from hanging the suite: it would exit 124)
      local out
      out, err, code = H.nono(w, user, { "run", "--allow", ".", "--audit-log", log, "--audit-log-required",
        "--", "sh", "-c", "while [ ! -e go ]; do sleep 0.05; done; echo RAN > after", LONG },
        { env = "timeout 120" })
      assert.equal(125, code, err)
      assert.matches("stopping the command (--audit-log-required)", err, 1, true)
      assert.is_nil(io.open(w.project .. "/after"))
      local evs = H.json_lines(H.slurp(log))
      assert.equal("exit", evs[#evs].event)
      assert.equal("SIGKILL", evs[#evs].signal)
      assert.equal("", out)
      -- the flag alone is a usage error
      _, err, code = H.nono(w, user, { "run", "--audit-log-required", "--", "true" })
      assert.equal(2, code)
      assert.matches("goes with --audit-log", err, 1, true)
    end)

    it("stops a profile that exhausts memory or time, naming it, and runs nothing", function()
      H.ready(user)
      user_profile(w, "doubling", DOUBLING)
      local _, err, code = H.nono(w, user, { "run", "--profile", "doubling", "--", "sh", "-c",
        "echo RAN > ran.txt" })
      assert.equal(126, code, err)
      assert.matches("profile doubling: memory limit exceeded", err, 1, true)
      assert.is_nil(io.open(w.project .. "/ran.txt"))
      -- the control: the limit counts what is live, not what was made (Lua
      -- collects when it is reached, with nono's collector stopped, main.c)
      user_profile(w, "garbage", GARBAGE)
      _, err, code = H.nono(w, user, { "run", "--profile", "garbage", "--", "sh", "-c", "echo RAN > ran.txt" })
      assert.equal(0, code, err)
      assert.equal("RAN\n", H.slurp(w.project .. "/ran.txt"))
      assert(os.remove(w.project .. "/ran.txt"))
      if H.floor then return end -- (the same code on the floor; the hang costs 5 s)
      user_profile(w, "backtrack", BACKTRACK)
      _, err, code = H.nono(w, user, { "run", "--profile", "backtrack", "--", "sh", "-c",
        "echo RAN > ran.txt" })
      assert.equal(126, code, err)
      assert.matches("profile backtrack: time limit exceeded", err, 1, true)
      assert.is_nil(io.open(w.project .. "/ran.txt"))
      -- the control: a profile that does neither runs the command
      user_profile(w, "fine", 'description "fine"\nallow(cwd())\n')
      _, err, code = H.nono(w, user, { "run", "--profile", "fine", "--", "sh", "-c", "echo RAN > ran.txt" })
      assert.equal(0, code, err)
      assert.equal("RAN\n", H.slurp(w.project .. "/ran.txt"))
    end)

    it("lists profiles without running them: a hanging one does not stop the list", function()
      H.ready(user)
      user_profile(w, "backtrack", BACKTRACK)
      user_profile(w, "doubling", DOUBLING)
      user_profile(w, "broken", 'description "broken"\nallow(\n')
      local out, err, code = H.nono(w, user, { "profile", "list" })
      assert.equal(0, code, err)
      assert.matches("backtrack%s+user%s+a pattern that backtracks for ages\n", out)
      assert.matches("doubling%s+user%s+doubles a string\n", out)
      assert.matches("broken%s+user%s+ERROR: [^\n]*broken%.lua:3:", out)
      assert.not_matches("limit exceeded", out)
      -- check runs it (under the limits)
      _, err, code = H.nono(w, user, { "profile", "check", "doubling" })
      assert.equal(1, code)
      assert.matches("memory limit exceeded", err, 1, true)
    end)

    it("refuses an option value that is an option, and takes one written --opt=-value", function()
      H.ready(user)
      local out, err, code = H.nono(w, user, { "run", "--audit-log", "--dry-run", "echo", "RAN" })
      assert.equal(2, code)
      assert.equal("", out)
      assert.matches("option --audit-log needs a value, and '--dry-run' is an option", err, 1, true)
      assert.matches("--audit-log=--dry-run", err, 1, true)
      assert.is_nil(io.open(w.project .. "/--dry-run"))
      _, err, code = H.nono(w, user, { "why", "--allow", "-x", "--path", "." })
      assert.equal(2, code)
      assert.matches("option --allow needs a value", err, 1, true)
      -- the control: written with '=' or './', such a value is taken
      _, err, code = H.nono(w, user, { "run", "--audit-log=-x.jsonl", "--", "true" })
      assert.equal(0, code, err)
      assert.equal("start", H.json_lines(H.slurp(w.project .. "/-x.jsonl"))[1].event)
      _, err, code = H.nono(w, user, { "run", "--audit-log", "./-y.jsonl", "--", "true" })
      assert.equal(0, code, err)
      assert.equal("start", H.json_lines(H.slurp(w.project .. "/-y.jsonl"))[1].event)
    end)

    it("says what a duration is for a bad one, and takes a path so named", function()
      H.ready(user)
      for _, bad in ipairs { "5x", "1d", "0s", "-1s", "9999999999s", "5", "1.5h" } do
        local out, err, code = H.nono(w, user, { "run", "--allow", ".:" .. bad, "--", "sh", "-c",
          "echo RAN > ran.txt" })
        assert.equal(2, code, bad .. ": " .. err)
        assert.equal("", out)
        assert.matches("invalid duration '" .. bad .. "' (expected a whole number from 1 to 999999999 "
          .. "followed by s, m or h, e.g. 90s, 5m, 2h)", err, 1, true)
        assert.not_matches("does not exist", err, 1, true)
        assert.is_nil(io.open(w.project .. "/ran.txt"))
      end
      -- a directory named so is a path, and granted
      assert(os.execute("mkdir " .. H.q(w.project .. "/d:5x") .. " && chmod 0777 " .. H.q(w.project .. "/d:5x")))
      H.refused((H.probe(w, user, {}, "create", w.project .. "/d:5x/f")))
      assert.equal("ok", (H.probe(w, user, { "--allow", "d:5x" }, "create", w.project .. "/d:5x/f")))
    end)

    it("says in --dry-run what nono run will do with a time-limited grant", function()
      H.ready(user)
      -- where user namespaces work, run takes it back when it expires
      local out, err, code = H.nono(w, user, { "run", "--dry-run", "--allow", ".:5m", "--", "true" },
        { floor = false })
      assert.equal(0, code, err)
      assert.matches("--allow .:5m (expires after 300s)", out, 1, true)
      assert.not_matches("refuses", out, 1, true)
      -- without them, it refuses, and says so
      out, err, code = H.nono(w, user, { "run", "--dry-run", "--allow", ".:5m", "--", "true" },
        { floor = "NOUSERNS" })
      assert.equal(126, code, err)
      assert.matches("expires after 300s: nono run refuses it here", out, 1, true)
      assert.matches("never turns a time%-limited grant into a permanent one", err)
    end)

    it("gives a hint for a command it could not execute that answers when pasted", function()
      H.ready(user)
      local bin = w.outside .. "/bin"
      assert(os.execute("mkdir -p " .. H.q(bin) .. " && cp /bin/true " .. H.q(bin .. "/mytool")
        .. " && chmod -R a+rx " .. H.q(bin)))
      local env = "PATH=" .. H.q(bin .. ":/usr/bin:/bin")
      local _, err, code = H.nono(w, user, { "run", "--allow", ".", "--", "mytool" }, { env = env })
      assert.equal(127, code, err)
      local hint = err:match("hint: the sandbox may not grant execute on it: (nono why [^\n]*)")
      -- (the options that shaped the sandbox: --no-namespaces too, when given)
      assert.equal("nono why --allow . " .. (H.floor == "FLAG" and "--no-namespaces " or "") .. "--path " .. bin
        .. "/mytool --op exec", hint)
      -- pasted (nono being where the user's PATH finds it), it answers for
      -- the file exec was refused
      local out
      out, err, code = H.sh("cd " .. H.q(w.project) .. " && env HOME=" .. H.q(w.home) .. " PATH="
        .. H.q(w.bin .. ":/usr/bin:/bin") .. " " .. H.as(user, "sh -c " .. H.q(hint)))
      assert.equal(1, code, err)
      assert.matches("^DENIED exec " .. (bin .. "/mytool"):gsub("%p", "%%%0") .. "\n", out)
      -- the control: the old hint looked the name up in the working directory
      out = H.nono(w, user, { "why", "--allow", ".", "--path", "mytool", "--op", "exec" })
      assert.matches("^ALLOWED exec " .. (w.project .. "/mytool"):gsub("%p", "%%%0"), out)
      -- without the grant, the kernel does run it
      _, err, code = H.nono(w, user, { "run", "--allow", ".", "--read", bin, "--", "mytool" }, { env = env })
      assert.equal(0, code, err)
    end)

    it("writes valid JSON for a path that is not UTF-8, and the bytes come back", function()
      H.ready(user)
      local name = "caf\xe9-\xff"
      assert(os.execute("mkdir " .. H.q(w.project .. "/" .. name) .. " && chmod 0777 " .. H.q(w.project .. "/" .. name)))
      local out, err, code = H.nono(w, user, { "why", "--json", "--allow", name, "--path", name .. "/f",
        "--op", "write" })
      assert.equal(0, code, err)
      assert.truthy(utf8.len(out), "not UTF-8")
      assert.matches("caf\\udce9-\\udcff/f", out, 1, true)
      local a = assert(dkjson.decode(out))
      assert.equal("allowed", a.verdict)
      assert.equal(w.project .. "/" .. name .. "/f", json.decode(out).canonical)
      -- Python's json (strict UTF-8) and surrogateescape give the bytes back
      local py = H.sh("printf %s " .. H.q(out) .. " | " .. PY .. " -c " .. H.q(
        "import sys, json; a = json.loads(sys.stdin.buffer.read().decode('utf-8')); "
          .. "sys.stdout.buffer.write(a['canonical'].encode('utf-8', 'surrogateescape'))"))
      assert.equal(w.project .. "/" .. name .. "/f", py)
      out, err, code = H.nono(w, user, { "run", "--dry-run", "--json", "--allow", name, "--", "true" })
      assert.equal(0, code, err)
      assert.truthy(utf8.len(out), "not UTF-8")
      assert(dkjson.decode(out))
      -- and the kernel agrees with the answer
      assert.equal("ok", (H.probe(w, user, { "--allow", name }, "create", w.project .. "/" .. name .. "/f")))
    end)

    it("exits 125 when its own output cannot be written", function()
      H.ready(user)
      -- the control
      local _, err, code = H.sh("cd " .. H.q(w.project) .. " && " .. H.as(user, H.q(w.nono))
        .. " run --dry-run --allow . -- true > /dev/null")
      assert.equal(0, code, err)
      _, err, code = H.sh("cd " .. H.q(w.project) .. " && " .. H.as(user, H.q(w.nono))
        .. " run --dry-run --allow . -- true > /dev/full")
      assert.equal(125, code, err)
      assert.matches("cannot write to standard output: No space left on device", err, 1, true)
      _, err, code = H.sh("cd " .. H.q(w.project) .. " && " .. H.as(user, H.q(w.nono))
        .. " why --path file.txt > /dev/full")
      assert.equal(125, code, err)
      -- a pipe whose reader is gone, SIGPIPE ignored (as Python leaves it)
      local out = H.sh("cd " .. H.q(w.project) .. " && " .. H.as(user, PY .. " -c " .. H.q(
        "import os, subprocess, sys; r, w = os.pipe(); os.close(r); "
          .. "p = subprocess.run([sys.argv[1], 'run', '--dry-run', '--allow', '.', '--', 'true'], "
          .. "stdout=w, stderr=subprocess.DEVNULL, restore_signals=False); print(p.returncode)")
        .. " " .. H.q(w.nono)))
      assert.equal("125\n", out)
    end)

    it("answers why --self with a message for a policy descriptor nono did not write", function()
      H.ready(user)
      -- inside the sandbox, a process hands nono a sealed memory file of
      -- its own, a socket of its own, or a descriptor that is something else
      local script = table.concat({
        "import fcntl, os, subprocess, sys",
        "nono = sys.argv[1]",
        "def sealed(text):",
        "    fd = os.memfd_create('x', os.MFD_ALLOW_SEALING)",
        "    os.write(fd, text.encode())",
        "    fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK"
          .. " | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE)",
        "    return fd",
        "def ask(value, fds=()):",
        "    env = dict(os.environ, NONO_POLICY_FD=value, ASAN_OPTIONS='detect_leaks=0')",
        "    p = subprocess.run([nono, 'why', '--self', '--path', '.'], env=env, pass_fds=fds,"
          .. " capture_output=True, text=True)",
        "    print(p.returncode, p.stderr.strip().replace(chr(10), ' / '))",
        "for text in ['', 'garbage', '{}', '{\"version\":1}', '{\"version\":1,\"narrowed\":[]}\\nr\\tx\\t1\\t1\\t/',"
          .. " '{\"version\":1,\"narrowed\":[]}\\ng\\t1\\tx\\ty\\tread\\tsrc\\t/\\nr\\tx\\t1\\t1\\t/']:",
        "    fd = sealed(text)",
        "    ask(str(fd), (fd,))",
        "ask('-1')",
        "ask('abc')",
        "d = os.open('.', os.O_RDONLY)",
        "ask(str(d), (d,))",
        "import socket",
        "a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)",
        "u = os.memfd_create('x', os.MFD_ALLOW_SEALING)",
        "socket.send_fds(b, [b'F'], [u])",
        "ask(str(a.fileno()), (a.fileno(),))",
        "ask(os.environ['NONO_POLICY_FD'], (int(os.environ['NONO_POLICY_FD']),))",
      }, "\n")
      local out, err, code = H.nono(w, user, { "run", "--allow", ".", "--", PY, "-c", script, w.nono })
      assert.equal(0, code, err)
      local lines = {}
      for l in out:gmatch("[^\n]+") do lines[#lines + 1] = l end
      assert.equal(11, #lines, out)
      for i = 1, 10 do
        assert.matches("^126 nono: %-%-self: ", lines[i])
        assert.not_matches("internal error", lines[i], 1, true)
        assert.not_matches("traceback", lines[i], 1, true)
      end
      assert.matches("does not hold a policy nono run wrote", lines[2], 1, true)
      assert.matches("not a descriptor number", lines[7], 1, true)
      -- a socket of its own that hands an unsealed file
      assert.matches("not a sealed policy", lines[10], 1, true)
      -- the control: the descriptor nono run handed down answers
      assert.matches("^0 $", lines[11])
    end)

    it("exits 0 when why answers ALLOWED and 1 when DENIED, as the kernel answers", function()
      H.ready(user)
      local out, err, code = H.nono(w, user, { "why", "--allow", ".", "--path", "file.txt", "--op", "write" })
      assert.equal(0, code, err)
      assert.matches("^ALLOWED", out)
      assert.equal("ok", (H.probe(w, user, { "--allow", "." }, "write", "file.txt")))
      out, err, code = H.nono(w, user, { "why", "--allow", ".", "--path", w.secret })
      assert.equal(1, code, err)
      assert.matches("^DENIED", out)
      assert.equal("EACCES", (H.probe(w, user, { "--allow", "." }, "read", w.secret)))
      assert.equal("ok", H.probe_bare(w, user, "read", w.secret))
      _, _, code = H.nono(w, user, { "why", "--json", "--allow", ".", "--path", w.secret })
      assert.equal(1, code)
      _, _, code = H.nono(w, user, { "why", "--path", ".", "--op", "fly" })
      assert.equal(2, code)
    end)

    it("says what held an expired grant in plain words, and names the help topic", function()
      H.ready(user)
      local _, err = H.nono(w, user, { "bogus" })
      assert.matches("see 'nono help'\n", err, 1, true)
      _, err = H.nono(w, user, { "run", "--bogus" })
      assert.matches("see 'nono help run'\n", err, 1, true)
      if H.floor then return end -- time-limited grants need the namespaces
      local dir = w.root .. "/timed"
      assert(os.execute("mkdir -p " .. H.q(dir) .. " && chmod 0777 " .. H.q(dir)))
      local code
      _, err, code = H.nono(w, user, { "run", "--allow", dir .. ":1s", "--on-expire", "report", "--",
        "sh", "-c", "cd " .. H.q(dir) .. " && sleep 2" })
      assert.equal(0, code, err)
      assert.matches("is hidden now; still held by: pid %d+ %(cwd%)", err)
      assert.not_matches("it still", err, 1, true)
    end)
  end)
end

-- The limits themselves, where a profile is loaded (module mode, with the
-- core): C functions that loop without returning to the VM, and a pcall
-- that would swallow the memory error.
describe("profile limits #faults", function()
  local profile = require "nono.profile"
  local root, ctx

  before_each(function()
    root = H.sh("mktemp -d /tmp/nono-spec.XXXXXX"):gsub("%s+$", "")
    ctx = { home = root, cwd = root, getenv = function() return nil end, uid = 0, abi = 7 }
  end)
  after_each(function() os.execute("rm -rf " .. H.q(root)) end)

  local function load(text)
    local file = root .. "/p.lua"
    local f = assert(io.open(file, "w"))
    f:write(text)
    f:close()
    return profile.load(file, ctx)
  end

  it("ends a profile stuck inside a C function when its time is up", function()
    local limit = profile.TIME_LIMIT
    profile.TIME_LIMIT = 0.5
    finally(function() profile.TIME_LIMIT = limit end)
    for _, text in ipairs {
      "local s = string.rep('', math.maxinteger)\n",
      "table.move({}, 1, math.maxinteger, 1, {})\n",
      BACKTRACK,
    } do
      local spec, err = load(text)
      assert.is_nil(spec)
      assert.equal("profile " .. root .. "/p.lua: time limit exceeded: still running after 0.5 s, so nono "
        .. "stopped it (a profile needs milliseconds; a pattern that backtracks without end, or a library "
        .. "call looping?)", err)
    end
    -- the control: the same calls, bounded, return
    assert.is_table(load("local s = string.rep('', 10)\ntable.move({}, 1, 10, 1, {})\n"
      .. "local found = string.rep('a', 10):match(string.rep('a*', 3) .. 'b')\n"))
  end)

  it("keeps a profile under the memory limit, which its pcall cannot swallow", function()
    local spec, err = load(DOUBLING)
    assert.is_nil(spec)
    assert.matches("^profile " .. root:gsub("%p", "%%%0") .. "/p%.lua: memory limit exceeded", err)
    spec, err = load("local t = {}\nwhile true do pcall(function() t[#t + 1] = string.rep('x', 1e6) .. #t end) end\n")
    assert.is_nil(spec)
    assert.matches("memory limit exceeded", err, 1, true)
    -- the control: a few megabytes are fine
    assert.is_table(load("local s = string.rep('x', 4e6)\nallow(cwd())\n"))
  end)

  it("brings back the spec a profile computed, bytes as they were", function()
    assert(os.execute("mkdir " .. H.q(root .. "/caf\xe9")))
    local spec = assert(load("description 'caf\\xe9'\nallow(path.join(cwd(), 'caf\\xe9'), { ttl = '5m' })\n"
      .. "env { set = { A = 'b' } }\n"))
    assert.equal("caf\xe9", spec.description)
    assert.equal(root .. "/caf\xe9", spec.grants[1].path)
    assert.equal(300, spec.grants[1].ttl)
    assert.equal("b", spec.env.set.A)
  end)
end)
