--- Where nono keeps its state (rollback snapshots, ephemeral sessions):
-- $XDG_STATE_HOME/nono, else ~/.local/state/nono, `~` as the rest of nono
-- means it (paths.homes: $HOME when absolute, else the passwd entry's).
-- Every session could write a grant that covers the home directory, so a
-- previous session may have planted a symlink anywhere below it: the
-- directories below the home (or below $XDG_STATE_HOME, the user's own
-- setting, taken as named) are opened one by one without following a
-- symlink, made 0700 where missing, and the state directory must be the
-- user's own (it is made 0700 again if it is not).  The directory lies
-- outside every grant: cli.lua protects it (deny) in every policy, and a
-- grant at or beneath it is refused unless the user bypasses the
-- protection, which rollback then refuses in turn (rollback.lua).
local core = require "nono.core"
local lfs = require "lfs"
local paths = require "nono.paths"

local M = {}

M.WHY = "nono's state: rollback snapshots and sessions"

--- The anchor (a directory taken as named), the path below it walked
-- without symlinks, and the state directory's path.  Returns anchor,
-- rel, dir; or nil and a message.
local function locate(getenv)
  local home = paths.homes(getenv)
  local xdg = getenv("XDG_STATE_HOME")
  local base
  if type(xdg) == "string" and xdg:sub(1, 1) == "/" then
    base = paths.clean(xdg)
  elseif home then
    base = paths.clean(home .. "/.local/state")
  else
    return nil, "cannot tell where nono's state goes: neither XDG_STATE_HOME nor a home directory is set"
  end
  local dir = (base == "/" and "" or base) .. "/nono"
  if home and home ~= "/" and paths.is_beneath(base, home) then
    local below = base == home and "nono" or base:sub(#home + 2) .. "/nono"
    return home, below, dir
  end
  -- (elsewhere: from the deepest directory of it that exists, as named)
  local anchor, rel = base, "nono"
  while anchor ~= "/" and not lfs.attributes(anchor, "mode") do
    rel = anchor:match("[^/]+$") .. "/" .. rel
    anchor = paths.parent(anchor)
    if anchor == "" then anchor = "/" end
  end
  return anchor, rel, dir
end

--- The state directory's path (nothing is made).  Returns it, or nil and a
-- message.
function M.dir(getenv)
  local anchor, msg, dir = locate(getenv or os.getenv)
  if not anchor then return nil, msg end
  return dir
end

--- Open (making it if missing) the state directory, or `sub` beneath it
-- ("rollback", ...).  Returns an open descriptor and the path, or nil and
-- a message.  The caller closes the descriptor (core.close_fd).
function M.open(sub, getenv)
  getenv = getenv or os.getenv
  local anchor, rel, dir = locate(getenv)
  if not anchor then return nil, rel end
  local afd, amsg = core.dir_open(anchor)
  if not afd then return nil, "nono's state directory: " .. amsg end
  local fd, msg, err = core.dir_at(afd, rel, tonumber("700", 8))
  core.close_fd(afd)
  if not fd then
    if err == 40 or err == 20 then -- ELOOP, ENOTDIR
      msg = msg .. " (something that is not a directory is in the way: a symlink planted there is "
        .. "never followed; move it away)"
    end
    return nil, "nono's state directory " .. dir .. ": " .. msg
  end
  local st = core.stat_at(fd)
  if not st or st.uid ~= core.geteuid() then
    core.close_fd(fd)
    return nil, string.format("nono's state directory %s belongs to uid %s, not to this user (%d); "
      .. "nono keeps its state only in a directory of the user's own", dir, st and st.uid or "?",
      core.geteuid())
  end
  if st.mode ~= tonumber("700", 8) then core.fchmod(fd, tonumber("700", 8)) end
  if not sub then return fd, dir end
  local sfd, smsg = core.dir_at(fd, sub, tonumber("700", 8))
  core.close_fd(fd)
  if not sfd then return nil, "nono's state directory " .. dir .. ": " .. smsg end
  return sfd, dir .. "/" .. sub
end

return M
