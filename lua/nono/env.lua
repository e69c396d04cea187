--- The command's environment: the launcher's, less the variables that make
-- a program load or run code chosen by whoever set them (threat row 18).
-- `keep` names variables the user explicitly lets through.
local M = {}

--- Lua patterns, anchored, matched against variable names.
M.dangerous = {
  "^LD_.*",            -- the dynamic loader: LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT ...
  "^GCONV_PATH$",      -- glibc loads iconv modules from here
  "^BASH_ENV$", "^ENV$", "^BASH_FUNC_.*", "^PROMPT_COMMAND$", "^SHELLOPTS$", "^PS4$",
  "^NODE_OPTIONS$",    -- --require / --import of arbitrary code
  "^PYTHONSTARTUP$", "^PYTHONINSPECT$",
  "^PERL5OPT$", "^PERL5DB$", "^RUBYOPT$",
  "^JAVA_TOOL_OPTIONS$", "^_JAVA_OPTIONS$", "^JDK_JAVA_OPTIONS$",
  "^LUA_INIT.*",
}

-- The patterns are exact names ("^NAME$") and prefixes ("^PREFIX.*"):
-- answered with one table lookup and a few comparisons per variable,
-- where matching each pattern cost 17 matches per variable.
local exact, prefixes = {}, {}
for _, pat in ipairs(M.dangerous) do
  local name, rest = pat:match("^%^([%w_]+)(.*)$")
  if rest == "$" then
    exact[name] = true
  elseif rest == ".*" then
    prefixes[#prefixes + 1] = name
  else
    error("env.dangerous: neither ^NAME$ nor ^PREFIX.*: " .. pat)
  end
end

function M.is_dangerous(name)
  if exact[name] then return true end
  for _, prefix in ipairs(prefixes) do
    if name:sub(1, #prefix) == prefix then return true end
  end
  return false
end

--- Split `environ` ("NAME=value" strings) into what the command gets and
-- the names dropped.  Returns kept (list), dropped (sorted list of names).
function M.filter(environ, keep)
  local kept, dropped = {}, {}
  for _, entry in ipairs(environ) do
    local name = entry:match("^([^=]*)=") or entry
    if M.is_dangerous(name) and not (keep and keep[name]) then
      dropped[#dropped + 1] = name
    else
      kept[#kept + 1] = entry
    end
  end
  table.sort(dropped)
  return kept, dropped
end

return M
