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
-- The first phase loads the bytecode the build embeds (BUILD/luac), as the
-- host does.  Debian's dynamic lua5.4 is not the static host, so absolute
-- numbers differ a little; the split is the point.  It only calls the
-- policy code.
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
-- (the one phase nono run does only when the command asks: why --self)
local AFTER = "export, when why --self asks for it: the sealed policy (a JSON head, a line per grant, "
  .. "rule and protection) into the memfd handed over"
local function add(name, t)
  if not sum[name] then sum[name] = 0; order[#order + 1] = name end
  sum[name] = sum[name] + t
end

-- 1. Loading every module `nono run` requires the way the host does: the
-- bytecode the build compiled (BUILD/luac, next to LIB_DIR), else source.
-- (the modules `nono run --allow .` loads before the command starts; the
-- sealed policy's, nono.sealed and nono.json, when why --self asks; the
-- report, profiles, rollback and ephemeral sessions on first use,
-- nono.lazy)
local MODULES = { "cli", "compose", "env", "exits", "git", "paths", "net", "policy", "defaults", "mounts",
  "access", "grants", "commands", "narrow", "lazy", "state", "options", "supervisor", "guard" }
local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end
local embedded, texts, mode = {}, {}, "b"
for _, m in ipairs(MODULES) do
  texts[#texts + 1] = read(src .. "/lua/nono/" .. m .. ".lua")
  embedded[#embedded + 1] = read(cdir .. "/../luac/lua/nono/" .. m .. ".luac")
end
if #embedded < #MODULES then embedded, mode = texts, "t" end
local bytes = 0
for _, s in ipairs(embedded) do bytes = bytes + #s end

local rules_count, entries_calls = 0, 0
local cwd = core.realpath(".")
for _ = 1, n do
  local t = os.clock()
  for _, s in ipairs(embedded) do assert(load(s, "=m", mode)) end
  add(string.format("load the embedded modules (%d KiB of %s)", bytes // 1024,
    mode == "b" and "bytecode" or "Lua source"), os.clock() - t)

  t = os.clock()
  local p = policy.new { home = os.getenv("HOME"), cwd = cwd }
  for _, g in ipairs(grants) do
    assert(p:grant(g.path, g.access, { kind = "dir", source = g.source }))
  end
  add("policy.new + grants (system set, protections, blocklist)", os.clock() - t)

  -- resolve() = core.resolve per grant, resolve_protections, build_rules;
  -- build_rules is timed again on its own below and subtracted.
  local real_list = core.list_dir
  core.list_dir = function(...) entries_calls = entries_calls + 1; return real_list(...) end
  t = os.clock()
  assert(p:resolve())
  local resolve = os.clock() - t
  t = os.clock()
  p:build_rules()
  local build = os.clock() - t
  core.list_dir = real_list
  add("resolve: grants, protections, blocklist lookup (core.resolve)", resolve - build)
  add("build_rules: expand narrowed dirs (core.list_dir, one rule per entry)", build)
  rules_count = #p:rules()

  t = os.clock()
  local plan <close> = assert(p:plan("new"))
  add("plan: the rules into the ruleset (add_path, add_entries: openat2, landlock_add_rule, close)",
    os.clock() - t)

  t = os.clock()
  local r = plan:spawn({ "/bin/true" }, {})
  assert(r.kind == "exited" and r.code == 0, r.message)
  add("plan:spawn (seccomp filter, fork, wait: the parent's side)", os.clock() - t)

  t = os.clock()
  local fd = assert(core.sealed_memfd(p:export()))
  fd:close()
  add(AFTER, os.clock() - t)
end

print(string.format("%d grant(s) given; %d rules; core.list_dir calls per run: %d; %d repetitions; CPU ms of the nono process",
  #grants, rules_count, entries_calls // n, n))
local total = 0
for _, name in ipairs(order) do total = total + sum[name] end
for _, name in ipairs(order) do
  print(string.format("  %7.3f ms  %4.1f %%  %s", sum[name] / n * 1000, sum[name] / total * 100, name))
end
print(string.format("  %7.3f ms         total, %.3f ms of it before the command starts", total / n * 1000,
  (total - sum[AFTER]) / n * 1000))

-- Not a phase: what the first one cost when the build embedded source text.
local t = os.clock()
for _ = 1, n do
  for _, text in ipairs(texts) do assert(load(text, "=m", "t")) end
end
print(string.format("  (the same modules as source text, as embedded before, parse in %.3f ms)", (os.clock() - t) / n * 1000))
