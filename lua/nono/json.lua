--- A small JSON encoder for nono's own output (`why --json`, reports, the
-- audit log), and a decoder for what nono wrote itself (the sealed policy
-- `nono why --self` reads, a profile's spec).
-- Objects are written with sorted keys so the output is stable.
--
-- A path is bytes, and JSON text is Unicode: a byte that is not part of
-- valid UTF-8 is written as the escape \udcXX (XX its value, 80 to ff),
-- the lone low surrogate that Python's "surrogateescape" uses for the same
-- purpose (json.loads, then .encode("utf-8", "surrogateescape"), gives the
-- bytes back).  Valid UTF-8 is written as it is, so the output is always
-- valid UTF-8; M.decode turns \udcXX back into the byte.
local M = {}

local escapes = {
  ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
  ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t",
}

local function escape_ascii(s)
  return (s:gsub('[%c"\\]', function(c)
    return escapes[c] or string.format("\\u%04x", c:byte())
  end))
end

--- Bytes that are not valid UTF-8 (utf8.len without lax: no surrogates,
-- nothing above U+10FFFF, no overlong forms) as \udcXX, one by one.
local function escape_invalid(s)
  local out, pos = {}, 1
  while pos <= #s do
    local n, bad = utf8.len(s, pos)
    if n then
      out[#out + 1] = escape_ascii(s:sub(pos))
      break
    end
    out[#out + 1] = escape_ascii(s:sub(pos, bad - 1))
    out[#out + 1] = string.format("\\u%04x", 0xdc00 + s:byte(bad))
    pos = bad + 1
  end
  return table.concat(out)
end

local function encode_string(s)
  if not s:find('[%c"\\\128-\255]') then return '"' .. s .. '"' end
  if not s:find("[\128-\255]") or utf8.len(s) then return '"' .. escape_ascii(s) .. '"' end
  return '"' .. escape_invalid(s) .. '"'
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

-- One value into `out` (a list of pieces, joined once at the end), with
-- each string's quoted form kept in `quoted` for the rest of the call:
-- keys and most values repeat from object to object (a sealed policy
-- writes the same five keys for each of its protections).
local function put(v, out, quoted)
  local t = type(v)
  if v == nil then
    out[#out + 1] = "null"
  elseif t == "boolean" then
    out[#out + 1] = tostring(v)
  elseif t == "number" then
    if v ~= v or v == math.huge or v == -math.huge then
      error("json: cannot encode " .. tostring(v))
    end
    out[#out + 1] = math.type(v) == "integer" and tostring(v) or string.format("%.17g", v)
  elseif t == "string" then
    local q = quoted[v]
    if not q then q = encode_string(v); quoted[v] = q end
    out[#out + 1] = q
  elseif t == "table" then
    if is_array(v) then
      out[#out + 1] = "["
      for i = 1, #v do
        if i > 1 then out[#out + 1] = "," end
        put(v[i], out, quoted)
      end
      out[#out + 1] = "]"
      return
    end
    local keys = {}
    for k in pairs(v) do
      if type(k) ~= "string" then error("json: object keys must be strings") end
      keys[#keys + 1] = k
    end
    table.sort(keys)
    out[#out + 1] = "{"
    for i, k in ipairs(keys) do
      local q = quoted[k]
      if not q then q = encode_string(k); quoted[k] = q end
      out[#out + 1] = i > 1 and "," .. q .. ":" or q .. ":"
      put(v[k], out, quoted)
    end
    out[#out + 1] = "}"
  else
    error("json: cannot encode a " .. t)
  end
end

function M.encode(v)
  local out = {}
  put(v, out, {})
  return table.concat(out)
end

local unescapes = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t" }

--- Decode one JSON value.  Returns the value, or nil and a message.
-- Objects become tables, arrays sequences (null inside them is lost).
function M.decode(text)
  local pos = 1
  local function fail(what)
    error({ msg = string.format("json: %s at byte %d", what, pos) })
  end
  local function skip() pos = text:find("[^ \t\r\n]", pos) or #text + 1 end
  local value
  local function str()
    local out = {}
    pos = pos + 1
    while true do
      local stop = text:find('["\\]', pos)
      if not stop then fail("unterminated string") end
      out[#out + 1] = text:sub(pos, stop - 1)
      pos = stop + 1
      if text:sub(stop, stop) == '"' then return table.concat(out) end
      local c = text:sub(pos, pos)
      if c == "u" then
        local hex = text:match("^%x%x%x%x", pos + 1)
        if not hex then fail("bad \\u escape") end
        local code = tonumber(hex, 16)
        pos = pos + 5
        local low = code >= 0xd800 and code <= 0xdbff and text:match("^\\u([dD][c-fC-F]%x%x)", pos)
        if low then
          -- a surrogate pair: one character beyond U+FFFF
          out[#out + 1] = utf8.char(0x10000 + ((code - 0xd800) << 10) + (tonumber(low, 16) - 0xdc00))
          pos = pos + 6
        elseif code >= 0xdc80 and code <= 0xdcff then
          out[#out + 1] = string.char(code - 0xdc00) -- a byte that was not UTF-8
        else
          out[#out + 1] = utf8.char(code)
        end
      elseif unescapes[c] then
        out[#out + 1] = unescapes[c]
        pos = pos + 1
      else
        fail("bad escape")
      end
    end
  end
  function value()
    skip()
    local c = text:sub(pos, pos)
    if c == "{" then
      local t = {}
      pos = pos + 1
      skip()
      if text:sub(pos, pos) == "}" then pos = pos + 1 return t end
      repeat
        skip()
        if text:sub(pos, pos) ~= '"' then fail("expected a key") end
        local k = str()
        skip()
        if text:sub(pos, pos) ~= ":" then fail("expected ':'") end
        pos = pos + 1
        t[k] = value()
        skip()
        c = text:sub(pos, pos)
        pos = pos + 1
      until c ~= ","
      if c ~= "}" then fail("expected '}'") end
      return t
    elseif c == "[" then
      local t = M.array {}
      pos = pos + 1
      skip()
      if text:sub(pos, pos) == "]" then pos = pos + 1 return t end
      repeat
        t[#t + 1] = value()
        skip()
        c = text:sub(pos, pos)
        pos = pos + 1
      until c ~= ","
      if c ~= "]" then fail("expected ']'") end
      return t
    elseif c == '"' then
      return str()
    end
    for word, v in pairs { ["true"] = true, ["false"] = false, null = M.null } do
      if text:sub(pos, pos + #word - 1) == word then
        pos = pos + #word
        return v
      end
    end
    local num = text:match("^-?%d+%.?%d*[eE]?[-+]?%d*", pos)
    if not num or num == "" then fail("unexpected character") end
    pos = pos + #num
    return math.tointeger(tonumber(num)) or tonumber(num)
  end
  local ok, v = pcall(function()
    local v = value()
    skip()
    if pos <= #text then fail("trailing text") end
    return v
  end)
  if ok then return v end
  if type(v) == "table" then return nil, v.msg end
  error(v, 0)
end

--- What null decodes to (a unique value, not nil).
M.null = setmetatable({}, { __tostring = function() return "null" end })

return M