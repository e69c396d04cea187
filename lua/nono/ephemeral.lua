--- Ephemeral sessions: `nono run --ephemeral` mounts each directory the
-- command may write as an overlay in the command's own mount namespace,
-- so every change lands in an upper layer under nono's state directory
-- and the real tree is untouched until `nono session commit`.
--
-- The upper layer is written by the sandboxed command: at commit it is
-- hostile input (docs/threats.md, row 19).  The walk and every write are
-- in C (src/commit.c): paths resolved beneath the real tree with openat2,
-- no symlink followed, no device node, fifo or socket created, no setuid
-- or setgid bit kept, no symlink leading out of the tree created, each
-- file written to a temporary name and renamed over the old one.
local core = require "nono.core"
local json = require "nono.json"
local lfs = require "lfs"
local paths = require "nono.paths"
local policy = require "nono.policy"

local M = {}

local function say(fmt, ...)
  io.stderr:write("nono: ", string.format(fmt, ...), "\n")
end

--- `s` as one word for /bin/sh.
local function shq(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

--- nono's state directory ($XDG_STATE_HOME/nono, else
-- ~/.local/state/nono): its sessions/ directory, as a clean absolute path,
-- or nil and a message.
local function sessions_path()
  local base = os.getenv("XDG_STATE_HOME")
  if not base or base:sub(1, 1) ~= "/" then
    local home = os.getenv("HOME")
    if not home or home:sub(1, 1) ~= "/" then return nil, "neither XDG_STATE_HOME nor HOME is an absolute path" end
    base = home .. "/.local/state"
  end
  return paths.clean(base .. "/nono/sessions")
end

--- `path` with symlinks resolved as far as it exists (what it will be).
local function would_be(path)
  local real = core.realpath(path)
  if real then return real end
  local parent = paths.parent(path)
  if parent == path then return path end
  return paths.clean(would_be(parent) .. "/" .. path:match("[^/]+$"))
end

