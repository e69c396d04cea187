--- `require "nono"` without applying anything: the policy object is an
-- empty proxy (the model stays out of Lua's reach), and strings with a NUL
-- byte, which C would cut short, are refused before they get there.
package.path = "lua/?/init.lua;" .. package.path
local nono = require "nono"

describe("require 'nono': the policy object", function()
  it("holds no fields and takes none", function()
    local p = nono.policy { system = false }
    assert.is_nil(next(p))
    assert.is_nil(p.p)
    assert.is_nil(p.sealed)
    assert.are.equal("nono.policy", getmetatable(p))
    assert.are.equal("nono.policy", tostring(p))
    assert.has_error(function() p.sealed = true end, "nono: a policy has no fields to set (use its methods)")
    assert.has_error(function() setmetatable(p, nil) end)
  end)

  it("refuses a method called on something else", function()
    local p = nono.policy { system = false }
    assert.has_error(function() p.why({}, "/", "read") end, "nono: expected a policy (call its methods with ':')")
    assert.has_error(function() p.allow(setmetatable({}, { __index = p }), "/") end,
      "nono: expected a policy (call its methods with ':')")
  end)

  it("chains changes and keeps the ones that failed out", function()
    local p = nono.policy { system = false, protect = false, commands = false }
    assert.are.equal(p, p:read("/tmp"))
    assert.are.equal(p, p:net_block())
    local rules = assert(p:rules())
    assert.are.equal(1, #rules)
    assert.are.equal("/tmp", rules[1].path)
  end)
end)

describe("require 'nono': NUL bytes", function()
  it("are refused in paths, naming the argument", function()
    local p = nono.policy { system = false }
    for _, m in ipairs { "allow", "read", "write", "allow_file", "read_file", "write_file", "protect", "bypass" } do
      assert.has_error(function() p[m](p, "/tmp\0/x") end, "nono: " .. m .. ": the path contains a NUL byte")
    end
    assert.has_error(function() p:why("/tmp\0/x", "read") end, "nono: why: the path contains a NUL byte")
    assert.has_error(function() nono.policy { home = "/root\0/x" } end, "nono: policy: home contains a NUL byte")
    assert.has_error(function() nono.policy { cwd = "/\0" } end, "nono: policy: cwd contains a NUL byte")
  end)

  it("are refused in spawn's argv, env and cwd before anything is planned", function()
    local p = nono.policy { system = false }
    assert.has_error(function() p:spawn { "a\0b" } end, "nono: spawn: argv[1] contains a NUL byte")
    assert.has_error(function() p:spawn({ "true" }, { env = { "A=\0" } }) end, "nono: spawn: env[1] contains a NUL byte")
    assert.has_error(function() p:spawn({ "true" }, { env = { A = "x\0" } }) end, "nono: spawn: env A contains a NUL byte")
    assert.has_error(function() p:spawn({ "true" }, { cwd = "/\0tmp" }) end, "nono: spawn: cwd contains a NUL byte")
  end)
end)

describe("require 'nono': argument checks", function()
  it("refuses an environment that is not NAME=value", function()
    local p = nono.policy { system = false }
    assert.has_error(function() p:spawn({ "true" }, { env = { "NOEQUALS" } }) end,
      "nono: spawn: env[1] is not NAME=value")
    assert.has_error(function() p:spawn({ "true" }, { env = { ["A=B"] = "c" } }) end,
      'nono: spawn: env name "A=B" is not a variable name')
    assert.has_error(function() p:spawn({ "true" }, { keep_env = "LD_PRELOAD" }) end,
      "nono: spawn: keep_env must be a list of names, got string")
  end)

  it("refuses apply options of the wrong kind without applying", function()
    local p = nono.policy { system = false }
    assert.has_error(function() p:apply "all" end, "nono: apply: expected a table of options, got string")
    assert.has_error(function() p:apply { keep_caps = "yes" } end, "nono: apply: keep_caps must be a boolean")
    assert.are.equal(p, p:read("/tmp")) -- not sealed
  end)
end)
