--- Rollback snapshots: before a session (`nono run --rollback`) the tree of
-- its root is recorded, after it what changed is summed up, and `nono
-- rollback restore` brings the recorded tree back (restore.lua).
--
-- The store is under nono's state directory (state.lua, out of reach of
-- every session): rollback/store.git holds the contents as git objects,
-- written by `git hash-object -w --no-filters --stdin-paths` and read back
-- by `git cat-file --batch`.  Content-addressed, so a file that is the same
-- in two sessions, or in two projects, is stored once.  git runs with an
-- environment of nono's making (no system or global config, no HOME, its
-- own GIT_DIR, in the store): nothing of the project's or the user's git
-- setup (filters, hooks, fsmonitor) applies.  Chosen over a store of nono's
-- own by measurement (docs/benchmarks.md, "Rollback snapshots"): git hashes
-- and compresses in one pass at about disk speed, and a second snapshot of
-- an unchanged tree hashes nothing, because each root keeps a stat cache
-- (rollback/cache/KEY): a file whose size, mtime, ctime, inode and mode are
-- those recorded is not read again (ctime cannot be set back by a process;
-- a file changed in the second its entry was recorded is read again).
--
-- A manifest is one line per entry, paths relative to the root:
--   TYPE MODE ID SIZE MTIME_NS CTIME_NS INO PATH   (tab-separated)
-- TYPE f (file: ID its blob), l (symlink: ID the target, escaped), d
-- (directory: ID "-").  Sockets, fifos and devices are not recorded.
-- Whatever a session could write is attacker input: names are escaped
-- (\t \n \\), read back strictly, and restore.lua never follows a name.
local core = require "nono.core"
local paths = require "nono.paths"
local state = require "nono.state"

local M = {}

--- Directory names not recorded (and so never restored or removed):
-- dependency and build output that a command makes again.
M.DEFAULT_EXCLUDES = { "node_modules", "target", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache",
  ".pytest_cache", ".gradle", ".next", ".nuxt", ".parcel-cache", ".terraform" }

local TEMP_PREFIX = ".nono-restore."

local function esc(s)
  return (s:gsub("[\\\t\n]", { ["\\"] = "\\\\", ["\t"] = "\\t", ["\n"] = "\\n" }))
end

local function unesc(s)
  return (s:gsub("\\(.)", { ["\\"] = "\\", t = "\t", n = "\n" }))
end

