--- The Landlock rights each access class means (the words themselves are
-- nono.grants'); the names of the rights, for reports.
local core = require "nono.core"
local grants = require "nono.grants"

local A = core.access
local M = {}

--- Access classes a grant is written in, and the Landlock rights each means.
-- read includes execute: Landlock cannot stop ld.so or an interpreter from
-- running a file it may read, so withholding execute would promise nothing.
-- write includes remove_dir (removing and renaming directories): it
-- protects no data, since every file inside is removable already, and
-- without it renames, temporary directories, package managers and git
-- break.  What must keep its place is pinned (Policy:keep_places);
-- --keep-dirs withholds it from every grant.  write never includes
-- make_char/make_block (no device nodes).
M.classes = {
  read = A.read_file | A.read_dir | A.execute,
  write = A.write_file | A.truncate | A.make_reg | A.make_dir | A.make_sym
    | A.make_sock | A.make_fifo | A.remove_file | A.remove_dir | A.refer,
  ioctl = A.ioctl_dev,
}

--- Names of Landlock rights, in bit order, for reports.
M.right_names = {}
for name, bit in pairs(A) do M.right_names[#M.right_names + 1] = { name = name, bit = bit } end
table.sort(M.right_names, function(a, b) return a.bit < b.bit end)

function M.names_of(mask)
  local out = {}
  for _, r in ipairs(M.right_names) do
    if mask & r.bit ~= 0 then out[#out + 1] = r.name end
  end
  return out
end

--- Which ABI added each right: what a report names when a right is missing.
M.right_abi = { refer = 2, truncate = 3, ioctl_dev = 5, resolve_unix = 9 }

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
