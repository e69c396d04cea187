-- core.list_dir lists a narrowed directory for policy.expand: the same
-- entries and kinds as core.entries, already in table.sort's order.
local H = require "spec.helper"
local core = require "nono.core"

describe("core.list_dir", function()
  local w
  before_each(function() w = H.world() end)
  after_each(function() H.destroy(w) end)

  local function sorted_entries(dir)
    local e = assert(core.entries(dir))
    local names = {}
    for name in pairs(e) do names[#names + 1] = name end
    table.sort(names)
    local kinds = {}
    for i, name in ipairs(names) do kinds[i] = e[name] end
    return names, kinds
  end

  it("gives the entries and kinds of core.entries, sorted as table.sort sorts", function()
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