local function shq(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

--- The store: its directory paths, made if missing.  Returns a table, or
-- nil and a message.
function M.store(getenv)
  local fd, dir = state.open("rollback", getenv)
  if not fd then return nil, dir end
  for _, sub in ipairs { "cache", "sessions", "tmp" } do
    local sfd, msg = core.dir_at(fd, sub, tonumber("700", 8))
    if not sfd then
      core.close_fd(fd)
      return nil, msg
    end
    core.close_fd(sfd)
  end
  core.close_fd(fd)
  local s = { dir = dir, git_dir = dir .. "/store.git", sessions = dir .. "/sessions",
    cache = dir .. "/cache", tmp = dir .. "/tmp" }
  if not io.open(s.git_dir .. "/HEAD", "r") then
    local ok, msg = M.git(s, "init -q --bare " .. shq(s.git_dir), true)
    if not ok then return nil, "cannot make the snapshot store: " .. msg end
  end
  return s
end

--- Run git on the store with nono's own environment.  `cmd` is the rest of
-- the command line (quoted by the caller).  Returns its output, or nil and
-- a message.  `bare_init`: before the store exists.
function M.git(s, cmd, bare_init)
  local errfile = s.tmp .. "/git.err." .. core.getpid()
  local line = string.format("cd %s && env -i PATH=/usr/local/bin:/usr/bin:/bin LC_ALL=C "
    .. "GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME=/nonexistent %s "
    .. "git -c core.hooksPath=/dev/null -c core.fsmonitor=false -c core.looseCompression=1 %s 2>%s",
    shq(s.dir), bare_init and "" or "GIT_DIR=" .. shq(s.git_dir), cmd, shq(errfile))
  local p = io.popen(line, "r")
  local out = p:read("a")
  local ok = p:close()
  local f = io.open(errfile, "r")
  local err = f and f:read("a") or ""
  if f then f:close() end
  os.remove(errfile)
  if not ok then return nil, "git " .. cmd:match("^%S+") .. ": " .. (err:match("[^\n]+") or "failed") end
  return out
end

--- Store the files `list` (absolute paths) and return their ids in order,
-- or nil and a message.
local function hash_files(s, list)
  if #list == 0 then return {} end
  local name = s.tmp .. "/paths." .. core.getpid()
  local f = assert(io.open(name, "w"))
  for _, path in ipairs(list) do
    -- git unquotes a line that starts with '"' (C style)
    if path:find('[\n"\\]') or path:find("^%s") then
      path = '"' .. path:gsub('[\\"\n]', { ["\\"] = "\\\\", ['"'] = '\\"', ["\n"] = "\\n" }) .. '"'
    end
    f:write(path, "\n")
  end
  f:close()
  local out, msg = M.git(s, "hash-object -w --no-filters --stdin-paths < " .. shq(name))
  os.remove(name)
  if not out then return nil, msg end
  local ids = {}
  for id in out:gmatch("(%x+)\n") do ids[#ids + 1] = id end
  if #ids ~= #list then return nil, "git hash-object gave " .. #ids .. " ids for " .. #list .. " files" end
  return ids
end

--- The contents of blobs `ids` (a list): a table id -> data, or nil and a
-- message.
function M.blobs(s, ids)
  local out = {}
  if #ids == 0 then return out end
  local name = s.tmp .. "/ids." .. core.getpid()
  local f = assert(io.open(name, "w"))
  for _, id in ipairs(ids) do f:write(id, "\n") end
  f:close()
  local errfile = name .. ".err"
  local p = io.popen(string.format("cd %s && env -i PATH=/usr/local/bin:/usr/bin:/bin LC_ALL=C "
    .. "GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME=/nonexistent GIT_DIR=%s "
    .. "git cat-file --batch < %s 2>%s", shq(s.dir), shq(s.git_dir), shq(name), shq(errfile)), "r")
  local bad
  for _ = 1, #ids do
    local head = p:read("l")
    local id, kind, size = (head or ""):match("^(%x+) (%a+) (%d+)$")
    if not id or kind ~= "blob" then
      bad = "the store lacks " .. tostring(head)
      break
    end
    out[id] = p:read(tonumber(size)) or ""
    p:read(1)
  end
  p:close()
  os.remove(name)
  os.remove(errfile)
  if bad then return nil, bad end
  return out
end

--- Record the tree at `root` (canonical).  opts: excludes (names), skip
-- (canonical paths not to descend into: the state directory), cache (the
-- previous manifest's entries by path, for the stat check), since (ns: the
-- time that manifest was taken).  Returns the entries (list, sorted by
-- path) and a map path -> entry, or nil and a message.
function M.walk(s, root, opts)
  local excludes = {}
  for _, n in ipairs(opts.excludes or M.DEFAULT_EXCLUDES) do excludes[n] = true end
  local skip = {}
  for _, p in ipairs(opts.skip or {}) do skip[p] = true end
  local cache, since = opts.cache or {}, opts.since or 0
  local entries, to_hash, hash_at = {}, {}, {}
  local slash = assert(core.dir_open("/"))
  local rootfd, msg = core.dir_at(slash, root:sub(2))
  core.close_fd(slash)
  local prefix = root == "/" and "" or root
  if not rootfd then return nil, "cannot open " .. root .. ": " .. tostring(msg) end
  local function visit(fd, rel)
    local names, lmsg = core.list_at(fd)
    if not names then return nil, root .. "/" .. rel .. ": " .. lmsg end
    for _, name in ipairs(names) do
      local path = rel == "" and name or rel .. "/" .. name
      local st = not excludes[name] and name:sub(1, #TEMP_PREFIX) ~= TEMP_PREFIX
        and not skip[prefix .. "/" .. path] and core.stat_at(fd, name)
      if st and st.type == "directory" then
        entries[#entries + 1] = { type = "d", mode = st.mode, id = "-", size = 0, mtime = 0, ctime = 0,
          ino = st.ino, path = path }
        local sub, smsg = core.dir_at(fd, name)
        if not sub then return nil, root .. "/" .. path .. ": " .. smsg end
        local ok, vmsg = visit(sub, path)
        core.close_fd(sub)
        if not ok then return nil, vmsg end
      elseif st and st.type == "link" then
        local target = core.readlink_at(fd, name)
        if target then
          entries[#entries + 1] = { type = "l", mode = st.mode, id = target, size = st.size,
            mtime = st.mtime_ns, ctime = st.ctime_ns, ino = st.ino, path = path }
        end
      elseif st and st.type == "file" then
        local e = { type = "f", mode = st.mode, size = st.size, mtime = st.mtime_ns, ctime = st.ctime_ns,
          ino = st.ino, path = path }
        local old = cache[path]
        -- (a change within a second of the cached snapshot could share its
        -- timestamps: such a file is read again)
        if old and old.type == "f" and old.size == e.size and old.mtime == e.mtime and old.ctime == e.ctime
            and old.ino == e.ino and old.mode == e.mode and e.ctime < since - 1000000000 then
          e.id = old.id
        else
          to_hash[#to_hash + 1] = prefix .. "/" .. path
          hash_at[#hash_at + 1] = e
        end
        entries[#entries + 1] = e
      end
    end
    return true
  end
  local ok, vmsg = visit(rootfd, "")
  core.close_fd(rootfd)
  if not ok then return nil, vmsg end
  local ids, hmsg = hash_files(s, to_hash)
  if not ids then return nil, hmsg end
  for i, e in ipairs(hash_at) do e.id = ids[i] end
  table.sort(entries, function(a, b) return a.path < b.path end)
  local by_path = {}
  for _, e in ipairs(entries) do by_path[e.path] = e end
  return entries, by_path, #to_hash
end

--- Write a manifest to `file` (made whole or not at all).
function M.write_manifest(file, entries, header)
  local tmp = file .. ".tmp"
  local f, msg = io.open(tmp, "w")
  if not f then return nil, msg end
  f:write("# nono rollback manifest 1\t", esc(header or ""), "\n")
  for _, e in ipairs(entries) do
    f:write(table.concat({ e.type, string.format("%o", e.mode), esc(e.id), e.size, e.mtime, e.ctime, e.ino,
      esc(e.path) }, "\t"), "\n")
  end
  local ok, werr = f:close()
  if not ok then return nil, werr end
  return os.rename(tmp, file)
end

--- Read a manifest: entries, by_path, header; or nil and a message.
function M.read_manifest(file)
  local f, msg = io.open(file, "r")
  if not f then return nil, msg end
  local first = f:read("l") or ""
  local header = first:match("^# nono rollback manifest 1\t(.*)$")
  if not header then
    f:close()
    return nil, file .. ": not a manifest"
  end
  local entries, by_path = {}, {}
  for line in f:lines() do
    local t, mode, id, size, mtime, ctime, ino, path =
      line:match("^([fld])\t([0-7]+)\t([^\t]*)\t(%d+)\t(%-?%d+)\t(%-?%d+)\t(%d+)\t([^\t]+)$")
    if not t then
      f:close()
      return nil, file .. ": a malformed line"
    end
    local e = { type = t, mode = tonumber(mode, 8), id = unesc(id), size = tonumber(size),
      mtime = math.tointeger(tonumber(mtime)), ctime = math.tointeger(tonumber(ctime)),
      ino = math.tointeger(tonumber(ino)), path = unesc(path) }
    entries[#entries + 1] = e
    by_path[e.path] = e
  end
  f:close()
  return entries, by_path, unesc(header)
end

--- The cache file of a root: a name from the path (FNV-1a, 64 bits); the
-- root is checked against the manifest's header when read.
local function cache_file(s, root)
  local h = 0xcbf29ce484222325
  for i = 1, #root do h = ((h ~ root:byte(i)) * 0x100000001b3) & 0xffffffffffffffff end
  return string.format("%s/%016x", s.cache, h)
end

--- Snapshot `root` with the stat cache; the cache is updated.  Returns
-- entries, by_path, the number of files read; or nil and a message.
function M.snapshot(s, root, opts)
  local file = cache_file(s, root)
  local cached, cache_by, header = M.read_manifest(file)
  local since = 0
  if cached then
    local r, t = header:match("^(.*)\t(%d+)$")
    if r == root then since = math.tointeger(tonumber(t)) else cache_by = nil end
  end
  local now = core.time_ms() * 1000000
  local entries, by_path, read = M.walk(s, root, { excludes = opts.excludes, skip = opts.skip,
    cache = cache_by, since = since })
  if not entries then return nil, by_path end
  M.write_manifest(file, entries, root .. "\t" .. math.tointeger(now))
  return entries, by_path, read
end

--- What changed from manifest `a` to `b` (maps by path): lists of added,
-- changed and removed entries (of b, of b, of a), sorted by path.
function M.changes(a, b)
  local added, changed, removed = {}, {}, {}
  for path, e in pairs(b) do
    local o = a[path]
    if not o then
      added[#added + 1] = e
    elseif o.type ~= e.type or o.id ~= e.id or (o.mode ~= e.mode) then
      changed[#changed + 1] = e
    end
  end
  for path, o in pairs(a) do
    if not b[path] then removed[#removed + 1] = o end
  end
  local function by(x, y) return x.path < y.path end
  table.sort(added, by)
  table.sort(changed, by)
  table.sort(removed, by)
  return added, changed, removed
end

--- "3 added, 1 changed, 2 removed" (files and links; directories by name
-- only when nothing else changed in them is not worth a count).
function M.summary(added, changed, removed)
  local function n(list)
    local c = 0
    for _, e in ipairs(list) do if e.type ~= "d" then c = c + 1 end end
    return c
  end
  return string.format("%d added, %d changed, %d removed", n(added), n(changed), n(removed))
end

---------------------------------------------------------------------------
-- Sessions: rollback/sessions/ID/{meta,before,after}

local function write_meta(dir, meta)
  local f = assert(io.open(dir .. "/meta.tmp", "w"))
  for _, k in ipairs { "id", "kind", "root", "time", "command", "excludes", "of", "summary" } do
    if meta[k] then f:write(k, "\t", esc(tostring(meta[k])), "\n") end
  end
  f:close()
  os.rename(dir .. "/meta.tmp", dir .. "/meta")
end

function M.read_meta(s, id)
  if type(id) ~= "string" or not id:match("^[%w%-]+$") then return nil, "no session '" .. tostring(id) .. "'" end
  local f = io.open(s.sessions .. "/" .. id .. "/meta", "r")
  if not f then return nil, "no session '" .. id .. "' (nono rollback list shows them)" end
  local meta = {}
  for line in f:lines() do
    local k, v = line:match("^(%w+)\t(.*)$")
    if k then meta[k] = unesc(v) end
  end
  f:close()
  meta.id, meta.dir = id, s.sessions .. "/" .. id
  return meta
end

--- Every session, oldest first.
function M.sessions(s)
  local names = {}
  local lfs = require "lfs"
  for name in lfs.dir(s.sessions) do
    if name:match("^%d+%-%d+%-%d+$") then names[#names + 1] = name end
  end
  table.sort(names)
  local out = {}
  for _, id in ipairs(names) do
    local meta = M.read_meta(s, id)
    if meta then out[#out + 1] = meta end
  end
  return out
end

--- Start a session record: the snapshot before.  opts: root, excludes,
-- skip, command (text), kind ("run" or "restore"), of (the session a
-- restore brought back).  Returns the session (meta), or nil and a message.
function M.begin(s, opts)
  local entries, msg = M.snapshot(s, opts.root, opts)
  if not entries then return nil, msg end
  local id = os.date("!%Y%m%d-%H%M%S") .. "-" .. core.getpid()
  local dir = s.sessions .. "/" .. id
  local fd = core.dir_open(s.sessions)
  local sfd, smsg = core.dir_at(fd, id, tonumber("700", 8))
  core.close_fd(fd)
  if not sfd then return nil, smsg end
  core.close_fd(sfd)
  local ok, wmsg = M.write_manifest(dir .. "/before", entries, opts.root)
  if not ok then return nil, wmsg end
  local meta = { id = id, dir = dir, kind = opts.kind or "run", root = opts.root, time = os.time(),
    command = opts.command, excludes = table.concat(opts.excludes or M.DEFAULT_EXCLUDES, " "), of = opts.of }
  write_meta(dir, meta)
  meta.entries = entries
  return meta
end

--- End a session record: the snapshot after, and its summary.  Returns
-- added, changed, removed; or nil and a message.
function M.finish(s, meta, opts)
  local entries, by_path = M.snapshot(s, meta.root, opts)
  if not entries then return nil, by_path end
  local ok, msg = M.write_manifest(meta.dir .. "/after", entries, meta.root)
  if not ok then return nil, msg end
  local before = {}
  for _, e in ipairs(meta.entries or assert(M.read_manifest(meta.dir .. "/before"))) do before[e.path] = e end
  local added, changed, removed = M.changes(before, by_path)
  meta.summary = M.summary(added, changed, removed)
  write_meta(meta.dir, meta)
  return added, changed, removed
end

--- The names excluded by a session (from its record).
function M.excludes_of(meta)
  local list = {}
  for n in (meta.excludes or ""):gmatch("%S+") do list[#list + 1] = n end
  return list
end

--- The state directory, canonical, for `skip` (a root above it must not
-- record nono's own store).
function M.skip_list(getenv)
  local dir = state.dir(getenv)
  return { dir and paths.canonical(dir) or nil }
end

return M
