--- Durations: how long a time-limited grant lasts ("90s", "5m", "2h"),
-- as the command line (PATH:DURATION) and profiles (ttl =) write it.
local M = {}

local TTL_UNITS = { s = 1, m = 60, h = 3600 }

--- "90s", "5m", "2h" -> seconds.  Anything else is an error: a time limit
-- that is silently ignored or misread would be worse than none.
function M.parse(s)
  local n, unit
  if type(s) == "string" then n, unit = s:match("^(%d+)([smh])$") end
  if not n or #n > 18 or tonumber(n) < 1 or tonumber(n) > 999999999 then
    return nil, string.format("invalid duration %s (expected a whole number from 1 to 999999999 followed by s, m or h, e.g. 90s, 5m, 2h)",
      type(s) == "string" and ("'" .. s .. "'") or ("of type " .. type(s)))
  end
  return tonumber(n) * TTL_UNITS[unit]
end

return M
