--- The command's mount view (src/mounts.h), planned from a resolved policy:
-- which write grants are bound back writable in a tree made read-only, and
-- which outside daemons' sockets are hidden.  The plan (Policy:plan) and
-- the report (Policy:report) both ask here, so what is printed is what is
-- mounted.
local core = require "nono.core"
local lfs = require "lfs"
local paths = require "nono.paths"

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
-- stays changeable (the report lists the directory).  Not those that
-- `covered(path)` says a private directory covers (M.view puts them back
-- on top of it).  nil, reason when a
-- write grant is / itself: there is nothing left to make read-only.
function M.writable(policy, write, covered)
  local list = {}
  for _, g in ipairs(policy.grants) do
    if g.canonical and (g.isdir or g.isreg) and policy:mask(g) & write ~= 0
        and not beneath(g.canonical, "/proc") and not (covered and covered(g.canonical)) then
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

--- Where outside daemons keep the sockets that act for the user (row 9):
-- the user's runtime directory (the D-Bus session bus, systemd --user,
-- gpg-agent, pipewire), docker and containerd (root on the host), the
-- D-Bus system bus, X11, tmux and screen servers (typing into the user's
-- shells), and ssh-agent and gpg-agent (signing with the user's keys).
-- `home` and `uid` of the user, `ssh` the value of $SSH_AUTH_SOCK.
function M.socket_places(home, uid, ssh)
  local list = {
    "/run/user/" .. uid, "/run/docker.sock", "/var/run/docker.sock",
    "/run/containerd/containerd.sock", "/run/podman", "/run/dbus/system_bus_socket",
    "/run/screen", "/tmp/.X11-unix", "/tmp/.ICE-unix", "/tmp/tmux-" .. uid,
  }
  if ssh and ssh:sub(1, 1) == "/" then list[#list + 1] = ssh end
  if home then
    local ok, iter, dir = pcall(lfs.dir, home .. "/.gnupg")
    if ok then
      for name in iter, dir do
        if name:sub(1, 2) == "S." then list[#list + 1] = home .. "/.gnupg/" .. name end
      end
    end
  end
  return list
end

--- The places of socket_places that exist here, canonical, without
-- repeats and none beneath another: { path, isdir } each.
local function existing(places)
  local found, seen = {}, {}
  for _, place in ipairs(places) do
    local real, kind = core.resolve(place)
    if real and not seen[real] then
      seen[real] = true
      found[#found + 1] = { path = real, isdir = kind == "directory" }
    end
  end
  table.sort(found, function(a, b) return a.path < b.path end)
  local kept = {}
  for _, f in ipairs(found) do
    local inside = false
    for _, k in ipairs(kept) do
      if beneath(f.path, k.path) then inside = true break end
    end
    if not inside then kept[#kept + 1] = f end
  end
  return kept
end

--- What to hide of `places` (existing, from `existing`) so that none of
-- `keep` (canonical paths: the sockets granted with --allow-unix-socket,
-- and every grant, which must stay reachable) is covered: a place with
-- nothing to keep beneath it is hidden whole; one with something to keep
-- beneath it has its other entries hidden, and so on down the way to it.
local function hide_around(places, keep)
  local out = {}
  local function visit(path, isdir)
    local kept_here, kept_below = false, false
    for _, k in ipairs(keep) do
      if k == path then kept_here = true end
      if k ~= path and beneath(k, path) then kept_below = true end
    end
    if kept_here then return end
    if not kept_below or not isdir then
      out[#out + 1] = path
      return
    end
    local ok, iter, dir = pcall(lfs.dir, path)
    if not ok then
      out[#out + 1] = path -- (cannot list it: hidden whole, the keep with it)
      return
    end
    local names = {}
    for name in iter, dir do
      if name ~= "." and name ~= ".." then names[#names + 1] = name end
    end
    table.sort(names)
    for _, name in ipairs(names) do
      local child = path .. "/" .. name
      local attr = lfs.symlinkattributes(child)
      if attr then visit(child, attr.mode == "directory") end
    end
  end
  for _, place in ipairs(places) do visit(place.path, place.isdir) end
  return out
end

--- The sockets `policy` keeps reachable: --allow-unix-socket and the
-- profile's allow_unix_socket, canonical ({ path, source } each; one
-- that does not exist is left out).
function M.allowed_sockets(policy)
  local out = {}
  for _, s in ipairs(policy.unix_sockets or {}) do
    local real = core.resolve(s.path)
    if real then out[#out + 1] = { path = real, source = s.source } end
  end
  return out
end

--- The outside sockets, and directories of them, that exist here and
-- would be reachable from the sandbox: what the mount view hides, and
-- what the floor leaves open.  Canonical paths.
function M.sockets(policy)
  local places = existing(M.socket_places(policy.home, core.geteuid(), os.getenv("SSH_AUTH_SOCK")))
  if #places == 0 then return {} end
  -- What is kept: the granted sockets, and the grants at or beneath a
  -- place (the rest are passed over by their second byte first: a policy
  -- of 10,000 grants elsewhere costs a table lookup each).
  local first, keep = {}, {}
  for _, place in ipairs(places) do first[place.path:byte(2) or 0] = true end
  local function consider(k)
    if not first[k:byte(2) or 0] then return end
    for _, place in ipairs(places) do
      if beneath(k, place.path) then
        keep[#keep + 1] = k
        return
      end
    end
  end
  for _, s in ipairs(M.allowed_sockets(policy)) do consider(s.path) end
  for _, g in ipairs(policy.grants) do
    if g.canonical then consider(g.canonical) end
  end
  return hide_around(places, keep)
end

--- The temporary directories a profile's private_tmp() grants.
M.TMP_DIRS = { "/tmp", "/var/tmp", "/dev/shm" }

--- The view for `policy`, or nil, reason where the namespace does not
-- work (or the policy asks for no mounts: opts.binds = false).
-- { writable = { paths }, hidden = { paths }, private = { { target,
-- grant } }, keeps = { { path, isdir, readonly } } }: the private
-- temporary directories, and what the policy grants beneath them (a
-- project in /tmp), put back on top of them from the host.
function M.view(policy, write)
  if not policy:binds_available() then
    return nil, policy.ns_unavailable and "no user namespaces" or "not used by this policy"
  end
  local private = {}
  for _, g in ipairs(policy.grants) do
    if g.private and g.canonical and g.isdir then private[#private + 1] = { target = g.canonical, grant = g } end
  end
  local function covered(path)
    for _, pv in ipairs(private) do
      if beneath(path, pv.target) then return true end
    end
    return false
  end
  local writable, why = M.writable(policy, write, covered)
  if not writable then return nil, why end
  local keeps, seen = {}, {}
  for _, g in ipairs(policy.grants) do
    if g.canonical and not g.private and (g.isdir or g.isreg) and covered(g.canonical) and not seen[g.canonical] then
      seen[g.canonical] = true
      keeps[#keeps + 1] = { path = g.canonical, isdir = g.isdir, readonly = policy:mask(g) & write == 0 }
    end
  end
  for _, sk in ipairs(M.allowed_sockets(policy)) do
    if covered(sk.path) and not seen[sk.path] then
      seen[sk.path] = true
      keeps[#keeps + 1] = { path = sk.path, isdir = false, readonly = false }
    end
  end
  table.sort(keeps, function(a, b) return a.path < b.path end)
  local hidden = {}
  for _, path in ipairs(M.sockets(policy)) do
    if not covered(path) then hidden[#hidden + 1] = path end
  end
  -- Row 29: ptys of the command's own.  The session's own terminal (the
  -- system set's: what stdin, stdout or stderr is) is relayed: the command
  -- gets a pty of the instance instead, and the covered name is no loss.
  -- Any other terminal of the user's granted keeps the host's /dev/pts:
  -- its name would be covered.
  local devpts, relay = lfs.attributes("/dev/pts/ptmx") ~= nil, false
  for _, g in ipairs(policy.grants) do
    if g.canonical and g.canonical:match("^/dev/pts/") and g.canonical ~= "/dev/pts/ptmx" then
      if g.source == "system" then relay = true else devpts = false end
    end
  end
  return { writable = writable, hidden = hidden, private = private, keeps = keeps, devpts = devpts,
    relay = devpts and relay }
end

--- Whether the host's `path` is there in the command's view: not beneath
-- a private directory, or beneath (or on the way to) what is kept from
-- the host on top of it.
function M.visible(view, path)
  local covered = false
  for _, pv in ipairs(view.private or {}) do
    if beneath(path, pv.target) then covered = true end
  end
  if not covered then return true end
  for _, k in ipairs(view.keeps or {}) do
    if beneath(path, k.path) or beneath(k.path, path) then return true end
  end
  return false
end

--- What the report says of the private directories of `view`.
function M.private_report(view)
  local out = {}
  for _, pv in ipairs(view.private or {}) do out[#out + 1] = pv.target end
  return out
end

--- The temporary directories `policy` grants from the host, without the
-- mount namespace (the floor): shared with the user's other processes.
function M.shared_tmp(policy)
  local out = {}
  for _, g in ipairs(policy.grants) do
    if g.private and g.canonical then out[#out + 1] = g.canonical end
  end
  return out
end

--- Where the sessions' temporary directories are kept: under the state
-- directory ($XDG_STATE_HOME/nono/tmp, ~/.local/state/nono/tmp), which no
-- grant of nono's own includes.
function M.tmp_base(home)
  local state = os.getenv("XDG_STATE_HOME")
  if not state or state:sub(1, 1) ~= "/" then state = home and home .. "/.local/state" end
  return state and state .. "/nono/tmp"
end

local function mkdir_p(path, mode)
  local at = ""
  for part in path:gmatch("[^/]+") do
    at = at .. "/" .. part
    if not lfs.symlinkattributes(at) then
      local ok, msg = lfs.mkdir(at)
      if not ok then return nil, "cannot create " .. at .. ": " .. tostring(msg) end
      if mode then core.chmod(at, mode) end
    end
  end
  return true
end

--- Make this session's directory and, in it, one directory per private
-- temporary directory (mode 1777, as /tmp), with the mount points of what
-- is kept from the host beneath them.  Sets policy.session_tmp = { dir,
-- made = { paths made for mount points } }.  true, or nil, message.
local function make_session_dir(policy, view)
  local base = M.tmp_base(policy.home)
  if not base then return nil, "no home directory to keep the session's /tmp in (set HOME or XDG_STATE_HOME)" end
  local ok, msg = mkdir_p(base, 448) -- 0700
  if not ok then return nil, msg end
  local dir = string.format("%s/%s-%d", base, os.date("!%Y%m%dT%H%M%SZ"), core.getpid())
  ok, msg = lfs.mkdir(dir)
  if not ok then return nil, "cannot create " .. dir .. ": " .. tostring(msg) end
  core.chmod(dir, 448)
  -- Row 24 for nono itself: what it binds over /tmp, and later empties,
  -- must be where it was made, not through a symlink planted on the way.
  if core.resolve(dir) ~= dir then return nil, dir .. " is reached through a symlink: refused" end
  local st = { dir = dir, made = {}, subdirs = {} }
  policy.session_tmp = st
  for _, pv in ipairs(view.private) do
    local sub = dir .. "/" .. pv.target:sub(2):gsub("/", "-")
    ok, msg = lfs.mkdir(sub)
    if not ok then return nil, "cannot create " .. sub .. ": " .. tostring(msg) end
    core.chmod(sub, 1023) -- 01777
    pv.source = sub
    st.subdirs[#st.subdirs + 1] = sub
    -- $TMPDIR beneath it (pam_tmpdir's /tmp/user/UID): made again, empty,
    -- in the private directory, so programs that use it keep working.
    local tmpdir = os.getenv("TMPDIR")
    if tmpdir and tmpdir ~= pv.target and beneath(paths.clean(tmpdir), pv.target) then
      mkdir_p(sub .. paths.clean(tmpdir):sub(#pv.target + 1), 448)
    end
    for _, k in ipairs(view.keeps) do
      if beneath(k.path, pv.target) then
        local point = sub .. k.path:sub(#pv.target + 1)
        local parent = point:match("^(.*)/[^/]*$")
        local at = sub
        for part in parent:sub(#sub + 2):gmatch("[^/]+") do
          at = at .. "/" .. part
          if not lfs.symlinkattributes(at) then
            assert(lfs.mkdir(at))
            st.made[#st.made + 1] = at
          end
        end
        if not lfs.symlinkattributes(point) then
          if k.isdir then
            assert(lfs.mkdir(point))
          else
            assert(io.open(point, "w")):close()
          end
          st.made[#st.made + 1] = point
        end
      end
    end
  end
  return true
end

--- Put `view` into `plan` (a nono.core policy) for `policy`; makes the
-- session's directory when there are private temporary directories.
-- true, or nil, message, errno.
function M.apply(view, plan, policy)
  plan:set_ro_view()
  for _, path in ipairs(view.writable) do
    local ok, msg, err = plan:add_rw_bind(path)
    if not ok then return nil, msg, err end
  end
  if #view.private > 0 then
    local ok, msg = make_session_dir(policy, view)
    if not ok then return nil, msg end
    for _, pv in ipairs(view.private) do
      -- Landlock's rule goes on the new directory: the way up from a
      -- file skips the directory a mount covers (the host's /tmp).
      local ok2, msg2, err2 = plan:add_path(pv.source, policy:mask(pv.grant))
      if ok2 then ok2, msg2, err2 = plan:add_over(pv.source, pv.target, false) end
      if not ok2 then return nil, msg2, err2 end
    end
    for _, k in ipairs(view.keeps) do
      local ok2, msg2, err2 = plan:add_over(k.path, k.path, k.readonly)
      if not ok2 then return nil, msg2, err2 end
    end
  end
  for _, path in ipairs(view.hidden) do
    local ok, msg, err = plan:add_hide(path)
    if not ok then return nil, msg, err end
  end
  if view.devpts then plan:set_devpts() end
  if view.relay then plan:set_pty_relay() end
  return true
end

--- Remove `path` and everything beneath it, following no symlink.
local function remove_tree(path)
  local attr = lfs.symlinkattributes(path)
  if not attr then return true end
  if attr.mode == "directory" then
    core.chmod(path, 448)
    local ok, iter, dir = pcall(lfs.dir, path)
    if ok then
      for name in iter, dir do
        if name ~= "." and name ~= ".." then remove_tree(path .. "/" .. name) end
      end
    end
    return lfs.rmdir(path)
  end
  return os.remove(path)
end

--- When the session has ended: the mount points made for it go; then the
-- session's directory is removed if the command left nothing there, or
-- with everything in it if `discard` (--discard-tmp), and otherwise kept
-- and its path said (`say`, printf-like).  `walking` (optional) is called
-- once before anything the command left is walked (nono run turns Lua's
-- collector on then: a walk allocates as it goes).
function M.finish(policy, discard, say, walking)
  local st = policy.session_tmp
  if not st then return end
  policy.session_tmp = nil
  for i = #st.made, 1, -1 do
    local path = st.made[i]
    local attr = lfs.symlinkattributes(path)
    if attr and attr.mode == "directory" then
      lfs.rmdir(path) -- (only if empty)
    elseif attr and attr.mode == "file" and attr.size == 0 then
      os.remove(path)
    end
  end
  -- (the usual end: the command left nothing, and nothing is walked)
  local left = {}
  for _, sub in ipairs(st.subdirs) do
    if not lfs.rmdir(sub) and lfs.symlinkattributes(sub) then left[#left + 1] = sub end
  end
  if #left == 0 and lfs.rmdir(st.dir) then return end
  if walking then walking() end
  if discard then
    if not remove_tree(st.dir) then say("could not remove all of the session's /tmp, %s", st.dir) end
    return
  end
  -- (empty directories, $TMPDIR's among them, are nothing left)
  local function prune(dir)
    local ok, iter, d = pcall(lfs.dir, dir)
    if ok then
      for name in iter, d do
        local child = dir .. "/" .. name
        if name ~= "." and name ~= ".." and (lfs.symlinkattributes(child) or {}).mode == "directory" then
          prune(child)
        end
      end
    end
    return lfs.rmdir(dir)
  end
  local empty = true
  for _, sub in ipairs(left) do
    if not prune(sub) then empty = false end
  end
  if empty and lfs.rmdir(st.dir) then return end
  say("what the session left in its private /tmp is kept in %s (--discard-tmp removes it)", st.dir)
end

return M
