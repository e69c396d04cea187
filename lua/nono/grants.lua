--- The grant vocabulary, in one place: the forms a grant takes, the access
-- words, command names and durations.  The command line's options and
-- help (nono.options), the verbs of a profile (nono.profile_api) and the
-- methods of `require "nono"` (nono) are made from these tables, and the
-- policy (nono.access) reads access words through `parse_access`, so a new
-- grant form is one line here.
local M = {}

--- The forms of a grant.  Each: `name`; `access`, the access words it
-- grants; `kind`, "dir" (beneath a directory) or "file" (one file); `flag`,
-- its command-line option; `verb`, its function in a profile; `method`,
-- its method of a `require "nono"` policy; `arg` and `help`, what the
-- command line's help says of it.
M.FORMS = {
  { name = "allow", access = "read,write", kind = "dir", flag = "--allow", verb = "allow", method = "allow",
    arg = "DIR", help = "read, write and create beneath DIR" },
  { name = "read", access = "read", kind = "dir", flag = "--read", verb = "read", method = "read",
    arg = "DIR", help = "read (and execute) beneath DIR" },
  { name = "write", access = "write", kind = "dir", flag = "--write", verb = "write", method = "write",
    arg = "DIR", help = "write and create beneath DIR, without reading" },
  { name = "allow_file", access = "read,write", kind = "file", flag = "--allow-file", verb = "allow_file",
    method = "allow_file", arg = "FILE", help = "read and write one file" },
  { name = "read_file", access = "read", kind = "file", flag = "--read-file", verb = "read_file",
    method = "read_file", arg = "FILE", help = "read (and execute) one file" },
  { name = "write_file", access = "write", kind = "file", flag = "--write-file", verb = "write_file",
    method = "write_file", arg = "FILE", help = "write one file" },
}

--- The forms of a port grant, a TCP port (1 to 65535) in one direction,
-- made the same way: `right`, "connect" (the proxy's upstream port for
-- the allowed hosts) or "bind" (a Landlock bind rule); nono.net reads
-- them.
M.PORT_FORMS = {
  { name = "allow_port", right = "connect", flag = "--allow-port", verb = "allow_port", method = "allow_port",
    arg = "PORT", help = "let the allowed hosts (--allow-host) be reached on TCP port PORT too, not only 443 "
      .. "and 80, through nono's proxy (repeatable); nothing goes around the proxy" },
  { name = "allow_bind", right = "bind", flag = "--allow-bind", verb = "allow_bind", method = "allow_bind",
    arg = "PORT", help = "let COMMAND listen on TCP port PORT (a dev server; Landlock ABI 4+) under an "
      .. "allow-list of hosts, where binding is otherwise denied; repeatable.  Where namespaces work it "
      .. "listens in the command's own network namespace, reachable from inside only; on the floor "
      .. "(any address of this machine) nono refuses unless --best-effort" },
}

--- "8080" (or 8080) -> the port, or nil and a message.
function M.parse_port(v)
  local s = type(v) == "number" and math.type(v) == "integer" and tostring(v) or v
  if type(s) ~= "string" or not s:match("^[1-9]%d*$") or #s > 5 or tonumber(s) > 65535 then
    return nil, string.format("%s is not a TCP port (1 to 65535)",
      type(v) == "string" and "'" .. v .. "'" or tostring(v))
  end
  return tonumber(s)
end

--- The access words, each naming a class of Landlock rights (nono.access
-- says which).  exec is read: Landlock cannot stop ld.so or an interpreter
-- from running a file it may read, so a separate execute would promise
-- nothing.
local WORDS = { read = "read", exec = "read", write = "write", ioctl = "ioctl" }
--- The classes in the order they are written ("read,write").
M.CLASSES = { "read", "write", "ioctl" }

--- "read,write" (or "read+write", "read write") -> the set of classes and
-- the canonical words ("read,write"), or nil and a message.
function M.parse_access(words)
  if type(words) ~= "string" then
    return nil, "expected access words (read, write, exec, ioctl), got " .. type(words)
  end
  local have = {}
  for w in words:gmatch("[^,+%s]+") do
    local class = WORDS[w]
    if not class then return nil, "unknown access '" .. w .. "' (expected read, write, exec or ioctl; exec is read)" end
    have[class] = true
  end
  local out = {}
  for _, class in ipairs(M.CLASSES) do
    if have[class] then out[#out + 1] = class end
  end
  if #out == 0 then return nil, "empty access" end
  return have, table.concat(out, ",")
end

--- A command name as the blocklist takes it: a file name, no path.
M.COMMAND_NAME = "^[%w][%w%._+-]*$"

--- Whether `name` is a command name.  Returns true, or nil and a message.
function M.check_command(name)
  if type(name) ~= "string" or not name:match(M.COMMAND_NAME) then
    return nil, "'" .. tostring(name) .. "' is not a command name"
  end
  return true
end

local UNITS = { s = 1, m = 60, h = 3600 }

--- How long a time-limited grant lasts: "90s", "5m", "2h" -> seconds, as
-- the command line (PATH:DURATION) and a profile (ttl =) write it.
-- Anything else is an error: a time limit that is silently ignored or
-- misread would be worse than none.
function M.parse_duration(s)
  local n, unit
  if type(s) == "string" then n, unit = s:match("^(%d+)([smh])$") end
  if not n or #n > 18 or tonumber(n) < 1 or tonumber(n) > 999999999 then
    return nil, string.format("invalid duration %s (expected a whole number from 1 to 999999999 followed by s, m or h, e.g. 90s, 5m, 2h)",
      type(s) == "string" and ("'" .. s .. "'") or ("of type " .. type(s)))
  end
  return tonumber(n) * UNITS[unit]
end

return M
