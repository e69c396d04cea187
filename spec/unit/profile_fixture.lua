-- The unit specs of nono.profile share this world: a fresh home with a
-- user profile directory and a project that is a git repository.
local lfs = require "lfs"
local assert = require "luassert"
local profile = require "nono.profile"

--- A fresh directory from os.tmpname (which creates a file: replace it).
local F = {}

local function tmpdir()
  local name = os.tmpname()
  os.remove(name)
  assert(lfs.mkdir(name))
  return name
end

local function mkdirs(path)
  local at = ""
  for part in path:gmatch("[^/]+") do
    at = at .. "/" .. part
    if not lfs.attributes(at) then assert(lfs.mkdir(at)) end
  end
end

local function write(path, text)
  mkdirs(path:match("^(.*)/[^/]*$"))
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

local function rm_rf(path)
  local a = lfs.symlinkattributes(path)
  if not a then return end
  if a.mode == "directory" then
    for entry in lfs.dir(path) do
      if entry ~= "." and entry ~= ".." then rm_rf(path .. "/" .. entry) end
    end
    assert(lfs.rmdir(path))
  else
    assert(os.remove(path))
  end
end

--- A repository as git lays it out (what discovery looks at: .git and HEAD).
local function make_repo(dir)
  write(dir .. "/.git/HEAD", "ref: refs/heads/main\n")
  mkdirs(dir .. "/.git/hooks")
  mkdirs(dir .. "/.git/objects")
  mkdirs(dir .. "/.git/refs")
  write(dir .. "/.git/config", "[core]\n")
end

--- Every value in `t`, recursively, is plain data (no functions, userdata).
local function assert_plain(t, where)
  for k, v in pairs(t) do
    assert.is_true(type(k) == "string" or type(k) == "number", where .. ": key " .. tostring(k))
    if type(v) == "table" then
      assert_plain(v, where .. "." .. tostring(k))
    else
      assert.is_true(type(v) == "string" or type(v) == "number" or type(v) == "boolean",
        where .. "." .. tostring(k) .. " is a " .. type(v))
    end
  end
end

F.tmpdir, F.mkdirs, F.write, F.rm_rf = tmpdir, mkdirs, write, rm_rf
F.make_repo, F.assert_plain = make_repo, assert_plain

--- A new world: root, home, project, the user profile directory, the
-- environment the profile sees (a table to fill), the load context, and
-- two functions: user(name, text) writes a user profile and returns its
-- path, run(text[, name]) loads a throw-away one made of `text`.
function F.world()
  local root = tmpdir()
  local home, project = root .. "/home", root .. "/project"
  mkdirs(home .. "/.ssh")
  mkdirs(project .. "/sub")
  make_repo(project)
  local env = {}
  local ctx = { home = home, cwd = project, abi = 7, getenv = function(name) return env[name] end }
  local userdir = home .. "/.config/nono/profiles"
  local function user(name, text)
    local path = userdir .. "/" .. name .. ".lua"
    write(path, text)
    return path
  end
  local function run(text, name)
    user(name or "t", text)
    return profile.load(name or "t", ctx)
  end
  return root, home, project, userdir, env, ctx, user, run
end

return F
