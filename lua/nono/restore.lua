--- `nono rollback restore ID [PATH...]`: the tree a session recorded
-- before it ran, brought back beneath its root.
--
-- The tree is what the session left: every name in it may be a symlink to
-- anywhere, planted where a file or directory was.  So nothing here goes
-- by path: the root is opened from "/" one component at a time without
-- following a symlink (it was recorded canonical), every directory below
-- it the same way from its parent's descriptor (core.dir_at), and each
-- file is written beside its name and renamed over it (core.write_at): a
-- symlink in its place is replaced, not followed.  Nothing is written
-- outside the recorded root.
--
-- Before anything changes, the tree as it is now is recorded as a session
-- of its own (kind "restore"): `nono rollback restore` of that one undoes
-- the restore.  Each file is replaced whole (written, synced, renamed), so
-- an interrupted restore leaves every file old or new, and the record
-- taken first holds whatever the restore had not yet put back; running the
-- restore again finishes it.
local core = require "nono.core"
local rollback = require "nono.rollback"

local M = {}

--- True when `path` is `filter` or lies beneath it (relative paths, ""
-- the root).
local function within(path, filters)
  if not filters then return true end
  for _, f in ipairs(filters) do
    if f == "" or path == f or path:sub(1, #f + 1) == f .. "/" then return true end
  end
  return false
end

--- True when `path` is a directory above one of `filters`.
local function ancestor_of(path, filters)
  for _, f in ipairs(filters) do
    if f:sub(1, #path + 1) == path .. "/" then return true end
  end
  return false
end

local function split(path)
  local dir, name = path:match("^(.*)/([^/]+)$")
  if not dir then return "", path end
  return dir, name
end

--- Opened directories beneath the root, by relative path, closed at the end.
local function dir_cache(rootfd)
  local open = { [""] = rootfd }
  local c = {}
  function c.get(rel)
    if open[rel] then return open[rel] end
    local fd, msg = core.dir_at(rootfd, rel)
    if not fd then return nil, msg end
    open[rel] = fd
    return fd
  end
  function c.forget(rel)
    for k, fd in pairs(open) do
      if k ~= "" and (k == rel or k:sub(1, #rel + 1) == rel .. "/") then
        core.close_fd(fd)
        open[k] = nil
      end
    end
  end
  function c.close()
    for _, fd in pairs(open) do core.close_fd(fd) end
  end
  return c
end

--- Remove `name` in `dirfd`, a whole directory tree included (each level
-- opened without following a symlink).
local function remove(dirfd, name)
  local st = core.stat_at(dirfd, name)
  if not st then return true end
  if st.type ~= "directory" then return core.unlink_at(dirfd, name) end
  local fd, msg = core.dir_at(dirfd, name)
  if not fd then return nil, msg end
  local names = core.list_at(fd) or {}
  for _, n in ipairs(names) do
    local ok, rmsg = remove(fd, n)
    if not ok then
      core.close_fd(fd)
      return nil, rmsg
    end
  end
  core.close_fd(fd)
  return core.unlink_at(dirfd, name, true)
end

--- Restore session `meta` (rollback.read_meta) beneath its root; `filters`:
-- relative paths to restore (nil: all).  opts.say prints a line.  Returns
-- the session recorded before the restore and counts { written, removed };
-- or nil and a message.
function M.restore(s, meta, filters, opts)
  local target, target_by = rollback.read_manifest(meta.dir .. "/before")
  if not target then return nil, target_by end
  local excludes = rollback.excludes_of(meta)
  local undo, umsg = rollback.begin(s, { root = meta.root, excludes = excludes, skip = opts.skip,
    kind = "restore", of = meta.id, command = "nono rollback restore " .. meta.id
      .. (filters and " " .. table.concat(filters, " ") or "") })
  if not undo then return nil, "cannot record the tree before restoring it: " .. umsg end
  local now = {}
  for _, e in ipairs(undo.entries) do now[e.path] = e end
  local slash = assert(core.dir_open("/"))
  local rootfd, rmsg = core.dir_at(slash, meta.root:sub(2))
  core.close_fd(slash)
  if not rootfd then return nil, "cannot open the recorded root " .. meta.root .. ": " .. rmsg end
  local dirs = dir_cache(rootfd)
  local counts = { written = 0, removed = 0 }
  local function fail(m)
    dirs.close()
    return nil, m
  end

  -- The contents needed, read from the store at once.
  local want, seen = {}, {}
  for _, e in ipairs(target) do
    local cur = now[e.path]
    if e.type == "f" and within(e.path, filters) and not seen[e.id]
        and not (cur and cur.type == "f" and cur.id == e.id) then
      seen[e.id] = true
      want[#want + 1] = e.id
    end
  end
  local blobs, bmsg = rollback.blobs(s, want)
  if not blobs then return fail(bmsg) end

  -- What is there now and was not recorded goes first, deepest first, so
  -- that a directory the session made where a file was is gone when the
  -- file comes back.
  local extra = {}
  for path, e in pairs(now) do
    if not target_by[path] and within(path, filters) then extra[#extra + 1] = e end
  end
  table.sort(extra, function(a, b) return a.path > b.path end)
  for _, e in ipairs(extra) do
    local dir, name = split(e.path)
    local fd = dirs.get(dir)
    if fd then
      dirs.forget(e.path)
      local ok, m = remove(fd, name)
      if not ok then return fail("cannot remove " .. meta.root .. "/" .. e.path .. ": " .. m) end
      counts.removed = counts.removed + 1
    end
  end

  -- Then the recorded tree, parents before children.  Directory modes are
  -- set last, deepest first: a read-only directory still takes its files.
  local dir_modes = {}
  for _, e in ipairs(target) do
    if within(e.path, filters) or (e.type == "d" and filters and ancestor_of(e.path, filters)) then
      local dir, name = split(e.path)
      local fd, dmsg = dirs.get(dir)
      if not fd then return fail("cannot open " .. meta.root .. "/" .. dir .. ": " .. dmsg) end
      local cur = core.stat_at(fd, name)
      if e.type == "d" then
        if cur and cur.type ~= "directory" then
          local ok, m = core.unlink_at(fd, name)
          if not ok then return fail(m) end
          cur = nil
        end
        if not cur then
          local sub, m = core.dir_at(fd, name, tonumber("700", 8))
          if not sub then return fail(m) end
          core.close_fd(sub)
          counts.written = counts.written + 1
        end
        if within(e.path, filters) then dir_modes[#dir_modes + 1] = e end
      else
        if cur and cur.type == "directory" then
          dirs.forget(e.path)
          local ok, m = remove(fd, name)
          if not ok then return fail(m) end
          cur = nil
        end
        local same = now[e.path] and now[e.path].type == e.type and now[e.path].id == e.id
          and cur and now[e.path].ino == cur.ino
        if e.type == "f" then
          -- set-id bits are not restored: the tree was the session's to write
          local mode = e.mode & tonumber("1777", 8)
          if not same or now[e.path].mode ~= e.mode then
            local ok, m = core.write_at(fd, name, blobs[e.id] or assert(rollback.blobs(s, { e.id }))[e.id], mode)
            if not ok then return fail("cannot write " .. meta.root .. "/" .. e.path .. ": " .. m) end
            counts.written = counts.written + 1
          end
        elseif not same then
          local ok, m = core.symlink_at(fd, name, e.id)
          if not ok then return fail("cannot make " .. meta.root .. "/" .. e.path .. ": " .. m) end
          counts.written = counts.written + 1
        end
      end
    end
  end
  for i = #dir_modes, 1, -1 do
    local e = dir_modes[i]
    local fd = dirs.get(e.path)
    if fd then core.fchmod(fd, e.mode & tonumber("1777", 8)) end
  end
  core.fsync_fd(rootfd)
  dirs.close()
  local added, changed, removed = rollback.finish(s, undo, { excludes = excludes, skip = opts.skip })
  if not added then return nil, changed end
  return undo, counts
end

return M
