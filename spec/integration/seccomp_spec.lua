-- The seccomp filter and Landlock's scopes, tried for real: nono-attempt
-- makes one call inside `nono run` and prints the kernel's answer (threat
-- rows 5-8, 10-15).  Run as root, each vector is first tried unsandboxed: a
-- vector whose unsandboxed answer equals the sandboxed one proves nothing,
-- and that fails the spec.
local H = require "spec.helper"

local SIGSYS = 31

--- { vector and arguments, the answer inside the sandbox }
local DENIED = {
  -- row 6: other processes
  { { "ptrace-parent" }, "EPERM" },
  { { "ptrace-traceme" }, "EPERM" },
  { { "process_vm_readv" }, "EPERM" },
  { { "pidfd_getfd" }, "EPERM" },
  -- row 29: another process's resource limits
  { { "prlimit-parent" }, "EPERM" },
  -- row 13: keyrings
  { { "keyctl-session" }, "EPERM" },
  { { "add_key" }, "EPERM" },
  { { "request_key" }, "EPERM" },
  -- row 14: kernel surface
  { { "bpf" }, "EPERM" },
  { { "perf_event_open" }, "EPERM" },
  { { "userfaultfd" }, "EPERM" },
  { { "kexec_load" }, "EPERM" },
  { { "kexec_file_load" }, "EPERM" },
  { { "init_module" }, "EPERM" },
  { { "finit_module" }, "EPERM" },
  { { "delete_module" }, "EPERM" },
  { { "open_by_handle_at" }, "EPERM" },
  -- row 15: namespaces and mounts
  { { "unshare-user" }, "EPERM" },
  { { "unshare-mount" }, "EPERM" },
  { { "unshare-net" }, "EPERM" },
  { { "setns" }, "EPERM" },
  { { "clone-newuser" }, "EPERM" },
  { { "clone3" }, "ENOSYS" },
  { { "mount" }, "EPERM" },
  { { "fsopen" }, "EPERM" },
  { { "open_tree" }, "EPERM" },
  { { "move_mount" }, "EPERM" },
  { { "mount_setattr" }, "EPERM" },
  { { "pivot_root" }, "EPERM" },
  -- row 11: io_uring
  { { "io_uring_setup" }, "ENOSYS" },
  { { "io_uring_enter" }, "ENOSYS" },
  { { "io_uring_register" }, "ENOSYS" },
  -- row 5: terminal injection, also with the upper 32 bits set
  { { "tiocsti" }, "EPERM" },
  { { "tiocsti-high" }, "EPERM" },
  { { "tioclinux" }, "EPERM" },
  { { "tioclinux-high" }, "EPERM" },
  -- row 10: socket families, types and protocols outside the allow-list
  { { "socket", "packet", "raw" }, "EAFNOSUPPORT" },
  { { "socket", "vsock", "stream" }, "EAFNOSUPPORT" },
  { { "socket", "inet", "raw", "icmp" }, "ESOCKTNOSUPPORT" },
  { { "socket", "inet", "stream", "mptcp" }, "EPROTONOSUPPORT" },
  { { "socket", "inet6", "stream", "mptcp" }, "EPROTONOSUPPORT" },
  { { "socket", "inet", "dgram", "icmp" }, "EPROTONOSUPPORT" },
  { { "socket", "netlink", "raw", "audit" }, "EPROTONOSUPPORT" },
  { { "socket", "netlink", "raw", "kobject_uevent" }, "EPROTONOSUPPORT" },
}

--- What keeps working inside the sandbox.
local ALLOWED = {
  { "fork" }, { "thread" }, { "socketpair" },
  { "socket", "unix", "stream" }, { "socket", "unix", "dgram" },
  { "socket", "inet", "stream" }, { "socket", "inet", "stream+cloexec", "tcp" },
  { "socket", "inet6", "stream" }, { "socket", "inet", "dgram", "udp" },
  { "socket", "inet", "dgram+nonblock" }, { "socket", "netlink", "raw", "route" },
  { "prlimit-self" }, { "setrlimit-self" },
}

