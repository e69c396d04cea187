-- core.list_dir lists a narrowed directory for Policy:narrow: the same
-- entries and kinds as LuaFileSystem sees, already in table.sort's order.
local H = require "spec.helper"
local core = require "nono.core"
local lfs = require "lfs"

local KINDS = { directory = "directory", link = "link", file = "file" }

describe("core.list_dir", function()
  local w
  before_each(function() w = H.world() end)
  after_each(function() H.destroy(w) end)

  --- The oracle: lfs.dir, lstat for the kind, table.sort for the order.
  local function sorted_entries(dir)
    local names = {}
    for name in lfs.dir(dir) do
      if name ~= "." and name ~= ".." then names[#names + 1] = name end
    end
    table.sort(names)
    local kinds = {}
    for i, name in ipairs(names) do
      local mode = lfs.symlinkattributes((dir == "/" and "" or dir) .. "/" .. name, "mode")
      kinds[i] = KINDS[mode] or "other"
    end
    return names, kinds
  end

  it("gives the entries and kinds LuaFileSystem sees, sorted as table.sort sorts", function()
    H.sh(table.concat({
      "cd " .. H.q(w.project),
      "mkdir B a _ '.hidden dir'", "touch Z z 10 9 'sp ace' .dot", "ln -s file.txt link",
      "ln -s nowhere dangling", "mkfifo fifo",
    }, " && "))
    for _, dir in ipairs { w.project, w.home, "/usr/bin", "/", "/dev" } do
      local names, kinds = assert(core.list_dir(dir))
      local want_names, want_kinds = sorted_entries(dir)
      assert.same(want_names, names)
      assert.same(want_kinds, kinds)
    end
    local names, kinds = core.list_dir(w.project)
    local kind_of = {}
    for i, name in ipairs(names) do kind_of[name] = kinds[i] end
    assert.same({ "directory", "file", "link", "link", "other" },
      { kind_of.a, kind_of.Z, kind_of.link, kind_of.dangling, kind_of.fifo })
    assert.is_nil(kind_of["."])
    assert.is_nil(kind_of[".."])
    -- skip_links: the same list without the symlinks
    local want_names, want_kinds = {}, {}
    for i, name in ipairs(names) do
      if kinds[i] ~= "link" then
        want_names[#want_names + 1], want_kinds[#want_kinds + 1] = name, kinds[i]
      end
    end
    assert.same({ want_names, want_kinds }, { core.list_dir(w.project, true) })
  end)

  it("lists an empty directory as two empty tables", function()
    local names, kinds = core.list_dir(w.project .. "/sub")
    assert.same({}, names)
    assert.same({}, kinds)
  end)

  it("returns nil, message, errno for what it cannot list", function()
    local names, msg, err = core.list_dir(w.root .. "/missing")
    assert.is_nil(names)
    assert.equal(w.root .. "/missing: " .. core.strerror(2), msg)
    assert.equal(2, err)
    names, msg, err = core.list_dir(w.project .. "/file.txt")
    assert.is_nil(names)
    assert.equal(20, err) -- ENOTDIR
  end)
end)

-- plan:add_entries adds the entries of one listed directory as add_path
-- would add each of them, opening the directory once.
describe("plan:add_entries", function()
  local w
  before_each(function() w = H.world() end)
  after_each(function() H.destroy(w) end)

  local A = core.access
  local READ = A.read_file | A.execute
  local function plan()
    local abi = core.landlock_abi()
    if not abi then return nil end
    return core.policy(core.fs_rights_for_abi(abi))
  end

  it("grants each named entry and nothing beside it #landlock", function()
    if not H.require_landlock() then return end
    H.sh("cd " .. H.q(w.project) .. " && printf x > a && printf y > b")
    local p <close> = plan()
    assert(p:add_path("/usr", READ | A.read_dir))
    assert(p:add_path("/dev/null", A.write_file))
    assert.is_true(p:add_entries(w.project, { "a", "sub" }, { READ, READ | A.read_dir }))
    local function run(script)
      return p:spawn({ "/bin/sh", "-c", script .. " > /dev/null 2>&1" }, {}).code
    end
    assert.equal(0, run("cat " .. H.q(w.project .. "/a")))
    assert.equal(0, run("ls " .. H.q(w.project .. "/sub")))
    assert.not_equal(0, run("cat " .. H.q(w.project .. "/b")))
    assert.not_equal(0, run("ls " .. H.q(w.project)))
  end)

  it("skips entries gone since the listing only when asked", function()
    if not H.require_landlock() then return end
    local p <close> = plan()
    assert.is_true(p:add_entries(w.project, { "file.txt", "gone" }, { READ, READ }, true))
    assert.is_true(p:add_entries(w.root .. "/gone-dir", { "x" }, { READ }, true))
    local ok, msg, err, i = p:add_entries(w.project, { "file.txt", "gone" }, { READ, READ })
    assert.is_nil(ok)
    assert.same({ w.project .. "/gone: " .. core.strerror(2), 2, 2 }, { msg, err, i })
  end)

  it("refuses a symlink, for the directory or an entry (ELOOP), and dir rights on a file", function()
    if not H.require_landlock() then return end
    H.sh("cd " .. H.q(w.root) .. " && ln -s project linked && ln -s file.txt project/link")
    local p <close> = plan()
    local ok, msg, err, i = p:add_entries(w.root .. "/linked", { "file.txt" }, { READ }, true)
    assert.same({ nil, w.root .. "/linked/file.txt: " .. core.strerror(40), 40, 1 }, { ok, msg, err, i })
    ok, msg, err, i = p:add_entries(w.project, { "file.txt", "link" }, { READ, READ }, true)
    assert.same({ nil, w.project .. "/link: " .. core.strerror(40), 40, 2 }, { ok, msg, err, i })
    ok, msg, err, i = p:add_entries(w.project, { "sub", "file.txt" }, { A.read_dir, A.read_dir })
    assert.same({ nil, w.project .. "/file.txt: " .. core.strerror(20), 20, 2 }, { ok, msg, err, i })
    -- the same answers as add_path for each entry
    assert.same({ nil, w.project .. "/link: " .. core.strerror(40), 40 },
      { p:add_path(w.project .. "/link", READ) })
    assert.same({ nil, w.project .. "/file.txt: " .. core.strerror(20), 20 },
      { p:add_path(w.project .. "/file.txt", A.read_dir) })
  end)

  it("raises on names that are not one entry, and on mismatched lists", function()
    local p <close> = core.policy(core.fs_rights_for_abi(1))
    for _, bad in ipairs { "..", ".", "", "a/b" } do
      assert.has_error(function() p:add_entries(w.project, { bad }, { READ }) end)
    end
    assert.has_error(function() p:add_entries(w.project, { "a", "b" }, { READ }) end)
    assert.has_error(function() p:add_entries(w.project, { "a" }, { "read" }) end)
  end)
end)

-- core.resolve answers what core.realpath and a stat of its result did.
describe("core.resolve", function()
  local w
  before_each(function() w = H.world() end)
  after_each(function() H.destroy(w) end)

  local lfs = require "lfs"
  local function old(path)
    local real, msg, err = core.realpath(path)
    if not real then return nil, msg, err end
    local mode = lfs.attributes(real).mode
    return real, (mode == "directory" or mode == "file") and mode or "other"
  end

  it("gives realpath's canonical path and the kind of what it names", function()
    -- (a clean path without symlinks is its own canonical form; anything
    -- else is realpath's to answer)
    H.sh(table.concat({
      "cd " .. H.q(w.project), "ln -s sub dirlink", "ln -s ../project/file.txt filelink",
      "ln -s filelink chain", "ln -s nowhere dangling", "ln -s loop loop", "mkfifo fifo",
    }, " && "))
    local cases = { "/", "/bin", "/bin/sh", "/usr/bin/../lib", "/dev/null", "/dev/ptmx", "/proc/self",
      w.project, w.project .. "/dirlink", w.project .. "/filelink", w.project .. "/chain",
      w.project .. "/fifo", w.project .. "/dirlink/", w.project .. "/file.txt/",
      w.project .. "/dangling", w.project .. "/loop", w.project .. "/missing", w.root .. "/no/such",
      "/usr//bin", "/usr/./bin", "/usr/bin/.", "/usr/bin/..", "//usr", "/usr/bin/", "." }
    for _, path in ipairs(cases) do
      assert.same({ old(path) }, { core.resolve(path) }, path)
    end
    assert.same({ w.project .. "/sub", "directory" }, { core.resolve(w.project .. "/dirlink") })
    assert.same({ w.project .. "/file.txt", "file" }, { core.resolve(w.project .. "/chain") })
    assert.same({ w.project .. "/fifo", "other" }, { core.resolve(w.project .. "/fifo") })
  end)
end)

-- core.present answers the blocklist's look-up in a command directory:
-- listed where the directory is small and the names many, looked up one by
-- one otherwise.  Both ways give what lstat gives.
describe("core.present", function()
  local w
  before_each(function() w = H.world() end)
  after_each(function() H.destroy(w) end)

  local function oracle(dir, names)
    local found = {}
    for _, name in ipairs(names) do
      if not name:find("/", 1, true) then
        local mode = lfs.symlinkattributes(dir .. "/" .. name, "mode")
        if mode then found[name] = mode == "file" and "file" or "other" end
      end
    end
    return found
  end

  it("finds the same names and kinds as lstat in a small and a large directory, with few and many names", function()
    local small, large = w.project .. "/small", w.project .. "/large"
    H.sh(table.concat({
      "mkdir " .. H.q(small) .. " " .. H.q(large),
      "cd " .. H.q(small),
      "touch rm mv 'sp ace' && mkdir dd && ln -s rm cp && ln -s nowhere dangling && mkfifo fifo",
      "cd " .. H.q(large),
      -- enough long names for the directory to outgrow one block
      "for i in $(seq 1 300); do touch entry-with-a-rather-long-name-$i; done",
      "touch rm mv && mkdir dd && ln -s rm cp && ln -s nowhere dangling",
    }, " && "))
    assert.is_true(lfs.attributes(small, "size") <= 4096)
    assert.is_true(lfs.attributes(large, "size") > 4096)
    local many = { "rm", "mv", "cp", "dd", "dangling", "fifo", "sp ace", "absent", "also-absent",
      "a/b", "rm/", "entry-with-a-rather-long-name-7", "entry-with-a-rather-long-name-300" }
    for _, dir in ipairs { small, large } do
      for _, names in ipairs { many, { "rm", "cp", "absent" }, {} } do
        assert.same(oracle(dir, names), assert(core.present(dir, names)))
      end
    end
    assert.same({ rm = "file", mv = "file", cp = "other", dd = "other", dangling = "other",
      fifo = "other", ["sp ace"] = "file" }, core.present(small, many))
  end)

  it("answers nil, a message and errno for a directory that cannot be opened", function()
    local found, msg, errno = core.present(w.project .. "/nowhere", { "rm", "mv", "cp", "dd",
      "a", "b", "c", "d", "e" })
    assert.is_nil(found)
    assert.matches("nowhere", msg)
    assert.are.equal(2, errno)
  end)
end)
