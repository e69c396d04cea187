--- The command's mount view (src/mounts.h), planned from a resolved policy:
-- which write grants are bound back writable in a tree made read-only, and
-- which outside daemons' sockets are hidden.  The plan (Policy:plan) and
-- the report (Policy:report) both ask here, so what is printed is what is
-- mounted.
local core = require "nono.core"

local M = {}

local function beneath(path, dir)
  return dir == "/" or path == dir or path:sub(1, #dir + 1) == dir .. "/"
end
M.beneath = beneath

--- The write grants of `policy` to bind back, parents first and none
-- beneath another (its copy comes with the parent's), given `write` (the
-- mask of rights that change files).  Only directories and regular files:
-- a device (/dev/null) is written through a read-only mount anyway.  Not
-- beneath /proc, which the command's init mounts afresh.  For a file, its
-- directory: programs save a file by writing a new one beside it and
-- renaming it over, and when Landlock refuses the new name (EACCES) some
-- write the file in place instead; a read-only directory would answer
-- EROFS first (Claude Code then fails to save ~/.claude.json).  Landlock
-- still keeps every other name there as it was; only their metadata
-- stays changeable (the report lists the directory).  nil, reason when a
-- write grant is / itself: there is nothing left to make read-only.
function M.writable(policy, write)
  local list = {}
  for _, g in ipairs(policy.grants) do
    if g.canonical and (g.isdir or g.isreg) and policy:mask(g) & write ~= 0
        and not beneath(g.canonical, "/proc") then
      local path = g.canonical
      if not g.isdir then path = path:match("^(.*)/[^/]*$") end
      if path == "" or path == "/" then return nil, "a write grant covers /" end
      list[#list + 1] = path
    end
  end
  table.sort(list)
  local kept = {}
  for _, path in ipairs(list) do
    local inside = false
    for _, k in ipairs(kept) do
      if beneath(path, k) then inside = true break end
    end
    if not inside then kept[#kept + 1] = path end
  end
  return kept
end

--- The view for `policy`, or nil, reason where the namespace does not
-- work (or the policy asks for no mounts: opts.binds = false).
-- { writable = { paths }, hidden = { paths } }.
function M.view(policy, write)
  if not policy:binds_available() then
    return nil, policy.ns_unavailable and "no user namespaces" or "not used by this policy"
  end
  local writable, why = M.writable(policy, write)
  if not writable then return nil, why end
  return { writable = writable, hidden = {} }
end

--- Put `view` into `plan` (a nono.core policy).  true, or nil, message,
-- errno.
function M.apply(view, plan)
  plan:set_ro_view()
  for _, path in ipairs(view.writable) do
    local ok, msg, err = plan:add_rw_bind(path)
    if not ok then return nil, msg, err end
  end
  for _, path in ipairs(view.hidden) do
    local ok, msg, err = plan:add_hide(path)
    if not ok then return nil, msg, err end
  end
  return true
end

return M