--- What --net-block refuses on top (and what it leaves).
local NET_BLOCKED = {
  { { "socket", "inet", "stream" }, "EACCES" },
  { { "socket", "inet6", "stream" }, "EACCES" },
  { { "socket", "inet", "dgram", "udp" }, "EACCES" },
  { { "socket", "netlink", "raw", "route" }, "EACCES" },
}

-- The filter dispatches on the call number by binary search (the kernel
-- runs it for every number when it is installed): every number must still
-- get what the tables say, in every option set.  Not a kernel test: the
-- filter run through an interpreter, for all 1024 numbers; the calls the
-- tables name are tried in the kernel below.
describe("the seccomp filter's dispatch #seccomp", function()
  it("answers every call number as the tables say, x32 and other architectures killed", function()
    local out, err, code = H.sh(H.q(H.built_filter_check))
    assert.equal(0, code, out .. err)
    assert.matches("\nok\n$", out)
    local n = 0
    for _ in out:gmatch("options %d+: %d+ instructions") do n = n + 1 end
    assert.equal(8, n, out)
  end)
end)

for _, user in ipairs(H.users) do
  describe("the seccomp filter as " .. user .. " #seccomp", function()
    local w = H.each_world(H.add_attempt)

    --- Try `vector` inside `nono run [extra]`; returns answer, status, stderr.
    local function inside(extra, vector) return H.attempt(w, user, vector, { extra = extra }) end
    --- The same call without nono, as this user.
    local function bare(vector) return H.attempt_bare(w, user, vector) end

    it("refuses every denied call with its errno, and only inside", function()
      H.ready(user)
      for _, row in ipairs(DENIED) do
        local vector, expected = row[1], row[2]
        local name = table.concat(vector, " ")
        local answer, code, err = inside({}, vector)
        assert.equal(expected, answer, name .. ": " .. err)
        assert.equal(1, code, name)
        if user == "root" then
          assert.are_not.equal(expected, bare(vector),
            name .. " answers " .. expected .. " unsandboxed too: this row proves nothing")
        end
      end
    end)

    it("reports the calls it refuses from the tables the filter is built from", function()
      H.ready(user)
      local json = require "nono.json"
      local out, err, code = H.nono(w, user, { "run", "--dry-run", "--json", "--", "true" })
      assert.equal(0, code, err)
      local r = json.decode(out).enforcement.seccomp
      local listed = {}
      for _, name in ipairs(r.syscalls.denied) do listed[name] = "EPERM" end
      for _, name in ipairs(r.syscalls.unimplemented) do listed[name] = "ENOSYS" end
      local by = {}
      for _, rule in ipairs(r.syscalls.by_argument) do by[rule.name] = rule.what end
      assert.matches("TIOCSTI", by.ioctl)
      assert.matches("setuid", by.fchmodat)
      assert.truthy(r.denied:find("ptrace, process_vm_readv", 1, true))
      -- each vector named after its call: the report lists it with the
      -- errno the kernel then answers inside (and not outside, as root)
      local tried = 0
      for _, row in ipairs(DENIED) do
        local vector, expected = row[1], row[2]
        if vector[1]:match("^tioc") then
          assert.truthy(by.ioctl:find(vector[1]:match("^%a+"):upper(), 1, true), vector[1])
        elseif #vector == 1 and not vector[1]:find("-", 1, true) then
          assert.equal(expected, listed[vector[1]], vector[1] .. " is not in the report as " .. expected)
          local answer, _, aerr = inside({}, vector)
          assert.equal(expected, answer, vector[1] .. ": " .. aerr)
          if user == "root" then assert.are_not.equal(expected, bare(vector), vector[1]) end
          tried = tried + 1
        end
      end
      assert.is_true(tried >= 20, "only " .. tried .. " calls tried")
    end)

    it("lets ordinary work through: fork, threads, TCP/UDP/unix sockets, netlink route", function()
      H.ready(user)
      for _, vector in ipairs(ALLOWED) do
        local answer, _, err = inside({}, vector)
        assert.equal("ok", answer, table.concat(vector, " ") .. ": " .. err)
      end
    end)

    it("kills a call made through the i386 entry point or as x32 (row 12)", function()
      H.ready(user)
      local answer, code = inside({}, { "x32-getpid" })
      assert.equal("", answer, "x32-getpid")
      assert.equal(128 + SIGSYS, code, "x32-getpid")
      local INT80 = { { "int80-socket" }, { "int80-getpid" } }
      -- control: unsandboxed, int 0x80 socketcall does create a socket
      if bare({ "int80-socket" }) ~= "ok" then
        -- Some kernels have no i386 entry point for user space (a
        -- paravirtualised guest kills the caller with SIGSEGV): nothing
        -- gets through inside either, but it is not the filter's answer.
        for _, vector in ipairs(INT80) do
          local got, status = inside({}, vector)
          assert.equal("", got, vector[1])
          assert.is_true(status > 128, vector[1])
        end
        H.pending("int 0x80 fails here outside nono too (the kernel's i386 entry point is not"
          .. " reachable on this machine): the filter's own SIGSYS cannot be seen")
      end
      for _, vector in ipairs(INT80) do
        local got, status = inside({}, vector)
        assert.equal("", got, vector[1])
        assert.equal(128 + SIGSYS, status, vector[1])
      end
    end)

    it("--net-block leaves unix sockets only", function()
      H.ready(user)
      for _, row in ipairs(NET_BLOCKED) do
        local answer, _, err = inside({ "--net-block" }, row[1])
        assert.equal(row[2], answer, table.concat(row[1], " ") .. ": " .. err)
        assert.equal("ok", (inside({}, row[1])), "control: " .. table.concat(row[1], " "))
      end
      assert.equal("ok", (inside({ "--net-block" }, { "socket", "unix", "stream" })))
      assert.equal("ok", (inside({ "--net-block" }, { "socketpair" })))
      -- a TCP connect to a closed local port: refused by the peer without
      -- --net-block (the socket was made), never attempted with it
      assert.equal("ECONNREFUSED", (inside({}, { "connect-tcp", "127.0.0.1", "9" })))
      assert.equal("EACCES", (inside({ "--net-block" }, { "connect-tcp", "127.0.0.1", "9" })))
      assert.equal("EACCES", (inside({ "--net-block" }, { "sendto-udp", "127.0.0.1", "9" })))
      assert.equal("EACCES", (inside({ "--net-block" }, { "connect-mptcp", "127.0.0.1", "9" })))
    end)

    it("reports the filter in --dry-run", function()
      H.ready(user)
      local out = H.nono(w, user, { "run", "--dry-run", "--net-block", "--", "true" })
      assert.matches("seccomp       denies ptrace", out, 1, true)
      assert.matches("sockets       unix only", out, 1, true)
      assert.matches("network       blocked", out, 1, true)
    end)
  end)

  describe("Landlock scopes and the session as " .. user .. " #landlock #scopes", function()
    local w = H.each_world(H.add_attempt)
    local function inside(vector) return H.attempt(w, user, vector) end

    it("cannot signal a process outside the sandbox (row 7)", function()
      H.ready(user)
      local pid = H.sh(H.as(user, "sh -c 'sleep 30 >/dev/null 2>&1 & echo $!'")):match("%d+")
      assert.truthy(pid)
      finally(function() os.execute("kill " .. pid) end)
      local control = H.sh(H.as(user, H.q(w.attempt) .. " kill " .. pid .. " 0")):gsub("%s+$", "")
      assert.equal("ok", control)
      local floor = H.floor or H.nono(w, user, { "run", "--dry-run", "--json", "--", "true" })
        :find('"pid_namespace":false', 1, true)
      if floor then
        -- without a pid namespace the number names it: Landlock's scope
        assert.equal("EPERM", (inside({ "kill", pid, "0" })))
      else
        -- in the sandbox's pid namespace the number names nothing (the
        -- namespace's own pids start at a random point: skipped if one of
        -- them happens to be this one), and the namespace's init, visible
        -- as pid 1, is outside the Landlock domain: the scope refuses it
        local out = H.nono(w, user, { "run", "--read-file", w.attempt, "--", "sh", "-c",
          "[ -e /proc/" .. pid .. " ] && echo taken; " .. H.q(w.attempt) .. " kill " .. pid .. " 0; "
            .. H.q(w.attempt) .. " kill 1 0" })
        if not out:match("^taken") then assert.equal("ESRCH\nEPERM\n", out) end
      end
    end)

    it("cannot connect to an abstract unix socket outside the sandbox (row 8)", function()
      H.ready(user)
      local name = "nono-spec-" .. tostring(os.time()) .. "-" .. user
      local pid = H.sh(H.as(user, "sh -c " .. H.q("perl -MSocket -e '"
        .. "socket(my $s, AF_UNIX, SOCK_STREAM, 0) or die; "
        .. "bind($s, pack_sockaddr_un(\"\\0" .. name .. "\")) or die; listen($s, 5); sleep 30' "
        .. ">/dev/null 2>&1 & echo $!"))):match("%d+")
      assert.truthy(pid)
      os.execute("sleep 0.3")
      local control = H.sh(H.as(user, H.q(w.attempt) .. " connect-abstract " .. name)):gsub("%s+$", "")
      local answer = inside({ "connect-abstract", name })
      os.execute("kill " .. pid)
      assert.equal("ok", control)
      assert.equal("EPERM", answer)
    end)

    --- Run `cmdline` on a fresh pseudo-terminal (util-linux `script`), as
    -- this user: the way to give nono a controlling terminal here.
    local function on_tty(cmdline)
      local out = H.sh(H.as(user, "script -qec " .. H.q(cmdline) .. " /dev/null </dev/null"))
      -- (script answers the end of its stdin with a control character on
      -- the terminal; a pty relayed by nono echoes it back, as ^@ or ^D)
      out = out:gsub("%^[@D]", "")
      return (out:gsub("[\r\n]+", " "):gsub("^%s+", ""):gsub("%s+$", ""))
    end

    it("gives an interactive command a terminal (where namespaces work, a pty of its own that nono relays), "
      .. "refusing TIOCSTI (row 5)", function()
      H.ready(user)
      local run = string.format("cd %s && %s run --read-file %s -- %s ", H.q(w.project),
        H.q(w.nono), H.q(w.attempt), H.q(w.attempt))
      -- control: on a terminal, unsandboxed TIOCSTI works (legacy_tiocsti
      -- on; the injected "x" echoes before the answer) or the kernel refuses
      -- it with EIO (off) -- never EPERM
      local control = on_tty(H.q(w.attempt) .. " tiocsti")
      assert.truthy(control:match("ok$") or control == "EIO", control)
      assert.equal("tty", on_tty(run .. "tty-check"))
      assert.equal("EPERM", on_tty(run .. "tiocsti"))
      assert.equal("EPERM", on_tty(run .. "tiocsti-high"))
    end)

    it("gives a command without a terminal on stdin its own session (row 5)", function()
      H.ready(user)
      local run = string.format("cd %s && %s run --read-file %s -- %s ", H.q(w.project),
        H.q(w.nono), H.q(w.attempt), H.q(w.attempt))
      assert.equal("tty", on_tty(H.q(w.attempt) .. " tty-check </dev/null"))
      assert.equal("ENXIO", on_tty(run .. "tty-check </dev/null"))
    end)
  end)
end
