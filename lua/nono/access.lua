--- The Landlock rights each access class means (the words themselves are
-- nono.grants'); the names of the rights, for reports.
local core = require "nono.core"
local grants = require "nono.grants"

local M = {}

--- Access classes a grant is written in (read, write, ioctl), and the
-- Landlock rights each means: the class column of the C core's one rights
-- table (src/landlock.c says why each right is in its class), which the C
-- API's NONO_READ/NONO_WRITE/NONO_IOCTL use too.  What must keep its place
-- although write includes remove_dir is pinned (Policy:keep_places);
-- --keep-dirs withholds remove_dir from every grant.
M.classes = {}
--- Names of Landlock rights, in bit order, for reports.
M.right_names = core.rights
--- Which ABI added each right (beyond ABI 1): what a report names when a
-- right is missing.
M.right_abi = {}
for _, r in ipairs(core.rights) do
  if r.class then M.classes[r.class] = (M.classes[r.class] or 0) | r.bit end
  if r.abi > 1 then M.right_abi[r.name] = r.abi end
end

function M.names_of(mask)
  local out = {}
  for _, r in ipairs(M.right_names) do
    if mask & r.bit ~= 0 then out[#out + 1] = r.name end
  end
  return out
end

local parsed_access = {} -- a handful of distinct strings, thousands of grants

local function parse_access(access)
  local known = parsed_access[access]
  if known then return known[1], known[2] end
  local have, words = grants.parse_access(tostring(access))
  if not have then return nil, words end
  local mask = 0
  for class in pairs(have) do mask = mask | M.classes[class] end
  local label = words:gsub(",", "+")
  if type(access) == "string" then parsed_access[access] = { mask, label } end
  return mask, label
end

M.parse = parse_access

return M
