--- Shared by every spec: where the binaries are, a throw-away "world" (a
-- project, a home with fake secrets, a place outside every grant), and a
-- way to run `nono` as root and as an unprivileged user.
local H = {}
local json = require "nono.json"
local lfs = require "lfs"

-- lua/nono/init.lua is `require "nono"`; busted's --lpath holds one pattern.
package.path = "lua/?/init.lua;" .. package.path

H.source = os.getenv("NONO_SOURCE_DIR") or "."
H.built_nono = os.getenv("NONO_BIN") or (H.source .. "/build/nono")
H.built_probe = os.getenv("NONO_PROBE") or (H.source .. "/build/nono-probe")
H.is_root = io.popen("id -u"):read("l") == "0"
H.built_injector = os.getenv("NONO_NO_LANDLOCK") or (H.source .. "/build/nono-no-landlock")
H.built_attempt = os.getenv("NONO_ATTEMPT") or (H.source .. "/build/nono-attempt")
H.built_filter_check = os.getenv("NONO_FILTER_CHECK") or (H.source .. "/build/nono-filter-check")
H.built_arena_check = os.getenv("NONO_ARENA_CHECK") or (H.source .. "/build/nono-arena-check")
-- the build under test is instrumented (make test-asan)
H.sanitized = os.getenv("NONO_SANITIZED") == "1"
--- NONO_SPEC_FLOOR=MODE (NOUSERNS, NOUIDMAP or NOMOUNT): H.nono runs nono
-- under `nono-no-landlock MODE`, so the suite runs on the floor: a machine
-- where nono's user and mount namespace cannot be set up.  MODE FLAG: the
-- same floor by the user's choice, `--no-namespaces` added to each command
-- that takes it.  Calls of w.nono that do not go through H.nono are not
-- affected.
H.floor = os.getenv("NONO_SPEC_FLOOR")
if H.floor == "" then H.floor = nil end
H.in_ci = (os.getenv("CI") or "") ~= ""

