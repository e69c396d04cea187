--- Path expansion: `~`, relative paths, and lexical clean-up.
-- Canonicalisation (symlinks) is the kernel's job: core.realpath.
local core = require "nono.core"

local M = {}

--- Collapse "//", "/./" and "/x/.." lexically.  `path` must be absolute.
function M.clean(path)
  -- Already clean, the common case (10,000 grants): no "//", "." or ".."
  -- component, no trailing "/".
  if not path:find("//", 1, true) and not path:find("/%.%.?/") and not path:find("/%.%.?$")
      and (path == "/" or path:sub(-1) ~= "/") then
    return path
  end
  local parts = {}
  for part in path:gmatch("[^/]+") do
    if part == ".." then
      parts[#parts] = nil
    elseif part ~= "." then
      parts[#parts + 1] = part
    end
  end
  return "/" .. table.concat(parts, "/")
end

--- Expand `~` and `~/...` with `home`, make relative paths absolute
-- against `cwd`.  Returns the path, or nil and a message.
function M.expand(path, home, cwd)
  if type(path) ~= "string" or path == "" then
    return nil, "empty path"
  end
  if path == "~" or path:sub(1, 2) == "~/" then
    if not home or home == "" then
      return nil, "cannot expand '~' in '" .. path .. "': HOME is not set"
    end
    path = home .. path:sub(2)
  elseif path:sub(1, 1) == "~" then
    return nil, "'" .. path .. "': only '~' and '~/...' are expanded, not '~user'"
  end
  if path:sub(1, 1) ~= "/" then
    if not cwd then
      return nil, "cannot resolve relative path '" .. path .. "': no working directory"
    end
    path = cwd .. "/" .. path
  end
  return M.clean(path)
end

function M.parent(path)
  return path:match("^(.*)/[^/]*$") or "/"
end

--- True when `path` is `dir` or lies beneath it (both canonical).
function M.is_beneath(path, dir)
  if dir == "/" then return true end
  return path == dir or path:sub(1, #dir + 1) == dir .. "/"
end

--- The canonical form of a path that may not exist yet: the deepest
-- existing ancestor is resolved by the kernel, the rest is appended.
-- Returns canonical, exists (boolean); or nil, message, errno.
-- `seen` (optional, a table) keeps the answers for existing paths across
-- calls: the parents of missing paths repeat (~ once per missing
-- protection in the home directory).
function M.canonical(path, seen)
  local known = seen and seen[path]
  if known then return known, true end
  -- core.resolve: a path with no symlink on the way costs one open, not
  -- realpath's readlink of every component (63 protections, most missing).
  local real, msg, err = core.resolve(path)
  if real then
    if seen then seen[path] = real end
    return real, true
  end
  if path == "/" or err ~= core.errno.ENOENT then
    return nil, msg, err
  end
  local parent = M.parent(path)
  local base = path:sub(#parent + 2)
  local preal, pmsg, perr = M.canonical(parent == "" and "/" or parent, seen)
  if not preal then return nil, pmsg, perr end
  return (preal == "/" and "" or preal) .. "/" .. base, false
end

--- The home directory of the effective user in /etc/passwd, or nil.
local function passwd_home(uid)
  local f = io.open("/etc/passwd", "r")
  if not f then return nil end
  for line in f:lines() do
    local id, dir = line:match("^[^:]*:[^:]*:(%d+):[^:]*:[^:]*:([^:]*):")
    if id and tonumber(id) == uid and dir:sub(1, 1) == "/" then
      f:close()
      return M.clean(dir)
    end
  end
  f:close()
  return nil
end

--- The home directories (threat row 27).  `~` means $HOME when it is an
-- absolute path (a fixture or CI home is legitimate: the agent's tools
-- write there), else the passwd entry's home.  Protections cover both when
-- they differ: the user's own shells start from the passwd one.
-- Returns home (or nil), the distinct homes canonical where they exist,
-- and a note for the report when $HOME was not used as it stood.
function M.homes(getenv)
  local env = getenv("HOME")
  local pw = passwd_home(core.geteuid())
  local home, note
  if type(env) == "string" and env:sub(1, 1) == "/" then
    home = M.clean(env)
  else
    home = pw
    note = string.format("HOME is %s; ~ is the home directory of the passwd entry, %s",
      env == nil and "unset" or env == "" and "empty" or "relative ('" .. env .. "')", tostring(pw))
  end
  local list, seen = {}, {}
  for _, h in ipairs { home, pw } do
    local real = h and (core.realpath(h) or h)
    if real and not seen[real] then
      seen[real] = true
      list[#list + 1] = real
    end
  end
  if home and pw and (list[2] ~= nil) then
    note = (note and note .. "; " or "") .. "protections also cover " .. list[2] .. " (the passwd entry's home)"
  end
  return home, list, note
end

return M
