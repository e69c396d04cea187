local env = require "nono.env"

describe("nono.env", function()
  it("drops code-loading variables and keeps the rest, in order", function()
    local kept, dropped = env.filter({ "PATH=/bin", "LD_PRELOAD=x.so", "BASH_FUNC_f%%=() { :; }",
      "HOME=/h", "LUA_INIT_5_4=x", "ENV=/e", "ENVIRONMENT=ok" })
    assert.same({ "PATH=/bin", "HOME=/h", "ENVIRONMENT=ok" }, kept)
    assert.same({ "BASH_FUNC_f%%", "ENV", "LD_PRELOAD", "LUA_INIT_5_4" }, dropped)
  end)

  it("keeps a dangerous variable the user names", function()
    local kept, dropped = env.filter({ "NODE_OPTIONS=--x", "LD_DEBUG=all" }, { NODE_OPTIONS = true })
    assert.same({ "NODE_OPTIONS=--x" }, kept)
    assert.same({ "LD_DEBUG" }, dropped)
  end)
end)
