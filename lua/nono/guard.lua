--- Guarded paths: what git or an agent obeys later, where no mount can keep
-- it read-only (no user namespaces: docs/threats.md, row 19 on the floor).
-- Landlock cannot say "everything in this directory but one entry", so
-- rather than narrow the project root around .git/config (no new file in
-- the root, no commit), the supervisor keeps a copy of each guarded file
-- or directory in its own memory, out of the command's reach, and when the
-- session ends (every process of it gone) puts back what changed: the
-- changed version is moved aside, nothing is lost.  The window while the
-- session runs, and a nono killed with SIGKILL, are the residual the
-- report states.  Names kept absent (git's commondir, where nothing can
-- stop their creation) are kept the same way: as the copy of nothing.
local core = require "nono.core"
local lfs = require "lfs"

local M = {}

--- What a guard may hold: hooks and config are small; a larger tree is
-- refused rather than half kept.
M.MAX_BYTES = 8 * 1024 * 1024
M.MAX_ENTRIES = 4096

local function mode_of(attrs)
  local bits, perm = 0, attrs.permissions or ""
  for i = 1, 9 do
    if perm:sub(i, i) ~= "-" then bits = bits | (1 << (9 - i)) end
  end
  return bits
end

--- A copy of `path`: { kind = "file", mode, data } | { kind = "dir", mode,
-- entries = { name = node } } | { kind = "link", target } | { kind =
-- "none" } | { kind = "other" }.  `budget` counts bytes and entries.
-- Returns the node, or nil and a message.
local function copy(path, budget)
  local a = lfs.symlinkattributes(path)
  if not a then return { kind = "none" } end
  budget.entries = budget.entries + 1
  if budget.entries > M.MAX_ENTRIES then return nil, "more than " .. M.MAX_ENTRIES .. " entries" end
  if a.mode == "link" then
    return { kind = "link", target = a.target }
  elseif a.mode == "file" then
    budget.bytes = budget.bytes + a.size
    if budget.bytes > M.MAX_BYTES then return nil, "more than " .. M.MAX_BYTES .. " bytes" end
    local f, msg = io.open(path, "rb")
    if not f then return nil, msg end
    local data = f:read("a")
    f:close()
    return { kind = "file", mode = mode_of(a), data = data }
  elseif a.mode == "directory" then
    local node = { kind = "dir", mode = mode_of(a), entries = {} }
    local ok, iter, st = pcall(lfs.dir, path)
    if not ok then return nil, iter end
    for name in iter, st do
      if name ~= "." and name ~= ".." then
        local sub, msg = copy(path .. "/" .. name, budget)
        if not sub then return nil, msg end
        node.entries[name] = sub
      end
    end
    return node
  end
  return { kind = "other" }
end

local function same(a, b)
  if a.kind ~= b.kind then return false end
  if a.kind == "file" then return a.mode == b.mode and a.data == b.data end
  if a.kind == "link" then return a.target == b.target end
  if a.kind == "dir" then
    if a.mode ~= b.mode then return false end
    for name, node in pairs(a.entries) do
      if not b.entries[name] or not same(node, b.entries[name]) then return false end
    end
    for name in pairs(b.entries) do
      if not a.entries[name] then return false end
    end
  end
  return true
end

--- Write `node` at `path` (which does not exist).  Returns true, or nil
-- and a message.
local function put(path, node)
  if node.kind == "file" then
    local f, msg = io.open(path, "wb")
    if not f then return nil, msg end
    f:write(node.data)
    f:close()
    return core.chmod(path, node.mode)
  elseif node.kind == "dir" then
    local ok, msg = lfs.mkdir(path)
    if not ok then return nil, msg end
    for name, sub in pairs(node.entries) do
      ok, msg = put(path .. "/" .. name, sub)
      if not ok then return nil, msg end
    end
    return core.chmod(path, node.mode)
  elseif node.kind == "link" then
    return lfs.link(node.target, path, true)
  end
  return true
end

