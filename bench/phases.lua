--- Where `nono run GRANTS -- /bin/true` spends its time, phase by phase.
--
--   lua5.4 bench/phases.lua SOURCE_DIR LIB_DIR [N [GRANT...]]
--
-- GRANTs are written as on nono's command line, --allow=DIR or --read=DIR
-- (default: --allow=.).
-- Drives the modules the binary embeds (SOURCE_DIR/lua/nono/*.lua) with the
-- calls cli.lua makes, through nono.core built as a Lua module
-- (LIB_DIR/nono/core.so, i.e. BUILD/lib), and prints the mean time of each
-- phase over N repetitions (default 100) as CPU time of this process
-- (os.clock: user + system, so system calls count; the child's do not).
-- Debian's dynamic lua5.4 is not the static host, so absolute numbers differ
-- a little; the split is the point.  It only calls the policy code.
local src, cdir, n = arg[1], arg[2], tonumber(arg[3] or 100)
assert(src and cdir, "usage: lua5.4 bench/phases.lua SOURCE_DIR LIB_DIR [N [GRANT...]]")
local ACCESS = { ["--allow"] = "read,write", ["--read"] = "read", ["--write"] = "write" }
local grants = {}
for i = 4, #arg do
  local opt, path = arg[i]:match("^(%-%-%a+)=(.+)$")
  assert(ACCESS[opt], "grants are --allow=DIR, --read=DIR or --write=DIR: " .. arg[i])
  grants[#grants + 1] = { path = path, access = ACCESS[opt], source = opt .. " " .. path }
end
if #grants == 0 then grants[1] = { path = ".", access = "read,write", source = "--allow ." } end
package.path = src .. "/lua/?.lua;" .. package.path
package.cpath = cdir .. "/?.so;" .. package.cpath

local core = require "nono.core"
local policy = require "nono.policy"

local sum, order = {}, {}
local function add(name, t)
  if not sum[name] then sum[name] = 0; order[#order + 1] = name end
  sum[name] = sum[name] + t
end

-- 1. Parsing every embedded Lua module the way the host does (text chunks).
local embedded = {}
for _, m in ipairs { "cli", "defaults", "env", "json", "paths", "policy", "profile" } do
  local f = io.open(src .. "/lua/nono/" .. m .. ".lua")
  if f then embedded[#embedded + 1] = f:read("a"); f:close() end
end
local bytes = 0
for _, s in ipairs(embedded) do bytes = bytes + #s end

local rules_count, entries_calls = 0, 0
local cwd = core.realpath(".")
for _ = 1, n do
  local t = os.clock()
  for _, s in ipairs(embedded) do assert(load(s, "=m", "t")) end
  add(string.format("parse the embedded modules (%d KiB of Lua source)", bytes // 1024), os.clock() - t)

  t = os.clock()
  local p = policy.new { home = os.getenv("HOME"), cwd = cwd }
  for _, g in ipairs(grants) do
    assert(p:grant(g.path, g.access, { kind = "dir", source = g.source }))
  end
  add("policy.new + grants (system set, protections, blocklist)", os.clock() - t)

  -- resolve() = realpath + lfs per grant, resolve_protections, build_rules;
  -- build_rules is timed again on its own below and subtracted.
  local real_entries = core.entries
  core.entries = function(dir) entries_calls = entries_calls + 1; return real_entries(dir) end
  t = os.clock()
  assert(p:resolve())
  local resolve = os.clock() - t
  t = os.clock()
  p:build_rules()
  local build = os.clock() - t
  core.entries = real_entries
  add("resolve: realpath/stat of grants, protections, blocklist lookup", resolve - build)
  add("build_rules: expand narrowed dirs (core.entries, one rule per entry)", build)
  rules_count = #p:rules()

  t = os.clock()
  local plan <close> = core.policy(p:handled())
  plan:set_net(p:handled_net())
  plan:set_scoped(p:scoped())
  plan:set_seccomp(p:seccomp_options())
  plan:set_session("new")
  for _, path in ipairs(p.ro_binds) do assert(plan:add_ro_bind(path)) end
  for _, rule in ipairs(p:rules()) do assert(plan:add_path(rule.path, rule.mask)) end
  add("plan:add_path per rule (openat2, fstat, landlock_add_rule, close)", os.clock() - t)

  t = os.clock()
  local r = plan:spawn({ "/bin/true" }, {})
  assert(r.kind == "exited" and r.code == 0, r.message)
  add("plan:spawn (seccomp filter, fork, wait: the parent's side)", os.clock() - t)
end

print(string.format("%d grant(s) given; %d rules; core.entries calls per run: %d; %d repetitions; CPU ms of the nono process",
  #grants, rules_count, entries_calls // n, n))
local total = 0
for _, name in ipairs(order) do total = total + sum[name] end
for _, name in ipairs(order) do
  print(string.format("  %7.3f ms  %4.1f %%  %s", sum[name] / n * 1000, sum[name] / total * 100, name))
end
print(string.format("  %7.3f ms         total", total / n * 1000))

-- Not a phase: what the first one would cost if the build embedded the
-- modules as stripped bytecode (luac -s) instead of source.
local dumped = {}
for _, s in ipairs(embedded) do dumped[#dumped + 1] = string.dump(assert(load(s, "=m", "t")), true) end
local t = os.clock()
for _ = 1, n do
  for _, b in ipairs(dumped) do assert(load(b, "=m", "b")) end
end
print(string.format("  (the same modules as stripped bytecode would load in %.3f ms)", (os.clock() - t) / n * 1000))
