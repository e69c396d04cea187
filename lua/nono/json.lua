--- A small JSON encoder for nono's own output (`why --json`, reports).
-- Objects are written with sorted keys so the output is stable.
local M = {}

local escapes = {
  ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
  ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t",
}

local function encode_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return escapes[c] or string.format("\\u%04x", c:byte())
  end) .. '"'
end

local function is_array(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n == #t and (n > 0 or getmetatable(t) == M.array_mt)
end

M.array_mt = {}

--- Mark an empty table to be written as [] instead of {}.
function M.array(t)
  return setmetatable(t or {}, M.array_mt)
end

function M.encode(v)
  local t = type(v)
  if v == nil then
    return "null"
  elseif t == "boolean" then
    return tostring(v)
  elseif t == "number" then
    if v ~= v or v == math.huge or v == -math.huge then
      error("json: cannot encode " .. tostring(v))
    end
    return math.type(v) == "integer" and tostring(v) or string.format("%.17g", v)
  elseif t == "string" then
    return encode_string(v)
  elseif t == "table" then
    local out = {}
    if is_array(v) then
      for i = 1, #v do out[i] = M.encode(v[i]) end
      return "[" .. table.concat(out, ",") .. "]"
    end
    local keys = {}
    for k in pairs(v) do
      if type(k) ~= "string" then error("json: object keys must be strings") end
      keys[#keys + 1] = k
    end
    table.sort(keys)
    for i, k in ipairs(keys) do
      out[i] = encode_string(k) .. ":" .. M.encode(v[k])
    end
    return "{" .. table.concat(out, ",") .. "}"
  end
  error("json: cannot encode a " .. t)
end

return M
