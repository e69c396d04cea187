--- A tiny agent harness: every tool call (here, a shell command) runs in
-- its own sandbox, allowed to work in one project directory and nothing
-- else of the user's, and the harness prints a verdict per call.
--
-- From the source tree, after `cmake -S . -B build && cmake --build build`:
--   lua5.4 -e 'package.path="lua/?.lua;lua/?/init.lua;"..package.path;
--              package.cpath="build/lib/?.so;"..package.cpath' examples/harness.lua [PROJECT]
-- or, with the rock installed (`luarocks make`), just: lua5.4 examples/harness.lua
local nono = require "nono"

local project = arg[1] or os.getenv("PWD")

local calls = {
  { "ls", project },
  { "sh", "-c", "echo hello > " .. project .. "/.nono-harness && cat " .. project .. "/.nono-harness" },
  { "sh", "-c", "cat \"$HOME\"/.ssh/id_* 2>&1 || exit 3" },
  { "sh", "-c", "echo x > /etc/nono-harness" },
  { "sh", "-c", "exit 7" },
}

for _, argv in ipairs(calls) do
  -- A fresh policy per call: grants never leak from one call to the next.
  local p = nono.policy { cwd = project }
  assert(p:allow(project))
  local r, msg = p:spawn(argv, { cwd = project })
  local verdict
  if not r then
    verdict = "not run: " .. msg
  elseif r.kind == "exited" then
    verdict = r.code == 0 and "ok" or "failed (exit " .. r.code .. ")"
  elseif r.kind == "signaled" then
    verdict = "killed by signal " .. r.code
  else
    verdict = r.kind .. " at " .. tostring(r.stage) .. ": " .. tostring(r.message)
  end
  print(string.format("%-60s %s", table.concat(argv, " "):sub(1, 60), verdict))
end
os.remove(project .. "/.nono-harness")