--- Take copies of `guards` ({ {path, why} }), hold each directory of
-- `places` (those above a guarded path that the session could rename: a
-- moved .git would take the restored files with it), and note which names
-- of `absent` ({ {path, why} }) are missing now: only those are watched.
-- Returns the kept state, or nil and a message naming the path that
-- cannot be kept.
function M.keep(guards, places, absent)
  local kept = { places = {} }
  for _, dir in ipairs(places or {}) do
    local fd, msg = core.hold_dir(dir)
    if not fd then
      for _, h in ipairs(kept.places) do h.fd:close() end
      return nil, string.format("cannot hold %s to keep it in place (%s)", dir, msg)
    end
    kept.places[#kept.places + 1] = { path = dir, fd = fd }
  end
  for _, g in ipairs(guards or {}) do
    local node, msg = copy(g.path, { bytes = 0, entries = 0 })
    if not node then
      return nil, string.format("cannot keep a copy of %s to guard it (%s)", g.path, msg)
    end
    kept[#kept + 1] = { path = g.path, why = g.why, node = node }
  end
  for _, a in ipairs(absent or {}) do
    if not lfs.symlinkattributes(a.path) then
      kept[#kept + 1] = { path = a.path, why = a.why or "a name kept absent", node = { kind = "none" } }
    end
  end
  return kept
end

--- Move whatever is at `path` aside, to PATH.nono-moved-TIME, so nothing is
-- lost and nothing there is obeyed.  Returns where it went (nil when
-- there was nothing), or false and a message.
local function move_aside(path)
  if not lfs.symlinkattributes(path) then return nil end
  local aside = string.format("%s.nono-moved-%d", path, os.time())
  local ok, msg = os.rename(path, aside)
  if not ok then return false, msg end
  return aside
end

--- Put every held directory back where it was (shallowest first: a moved
-- project root before the .git inside it), moving aside whatever took its
-- place.
local function replace(kept, say, event)
  for _, h in ipairs(kept.places) do
    local now = core.held_path(h.fd)
    if now ~= h.path then
      local aside, msg = move_aside(h.path)
      local ok = aside ~= false
      if ok and now then ok, msg = os.rename(now, h.path) end
      if ok and now then
        say("%s was moved to %s during the session: moved back%s", h.path, now,
          aside and ", what took its place moved aside to " .. aside or "")
      else
        say("WARNING: %s was %s during the session and could not be put back (%s): check it before "
          .. "using git or the agent here", h.path, now and "moved to " .. now or "removed",
          tostring(msg or "it is gone"))
      end
      event("moved_back", { path = h.path, from = now, moved_to = aside or nil, error = not (ok and now) and
        tostring(msg or "removed") or nil })
    end
    h.fd:close()
  end
end

--- Put back every kept copy that changed.  `say(fmt, ...)` reports;
-- `event(name, fields)` logs.  Returns the number restored.
function M.restore(kept, say, event)
  local n = 0
  if not kept then return 0 end
  replace(kept, say, event)
  for _, k in ipairs(kept) do
    local now = copy(k.path, { bytes = -math.huge, entries = -math.huge })
    if not (now and same(k.node, now)) then
      local aside, msg = move_aside(k.path)
      local ok = aside ~= false
      if ok then ok, msg = put(k.path, k.node) end
      local planted = k.node.kind == "none"
      if ok then
        n = n + 1
        if planted then
          say("%s appeared during the session (%s): moved aside to %s", k.path, k.why, aside)
        else
          say("%s (%s) was changed during the session: restored%s", k.path, k.why or "guarded",
            aside and ", the changed version moved aside to " .. aside or "")
        end
      else
        say("WARNING: %s (%s) %s during the session and could not be %s (%s): check it before "
          .. "using git or the agent here", k.path, k.why or "guarded",
          planted and "appeared" or "was changed", planted and "moved aside" or "restored", tostring(msg))
      end
      event(planted and "planted" or "restored", { path = k.path, why = k.why, moved_to = aside or nil,
        error = not ok and msg or nil })
    end
  end
  return n
end

return M
