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
function M.canonical(path)
  -- core.resolve: a path with no symlink on the way costs one open, not
  -- realpath's readlink of every component (63 protections, most missing).
  local real, msg, err = core.resolve(path)
  if real then return real, true end
  if path == "/" or err ~= 2 then -- 2 = ENOENT
    return nil, msg, err
  end
  local parent = M.parent(path)
  local base = path:sub(#parent + 2)
  local preal, pmsg, perr = M.canonical(parent == "" and "/" or parent)
  if not preal then return nil, pmsg, perr end
  return (preal == "/" and "" or preal) .. "/" .. base, false
end

return M
