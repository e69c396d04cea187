--- The supervisor: the parent's side of `nono run`.
-- The child applies the sandbox and executes the command (exec.c); this
-- process stays outside, does little, and outlives nothing:
--   * it forwards signals (in C) and logs them;
--   * it takes each time-limited grant back when it expires, in the kernel
--     (an empty, unreadable, read-only mount over the path, made inside the
--     command's own mount namespace), then finds what still holds the path
--     (descriptors, working directories, mappings) and kills or reports it;
--   * when the command ends, it kills whatever the command left behind
--     (it is the tree's subreaper, so a double fork cannot get away);
--   * it writes the audit log, if asked.
local core = require "nono.core"
local lazy = require "nono.lazy"
local json = lazy "nono.json" -- (the audit log's)
local lfs = require "lfs"
local net = require "nono.net"
local guard = require "nono.guard"
local policy = require "nono.policy"

local M = {}

local SIGKILL = 9
-- (the same numbers on x86_64 and aarch64, the architectures nono builds for)
local SIGCONT, SIGSTOP, SIGTSTP = 18, 19, 20

--- Holders whose descriptor is the very one the launcher handed nono (the
-- command's inherited stdin, stdout or stderr: a CI log under the granted
-- /tmp) hold the user's file, not something acquired through the grant:
-- they are not holders.  The same file opened again through the grant is.
local function not_launchers(holders)
  local out = {}
  for _, h in ipairs(holders) do
    local fd, tid = h.what:match("^fd (%d+) %(thread (%d+)%)$")
    fd = fd or h.what:match("^fd (%d+)$")
    local inherited = false
    for own = 0, 2 do
      if fd and core.same_file(tonumber(tid) or h.pid, tonumber(fd), own) == true then inherited = true end
    end
    if not inherited then out[#out + 1] = h end
  end
  return out
end

local function iso(ms)
  return os.date("!%Y-%m-%dT%H:%M:%S", ms // 1000) .. string.format(".%03dZ", ms % 1000)
end

--- The audit log: JSON lines, appended with one write(2) each, fsync'ed
-- when closed.  `nil` logs nothing.
--
-- A line is written whole or not at all (core.log_write cuts a partial one
-- back).  An event that could not be written is reported once, with the
-- real error, and counted: the next line that is written says how many
-- were lost before it (`lost_events`), and `log.failed` holds the first
-- error, which makes the session end with status 125 (nono.cli).  With
-- `required`, the first failure also stops the command: every process of
-- the session is killed, as nothing it did from then on would be recorded.
local Log = {}
Log.__index = Log

--- Open `path` for appending (created 0600; not through a symlink).
-- o: { required = true } to stop the command when a write fails, say =
-- function(fmt, ...) for messages.  Returns the log, or nil and a message.
function M.open_log(path, o)
  o = o or {}
  local fd, msg = core.log_open(path)
  if not fd then return nil, msg end
  return setmetatable({ fd = fd, path = path, required = o.required or false, lost = 0,
    say = o.say or function(fmt, ...) io.stderr:write("nono: ", string.format(fmt, ...), "\n") end }, Log)
end

--- Record failure `msg` (the first one is reported).
function Log:fail(msg)
  if self.failed then return end
  self.failed = msg
  if self.required then
    self.say("audit log %s: %s; stopping the command (--audit-log-required)", self.path, msg)
    -- the command and whatever it started; the supervisor then sees it end
    core.kill_tree()
  else
    self.say("audit log %s: %s; the log of this session is incomplete", self.path, msg)
  end
end

function Log:event(name, fields)
  fields = fields or {}
  fields.event, fields.time = name, iso(core.time_ms())
  if self.lost > 0 then fields.lost_events = self.lost end
  local ok, msg = core.log_write(self.fd, json.encode(fields) .. "\n")
  if ok then
    self.lost = 0
  else
    self.lost = self.lost + 1
    self:fail(msg)
  end
end

function Log:close()
  local ok, msg = self.fd:close()
  if not ok then self:fail(msg) end
end

local NOLOG = setmetatable({}, { __index = { event = function() end, close = function() end } })

local function where(list)
  local out = {}
  for _, h in ipairs(list) do out[#out + 1] = string.format("pid %d (%s)", h.pid, h.what) end
  return table.concat(out, ", ")
end

--- Take grant `g` back: hide its path, then deal with what still holds it.
-- `stopped`: the tree is stopped already (Ctrl-Z), and stays so.
-- Returns true, or nil and a message when the grant could not be taken
-- back (the session is then ended).
local function expire(session, g, o, log, stopped)
  local ok, msg = core.expire(session:pid(), g.canonical, g.dev, g.ino)
  if not ok then
    log:event("expire", { path = g.canonical, source = g.source, error = msg })
    return nil, msg
  end
  -- Row 30: while the tables and queues are read, nothing may move a
  -- descriptor from one to the other (received between the two looks, or
  -- sent back), so the tree is stopped first (after Ctrl-Z too: a thread
  -- busy in the kernel may not have stopped yet).
  local sok, smsg = core.stop_tree()
  if not sok then
    msg = "the command could not be stopped to look for what holds it: " .. tostring(smsg)
    log:event("expire", { path = g.canonical, source = g.source, ttl = g.ttl, error = msg })
    return nil, msg
  end
  -- Descriptors and working directories opened before keep working (a
  -- mount hides a path, not an open file): find them.
  local holders, hmsg = core.holders(g.canonical)
  holders = holders and not_launchers(holders)
    or { { pid = session:pid(), what = "not inspectable: " .. tostring(hmsg) } }
  -- A descriptor sent over a unix socket (SCM_RIGHTS) and not yet
  -- received is in no table: a socket with descriptors queued could hold
  -- one opened beneath the path, and which file they are the kernel does
  -- not say.  It cannot be ruled out, so the session ends (or, with
  -- --on-expire report, it is reported).
  -- (not why --self's socket: only nono's own sealed policy is queued
  -- there, sent by the supervisor, which alone holds its peer)
  local flight, fmsg = core.in_flight(o.asked and o.asked.own)
  flight = flight or { { pid = session:pid(), what = "not inspectable: " .. tostring(fmsg) } }
  if #flight > 0 and o.on_expire == "kill" then
    msg = "descriptors in flight in unix sockets, any of which could be of the path: " .. where(flight)
    log:event("expire", { path = g.canonical, source = g.source, ttl = g.ttl, holders = json.array(holders),
      in_flight = json.array(flight), error = msg })
    return nil, msg
  end
  for _, f in ipairs(flight) do holders[#holders + 1] = f end
  local killed = {}
  if o.on_expire == "kill" then
    for _, h in ipairs(holders) do
      if not killed[h.pid] then
        killed[h.pid] = true
        core.kill(h.pid, SIGKILL)
      end
    end
  end
  if not stopped then core.signal_tree(SIGCONT) end
  log:event("expire", { path = g.canonical, source = g.source, ttl = g.ttl,
    holders = json.array(holders), in_flight = json.array(flight),
    action = #holders == 0 and "none" or o.on_expire })
  if o.verbose or #holders > 0 then
    o.say("%s expired: %s is hidden now%s", g.source, g.canonical, #holders == 0 and ""
      or string.format("; %s: %s", o.on_expire == "kill" and "killed what held it"
        or "still held by", where(holders)))
  end
  return true
end

--- Run `command` under `plan` and supervise it to the end.
-- o: { policy = the resolved Policy, environ = {...}, on_expire = "kill" |
--      "report", log = an open Log or nil, start = fields for the start
--      event, verbose, say = function(fmt, ...) for messages, asked =
--      { fd = a descriptor, answer = a function called whenever it is
--      readable while the command runs, own = the command's end } (the
--      sealed policy's socket pair),
--      woken = one called the first time anything but the command's end
--      wakes the supervisor }
-- Returns the outcome (as plan:spawn's) and, for a session ended because a
-- grant could not be taken back, a message.
function M.run(plan, command, o)
  local log = o.log or NOLOG
  local ok, msg = core.supervisor_init()
  if not ok then
    return { kind = "setup_failed", stage = "the supervisor", message = msg }
  end
  -- The time-limited grants, soonest first, each with what it is, to check
  -- at expiry that the path still names it.
  local pending = {}
  for _, g in ipairs(o.policy:timed_grants()) do
    local a, amsg = lfs.attributes(g.canonical)
    if not a then return { kind = "setup_failed", stage = "the supervisor", message = amsg } end
    g.dev, g.ino = a.dev, a.ino
    pending[#pending + 1] = g
  end
  table.sort(pending, function(a, b) return a.ttl < b.ttl end)
  -- Guarded paths (no mounts here) and names that must not appear (git's
  -- commondir and the like; row 27): kept before the command starts.
  local kept, kmsg = guard.keep(o.policy.guards, o.policy.place_guards, o.policy.absent)
  if not kept then return { kind = "setup_failed", stage = "the supervisor", message = kmsg } end
  -- The allow-list's proxy, a process of its own (it never blocks this
  -- loop), stopped before the tree is ended; each connection is logged.
  local proxy_pid
  if o.proxy then
    local px = o.proxy
    local decide, check, record = net.hooks(px.hosts, function(ev)
      log:event("net", ev)
      if px.verbose and not ev.allowed then
        (o.say or function() end)("proxy refused %s%s: %s", ev.host, ev.port and ":" .. ev.port or "", ev.reason)
      end
    end)
    local pmsg
    proxy_pid, pmsg = core.proxy_start(px.fd, { auth = px.auth, receive_fd = px.receive_fd },
      decide, check, record)
    local held = px.fd or px.receive_fd -- the proxy has its own copy
    held:close()
    if not proxy_pid then
      if px.send_fd then px.send_fd:close() end
      return { kind = "setup_failed", stage = "the proxy", message = pmsg }
    end
  end
  local t0 = core.monotonic_ms()
  local session = plan:start(command, o.environ)
  -- (the command's child has its copy: the proxy's socket comes that way)
  if o.proxy and o.proxy.send_fd then o.proxy.send_fd:close() end
  if getmetatable(session) == nil then
    if proxy_pid then core.proxy_stop(proxy_pid) end
    log:event("not_run", { stage = session.stage, message = session.message, kind = session.kind })
    return session
  end
  local start = o.start or {}
  start.pid, start.supervisor_pid = session:pid(), core.getpid()
  log:event("start", start)
  if o.asked then session:watch(o.asked.fd) end

  local result, failure
  local woken = o.woken
  local hidden = {} -- grants already mounted over
  local stopped = false -- the tree was stopped with nono (Ctrl-Z)
  local function deadline(g) return t0 + g.ttl * 1000 end
  while true do
    local now = core.monotonic_ms()
    while not failure and pending[1] and deadline(pending[1]) <= now do
      local g = table.remove(pending, 1)
      local under
      for _, h in ipairs(hidden) do
        if policy.covers(h, g.canonical) then under = h end
      end
      local eok, emsg = true, nil
      if under then
        -- already out of reach beneath an earlier expiry
        log:event("expire", { path = g.canonical, source = g.source, ttl = g.ttl,
          action = "none", hidden_by = under.source })
      else
        eok, emsg = expire(session, g, o, log, stopped)
        if eok then hidden[#hidden + 1] = g end
      end
      if not eok then
        -- Fail closed: a grant that cannot be taken back ends the session.
        failure = string.format("%s expired but could not be taken back (%s): the session was ended",
          g.source, emsg)
        core.kill(session:pid(), SIGKILL)
        core.kill_tree()
      end
      -- (an expiry takes time, the tree stopped meanwhile: a grant that
      -- came due during it is taken back now, before the tree can end)
      now = core.monotonic_ms()
    end
    -- Continued after Ctrl-Z: what expired meanwhile was taken back above,
    -- before any process of the tree runs again.
    if stopped then
      stopped = false
      core.signal_tree(SIGCONT)
      log:event("continued", {})
    end
    local timeout = (not failure and pending[1]) and deadline(pending[1]) - now or -1
    local what, x = session:wait(timeout, true)
    if what ~= "exited" and woken then
      woken()
      woken = nil
    end
    if what == "exited" then
      result = x
      break
    elseif what == "ready" then
      o.asked.answer()
    elseif what == "signal" and x == SIGTSTP then
      -- Ctrl-Z: the whole tree stops, then nono (its job is what the shell
      -- sees); a command in a session of its own never gets the terminal's.
      log:event("stopped", {})
      core.signal_tree(SIGSTOP)
      core.kill(core.getpid(), SIGSTOP)
      stopped = true
    elseif what == "signal" then
      log:event("signal", { signal = core.signame(x), to = session:pid() })
    end
  end
  session:finish()
  if proxy_pid then core.proxy_stop(proxy_pid) end
  -- Row 20: nothing the command started outlives it.
  local ended = core.end_tree()
  guard.restore(kept, o.say or function() end, function(name, fields) log:event(name, fields) end)
  log:event("exit", { status = result.kind, code = result.code,
    signal = result.kind == "signaled" and core.signame(result.code) or nil,
    duration_ms = core.monotonic_ms() - t0, left_behind_killed = ended, error = failure })
  return result, failure
end

return M
