--- The command line of rollback: what `nono run --rollback` does before
-- and after the session, and `nono rollback list|show|restore|prune`.
local core = require "nono.core"
local git = require "nono.git"
local lfs = require "lfs"
local paths = require "nono.paths"
local restore = require "nono.restore"
local rollback = require "nono.rollback"
local state = require "nono.state"

local M = {}

--- Retention of `nono rollback prune`: every session of the last 30 days,
-- and the 20 newest whatever their age.
M.KEEP_DAYS, M.KEEP_NEWEST = 30, 20

--- The root a session records: the git work tree the working directory is
-- in (as the profiles' project_root()), else the working directory.
function M.root(cwd)
  local _, homes = paths.homes(os.getenv)
  local ok, repo = pcall(git.find, cwd, { uid = core.geteuid(), homes = homes })
  if ok and repo and repo.root and paths.is_beneath(cwd, repo.root) then return repo.root end
  return cwd
end

--- The names a session leaves out: the defaults, or `--rollback-exclude`
-- and the profile's, which replace them (a name given as +NAME adds to
-- the defaults instead).
function M.excludes(given)
  if not given or #given == 0 then return rollback.DEFAULT_EXCLUDES end
  local list, replace = {}, false
  for _, n in ipairs(given) do
    if n:sub(1, 1) ~= "+" then replace = true end
  end
  if not replace then
    for _, n in ipairs(rollback.DEFAULT_EXCLUDES) do list[#list + 1] = n end
  end
  for _, n in ipairs(given) do
    n = n:gsub("^%+", "")
    if n ~= "" and not n:find("/", 1, true) then list[#list + 1] = n end
  end
  return list
end

--- What the report says about recording (--dry-run, -v).
function M.report_line(plan)
  if not plan then return "  rollback      off (--rollback records the project before the command)\n" end
  return string.format("  rollback      recorded: %s before the command, undone with 'nono rollback restore' "
    .. "(not recorded: %s)\n", plan.root, table.concat(plan.excludes, " "))
end

--- Whether the sandbox of policy `p` could reach the store: a session
-- that can read it could read every recorded .env, one that can write it
-- could change what a restore writes back.  Returns true, or nil and a
-- message.
function M.check_out_of_reach(p)
  local dir = state.dir(os.getenv)
  if not dir then return nil, "cannot tell where nono's state goes" end
  for _, path in ipairs { dir, dir .. "/rollback/store.git/objects" } do
    for _, op in ipairs { "read", "write" } do
      local answer = p:why(path, op)
      if not answer or answer.verdict ~= "denied" then
        return nil, string.format("--rollback: the sandbox could %s nono's state directory %s (%s); "
          .. "snapshots must be out of its reach: drop the --bypass of it", op, dir,
          answer and answer.reason or "?")
      end
    end
  end
  return true
end

--- Before the session: record the root.  `plan` from the caller: root,
-- excludes, command.  Returns the session, or nil and a message.
function M.begin(plan)
  local s, msg = rollback.store(os.getenv)
  if not s then return nil, msg end
  local meta, bmsg = rollback.begin(s, { root = plan.root, excludes = plan.excludes,
    skip = rollback.skip_list(os.getenv), command = plan.command })
  if not meta then return nil, bmsg end
  meta.store = s
  return meta
end

--- After the session: the one line on stderr.
function M.finish(meta, say)
  local added, changed, removed = rollback.finish(meta.store, meta,
    { excludes = rollback.excludes_of(meta), skip = rollback.skip_list(os.getenv) })
  if not added then
    say("rollback: the tree after the session could not be recorded (%s); what was before is: "
      .. "nono rollback restore %s", changed, meta.id)
    return
  end
  if #added + #changed + #removed == 0 then
    say("rollback: nothing changed in %s (session %s)", meta.root, meta.id)
  else
    say("rollback: %s in %s; undo: nono rollback restore %s", meta.summary, meta.root, meta.id)
  end
end

---------------------------------------------------------------------------
-- nono rollback list|show|restore|prune

local function list(s, out)
  local sessions = rollback.sessions(s)
  if #sessions == 0 then
    out:write("no sessions recorded (nono run --rollback records one)\n")
    return 0
  end
  for _, m in ipairs(sessions) do
    out:write(string.format("%-24s %s  %-7s %s  %s  %s\n", m.id, os.date("%Y-%m-%d %H:%M", tonumber(m.time) or 0),
      m.kind or "run", m.root or "?", m.summary or "(not finished)",
      m.kind == "restore" and "(before restoring " .. tostring(m.of) .. ")" or (m.command or "")))
  end
  return 0
end

local function is_text(data)
  return #data <= 1024 * 1024 and not data:find("\0", 1, true)
end

local function shq(x) return "'" .. x:gsub("'", "'\\''") .. "'" end

--- A unified diff of two texts, labelled with `path`.
local function diff(s, path, old, new)
  local a, b = s.tmp .. "/a." .. core.getpid(), s.tmp .. "/b." .. core.getpid()
  for file, data in pairs { [a] = old, [b] = new } do
    local f = assert(io.open(file, "wb"))
    f:write(data)
    f:close()
  end
  local p = io.popen(string.format("diff -u --label %s --label %s %s %s", shq("a/" .. path), shq("b/" .. path),
    shq(a), shq(b)), "r")
  local text = p:read("a")
  p:close()
  os.remove(a)
  os.remove(b)
  return text
end

local function show(s, meta, out, say)
  local before, before_by = rollback.read_manifest(meta.dir .. "/before")
  if not before then
    say("%s", before_by)
    return 1
  end
  local _, after_by = rollback.read_manifest(meta.dir .. "/after")
  local against = "after the session"
  if not after_by then
    -- (the session has not ended, or nono was killed): against the tree now
    local entries
    entries, after_by = rollback.walk(s, meta.root, { excludes = rollback.excludes_of(meta),
      skip = rollback.skip_list(os.getenv) })
    if not entries then
      say("%s", after_by)
      return 1
    end
    against = "now"
  end
  local added, changed, removed = rollback.changes(before_by, after_by)
  out:write(string.format("session %s (%s) in %s: %s, %s\n", meta.id, meta.kind or "run", meta.root,
    rollback.summary(added, changed, removed), against))
  if meta.command then out:write("command: ", meta.command, "\n") end
  local rows, want = {}, {}
  for _, pair in ipairs { { "A", added }, { "M", changed }, { "D", removed } } do
    for _, e in ipairs(pair[2]) do
      rows[#rows + 1] = { pair[1], e }
      local o = before_by[e.path]
      for _, x in ipairs { e, o } do
        if x and x.type == "f" and x.size <= 1024 * 1024 then want[#want + 1] = x.id end
      end
    end
  end
  table.sort(rows, function(x, y) return x[2].path < y[2].path end)
  for _, r in ipairs(rows) do
    local e = r[2]
    out:write(string.format("%s %s%s\n", r[1], e.path, e.type == "d" and "/" or e.type == "l" and " -> " .. e.id or ""))
  end
  local blobs = rollback.blobs(s, want) or {}
  for _, r in ipairs(rows) do
    local path = r[2].path
    local old, new = before_by[path], after_by[path]
    local od = old and old.type == "f" and blobs[old.id] or (old and "" or "")
    local nd = new and new.type == "f" and blobs[new.id] or ""
    if (not old or old.type == "f") and (not new or new.type == "f") and (old or new)
        and blobs[(old or new).id] and is_text(od) and is_text(nd) then
      out:write(diff(s, path, od, nd))
    elseif old and new and old.type == new.type and old.id == new.id then
      out:write(string.format("mode %s: %o -> %o\n", path, old.mode, new.mode))
    end
  end
  return 0
end

local function restore_cmd(s, meta, words, out, say)
  local home = paths.homes(os.getenv)
  local cwd = core.realpath(".") or "/"
  local filters
  for _, w in ipairs(words) do
    -- lexical: the session may have planted a symlink on the way
    local path = paths.expand(w, home, cwd)
    if not path or not paths.is_beneath(path, meta.root) then
      say("%s is not beneath the recorded root %s", w, meta.root)
      return 2
    end
    filters = filters or {}
    filters[#filters + 1] = path == meta.root and "" or path:sub(#meta.root + (meta.root == "/" and 1 or 2))
  end
  local undo, counts = restore.restore(s, meta, filters, { skip = rollback.skip_list(os.getenv) })
  if not undo then
    say("restore of %s failed: %s", meta.id, counts)
    say("what was there before the restore began is kept; nono rollback list shows it")
    return 1
  end
  out:write(string.format("restored %s as session %s recorded it (%d written, %d removed); "
    .. "undo: nono rollback restore %s\n", filters and table.concat(words, " ") or meta.root, meta.id,
    counts.written, counts.removed, undo.id))
  return 0
end

--- Remove sessions beyond the retention (keep_days, keep), then the stored
-- contents no remaining session or stat cache names (older than an hour:
-- a snapshot being taken now has not written its manifest yet).
local function prune(s, keep_days, keep, out)
  local sessions = rollback.sessions(s)
  local now, removed = os.time(), 0
  for i, m in ipairs(sessions) do
    local newest = i > #sessions - keep
    if not newest and now - (tonumber(m.time) or 0) > keep_days * 86400 then
      os.execute("rm -rf -- " .. shq(m.dir))
      removed = removed + 1
    end
  end
  local live = {}
  local function mark(file)
    local entries = rollback.read_manifest(file)
    for _, e in ipairs(entries or {}) do if e.type == "f" then live[e.id] = true end end
  end
  for _, m in ipairs(rollback.sessions(s)) do
    mark(m.dir .. "/before")
    mark(m.dir .. "/after")
  end
  for name in lfs.dir(s.cache) do
    if name:match("^%x+$") then mark(s.cache .. "/" .. name) end
  end
  local objects, freed = s.git_dir .. "/objects", 0
  for sub in lfs.dir(objects) do
    if sub:match("^%x%x$") then
      for name in lfs.dir(objects .. "/" .. sub) do
        local file = objects .. "/" .. sub .. "/" .. name
        local a = name:match("^%x+$") and lfs.symlinkattributes(file)
        if a and not live[sub .. name] and now - a.modification > 3600 then
          os.remove(file)
          freed = freed + 1
        end
      end
    end
  end
  out:write(string.format("removed %d sessions and %d stored contents (kept: the last %d days, and the "
    .. "%d newest)\n", removed, freed, keep_days, keep))
  return 0
end

--- `nono rollback SUB ...`: `words` are the words after `rollback` (the
-- options already taken by the caller's parser: opts.keep, opts.keep_days).
function M.command(words, opts, say, usage)
  local sub = words[1]
  local s, msg = rollback.store(os.getenv)
  if not s then
    say("%s", msg)
    return 1
  end
  local out = io.stdout
  if sub == "list" then
    if words[2] then return usage("unexpected argument '" .. words[2] .. "'") end
    return list(s, out)
  elseif sub == "show" or sub == "restore" then
    if not words[2] then return usage("nono rollback " .. sub .. " ID" .. (sub == "restore" and " [PATH...]" or "")) end
    local meta, mmsg = rollback.read_meta(s, words[2])
    if not meta then
      say("%s", mmsg)
      return 1
    end
    if sub == "show" then
      if words[3] then return usage("unexpected argument '" .. words[3] .. "'") end
      return show(s, meta, out, say)
    end
    return restore_cmd(s, meta, { table.unpack(words, 3) }, out, say)
  elseif sub == "prune" then
    if words[2] then return usage("unexpected argument '" .. words[2] .. "'") end
    local keep = math.tointeger(tonumber(opts.keep or M.KEEP_NEWEST))
    local days = math.tointeger(tonumber(opts.keep_days or M.KEEP_DAYS))
    if not keep or keep < 0 or not days or days < 0 then
      return usage("--keep and --keep-days take a whole number")
    end
    return prune(s, days, keep, out)
  end
  return usage(sub and ("unknown rollback command '" .. sub .. "' (list, show, restore or prune)")
    or "nono rollback list|show ID|restore ID [PATH...]|prune")
end

return M
