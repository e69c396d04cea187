-- state.open: the state directory is made 0700 below the home, owned by
-- the user, and a symlink planted on the way is refused, never followed.
local H = require "spec.helper"
local core = require "nono.core"
local state = require "nono.state"

describe("the state directory", function()
  local root
  before_each(function() root = H.sh("mktemp -d /tmp/nono-spec.XXXXXX"):gsub("%s+$", "") end)
  after_each(function() os.execute("rm -rf " .. H.q(root)) end)

  local function env(vars)
    return function(name) return vars[name] end
  end

  it("is made 0700 at ~/.local/state/nono, or at $XDG_STATE_HOME/nono", function()
    local fd, dir = state.open(nil, env { HOME = root })
    assert.is_number(fd, dir)
    core.close_fd(fd)
    assert.equal(root .. "/.local/state/nono", dir)
    assert.equal("700", H.sh("stat -c %a " .. H.q(dir)):gsub("%s+$", ""))
    local sfd, sub = state.open("rollback", env { HOME = root, XDG_STATE_HOME = root .. "/x" })
    core.close_fd(sfd)
    assert.equal(root .. "/x/nono/rollback", sub)
    assert.equal("700", H.sh("stat -c %a " .. H.q(sub)):gsub("%s+$", ""))
    assert.equal(root .. "/x/nono", state.dir(env { HOME = root, XDG_STATE_HOME = root .. "/x" }))
  end)

  it("makes a state directory 0700 again", function()
    os.execute("mkdir -p " .. H.q(root .. "/.local/state/nono") .. " && chmod 0755 " .. H.q(root .. "/.local/state/nono"))
    local fd = assert(state.open(nil, env { HOME = root }))
    core.close_fd(fd)
    assert.equal("700", H.sh("stat -c %a " .. H.q(root .. "/.local/state/nono")):gsub("%s+$", ""))
  end)

  it("refuses a symlink planted below the home, and follows none", function()
    os.execute("mkdir -p " .. H.q(root .. "/elsewhere") .. " " .. H.q(root .. "/.local")
      .. " && ln -s ../elsewhere " .. H.q(root .. "/.local/state"))
    local fd, msg = state.open(nil, env { HOME = root })
    assert.is_nil(fd)
    assert.matches("never followed", msg)
    assert.equal("", H.sh("ls -A " .. H.q(root .. "/elsewhere")))
  end)

  it("refuses a state directory of another user", function()
    if not H.is_root then return pending("needs root to make a directory of another uid") end
    os.execute("mkdir -p " .. H.q(root .. "/.local/state/nono") .. " && chown 65534 " .. H.q(root .. "/.local/state/nono"))
    local fd, msg = state.open(nil, env { HOME = root })
    assert.is_nil(fd)
    assert.matches("belongs to uid 65534", msg)
  end)
end)