--- The sessions/ directory, canonical; made (nono/ and sessions/ 0700,
-- the user's alone) when `create`.  Or nil and a message.
local function sessions_dir(create)
  local dir, msg = sessions_path()
  if not dir then return nil, msg end
  if create and not lfs.attributes(dir) then
    local path = ""
    for part in dir:gmatch("[^/]+") do
      path = path .. "/" .. part
      if not lfs.attributes(path) then
        local ok, err = lfs.mkdir(path)
        if not ok and not lfs.attributes(path) then return nil, "cannot create " .. path .. ": " .. err end
        if path == dir or path == paths.parent(dir) then core.chmod(path, tonumber("700", 8)) end
      end
    end
  end
  local real = core.realpath(dir)
  if not real then return nil, "no session directory " .. dir end
  return real
end

local ID_PATTERN = "^%d%d%d%d%d%d%d%d%-%d%d%d%d%d%d%-%x%x%x%x%x%x$"

local function new_id()
  local f = assert(io.open("/dev/urandom", "rb"))
  local bytes = f:read(3)
  f:close()
  return os.date("!%Y%m%d-%H%M%S") .. "-" .. bytes:gsub(".", function(c) return string.format("%02x", c:byte()) end)
end

--- The directories an ephemeral session lays over: every directory the
-- policy lets the command write, but for the pseudo-filesystems (/dev,
-- /proc, /sys), and none beneath another (the outer overlay holds it).
-- Returns the list of grants, or nil and the lines refusing the run.
function M.targets(p)
  local write, out, refuse = policy.classes.write, {}, nil
  for _, g in ipairs(p.grants) do
    -- An expiry mounts over the grant in the command's namespace, where the
    -- overlays are too: the two are not combined.
    if g.ttl and g.canonical then
      return nil, { g.source .. " is time-limited: an expiry mounts over the grant in the command's mount "
        .. "namespace, where an ephemeral session's overlays are; the two are not combined",
        "hint: drop the :DURATION (or the profile's ttl), or --ephemeral" }
    end
  end
  for _, g in ipairs(p.grants) do
    local c = g.canonical
    if c and p:mask(g) & write ~= 0 then
      local pseudo = c == "/dev" or c == "/proc" or c == "/sys" or paths.is_beneath(c, "/dev")
        or paths.is_beneath(c, "/proc") or paths.is_beneath(c, "/sys")
      if not g.isdir and not pseudo and lfs.attributes(c, "mode") == "file" then
        refuse = refuse or { g.source .. " grants writing one file, which an overlay cannot hold (an overlay "
          .. "is a directory): its writes would reach the real file at once",
          "hint: grant its directory instead, or drop the grant, or --ephemeral" }
      elseif g.isdir and not pseudo and c:find("\n", 1, true) == nil then
        out[#out + 1] = g
      elseif g.isdir and not pseudo then
        refuse = refuse or { g.source .. ": a path holding a newline cannot be recorded for commit" }
      end
    end
  end
  if refuse then return nil, refuse end
  table.sort(out, function(a, b) return a.canonical < b.canonical end)
  local kept = {}
  for _, g in ipairs(out) do
    local last = kept[#kept]
    if not (last and (last.canonical == g.canonical or paths.is_beneath(g.canonical, last.canonical))) then
      kept[#kept + 1] = g
    end
  end
  return kept
end

--- What --dry-run --json says of session `s`: { overlays = { paths }, dir }.
function M.report_data(s)
  local over = {}
  for _, g in ipairs(s.targets) do over[#over + 1] = g.canonical end
  return { overlays = json.array(over), dir = s.dir }
end

--- The enforcement report's line for an ephemeral session.
function M.report_line(s)
  local d = M.report_data(s)
  return "  ephemeral     overlays over " .. table.concat(d.overlays, ", ") .. "; changes kept in "
    .. d.dir .. " until nono session commit\n"
end

--- Whether `nono run --ephemeral` can run this policy here.  Returns the
-- session to be (its overlay targets and state directory), or nil and the
-- lines to print (the command is then not run: 126).
function M.prepare(p)
  local targets, why = M.targets(p)
  if not targets then return nil, why end
  if #targets == 0 then
    return nil, { "--ephemeral: no directory is granted for writing, so there is nothing to lay an overlay over",
      "hint: add --allow DIR" }
  end
  if not p:binds_available(targets[1].canonical) then
    return nil, { "--ephemeral lays overlays over the write grants in a private mount namespace, which "
        .. "unprivileged user namespaces give; they are not available here ("
        .. tostring(p:report().namespaces.reason) .. ")",
      "hint: run without --ephemeral, or enable user namespaces (sysctl kernel.unprivileged_userns_clone=1, "
        .. "or kernel.apparmor_restrict_unprivileged_userns=0 on Ubuntu)" }
  end
  local dir, msg = sessions_path()
  if not dir then return nil, { "--ephemeral: " .. msg } end
  dir = would_be(dir)
  do
    -- The sandbox must not write its own upper layer or another session's
    -- record: that is what commit trusts to say which tree it changes.
    for _, g in ipairs(p.grants) do
      if g.canonical and p:mask(g) & policy.classes.write ~= 0 and policy.covers(g, dir) then
        return nil, { string.format("--ephemeral: the session directory %s is inside the write grant %s",
            dir, g.source), "hint: set XDG_STATE_HOME to a directory outside every grant" }
      end
    end
  end
  return { targets = targets, dir = dir }
end

--- Make the session's directories: sessions/ID/{meta,start,upper/N,work/N}.
-- `start` is made first: its ctime is the moment the real tree is
-- compared with at commit.  Returns true, or nil and a message.
function M.create(s, command)
  local dir, msg = sessions_dir(true)
  if not dir then return nil, msg end
  s.id = new_id()
  s.path = dir .. "/" .. s.id
  local ok
  ok, msg = lfs.mkdir(s.path)
  if not ok then return nil, "cannot create " .. s.path .. ": " .. msg end
  for _, sub in ipairs { "/upper", "/work" } do lfs.mkdir(s.path .. sub) end
  local meta = { "started " .. os.time(), "pid " .. core.getpid() }
  local words = {}
  for i, a in ipairs(command or {}) do words[i] = shq(a) end
  meta[#meta + 1] = "command " .. table.concat(words, " "):gsub("\n", " ")
  for i, g in ipairs(s.targets) do
    for _, sub in ipairs { "/upper/", "/work/" } do
      ok, msg = lfs.mkdir(s.path .. sub .. i)
      if not ok then return nil, "cannot create " .. s.path .. sub .. i .. ": " .. msg end
    end
    meta[#meta + 1] = "root " .. i .. " " .. g.canonical
  end
  local f = io.open(s.path .. "/start", "w")
  if not f or not f:close() then return nil, "cannot create " .. s.path .. "/start" end
  f, msg = io.open(s.path .. "/meta", "w")
  if not f or not f:write(table.concat(meta, "\n"), "\n") or not f:close() then
    return nil, "cannot write " .. s.path .. "/meta: " .. tostring(msg)
  end
  return true
end

--- Lay the overlays into `plan` and add again, on the overlays, the rules
-- beneath them (Landlock rules hold on inodes; the overlay's are new).
function M.add_to_plan(s, plan, p)
  for i, g in ipairs(s.targets) do
    local ok, msg, err = plan:add_overlay(g.canonical, s.path .. "/upper/" .. i, s.path .. "/work/" .. i)
    if not ok then return nil, msg, err end
  end
  for _, rule in ipairs(p:rules()) do
    for _, g in ipairs(s.targets) do
      if rule.path == g.canonical or paths.is_beneath(rule.path, g.canonical) then
        local ok, msg, err = plan:add_overlay_rule(rule.path, rule.mask)
        if not ok then return nil, msg, err end
        break
      end
    end
  end
  return true
end

--- Remove a session's whole directory (hostile content: nothing followed).
local function remove_session(path)
  local parent, name = path:match("^(.*)/([^/]+)$")
  return core.commit_remove(parent, name)
end

function M.abandon(s)
  if s.path then remove_session(s.path) end
end

--- A session read back from its directory: { id, path, started, pid,
-- command, roots = { { n, path } } }, or nil and a message.
local function load(dir, id)
  if not id or not id:match(ID_PATTERN) then return nil, "no session '" .. tostring(id) .. "' (see nono session list)" end
  local path = dir .. "/" .. id
  local f = io.open(path .. "/meta", "r")
  if not f then return nil, "no session " .. id .. " (see nono session list)" end
  local s = { id = id, path = path, roots = {} }
  for line in f:lines() do
    local key, value = line:match("^(%a+) (.*)$")
    if key == "root" then
      local n, root = value:match("^(%d+) (/.*)$")
      if n then s.roots[#s.roots + 1] = { n = n, path = root, upper = path .. "/upper/" .. n } end
    elseif key == "started" or key == "pid" then
      s[key] = math.tointeger(tonumber(value))
    elseif key == "command" then
      s.command = value
    end
  end
  f:close()
  s.ended = lfs.attributes(path .. "/ended") ~= nil
  s.running = not s.ended and s.pid and lfs.attributes("/proc/" .. s.pid) ~= nil
  return s
end

--- The changes of one root: the upper layer's entries, with `real` (the
-- real entry's lstat, or nil).
local function changes(root)
  local entries, msg = core.upper_scan(root.upper)
  if not entries then return nil, msg end
  for _, e in ipairs(entries) do e.real = core.commit_lstat(root.path, e.path) end
  return entries
end

--- How many entries (not counting directories merged) a session changed.
local function count(s)
  local n = 0
  for _, root in ipairs(s.roots) do
    for _, e in ipairs(changes(root) or {}) do
      if e.kind ~= "dir" or not e.real then n = n + 1 end
    end
  end
  return n
end

--- After the command: the session is over; one line says what it left.
function M.finish(s)
  local f = io.open(s.path .. "/ended", "w")
  if f then f:close() end
  local loaded = load(paths.parent(s.path), s.id)
  local n = loaded and count(loaded) or 0
  say("ephemeral session %s: %d %s changed, the real tree untouched; nono session diff %s | "
    .. "nono session commit %s | nono session discard %s", s.id, n, n == 1 and "entry" or "entries",
    s.id, s.id, s.id)
end

-- `nono session ...` ----------------------------------------------------

local function list(dir)
  local ids = {}
  for name in lfs.dir(dir) do
    if name:match(ID_PATTERN) then ids[#ids + 1] = name end
  end
  table.sort(ids)
  if #ids == 0 then io.stdout:write("no ephemeral sessions\n") end
  for _, id in ipairs(ids) do
    local s = load(dir, id)
    if s then
      local where = {}
      for _, r in ipairs(s.roots) do where[#where + 1] = r.path end
      io.stdout:write(string.format("%s  %s  %s  %d changed  %s  %s\n", id,
        os.date("%Y-%m-%d %H:%M", s.started or 0), s.running and "running" or "ended",
        count(s), table.concat(where, ","), s.command or ""))
    end
  end
  return 0
end

local function mode_word(e)
  return e.stripped and " (its setuid/setgid/sticky bits are not committed)" or ""
end

local function diff(s)
  for _, root in ipairs(s.roots) do
    local entries, msg = changes(root)
    if not entries then
      say("%s", msg)
      return 1
    end
    io.stdout:write("# ", root.path, "\n")
    for _, e in ipairs(entries) do
      local real_path = root.path .. "/" .. e.path
      if e.kind == "file" then
        io.stdout:write(e.real and "changed " or "added   ", e.path, mode_word(e), "\n")
        local old = e.real and e.real.type == "file" and real_path or "/dev/null"
        io.stdout:flush()
        os.execute(string.format("diff -u --label %s --label %s %s %s", shq("a/" .. e.path),
          shq("b/" .. e.path), shq(old), shq(root.upper .. "/" .. e.path)))
      elseif e.kind == "symlink" then
        io.stdout:write(e.real and "changed " or "added   ", e.path, " -> ", e.target, "\n")
      elseif e.kind == "whiteout" then
        if e.real then io.stdout:write("removed ", e.path, e.real.type == "dir" and "/" or "", "\n") end
      elseif e.kind == "opaque" then
        io.stdout:write(e.real and "replaced " or "added   ", e.path, "/\n")
      elseif e.kind == "dir" then
        if not e.real then io.stdout:write("added   ", e.path, "/\n") end
      else
        io.stdout:write("refused ", e.path, ": ", e.why or "?", " (commit leaves it out)\n")
      end
    end
  end
  return 0
end

--- What was already committed by an earlier, interrupted commit.
local function journal(s)
  local done = {}
  local f = io.open(s.path .. "/committed", "r")
  if f then
    for line in f:lines() do done[line] = true end
    f:close()
  end
  return done
end

local function hex(str)
  return (str:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

--- The real entries of an opaque directory that the upper one lacks.
local function pruned(root, e, present)
  local out = {}
  if not (e.real and e.real.type == "dir") then return out end
  local ok, iter, state = pcall(lfs.dir, root.path .. "/" .. e.path)
  if not ok then return out end
  for name in iter, state do
    if name ~= "." and name ~= ".." and not present[e.path .. "/" .. name] then
      out[#out + 1] = e.path .. "/" .. name
    end
  end
  return out
end

local function commit(s)
  local start = core.commit_lstat(s.path, "start")
  if not start then
    say("session %s has no start mark: it cannot be compared with the real tree", s.id)
    return 1
  end
  local function newer(st)
    return st and (st.ctime > start.ctime or st.ctime == start.ctime and st.ctime_ns >= start.ctime_ns)
  end
  local done = journal(s)
  local conflicts, refused, plan = {}, {}, {}
  for _, root in ipairs(s.roots) do
    local entries, msg = changes(root)
    if not entries then
      say("%s", msg)
      return 1
    end
    local present = {}
    for _, e in ipairs(entries) do present[e.path] = true end
    for _, e in ipairs(entries) do
      local key = root.n .. " " .. hex(e.path)
      local function conflict(path)
        conflicts[#conflicts + 1] = root.path .. "/" .. path
      end
      if e.kind == "refused" then
        refused[#refused + 1] = root.path .. "/" .. e.path .. ": " .. e.why
      elseif not done[key] then
        if (e.kind == "file" or e.kind == "symlink") and e.real and e.real.type == "dir" then
          -- a directory replaced by a file: all of it goes
          local changed = core.commit_changed_since(root.path, e.path, start.ctime, start.ctime_ns)
          if changed then conflict(changed) end
        elseif e.kind == "file" and newer(e.real) and not core.commit_same_file(root.upper, root.path, e.path) then
          conflict(e.path)
        elseif e.kind == "symlink" and newer(e.real)
            and lfs.symlinkattributes(root.path .. "/" .. e.path, "target") ~= e.target then
          conflict(e.path)
        elseif e.kind == "whiteout" and e.real then
          local changed = core.commit_changed_since(root.path, e.path, start.ctime, start.ctime_ns)
          if changed then conflict(changed) end
        elseif e.kind == "opaque" then
          for _, gone in ipairs(pruned(root, e, present)) do
            local changed = core.commit_changed_since(root.path, gone, start.ctime, start.ctime_ns)
            if changed then conflict(changed) end
          end
        elseif e.kind == "dir" and e.real and e.real.type ~= "dir" and newer(e.real) then
          conflict(e.path)
        end
      end
      if e.kind ~= "refused" then plan[#plan + 1] = { root = root, e = e, key = key, present = present } end
    end
  end
  if #conflicts > 0 then
    say("session %s: not committed, nothing written: changed in the real tree since the session started:", s.id)
    for _, c in ipairs(conflicts) do io.stderr:write("  ", c, "\n") end
    say("see nono session diff %s; nono session discard %s drops the session", s.id, s.id)
    return 1
  end
  local log = assert(io.open(s.path .. "/committed", "a"))
  local n = 0
  for _, step in ipairs(plan) do
    local root, e = step.root, step.e
    local ok, msg = true, nil
    if not done[step.key] then
      if e.kind == "file" then
        ok, msg = core.commit_file(root.upper, root.path, e.path)
      elseif e.kind == "symlink" then
        ok, msg = core.commit_symlink(root.path, e.path, e.target)
      elseif e.kind == "whiteout" then
        ok, msg = core.commit_remove(root.path, e.path)
      elseif e.kind == "dir" or e.kind == "opaque" then
        ok, msg = core.commit_dir(root.path, e.path, e.mode)
        for _, gone in ipairs(e.kind == "opaque" and ok and pruned(root, e, step.present) or {}) do
          ok, msg = core.commit_remove(root.path, gone)
          if not ok then break end
        end
      end
      if not ok then
        log:close()
        say("session %s: commit stopped at %s/%s: %s; what was done is kept, and running "
          .. "nono session commit %s again goes on from there", s.id, root.path, e.path, msg, s.id)
        return 1
      end
      if e.kind ~= "dir" then n = n + 1 end
      log:write(step.key, "\n")
      log:flush()
    end
  end
  log:close()
  for _, r in ipairs(refused) do say("not committed: %s", r) end
  remove_session(s.path)
  say("session %s committed: %d %s written to the real tree", s.id, n, n == 1 and "entry" or "entries")
  return #refused > 0 and 1 or 0
end

--- `nono session list | diff ID | commit ID | discard ID`.  Returns the
-- exit status.
function M.command(args, i, usage)
  local verb, id = args[i], args[i + 1]
  local dir, msg = sessions_dir(false)
  if verb == "list" and not args[i + 1] then
    if not dir then
      io.stdout:write("no ephemeral sessions\n")
      return 0
    end
    return list(dir)
  end
  if not (verb == "diff" or verb == "commit" or verb == "discard") or not id or args[i + 2] then
    return usage()
  end
  if not dir then
    say("%s", msg)
    return 1
  end
  local s
  s, msg = load(dir, id)
  if not s then
    say("%s", msg)
    return 1
  end
  if s.running and verb ~= "diff" then
    say("session %s is still running (pid %d): %s it once its command has ended", id, s.pid, verb)
    return 1
  end
  if verb == "diff" then return diff(s) end
  if verb == "commit" then return commit(s) end
  local ok
  ok, msg = remove_session(s.path)
  if not ok then
    say("cannot discard session %s: %s", id, msg)
    return 1
  end
  say("session %s discarded; the real tree was never changed", id)
  return 0
end

return M
