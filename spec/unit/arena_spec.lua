-- The launcher's Lua allocator (src/arena.c): blocks from one region
-- aligned to a huge page while it has room, then malloc's.  Driven by
-- spec/helpers/arena_check.c through 200,000 random allocations, growths,
-- shrinks and frees, each block checked for alignment, for its bytes
-- across a reallocation and against every other live block.
local H = require "spec.helper"

describe("the launcher's Lua allocator", function()
  it("keeps every block's bytes, aligned, apart from every other, the region first and malloc after", function()
    local p = io.popen(H.q(H.built_arena_check) .. " 2>&1")
    local out = p:read("a")
    local ok, how, code = p:close()
    assert.are.equal("exit", how, out)
    assert.are.equal(0, code, out)
    -- under AddressSanitizer the region is not made: malloc serves all
    local region = H.sanitized and "no" or "yes"
    assert.matches("^ok region=" .. region .. " in_region=%d+ outside=%d+ moved=%d+\n$", out)
    assert.is_true(ok)
  end)
end)
