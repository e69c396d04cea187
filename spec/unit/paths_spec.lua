local H = require "spec.helper"
local paths = require "nono.paths"

describe("nono.paths", function()
  it("expands ~ and ~/ with HOME, relative paths against the cwd", function()
    assert.equal("/home/u", paths.expand("~", "/home/u", "/w"))
    assert.equal("/home/u/.ssh", paths.expand("~/.ssh", "/home/u", "/w"))
    assert.equal("/w/src", paths.expand("src", "/home/u", "/w"))
    assert.equal("/w", paths.expand(".", "/home/u", "/w"))
    assert.equal("/etc", paths.expand("/etc/", "/home/u", "/w"))
  end)

  it("cleans . and .. lexically, never above /", function()
    assert.equal("/a/c", paths.clean("/a/./b/../c//"))
    assert.equal("/", paths.clean("/../../.."))
    for input, want in pairs { ["/a/b"] = "/a/b", ["/"] = "/", ["/a/."] = "/a", ["/a/.."] = "/",
        ["/a/"] = "/a", ["/.a/..b/.c"] = "/.a/..b/.c", ["//a"] = "/a", ["/a/./b"] = "/a/b" } do
      assert.equal(want, paths.clean(input), input)
    end
  end)

  it("returns nil and a message for what it cannot expand", function()
    local p, err = paths.expand("~/x", nil, "/w")
    assert.is_nil(p)
    assert.matches("HOME is not set", err)
    p, err = paths.expand("~root/x", "/home/u", "/w")
    assert.is_nil(p)
    assert.matches("~user", err)
    p, err = paths.expand("", "/home/u", "/w")
    assert.is_nil(p)
    assert.matches("empty path", err)
  end)

  it("tells whether a path lies beneath a directory", function()
    assert.is_true(paths.is_beneath("/a/b", "/a"))
    assert.is_true(paths.is_beneath("/a", "/a"))
    assert.is_false(paths.is_beneath("/ab", "/a"))
    assert.is_true(paths.is_beneath("/x", "/"))
  end)

  it("canonicalises through symlinks, also for names that do not exist yet", function()
    local w = H.world()
    finally(function() H.destroy(w) end)
    assert(os.execute("ln -s " .. H.q(w.project) .. " " .. H.q(w.root .. "/link")))
    local real, exists = paths.canonical(w.root .. "/link/file.txt")
    assert.equal(w.project .. "/file.txt", real)
    assert.is_true(exists)
    real, exists = paths.canonical(w.root .. "/link/new/deeper")
    assert.equal(w.project .. "/new/deeper", real)
    assert.is_false(exists)
  end)
end)
