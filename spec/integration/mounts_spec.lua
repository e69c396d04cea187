-- The command's mount view (threat rows 9 and 22), tried for real as root
-- and as uid 65534, each next to the same attempt without nono:
--   * where user namespaces work, every mount is read-only and nosuid but
--     the write grants, bound back writable: chmod, chown, utimes and
--     xattrs of a file of the user's outside the grants fail with EROFS,
--     inside them they work, and the read-only binds inside a write grant
--     still hold.  On the floor (nono-no-landlock NOUIDMAP) there is no
--     mount: the same calls succeed, the documented residual (row 22), and
--     the spec asserts that too;
--   * outside daemons' sockets (the user's runtime directory, a tmux
--     server's, $SSH_AUTH_SOCK) that a process outside listens on cannot
--     be connected to from inside where namespaces work, unless granted
--     with --allow-unix-socket; on the floor they can (row 9's residual);
--   * with a private /tmp (--private-tmp, the agent profiles) a tmux
--     server's socket and the user's files in the host's /tmp are out of
--     sight, `tmux -S SOCKET run-shell` cannot run a command outside;
--     what the command leaves in its /tmp is kept, or removed with
--     --discard-tmp.  On the floor /tmp is the host's and the attack works
--     (rows 9, 29: the residual the report names);
--   * a command without a terminal of the user's gets a devpts instance of
--     its own where namespaces work: `script` and python's pty.fork open
--     the pseudo-terminals they make; on the floor they cannot (row 29).
local H = require "spec.helper"
local dkjson = require "dkjson" -- busted's own dependency

local MODES, trim = H.MODES, H.trim

local METADATA = {
  { "chmod", "0600" }, { "chown-self" }, { "utimes" }, { "setxattr" },
}

for _, user in ipairs(H.users) do
  describe("the mount view as " .. user .. " #landlock #namespaces", function()
    local w = H.each_world(H.add_attempt)

    --- nono-attempt VECTOR... inside `nono run EXTRA` in `mode`: its answer, status, stderr.
    local function inside(mode, vector, extra) return H.attempt(w, user, vector, { extra = extra, floor = mode.floor }) end
    --- The same without nono, as this user.
    local function bare(vector) return H.attempt_bare(w, user, vector) end

    --- A file of `user`'s own at `path` (the metadata calls need an owner).
    local function own_file(path)
      assert(H.sh(H.as(user, "sh -c " .. H.q("printf x > " .. H.q(path) .. " && echo made"))):find("made"))
    end

    --- What --dry-run --json says of the mounts in `mode`.
    local function report(mode, extra)
      local out, err, code = H.nono(w, user, H.args({ "run", "--dry-run", "--json" }, extra or {}, { "--", "true" }),
        { floor = mode.floor })
      assert.equal(0, code, err)
      return assert(dkjson.decode(out), out).enforcement
    end

    it("refuses chmod, chown, utimes and xattrs outside the write grants where namespaces work; "
      .. "on the floor they succeed (row 22)", function()
      H.ready(user)
      local outside, granted = w.outside .. "/mine", w.project .. "/mine"
      own_file(outside)
      own_file(granted)
      local file = w.outside .. "/granted-file"
      own_file(file)
      for _, v in ipairs(METADATA) do
        local vector = { v[1], outside, v[2] }
        -- The control: without nono the user changes its own file's metadata.
        assert.equal("ok", bare(vector), v[1])
        assert.equal("EROFS", (inside(MODES[1], vector, { "--allow", "." })), v[1])
        -- the residual on the floor, as the report says
        assert.equal("ok", (inside(MODES[2], vector, { "--allow", "." })), v[1])
        -- inside a write grant, directory or file, they work as without nono
        assert.equal("ok", (inside(MODES[1], { v[1], granted, v[2] }, { "--allow", "." })), v[1])
        assert.equal("ok", (inside(MODES[1], { v[1], file, v[2] }, { "--allow-file", file })), v[1])
      end
      -- what the grants allow is unchanged: the granted file is written,
      -- the project takes new files, and /dev/null is written through the
      -- read-only /dev
      local out, err, code = H.nono(w, user, { "run", "--allow", ".", "--allow-file", file, "--", "sh", "-c",
        "echo new > new && echo more > " .. H.q(file) .. " && echo sink > /dev/null && cat new " .. H.q(file) },
        { floor = false })
      assert.equal(0, code, err)
      assert.equal("new\nmore\n", out)
      local view = report(MODES[1], { "--allow", "." }).mounts
      assert.is_true(view.read_only)
      assert.same({ w.project }, view.writable)
      assert.is_false(report(MODES[2], { "--allow", "." }).mounts.read_only)
    end)

    it("hides the outside daemons' sockets where namespaces work, keeps one granted with --allow-unix-socket; "
      .. "on the floor they stay connectable (row 9)", function()
      H.ready(user)
      local uid = trim(H.sh(H.as(user, "id -u")))
      local name = "nono-spec-" .. math.random(100000, 999999) .. ".sock"
      local made, listeners = {}, {}
      finally(function()
        for _, pid in ipairs(listeners) do os.execute("kill " .. pid .. " 2>/dev/null") end
        for i = #made, 1, -1 do os.execute("rm -rf " .. H.q(made[i])) end
      end)
      --- A directory of the user's at `dir` (made, and removed after, if missing).
      local function place(dir)
        if not H.sh("test -d " .. H.q(dir) .. " && echo yes"):find("yes") then
          assert(os.execute("mkdir -m 0700 " .. H.q(dir) .. " && chown " .. uid .. " " .. H.q(dir)))
          made[#made + 1] = dir
        end
      end
      --- A socket `user` listens on outside any sandbox, at `path`.
      local function listen(path)
        local pid = H.sh(H.as(user, "sh -c " .. H.q("socat UNIX-LISTEN:" .. path .. ",fork /dev/null "
          .. ">/dev/null 2>&1 & echo $!"))):match("%d+")
        listeners[#listeners + 1] = assert(pid)
        made[#made + 1] = path
        H.sh("for i in $(seq 200); do [ -S " .. H.q(path) .. " ] && break; sleep 0.05; done")
        -- The control: without nono the user connects.
        assert.equal("ok", bare({ "connect-unix", path }), path)
      end
      place("/run/user/" .. uid)
      place("/tmp/tmux-" .. uid)
      local runtime, tmux = "/run/user/" .. uid .. "/" .. name, "/tmp/tmux-" .. uid .. "/" .. name
      local agent = w.outside .. "/" .. name
      listen(runtime)
      listen(tmux)
      listen(agent)
      local env = { env = "SSH_AUTH_SOCK=" .. H.q(agent) }
      local function try(mode, path, extra)
        local args = H.args({ "run", "--allow", ".", "--read-file", w.attempt }, extra or {},
          { "--", w.attempt, "connect-unix", path })
        local out = H.nono(w, user, args, { floor = mode.floor, env = env.env })
        return trim(out)
      end
      -- a directory of sockets under an empty mode-000 mount: not even walked into
      assert.equal("EACCES", try(MODES[1], runtime))
      assert.equal("EACCES", try(MODES[1], tmux))
      -- a socket under an empty mode-000 file: no socket there, and no
      -- permission to find that out
      assert.equal("EACCES", try(MODES[1], agent))
      -- granted, each is reachable, and only it
      assert.equal("ok", try(MODES[1], runtime, { "--allow-unix-socket", runtime }))
      assert.equal("ok", try(MODES[1], agent, { "--allow-unix-socket", agent }))
      assert.equal("EACCES", try(MODES[1], tmux, { "--allow-unix-socket", runtime }))
      -- the floor: every one connects (the residual the report names)
      for _, path in ipairs({ runtime, tmux, agent }) do
        assert.equal("ok", try(MODES[2], path), path)
      end
      local out, err, code = H.nono(w, user, { "run", "--dry-run", "--json", "--", "true" },
        { floor = false, env = env.env })
      assert.equal(0, code, err)
      local view = assert(dkjson.decode(out), out).enforcement.mounts
      local hidden = table.concat(view.hidden, " ")
      assert.matches("/run/user/" .. uid, hidden, 1, true)
      assert.matches("/tmp/tmux-" .. uid, hidden, 1, true)
      assert.matches(agent, hidden, 1, true)
      out = H.nono(w, user, { "run", "--dry-run", "--", "true" }, { floor = "NOUIDMAP", env = env.env })
      assert.matches("NOT HIDDEN +[^\n]*/run/user/" .. uid, out)
    end)

    it("gives the session a /tmp of its own where namespaces work: a tmux server's socket and the host's "
      .. "files there are out of reach; what is left there is kept or discarded; on the floor /tmp is the "
      .. "host's (rows 9, 29)", function()
      H.ready(user)
      local mark = "nono-spec-" .. math.random(100000, 999999)
      local sock, host_file = "/tmp/" .. mark .. ".tmux", "/tmp/" .. mark .. ".txt"
      local pwned, left = w.outside .. "/pwned", "/tmp/" .. mark .. ".left"
      local state = w.outside .. "/state"
      local env = "XDG_STATE_HOME=" .. H.q(state)
      finally(function()
        H.sh(H.as(user, "tmux -S " .. H.q(sock) .. " kill-server") .. " >/dev/null 2>&1")
        os.execute("rm -f " .. H.q(sock) .. " " .. H.q(host_file) .. " " .. H.q(left))
      end)
      assert(H.sh(H.as(user, "sh -c " .. H.q("echo host > " .. host_file .. " && echo made"))):find("made"))
      -- a tmux server of the user's, outside (no configuration read, and its
      -- shell named: the attack must not depend on this machine's tmux.conf,
      -- nor on $SHELL, without which tmux runs the account's shell, nologin)
      local started = H.sh(H.as(user, "env SHELL=/bin/sh tmux -f /dev/null -S " .. H.q(sock)
        .. " new-session -d -s s sh") .. " 2>&1"
        .. " && " .. H.as(user, "tmux -S " .. H.q(sock) .. " has-session -t s") .. " 2>&1 && echo up")
      assert.matches("up\n$", started)
      -- run-shell: the server itself runs the command, outside, at once (no
      -- keystrokes into a shell that may not have started yet)
      local attack = "tmux -S " .. sock .. " run-shell " .. H.q("touch " .. pwned)
      local function ran()
        for _ = 1, 200 do
          if io.open(pwned) then return true end
          os.execute("sleep 0.05")
        end
        return false
      end
      -- The control: without nono the tmux server runs the command outside.
      H.sh(H.as(user, "sh -c " .. H.q(attack)))
      assert.is_true(ran(), "the control: tmux did not run the command outside")
      os.remove(pwned)

      local script = attack .. "; echo tmux=$?; cat " .. host_file .. "; echo inside > " .. left
      local out, err, code = H.nono(w, user, { "run", "--allow", ".", "--private-tmp", "--", "sh", "-c", script },
        { floor = false, env = env })
      assert.equal(0, code, err)
      assert.matches("tmux=1", out)
      assert.matches("error connecting to " .. sock, err, 1, true)
      assert.matches(host_file .. ": No such file or directory", err, 1, true)
      assert.is_nil(io.open(left), "the command's file reached the host's /tmp")
      -- kept, where the message says
      local kept = err:match("kept in (%S+) %(%-%-discard%-tmp")
      assert(kept, err)
      assert.equal(state .. "/nono/tmp/", kept:sub(1, #state + 10))
      assert.equal("inside\n", H.slurp(kept .. "/tmp/" .. mark .. ".left"))
      -- or removed
      out, err, code = H.nono(w, user, { "run", "--allow", ".", "--private-tmp", "--discard-tmp", "--", "sh", "-c",
        "echo inside > " .. left }, { floor = false, env = env })
      assert.equal(0, code, err)
      assert.not_matches("kept in", err)
      local count = H.sh("ls " .. H.q(state .. "/nono/tmp") .. " | wc -l"):match("%d+")
      assert.equal("1", count)
      -- nothing left: nothing kept, nothing said
      out, err, code = H.nono(w, user, { "run", "--allow", ".", "--private-tmp", "--", "true" },
        { floor = false, env = env })
      assert.equal(0, code, err)
      assert.equal("", err)
      assert.equal("1", H.sh("ls " .. H.q(state .. "/nono/tmp") .. " | wc -l"):match("%d+"))
      -- The floor: /tmp is the host's, the command runs outside (the residual).
      out, err = H.nono(w, user, { "run", "--allow", ".", "--private-tmp", "--dry-run", "--", "true" },
        { floor = "NOUIDMAP", env = env })
      assert.matches("tmp +SHARED: /tmp", out)
      out, err, code = H.nono(w, user, { "run", "--allow", ".", "--private-tmp", "--", "sh", "-c",
        attack .. "; echo tmux=$?; cat " .. host_file }, { floor = "NOUIDMAP", env = env })
      assert.equal(0, code, err)
      assert.matches("tmux=0\nhost\n", out)
      assert.is_true(ran(), "on the floor the command runs outside")
    end)

    it("gives a command without a terminal ptys of its own where namespaces work: script and pty.fork work; "
      .. "on the floor they fail (row 29)", function()
      H.ready(user)
      local py = "import pty, os, sys\n"
        .. "pid, fd = pty.fork()\n"
        .. "if pid == 0:\n    print('child', os.isatty(0)); sys.exit(0)\n"
        .. "out = b''\n"
        .. "while True:\n"
        .. "    try:\n        data = os.read(fd, 100)\n    except OSError:\n        break\n"
        .. "    if not data:\n        break\n    out += data\n"
        .. "print(out.decode().strip()); os.waitpid(pid, 0)\n"
      local script = "script -qc 'echo inpty' /dev/null </dev/null; echo script=$?; /usr/bin/python3 -c " .. H.q(py)
      -- The control: without nono the user makes and opens both.
      local out = H.sh(H.as(user, "sh -c " .. H.q(script)) .. " </dev/null")
      assert.matches("inpty", out)
      assert.matches("child True", out)
      out = H.nono(w, user, { "run", "--allow", ".", "--", "sh", "-c", script .. " </dev/null" }, { floor = false })
      assert.matches("inpty", out)
      assert.matches("script=0", out)
      assert.matches("child True", out)
      local json = H.nono(w, user, { "run", "--dry-run", "--json", "--", "true" }, { floor = false })
      assert.is_true(assert(dkjson.decode(json), json).enforcement.mounts.devpts)
      -- The floor: only the host's /dev/pts, none of it granted (the residual).
      local err
      out, err = H.nono(w, user, { "run", "--allow", ".", "--", "sh", "-c", script .. " </dev/null" },
        { floor = "NOUIDMAP" })
      assert.not_matches("inpty", out)
      assert.not_matches("child True", out .. err)
    end)

    it("keeps the read-only binds inside a write grant in force on top of it (rows 19, 22)", function()
      H.ready(user)
      -- ~/.bashrc is protected read-only; the whole home is granted.
      local rc = w.home .. "/.bashrc"
      H.sh("mkdir " .. H.q(w.home .. "/work") .. " && chown -R " .. (user == "root" and "root" or "nobody") .. " "
        .. H.q(w.home))
      assert.equal("ok", bare({ "chmod", rc, "0644" }))
      local grant = { "--allow", w.home }
      assert.equal("EROFS", (inside(MODES[1], { "chmod", rc, "0600" }, grant)))
      assert.equal("EROFS", (inside(MODES[1], { "utimes", rc }, grant)))
      -- (a name kept out of reach inside a write grant is Landlock's, not a
      -- mount's: its metadata stays changeable, the residual of row 22)
      assert.equal("ok", (inside(MODES[1], { "chmod", w.home .. "/.ssh", "0700" }, grant)))
      local out, err, code = H.nono(w, user, { "run", "--allow", w.home, "--", "sh", "-c",
        "echo x >> " .. H.q(rc) .. "; echo y > work/new && cat work/new" },
        { floor = false, cwd = w.home })
      assert.equal(0, code, err)
      assert.equal("y\n", out)
      assert.matches("Read%-only file system", err)
      assert.equal("# rc\n", H.slurp(rc))
    end)
  end)
end
