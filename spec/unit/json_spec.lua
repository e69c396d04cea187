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

  it("decodes what it encodes, and says where bad input goes wrong", function()
    local v = { a = { 1, 2.5, "x\"y\u{e9}\n" }, b = { c = true, d = false }, e = -3, f = json.array {} }
    assert.same(v, json.decode(json.encode(v)))
    assert.equal("A\u{e9}", json.decode('"\\u0041\\u00e9"'))
    assert.same({ nil, "json: trailing text at byte 3" }, { json.decode("1 2") })
    assert.same({ nil, "json: unterminated string at byte 2" }, { json.decode('"abc') })
    assert.same({ nil, "json: expected '}' at byte 8" }, { json.decode('{"a":1]') })
    assert.equal(json.null, json.decode("null"))
  end)
end)