--- Quote one word for /bin/sh.
function H.q(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function slurp(path)
  local f = io.open(path, "rb")
  if not f then return "" end
  local s = f:read("a")
  f:close()
  return s
end
H.slurp = slurp

--- Run a shell command line; returns stdout, stderr, exit status.
function H.sh(cmdline)
  local errfile = os.tmpname()
  local p = io.popen(cmdline .. " 2>" .. H.q(errfile), "r")
  local out = p:read("a")
  local _, _, code = p:close()
  local err = slurp(errfile)
  os.remove(errfile)
  return out, err, code
end

local function must(cmdline)
  local out, err, code = H.sh(cmdline)
  assert(code == 0, cmdline .. " failed: " .. err)
  return out
end

--- The users every integration spec runs as.  Switching to uid 65534 needs
-- root; elsewhere those runs are pending with that reason.
H.users = { "root", "nobody" }

--- Prefix a command line so it runs as `user`.
function H.as(user, cmdline)
  if user == "nobody" then
    return "setpriv --reuid=65534 --regid=65534 --clear-groups " .. cmdline
  end
  return cmdline
end

--- Mark the running test pending with `reason`.  busted gives `pending`
-- to the spec files' functions (through their _ENV), not to a module such
-- as this one: it is taken from the nearest caller on the stack that has
-- it.  Does not return.
local function mark_pending(reason)
  for level = 2, 20 do
    local info = debug.getinfo(level, "f")
    if not info then break end
    for i = 1, 255 do
      local name, env = debug.getupvalue(info.func, i)
      if not name then break end
      if name == "_ENV" and type(env) == "table" and env ~= _G and env.pending then env.pending(reason) end
    end
  end
  error("not pending (no busted test on the stack): " .. reason, 2)
end

--- Mark the running test pending, with the reason: the machine lacks what
-- the rest of it needs.  It does not return.
H.pending = mark_pending

--- Mark the running test pending (with the reason) when it cannot run here.
-- Returns true when the test should go on.
function H.can_run_as(user)
  if user == "nobody" and not H.is_root then
    mark_pending("running as uid 65534 needs root (setpriv); this run is uid " .. io.popen("id -u"):read("l"))
    return false
  end
  return true
end

--- Landlock must be live to test enforcement.  In CI its absence fails the
-- suite; elsewhere the test is marked pending with the reason.
function H.require_landlock()
  local out = H.sh(H.q(H.built_nono) .. " --version")
  if out:find("Landlock ABI %d") then return true end
  local reason = "Landlock is unavailable on this kernel: " .. out
  if H.in_ci then error(reason .. " (CI must run where Landlock works)") end
  mark_pending(reason)
  return false
end

--- Both of the above: the run as `user` can happen and Landlock is live.
function H.ready(user)
  return H.can_run_as(user) and H.require_landlock()
end

--- A fresh world at the top of the tree, readable by everyone so that uid
-- 65534 is stopped by Landlock and not by file permissions.  Not in /tmp:
-- the agent profiles give the command a private /tmp, where a fixture home
-- would not be there at all (ENOENT, not the EACCES a spec must see); not
-- in /var: git metadata there is a system directory's.
--   bin/nono, bin/nono-probe  copies of the built binaries
--   home/.ssh/id_rsa          a fake secret (0644), home/.bashrc
--   project/                  the directory the specs grant (0777)
--     file.txt, sub/          an existing file and directory
--   outside/                  never granted (0777), outside/file.txt (0666)
function H.world()
  local root = must("mktemp -d /nono-spec.XXXXXX"):gsub("%s+$", "")
  local w = {
    root = root, bin = root .. "/bin", home = root .. "/home",
    project = root .. "/project", outside = root .. "/outside",
  }
  w.nono, w.probe = w.bin .. "/nono", w.bin .. "/nono-probe"
  w.injector = w.bin .. "/nono-no-landlock"
  w.secret = w.home .. "/.ssh/id_rsa"
  must(table.concat({
    "set -e",
    "chmod 0755 " .. H.q(root),
    "mkdir -p " .. H.q(w.bin) .. " " .. H.q(w.home .. "/.ssh") .. " " .. H.q(w.project .. "/sub") .. " " .. H.q(w.outside),
    "cp " .. H.q(H.built_nono) .. " " .. H.q(w.nono),
    "cp " .. H.q(H.built_probe) .. " " .. H.q(w.probe),
    "cp " .. H.q(H.built_injector) .. " " .. H.q(w.injector),
    "printf 'FAKE PRIVATE KEY\\n' > " .. H.q(w.secret),
    "printf '# rc\\n' > " .. H.q(w.home .. "/.bashrc"),
    "printf 'project\\n' > " .. H.q(w.project .. "/file.txt"),
    "printf 'outside\\n' > " .. H.q(w.outside .. "/file.txt"),
    "chmod -R a+rX " .. H.q(root),
    "chmod 0777 " .. H.q(w.project) .. " " .. H.q(w.project .. "/sub") .. " " .. H.q(w.outside),
    "chmod 0666 " .. H.q(w.project .. "/file.txt") .. " " .. H.q(w.outside .. "/file.txt"),
  }, "\n"))
  return w
end

function H.destroy(w)
  if w and w.root and w.root:match("^/nono%-spec%.") then os.execute("rm -rf " .. H.q(w.root)) end
end

--- The world of each test in a describe block: a table that holds a fresh
-- H.world() before each test (then `setup(w)`, when given) and is
-- destroyed after it.  Call it where the block's tests can see it.
function H.each_world(setup)
  local busted = require "busted"
  local w = {}
  busted.before_each(function()
    for k in pairs(w) do w[k] = nil end
    for k, v in pairs(H.world()) do w[k] = v end
    if setup then setup(w) end
  end)
  busted.after_each(function() H.destroy(w) end)
  return w
end

--- w.attempt: nono-attempt (spec/helpers/attempt.c) in the world's bin.
function H.add_attempt(w)
  w.attempt = w.bin .. "/nono-attempt"
  local _, err, code = H.sh("cp " .. H.q(H.built_attempt) .. " " .. H.q(w.attempt))
  assert(code == 0, "cannot copy " .. H.built_attempt .. ": " .. err)
end

--- The command line of process `pid` as a thread of it that still runs
-- shows it (its main thread may have exited: "Zl", and with it the
-- process's own cmdline); nil when none runs.
local function running_cmdline(pid)
  -- (lfs, not a shell per process: a machine busy with thousands of
  -- processes would make each listing take minutes)
  local ok, iter, dir = pcall(lfs.dir, "/proc/" .. pid .. "/task")
  if not ok then return nil end
  for tid in iter, dir do
    local task = "/proc/" .. pid .. "/task/" .. tid
    local stat = tid:match("^%d+$") and H.slurp(task .. "/stat") or ""
    if stat ~= "" and not stat:match("^%d+ %(.-%) [ZX]") then return H.slurp(task .. "/cmdline") end
  end
end

--- The running processes whose command line is exactly `argv`: pids as
-- the host numbers them (inside the sandbox's pid namespace they differ).
function H.pids_running(argv)
  local want, found = table.concat(argv, "\0") .. "\0", {}
  for name in lfs.dir("/proc") do
    if name:match("^%d+$") and running_cmdline(name) == want then
      found[#found + 1] = name
    end
  end
  return found
end

--- An argument for `sleep` that no other process has (H.pids_running finds it).
local serial = 0
function H.marker()
  serial = serial + 1
  return string.format("299.%d%03d%d", os.time() % 100000, serial, math.random(1000, 9999))
end

--- `s` without trailing white space.
function H.trim(s)
  return (s:gsub("%s+$", ""))
end

--- How nono is run where a spec tries both: namespaces, and the floor.
H.MODES = {
  { name = "namespaces", floor = false },
  { name = "floor", floor = "NOUIDMAP" },
}

--- nono-attempt VECTOR (a list) inside `nono run --read-file ATTEMPT
-- EXTRA -- ATTEMPT VECTOR...` as `user`: its answer, status and stderr.
-- opts: extra (a list of options), floor (as H.nono's).
function H.attempt(w, user, vector, opts)
  opts = opts or {}
  local args = H.args({ "run", "--read-file", w.attempt }, opts.extra or {}, { "--", w.attempt }, vector)
  local out, err, code = H.nono(w, user, args, { floor = opts.floor })
  return H.trim(out), code, err
end

--- The same call without nono, as `user`: its answer.
function H.attempt_bare(w, user, vector)
  local words = {}
  for i, a in ipairs(vector) do words[i] = H.q(a) end
  return H.trim((H.sh(H.as(user, H.q(w.attempt) .. " " .. table.concat(words, " ") .. " </dev/null"))))
end

--- Run `nono ARGS...` in world `w` as `user`, from the project directory
-- with HOME pointing at the fixture home.  Returns stdout, stderr, status.
-- opts.floor: run it under `nono-no-landlock MODE` (default: H.floor;
-- false: never).  opts.wrap: a function given that shell command, returning
-- the one to run instead (the command inside a set-up of the spec's own).
function H.nono(w, user, args, opts)
  opts = opts or {}
  local nono, words = H.nono_words(w, args, opts.floor)
  local cmd = string.format("cd %s && env HOME=%s %s %s %s",
    H.q(opts.cwd or w.project), H.q(w.home), opts.env or "", H.as(user, nono), words)
  return H.sh(opts.wrap and opts.wrap(cmd) or cmd)
end

-- The commands that take --no-namespaces, and where it goes in their words.
local FLAG_AT = { run = 2, shell = 2, why = 2, setup = 2 }

--- A shell script to run inside a sandbox of world `w`: `lines`, one
-- after the other, where $N is this nono (for `$N why --self`).
-- LeakSanitizer needs ptrace, which the sandbox refuses: the sanitizer
-- build of the suite runs this nono inside it with leak checks off.
function H.inside_script(w, lines)
  return "export ASAN_OPTIONS=detect_leaks=0\nN=" .. H.q(w.nono) .. "\n" .. table.concat(lines, "\n")
end

--- How H.nono runs `nono ARGS...` in world `w` on `floor` (nil: H.floor;
-- false: never): the program (with the injector before it) and the
-- arguments, each quoted for the shell.
function H.nono_words(w, args, floor)
  if floor == nil then floor = H.floor end
  local words = {}
  for i, a in ipairs(args) do words[i] = H.q(a) end
  local at = FLAG_AT[args[1]] or (args[1] == "profile" and args[2] == "show" and 4)
  if floor == "FLAG" and at and at <= #words + 1 then
    table.insert(words, at, "--no-namespaces")
  end
  local nono = H.q(w.nono)
  if floor and floor ~= "FLAG" then nono = H.q(w.injector) .. " " .. H.q(floor) .. " " .. nono end
  return nono, table.concat(words, " ")
end

--- `dir` made absolute with symlinks resolved, or as given when it does
-- not exist.
function H.absolute(dir)
  local out = H.sh("cd " .. H.q(dir) .. " 2>/dev/null && pwd -P"):gsub("%s+$", "")
  return out ~= "" and out or dir
end

--- Where scripts/agents.sh installs the real agent CLIs, and their bin/.
H.agents_dir = H.absolute(os.getenv("NONO_AGENTS_DIR") or (H.source .. "/.agents"))
H.agents_bin = H.agents_dir .. "/node_modules/.bin/"

--- Whether the agent CLI `bin` is installed: in CI it must be (an error);
-- elsewhere the test is marked pending with the reason.
function H.agent_installed(bin)
  if io.open(H.agents_bin .. bin, "r") then return true end
  local reason = H.agents_bin .. bin .. " is not installed (sh scripts/agents.sh installs the agents from npm)"
  if H.in_ci then error(reason) end
  mark_pending(reason)
  return false
end

--- The lines of `text`, each decoded as JSON (an error for a bad line):
-- an audit log's events.
function H.json_lines(text)
  local out = {}
  for line in text:gmatch("[^\n]+") do
    local ev, msg = json.decode(line)
    assert(ev, "not JSON: " .. tostring(msg) .. ": " .. line)
    out[#out + 1] = ev
  end
  return out
end

--- Concatenate lists of words.
function H.args(...)
  local out = {}
  for _, list in ipairs({ ... }) do
    for _, a in ipairs(list) do out[#out + 1] = a end
  end
  return out
end

--- Run the probe inside the sandbox: `nono run GRANTS -- probe OP A [B]`.
-- Returns what the kernel answered ("ok", "EACCES", ...) and the status.
function H.probe(w, user, grants, op, a, b)
  local args = H.args({ "run" }, grants, { "--read-file", w.probe, "--", w.probe, op, a, b })
  local out, err, code = H.nono(w, user, args)
  return (out:gsub("%s+$", "")), code, err
end

--- Assert that `answer` (what the probe printed) is the kernel refusing a
-- change outside the write grants: Landlock's EACCES, or EROFS where the
-- mount view made the place read-only (the mount is checked before
-- Landlock for creating, removing and renaming, and for opening to write).
function H.refused(answer, msg)
  assert(answer == "EACCES" or answer == "EROFS",
    (msg and msg .. ": " or "") .. "expected EACCES or EROFS, got " .. tostring(answer))
end

--- The same operation without any sandbox, as `user`: the control that
-- shows a denial comes from Landlock and not from file permissions.
function H.probe_bare(w, user, op, a, b)
  local cmd = H.as(user, H.q(w.probe) .. " " .. op .. " " .. H.q(a) .. (b and (" " .. H.q(b)) or ""))
  local out = H.sh("cd " .. H.q(w.project) .. " && " .. cmd)
  return (out:gsub("%s+$", ""))
end

return H
