--- A Lua program that sandboxes itself: after apply(), the kernel refuses
-- every path the policy does not grant, to this process and its children,
-- and the policy object refuses to change.
--
--   lua5.4 examples/apply_self.lua ALLOWED_DIR OUTSIDE_FILE
-- (package.path/cpath as in examples/harness.lua).  Prints what happened to
-- each attempt; exits 0 when the outside file was denied.
local nono = require "nono"

local allowed, outside = arg[1], arg[2]
assert(allowed and outside, "usage: apply_self.lua ALLOWED_DIR OUTSIDE_FILE")

local p = nono.policy { protect = false, commands = false }
assert(p:read(allowed))
-- apply() raises when the sandbox cannot be put in force (the process is
-- then as it was): nothing below runs unsandboxed by oversight.
p:apply()
print("applied")

local f = io.open(allowed)
print("allowed: " .. (f and "opened" or "denied"))
if f then f:close() end

local g, gmsg, gerr = io.open(outside)
print("outside: " .. (g and "opened" or ("denied: " .. gmsg .. " (errno " .. gerr .. ")")))

local sealed, err = pcall(p.allow, p, "/")
print("mutation: " .. (sealed and "accepted" or err))

os.exit(g == nil and gerr == 13 and 0 or 1)
