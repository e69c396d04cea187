local json = require "nono.json"

describe("nono.json", function()
  it("encodes objects with sorted keys, arrays, and escapes", function()
    assert.equal('{"a":1,"b":[true,false],"c":"x\\"y\\n"}',
      json.encode { c = 'x"y\n', a = 1, b = { true, false } })
    assert.equal("[]", json.encode(json.array {}))
    assert.equal("{}", json.encode {})
    assert.equal('"\\u0001"', json.encode "\1")
  end)

  it("refuses what JSON cannot hold", function()
    assert.has_error(function() json.encode(0 / 0) end, "json: cannot encode " .. tostring(0 / 0))
    assert.has_error(function() json.encode { [1.5] = 1 } end, "json: object keys must be strings")
    assert.has_error(function() json.encode(print) end, "json: cannot encode a function")
  end)
end)
