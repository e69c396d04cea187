-- Interactive programs under `nono run` in a real terminal: a tmux server
-- (private socket, fixed size) runs an interactive bash as the user, and the
-- spec types into it.  Typing, resizing (SIGWINCH), Ctrl-C, Ctrl-Z and job
-- control, a full-screen pager, and a signal sent to nono from outside all
-- have to reach the sandboxed command the way they reach it without nono.
-- Every wait polls a real effect (the pane, a file, /proc) up to a deadline.
local H = require "spec.helper"


local DEADLINE = 10 -- seconds for any one awaited effect
-- The floor suite's injector (a --no-namespaces floor, FLAG, would have to
-- go into each typed command line: these cases then run with namespaces)
local FLOOR = H.floor ~= "FLAG" and H.floor or false
local OUTER, INNER = "out$", "in$" -- the prompts outside and inside nono

local function tmux_ready()
  local _, _, code = H.sh("tmux -V")
  if code == 0 then return true end
  local reason = "tmux is not installed (sh scripts/deps.sh installs it)"
  if H.in_ci then error(reason .. " (CI must run the terminal specs)") end
  pending(reason)
  return false
end

local function trim(s)
  return (s:gsub("%s+$", ""))
end

--- Every live process: { pid, comm, state, ppid, pgrp, sid, start } each.
local function processes()
  local list = {}
  local ls = io.popen("ls /proc")
  for name in ls:lines() do
    if name:match("^%d+$") then
      -- a process that ended since the listing reads as nothing
      local stat = H.slurp("/proc/" .. name .. "/stat") or ""
      local comm, rest = stat:match("^%d+ %((.*)%) (.*)$")
      local fields = {}
      for field in (rest or ""):gmatch("%S+") do fields[#fields + 1] = field end
      if #fields >= 20 and fields[1] ~= "Z" and fields[1] ~= "X" then
        list[#list + 1] = { pid = tonumber(name), comm = comm, state = fields[1],
          ppid = tonumber(fields[2]), pgrp = tonumber(fields[3]), sid = tonumber(fields[4]),
          start = fields[20] }
      end
    end
  end
  ls:close()
  return list
end

--- Whether `p` (from processes()) is still running, not a later process
-- that got its pid.
local function alive(p)
  for _, q in ipairs(processes()) do
    if q.pid == p.pid and q.start == p.start then return true end
  end
  return false
end

--- The processes of session `sid` and every descendant of its leader,
-- wherever its session now is.
local function tree(sid)
  local list, children = processes(), {}
  for _, p in ipairs(list) do
    children[p.ppid] = children[p.ppid] or {}
    table.insert(children[p.ppid], p)
  end
  local found, seen = {}, {}
  local function add(p)
    if seen[p.pid] then return end
    seen[p.pid] = true
    found[#found + 1] = p
    for _, c in ipairs(children[p.pid] or {}) do add(c) end
  end
  for _, p in ipairs(list) do
    if p.sid == sid or p.pid == sid then add(p) end
  end
  return found
end

--- A tmux server of its own (private socket and configuration), run by
-- `user`, with one 80x24 window whose pane is an interactive bash in the
-- project.
local function terminal(w, user)
  local dir = w.root .. "/term"
  assert(os.execute("mkdir -m 0777 " .. H.q(dir)))
  local conf = dir .. "/tmux.conf"
  local f = assert(io.open(conf, "w"))
  f:write("set -g status off\nset -g default-terminal screen\nset -g history-limit 1000\n")
  f:close()
  local t = { dir = dir, user = user }
  local socket = "tmux -S " .. H.q(dir .. "/socket") .. " "
  local tmux = H.as(user, socket)

  --- Run one tmux command (words already quoted); returns its output.
  function t.tmux(words)
    local out, err, code = H.sh(tmux .. words)
    assert(code == 0, "tmux " .. words .. " failed: " .. err)
    return out
  end

  --- Start the server (the session is "tty"); `HOME` is the fixture home.
  function t.open()
    local env = table.concat({
      "env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "HOME=" .. H.q(w.home), "SHELL=/bin/sh", "TERM=xterm-256color", "LANG=C", "LC_ALL=C",
      "HISTFILE=", "PS1=" .. H.q(OUTER .. " "),
    }, " ")
    local out, err, code = H.sh(H.as(user, env .. " " .. socket .. "-f " .. H.q(conf)
      .. " new-session -d -s tty -x 80 -y 24 -c " .. H.q(w.project)
      .. " -P -F '#{pid} #{pane_pid} #{pane_tty}' bash --norc --noprofile -i"))
    local server, pane, tty = out:match("^(%d+) (%d+) (%S+)")
    assert(code == 0 and server, "tmux new-session failed: " .. err .. out)
    t.sid, t.tty = tonumber(pane), tty
    for _, p in ipairs(processes()) do
      if p.pid == tonumber(server) then t.server = p end
    end
  end

  --- What the pane shows now, trailing blanks and empty lines removed.
  function t.screen()
    return trim(t.tmux("capture-pane -p -J -t tty"))
  end

  function t.last_line()
    return t.screen():match("([^\n]*)$")
  end

  --- Wait until `fn()` returns a true value and return it; past the
  -- deadline, fail with `what` and the screen.
  function t.await(what, fn)
    local stop = os.time() + DEADLINE
    while true do
      local v = fn()
      if v then return v end
      if os.time() > stop then
        error(string.format("no %s within %d s; the pane shows:\n%s", what, DEADLINE, t.screen()), 2)
      end
      os.execute("sleep 0.05")
    end
  end

  --- Type `text` literally, then Enter.
  function t.type(text)
    t.tmux("send-keys -t tty -l " .. H.q(text))
    t.tmux("send-keys -t tty Enter")
  end

  --- Press one key (tmux key name: C-c, C-z, q, G, ...).
  function t.key(name)
    t.tmux("send-keys -t tty " .. name)
  end

  --- Wait for a new `prompt` on the last line, nothing typed after it.  When
  -- a command ends on Ctrl-C without dying of SIGINT (nono returning 130),
  -- bash prints its prompt right after the echoed ^C.
  function t.prompt(prompt)
    t.await("prompt " .. prompt, function()
      local last = t.last_line()
      return last == prompt or last == "^C" .. prompt
    end)
  end

  --- Wait for the file at `path` to hold exactly `want`.
  function t.file(path, want)
    t.await(path .. " holding " .. want:gsub("\n", "\\n"), function()
      return H.slurp(path) == want
    end)
  end

  --- The processes named `comm` (any when omitted) in the pane's session
  -- and beneath it: where namespaces work, a command relayed a terminal of
  -- its own is in a session of its own.
  function t.procs(comm)
    local found = {}
    for _, p in ipairs(tree(t.sid)) do
      if comm == nil or p.comm == comm then found[#found + 1] = p end
    end
    return found
  end

  --- Wait for a process named `comm` in the pane's session, every one of
  -- that name in a state satisfying `ok(state)` (any state when omitted);
  -- return the first.
  function t.proc(comm, ok, what)
    return t.await(what or ("a running " .. comm), function()
      local found = t.procs(comm)
      for _, p in ipairs(found) do
        if ok and not ok(p.state) then return nil end
      end
      return found[1]
    end)
  end

  function t.gone(comm)
    t.await(comm .. " to end", function() return #t.procs(comm) == 0 end)
  end

  --- nono started from the pane's shell: its child, once it has exec'd.
  function t.nono()
    return t.await("nono running", function()
      for _, p in ipairs(t.procs("nono")) do
        if p.ppid == t.sid then return p end
      end
    end)
  end

  --- Kill the server, then, by id, whatever it started that is still
  -- running a few seconds later.
  function t.close()
    local left = tree(t.sid)
    if t.server then left[#left + 1] = t.server end
    H.sh(tmux .. "kill-server")
    local function remaining()
      local found = {}
      for _, p in ipairs(left) do
        if alive(p) then found[#found + 1] = p end
      end
      return found
    end
    local stop = os.time() + 5
    while #remaining() > 0 and os.time() <= stop do os.execute("sleep 0.05") end
    for _, p in ipairs(remaining()) do os.execute("kill -KILL " .. p.pid) end
  end

  return t
end

for _, user in ipairs(H.users) do
  describe("a terminal as " .. user .. " #tty", function()
    local w, t
    local nono, project

    before_each(function()
      w = H.world()
      -- (on the floor suite, nono under the fault injector: H.nono_words)
      nono, project = H.nono_words(w, {}, FLOOR), H.q(w.project)
    end)
    after_each(function()
      if t then t.close() end
      t = nil
      H.destroy(w)
    end)

    --- Start the terminal (after the readiness checks) and wait for the
    -- outer prompt.  False when the test is pending.
    local function start()
      if not (H.ready(user) and tmux_ready()) then return false end
      t = terminal(w, user)
      t.open()
      t.prompt(OUTER)
      return true
    end

    local function in_project(name) return w.project .. "/" .. name end
    local function in_term(name) return t.dir .. "/" .. name end

    local function write(path, text)
      local f = assert(io.open(path, "w"))
      f:write(text)
      f:close()
      assert(os.execute("chmod 0666 " .. H.q(path)))
    end

    --- Type the sandboxed interactive shell's command line; its exit status
    -- lands in term/rc once nono returns.
    local function sandboxed_shell()
      t.type(string.format("PS1=%s %s run --allow %s -- bash --norc --noprofile -i; echo \"rc=$?\" > %s",
        H.q(INNER .. " "), nono, project, H.q(in_term("rc"))))
      t.prompt(INNER)
    end

    --- The command line for a sandboxed perl that appends "got SIG" to
    -- got.txt on each delivery of SIG (perl runs its handler once per
    -- delivery, so a second copy arriving after the first was taken is a
    -- second line), writes ready.txt, and exits with `status` once the file
    -- `release` appears.  nono's status lands in term/rc.
    local function counting(sig, status)
      write(in_project("count.pl"), table.concat({
        string.format('$SIG{%s} = sub { open my $f, ">>", "got.txt" or die; '
          .. 'print $f "got %s\\n"; close $f };', sig, sig),
        'open my $r, ">", "ready.txt" or die; print $r "ready\\n"; close $r;',
        'select(undef, undef, undef, 0.05) until -e "release";',
        "exit " .. status .. ";",
      }, "\n") .. "\n")
      return string.format('%s run --allow %s -- perl count.pl; echo "rc=$?" > %s', nono, project,
        H.q(in_term("rc")))
    end

    it("passes typed keys to a sandboxed shell on the terminal", function()
      if not start() then return end
      sandboxed_shell()
      t.type('echo "typed $(tty)" > typed.txt')
      if FLOOR then
        t.file(in_project("typed.txt"), "typed " .. t.tty .. "\n")
      else
        -- where namespaces work, the relayed pty of the sandbox's own
        t.await("typed.txt naming a pty", function()
          return H.slurp(in_project("typed.txt")):match("^typed /dev/pts/%d+\n$")
        end)
      end
      t.prompt(INNER)
      t.type("exit 7")
      t.file(in_term("rc"), "rc=7\n")
      t.prompt(OUTER)
    end)

    it("lets a sandboxed shell see the terminal resized (SIGWINCH)", function()
      if not start() then return end
      sandboxed_shell()
      t.type("stty size > before.txt")
      t.file(in_project("before.txt"), "24 80\n")
      t.prompt(INNER)
      t.tmux("resize-window -t tty -x 100 -y 30")
      t.await("the pane at 100x30", function()
        return trim(t.tmux("display -p -t tty '#{pane_width}x#{pane_height}'")) == "100x30"
      end)
      -- $COLUMNS and $LINES change only when readline gets SIGWINCH (no
      -- command has run since the resize for checkwinsize to catch it)
      t.type('echo "$LINES $COLUMNS" > after.txt; stty size >> after.txt')
      t.file(in_project("after.txt"), "30 100\n30 100\n")
    end)

    it("delivers SIGWINCH to a command run directly by nono", function()
      if not start() then return end
      write(in_project("winch.sh"), table.concat({
        'trap \'stty size > winch.txt; exit 5\' WINCH',
        "echo ready > ready.txt",
        "while :; do sleep 0.1; done",
      }, "\n") .. "\n")
      t.type(string.format('%s run --allow %s -- sh winch.sh; echo "rc=$?" > %s', nono, project,
        H.q(in_term("rc"))))
      t.file(in_project("ready.txt"), "ready\n")
      t.tmux("resize-window -t tty -x 100 -y 30")
      t.file(in_term("rc"), "rc=5\n")
      assert.equal("30 100\n", H.slurp(in_project("winch.txt")))
    end)

    it("interrupts a command in the sandboxed shell with Ctrl-C, and the shell goes on", function()
      if not start() then return end
      sandboxed_shell()
      local sandbox = t.nono()
      t.type("sleep 1000")
      t.proc("sleep")
      t.key("C-c")
      t.gone("sleep")
      t.prompt(INNER)
      t.type("echo alive-$((6 * 7)) > alive.txt")
      t.file(in_project("alive.txt"), "alive-42\n")
      assert.is_true(alive(sandbox), "nono exited on Ctrl-C")
      assert.is_nil(io.open(in_term("rc")), "nono exited on Ctrl-C")
    end)

    it("ends `nono run -- sleep 1000` with Ctrl-C: nono exits 130", function()
      if not start() then return end
      t.type(string.format('%s run -- sleep 1000; echo "rc=$?" > %s', nono, H.q(in_term("rc"))))
      t.proc("sleep")
      t.key("C-c")
      t.file(in_term("rc"), "rc=130\n")
      t.gone("sleep")
      t.gone("nono")
      t.prompt(OUTER)
    end)

    it("delivers Ctrl-C once to a command that handles it, and nono waits for it", function()
      if not start() then return end
      t.type(counting("INT", 4))
      t.file(in_project("ready.txt"), "ready\n")
      local sandbox = t.nono()
      t.key("C-c")
      t.await("the command's INT handler", function()
        return H.slurp(in_project("got.txt")):match("^got INT\n")
      end)
      assert.is_true(alive(sandbox), "nono exited on Ctrl-C while its command went on")
      write(in_project("release"), "")
      t.file(in_term("rc"), "rc=4\n")
      assert.equal("got INT\n", H.slurp(in_project("got.txt")))
    end)

    it("keeps job control in the sandboxed shell: Ctrl-Z, jobs, fg, Ctrl-C", function()
      if not start() then return end
      sandboxed_shell()
      t.type("sleep 1000")
      t.proc("sleep", function(s) return s ~= "T" end)
      t.key("C-z")
      t.proc("sleep", function(s) return s == "T" end, "sleep stopped")
      t.prompt(INNER)
      t.type("jobs > jobs.txt")
      t.await("jobs.txt listing the stopped sleep", function()
        return H.slurp(in_project("jobs.txt")):match("^%[1%]%+%s+Stopped%s+sleep 1000\n$")
      end)
      t.prompt(INNER)
      t.type("fg")
      t.proc("sleep", function(s) return s ~= "T" end, "sleep running again")
      t.key("C-c")
      t.gone("sleep")
      t.prompt(INNER)
      t.type("echo back > back.txt")
      t.file(in_project("back.txt"), "back\n")
    end)

    it("stops and resumes nono itself with Ctrl-Z and fg in the user's shell", function()
      if not start() then return end
      t.type(string.format("%s run -- sleep 1000", nono))
      t.proc("sleep", function(s) return s ~= "T" end)
      t.key("C-z")
      t.proc("sleep", function(s) return s == "T" end, "sleep stopped")
      t.proc("nono", function(s) return s == "T" end, "nono stopped")
      t.prompt(OUTER)
      t.type("jobs > " .. H.q(in_term("jobs")))
      t.await("jobs listing the stopped nono", function()
        return H.slurp(in_term("jobs")):match("^%[1%]%+%s+Stopped%s+.-'?" .. w.nono:gsub("%p", "%%%0")
          .. "'? run %-%- sleep 1000\n$")
      end)
      t.prompt(OUTER)
      t.type("fg")
      t.proc("sleep", function(s) return s ~= "T" end, "sleep running again")
      t.proc("nono", function(s) return s ~= "T" end, "nono running again")
      t.key("C-c")
      t.gone("nono")
      t.gone("sleep")
      t.prompt(OUTER)
      t.type('echo "rc=$?" > ' .. H.q(in_term("rc")))
      t.file(in_term("rc"), "rc=130\n")
    end)

    it("gives the terminal its settings back while nono is stopped with its command and after, under a "
      .. "shell that does not restore them itself (dash)", function()
      if not start() then return end
      local _, _, code = H.sh("command -v dash")
      if code ~= 0 then
        pending("dash is not installed (this case needs a shell that leaves a stopped job's settings)")
        return
      end
      local DASH = "dash$"
      -- (bash puts its own settings back when a job stops; dash does not)
      t.type("PS1=" .. H.q(DASH .. " ") .. " dash -i")
      t.prompt(DASH)
      --- The settings, as `stty -g` gives them, into term/NAME; `key`: the
      -- key that ends the line (C-j still does on a raw terminal).
      local function settings(name, key)
        t.tmux("send-keys -t tty -l " .. H.q("stty -g > " .. H.q(in_term(name))))
        t.key(key or "Enter")
        t.await(name, function() return H.slurp(in_term(name)):match("\n$") end)
        return H.slurp(in_term(name))
      end
      local before = settings("before")
      -- The control: a program that makes the terminal raw and stops
      -- leaves it raw under dash.
      t.prompt(DASH)
      t.type("python3 -c " .. H.q("import os, tty; tty.setraw(0); os.kill(os.getpid(), 19)"))
      t.proc("python3", function(s) return s == "T" end, "python3 stopped")
      assert.are_not.equal(before, settings("raw", "C-j"))
      t.tmux("send-keys -t tty -l " .. H.q("stty " .. before:gsub("\n$", "") .. "; kill -9 %1"))
      t.key("C-j")
      t.gone("python3")
      assert.equal(before, settings("sane"))
      t.prompt(DASH)
      t.type(string.format("%s run -- sleep 1000", nono))
      t.proc("sleep", function(s) return s ~= "T" end)
      t.key("C-z")
      t.proc("nono", function(s) return s == "T" end, "nono stopped")
      t.prompt(DASH)
      assert.equal(before, settings("stopped"))
      t.prompt(DASH)
      t.type("fg")
      t.proc("nono", function(s) return s ~= "T" end, "nono running again")
      t.key("C-c")
      t.gone("nono")
      t.prompt(DASH)
      assert.equal(before, settings("after"))
    end)

    --- The sleeps in the pane's tree, wherever their session: a command
    -- whose stdin is not a terminal runs in a session of its own.
    local function tree_sleeps()
      local found = {}
      for _, p in ipairs(tree(t.sid)) do
        if p.comm == "sleep" then found[#found + 1] = p end
      end
      return found
    end

    it("stops the whole command with nono on Ctrl-Z when stdin is not a terminal, and fg continues it",
      function()
      if not start() then return end
      t.type(string.format("%s run -- sleep 1000 < /dev/null", nono))
      t.await("the sleep", function() local s = tree_sleeps()[1] return s and s.state ~= "T" end)
      t.key("C-z")
      -- the command is in a session of its own: the terminal's Ctrl-Z
      -- reaches nono only, which stops the tree and then itself
      t.await("sleep stopped", function() local s = tree_sleeps()[1] return s and s.state == "T" end)
      t.proc("nono", function(s) return s == "T" end, "nono stopped")
      t.prompt(OUTER)
      t.type("fg")
      t.await("sleep running again", function() local s = tree_sleeps()[1] return s and s.state ~= "T" end)
      t.proc("nono", function(s) return s ~= "T" end, "nono running again")
      t.key("C-c")
      t.gone("nono")
      t.prompt(OUTER)
      t.type('echo "rc=$?" > ' .. H.q(in_term("rc")))
      t.file(in_term("rc"), "rc=130\n")
    end)

    it("takes a time-limited grant back before a command stopped past its expiry runs again", function()
      if not start() then return end
      local dir = in_project("sub")
      write(dir .. "/f", "secret\n")
      -- reads the grant every 0.1 s, logging each answer
      -- (taking a grant back needs the namespaces: never on the floor)
      t.type(string.format("%s run --allow %s --allow %s:2s -- sh -c %s < /dev/null", H.nono_words(w, {}, false),
        project,
        H.q(dir), H.q("while :; do if cat sub/f >/dev/null 2>&1; then echo ok; else echo denied; fi"
          .. " >> log; sleep 0.1; done")))
      t.await("the first reads", function() return H.slurp(in_project("log")):match("ok\n") end)
      t.key("C-z")
      t.proc("nono", function(s) return s == "T" end, "nono stopped")
      local at_stop = #H.slurp(in_project("log"))
      os.execute("sleep 3") -- past the expiry, all stopped
      assert.equal(at_stop, #H.slurp(in_project("log")), "the command ran while stopped")
      t.prompt(OUTER)
      t.type("fg")
      t.await("reads after fg", function() return #H.slurp(in_project("log")) > at_stop + 14 end)
      -- every read after the resume is refused: none ran before the grant went
      local after = H.slurp(in_project("log")):sub(at_stop + 1)
      assert.is_nil(after:find("ok", 1, true), after)
      t.key("C-c")
      t.gone("nono")
    end)

    it("runs a full-screen pager: less opens, follows keys and quits with q", function()
      if not start() then return end
      local _, _, code = H.sh("command -v less")
      if code ~= 0 then
        pending("less is not installed (the pager case needs it)")
        return
      end
      local lines = {}
      for i = 1, 200 do lines[i] = "line " .. i end
      write(in_project("long.txt"), table.concat(lines, "\n") .. "\n")
      t.type(string.format('LESSHISTFILE=- %s run --allow %s -- less long.txt; echo "rc=$?" > %s',
        nono, project, H.q(in_term("rc"))))
      t.await("less showing the first page", function()
        local s = t.screen()
        return s:match("^line 1\n") and s:match("\nline 23\n") and not s:match("line 24\n")
      end)
      t.key("G")
      t.await("less at the end of the file", function()
        local s = t.screen()
        return s:match("\nline 200\n") and not s:match("line 1\n")
      end)
      t.key("q")
      t.file(in_term("rc"), "rc=0\n")
      t.gone("less")
      t.prompt(OUTER)
      assert.not_matches("line 200", t.screen())
    end)

    --- nono-attempt copied into the world, and another terminal of the
    -- user's: a second window of the same server, its prompt shown.
    -- Returns the attempt's path, the window, its tty and a function
    -- giving what the window shows.
    local function other_terminal()
      local attempt = w.bin .. "/nono-attempt"
      assert(os.execute("cp " .. H.q(H.built_attempt) .. " " .. H.q(attempt)))
      local window, other = trim(t.tmux("new-window -d -P -F '#{window_id} #{pane_tty}'")):match("^(%S+) (%S+)$")
      assert.matches("^/dev/pts/%d+$", other)
      assert.are_not.equal(t.tty, other)
      local function shown() return trim(t.tmux("capture-pane -p -t " .. H.q(window))) end
      t.await("the other window's prompt", function() return shown():match("[$#]$") end)
      -- The control: without nono the user prints there (a fake prompt)
      -- and opens it for reading (what is typed), and makes a new pty.
      assert.equal("ok", H.probe_bare(w, user, "write", other))
      t.await("the x printed in the other window", function() return shown():match("x$") end)
      local _, _, code = H.sh(H.as(user, "sh -c " .. H.q("exec 3< " .. other)))
      assert.equal(0, code)
      assert.equal("ok", trim((H.sh(H.as(user, H.q(attempt) .. " openpty")))))
      return attempt, other, shown
    end

    --- A shell line writing, into `dir`, the identity (st_dev:st_ino) of
    -- what the shell's descriptors 0, 1 and 2 are (fds.txt), and the device
    -- number of its controlling terminal, the one /dev/tty opens (ctty.txt).
    local function identities(dir)
      -- (through a pipe: the shell's own descriptors stay as they are)
      return "stat -Lc %d:%i /proc/$$/fd/0 /proc/$$/fd/1 /proc/$$/fd/2 | cat > " .. H.q(dir .. "/fds.txt")
        .. "; cut -d' ' -f7 /proc/$$/stat > " .. H.q(dir .. "/ctty.txt")
    end

    --- The device number of the terminal at `path`, as /proc/PID/stat
    -- gives a controlling terminal's.
    local function rdev(path)
      local major, minor = trim((H.sh("stat -c %t:%T " .. H.q(path)))):match("^(%x+):(%x+)$")
      minor = tonumber(minor, 16)
      return tostring((minor & 0xff) | (tonumber(major, 16) << 8) | ((minor & ~0xff) << 12))
    end

    it("relays a pty of the sandbox's own where namespaces work: the user's terminals are not reachable by "
      .. "name, descriptor or /dev/tty, ptys made inside work, the settings come back (row 29)", function()
      if not start() then return end
      local attempt, other, shown = other_terminal()
      local before = shown()
      local host = trim((H.sh("stat -c %d:%i " .. H.q(t.tty))))
      assert.matches("^%d+:%d+$", host)
      -- The control: without nono, the shell's descriptors and /dev/tty
      -- are the user's terminal.
      assert(os.execute("mkdir -m 0777 " .. H.q(in_term("bare"))))
      local host_rdev = rdev(t.tty)
      t.type(identities(in_term("bare")))
      t.file(in_term("bare/ctty.txt"), host_rdev .. "\n")
      assert.equal(string.rep(host .. "\n", 3), H.slurp(in_term("bare/fds.txt")))
      t.prompt(OUTER)
      local py = "import pty, os, sys\npid, fd = pty.fork()\nif pid == 0:\n"
        .. "    open('fork.txt', 'w').write('child %s\\n' % os.isatty(0)); sys.exit(0)\n"
        .. "os.waitpid(pid, 0)\n"
      local plain = H.nono_words(w, {}, false)
      t.type(string.format("stty -g > %s; %s run --allow %s --read-file %s --read-file %s -- sh -c %s; "
        .. "echo \"rc=$?\" > %s; stty -g > %s", H.q(in_term("stty.before")),
        plain, project, H.q(w.probe), H.q(attempt), H.q(table.concat({
          "P=" .. H.q(w.probe) .. "; A=" .. H.q(attempt),
          "tty > tty.txt; stat -c %t:%T $(tty) > rdev.txt",
          identities(w.project),
          "stat -c %d:%i " .. t.tty .. " > byname.txt 2>&1 || echo gone >> byname.txt",
          "$P write " .. t.tty .. " > own.txt",
          "$P write " .. other .. " > other.txt",
          "$A openpty > pty.txt; $A posix_openpt >> pty.txt",
          "script -qc 'echo inpty > script.txt' /dev/null < /dev/null; echo \"script=$?\" >> script.txt",
          "/usr/bin/python3 -c " .. H.q(py),
        }, "; ")), H.q(in_term("rc")), H.q(in_term("stty.after"))))
      t.file(in_term("rc"), "rc=0\n")
      -- (a) its terminal is a pty of its own, none of its descriptors nor
      -- /dev/tty is the user's, and by name that is another file or none
      local inner = H.slurp(in_project("tty.txt"))
      assert.matches("^/dev/pts/%d+\n$", inner)
      -- (one pty: the same file three times)
      local fds = H.slurp(in_project("fds.txt"))
      local first = fds:match("^(%d+:%d+)\n")
      assert.equal(string.rep(tostring(first) .. "\n", 3), fds)
      assert.are_not.equal(host, first)
      -- /dev/tty: the controlling terminal is the pty of its own
      local major, minor = H.slurp(in_project("rdev.txt")):match("^(%x+):(%x+)\n$")
      assert.equal(tostring((tonumber(major, 16) << 8) | tonumber(minor, 16)) .. "\n",
        H.slurp(in_project("ctty.txt")))
      assert.are_not.equal(host .. "\n", H.slurp(in_project("byname.txt")))
      -- the host's name opens nothing, unless the pty of the sandbox's
      -- own has the same name (a fresh instance counts from 0): then the
      -- numbers are the same too, and the files differ (above)
      if inner ~= t.tty .. "\n" then
        assert.are_not.equal(host_rdev .. "\n", H.slurp(in_project("ctty.txt")))
        assert.matches("^E[NA][OC][EC]", H.slurp(in_project("own.txt")))
      end
      -- the other terminal: nothing printed there
      assert.equal(before, shown())
      -- (b) ptys made inside work
      assert.equal("ok\nok\n", H.slurp(in_project("pty.txt")))
      assert.equal("inpty\nscript=0\n", H.slurp(in_project("script.txt")))
      assert.equal("child True\n", H.slurp(in_project("fork.txt")))
      -- (d) the user's terminal is as it was
      t.await("stty.after", function() return H.slurp(in_term("stty.after")) ~= "" end)
      assert.equal(H.slurp(in_term("stty.before")), H.slurp(in_term("stty.after")))
    end)

    it("relays only the output of a command whose stdin is no terminal where namespaces work: its stdout "
      .. "and stderr are a pty of its own, and it has no controlling terminal (rows 5, 29)", function()
      if not start() then return end
      local host = trim((H.sh("stat -c %d:%i " .. H.q(t.tty))))
      local script = H.q(table.concat({
        -- (through a pipe: the shell's own descriptors stay as they are)
        "stat -Lc %d:%i /proc/$$/fd/1 /proc/$$/fd/2 | cat > \"$1/fds.txt\"",
        "(exec 3</dev/tty) 2>/dev/null && echo opened > \"$1/devtty.txt\" || echo refused > \"$1/devtty.txt\"",
        "echo \"relayed-$2-$((6 * 7))\"",
      }, "; "))
      --- Run the script in the pane (`prefix`: nono's words, or none) with
      -- stdin /dev/null, its files in term/NAME; returns them.
      local function run(name, prefix)
        local dir = in_term(name)
        assert(os.execute("mkdir -m 0777 " .. H.q(dir)))
        t.type(string.format("%s sh -c %s sh %s %s < /dev/null; echo \"rc=$?\" > %s", prefix, script, H.q(dir),
          name, H.q(dir .. "/rc")))
        t.file(dir .. "/rc", "rc=0\n")
        t.await("the output of " .. name, function() return t.screen():match("relayed%-" .. name .. "%-42") end)
        return H.slurp(dir .. "/fds.txt"), H.slurp(dir .. "/devtty.txt")
      end
      local grants = " run --allow " .. H.q(in_term("")) .. " -- "
      -- The control: without nono both are the user's terminal, and
      -- /dev/tty opens it.
      local fds, devtty = run("bare", "")
      assert.equal(string.rep(host .. "\n", 2), fds)
      assert.equal("opened\n", devtty)
      fds, devtty = run("ns", H.nono_words(w, {}, false) .. grants)
      local first = fds:match("^(%d+:%d+)\n")
      assert.equal(string.rep(tostring(first) .. "\n", 2), fds)
      assert.are_not.equal(host, first)
      assert.equal("refused\n", devtty)
      -- the floor: the user's terminal itself (row 5: no controlling one)
      fds, devtty = run("floor", H.nono_words(w, {}, "NOUIDMAP") .. grants)
      assert.equal(string.rep(host .. "\n", 2), fds)
      assert.equal("refused\n", devtty)
    end)

    it("keeps the terminal for a command that closes every descriptor of it and opens /dev/tty later", function()
      if not start() then return end
      t.type(string.format("%s run -- sh -c %s; echo \"rc=$?\" > %s", nono,
        H.q("exec 0<&- 1>&- 2>&-; sleep 0.3; echo \"viatty-$((6 * 7))\" > /dev/tty"), H.q(in_term("rc"))))
      t.file(in_term("rc"), "rc=0\n")
      t.await("the line written through /dev/tty", function() return t.screen():match("viatty%-42\n") end)
    end)

    it("says in the enforcement report which terminal an interactive command gets (row 29)", function()
      if not start() then return end
      local function report(floor, json)
        local name = (floor and "floor" or "ns") .. (json and ".json" or ".txt")
        t.type(string.format("%s run --allow %s --dry-run %s-- true > %s; echo done >> %s",
          H.nono_words(w, {}, floor), project, json and "--json " or "", H.q(in_term(name)), H.q(in_term(name))))
        t.await(name, function() return H.slurp(in_term(name)):match("\ndone\n$") end)
        return H.slurp(in_term(name))
      end
      local ns = report(false)
      assert.matches("\n  terminal      a pty of the sandbox's own devpts instance, relayed by nono to "
        .. t.tty:gsub("%p", "%%%0") .. ": the user's terminal is not reachable", ns)
      assert.matches("\n  session       new, on the relayed pty as its controlling terminal", ns)
      assert.matches('"pty_relay":true', report(false, true))
      local floor = report("NOUIDMAP")
      assert.matches("\n  terminal      " .. t.tty:gsub("%p", "%%%0") .. " %(the session's own%) and /dev/tty; "
        .. "no other of /dev/pts; a pseudo%-terminal made inside cannot be opened", floor)
      assert.matches("\n  session       kept: stdin is a terminal", floor)
      assert.not_matches('"pty_relay"', report("NOUIDMAP", true))
    end)

    it("on the floor reaches its own terminal and no other of the user's; a pty made inside cannot be opened "
      .. "(row 29)", function()
        if not start() then return end
        local attempt, other, shown = other_terminal()
        local before = shown()
        t.type(string.format("%s run --allow %s --read-file %s --read-file %s -- sh -c %s; echo \"rc=$?\" > %s",
          H.nono_words(w, {}, "NOUIDMAP"), project, H.q(w.probe), H.q(attempt), H.q(table.concat({
            "P=" .. H.q(w.probe) .. "; A=" .. H.q(attempt),
            "tty > tty.txt",
            "$P write $(tty) > own.txt",
            "$P write " .. other .. " > other.txt",
            "(exec 3< " .. other .. ") 2>/dev/null && echo opened >> other.txt || echo refused >> other.txt",
            "$A openpty > pty.txt; $A posix_openpt >> pty.txt",
          }, "; ")), H.q(in_term("rc"))))
        t.file(in_term("rc"), "rc=0\n")
        assert.equal(t.tty .. "\n", H.slurp(in_project("tty.txt")))
        assert.equal("ok\n", H.slurp(in_project("own.txt")))
        assert.equal("EACCES\nrefused\n", H.slurp(in_project("other.txt")))
        assert.equal(before, shown())
        -- the residual: the new pty's master is had, its slave is not
        assert.equal("EACCES\nok\n", H.slurp(in_project("pty.txt")))
      end)

    it("gives the terminal back to a launcher without job control when a sandboxed shell ends", function()
      if not start() then return end
      -- A script (no job control of its own) runs an interactive shell in
      -- the sandbox, then reads the terminal itself.  The shell gave the
      -- terminal to process groups of its own; in the sandbox's pid
      -- namespace it cannot name the script's to give it back: nono does.
      local script = table.concat({
        string.format("%s run --allow %s -- bash --norc --noprofile -i", nono, project),
        "read x", string.format("echo \"got $x\" > %s", H.q(in_term("got"))),
      }, "; ")
      t.type("sh -c " .. H.q(script))
      t.await("the sandboxed shell", function() return #t.procs("bash") == 2 end)
      t.type("exit")
      -- (a script stopped by SIGTTIN never writes: the file below fails)
      t.await("the sandboxed shell to end", function() return #t.procs("bash") == 1 and #t.procs("nono") == 0 end)
      t.type("hello")
      t.file(in_term("got"), "got hello\n")
      t.prompt(OUTER)
    end)

    it("forwards a SIGTERM sent to nono from outside, once", function()
      if not start() then return end
      t.type(counting("TERM", 3))
      t.file(in_project("ready.txt"), "ready\n")
      local sandbox = t.nono()
      assert(os.execute(H.as(user, "sh -c " .. H.q("kill -TERM " .. sandbox.pid))))
      t.await("the command's TERM handler", function()
        return H.slurp(in_project("got.txt")):match("^got TERM\n")
      end)
      write(in_project("release"), "")
      t.file(in_term("rc"), "rc=3\n")
      assert.equal("got TERM\n", H.slurp(in_project("got.txt")))
      t.prompt(OUTER)
    end)
  end)
end
