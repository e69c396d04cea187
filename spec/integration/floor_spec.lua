-- The floor: where a user and mount namespace cannot be had as nono's
-- child needs it, `nono run` still runs the command, keeps every protection
-- by Landlock narrowing instead of bind mounts, and says why.  Each way a
-- real machine refuses is made here with nono-no-landlock:
--   NOUSERNS  unshare itself refused (Docker's default seccomp profile,
--             user namespaces turned off);
--   NOUIDMAP  unshare works but uid_map cannot be written (Ubuntu 23.10+,
--             whose AppArmor rule leaves the namespace without capabilities;
--             EPERM there, EACCES from the helper's Landlock ruleset here);
--   NOMOUNT   the namespace works but every mount call is refused.
-- Each mode is first shown to break what it claims to (util-linux unshare,
-- outside nono), and each denial sits next to a control.  As root and as
-- uid 65534.
local H = require "spec.helper"
local dkjson = require "dkjson" -- busted's own dependency

local modes = {
  { name = "NOUSERNS", what = "unshare refused, as under Docker's default seccomp profile",
    step = "unshare", error = "EPERM" },
  { name = "NOUIDMAP", what = "unshare works and uid_map is refused, as under Ubuntu's AppArmor rule",
    step = "uid_map", error = "EACCES" },
  { name = "NOMOUNT", what = "the namespace works and every mount is refused",
    step = "mount", error = "EPERM" },
}

--- A Lua pattern matching `s` literally.
local function lit(s)
  return (s:gsub("%p", "%%%0"))
end

--- Make the fixture home writable by everyone (as a real home is by its
-- owner): a denial inside it is then Landlock's, not the file mode's.
local function writable_home(w)
  assert(os.execute(table.concat({
    "printf 'notes\\n' > " .. H.q(w.home .. "/notes.txt"),
    "chmod 0777 " .. H.q(w.home) .. " " .. H.q(w.home .. "/.ssh"),
    "chmod 0666 " .. H.q(w.home .. "/.bashrc") .. " " .. H.q(w.home .. "/notes.txt"),
  }, " && ")))
end

for _, user in ipairs(H.users) do
  for _, mode in ipairs(modes) do
    describe(string.format("the floor (%s: %s) as %s #landlock #floor", mode.name, mode.what, user), function()
      local w
      before_each(function()
        w = H.world()
        writable_home(w)
      end)
      after_each(function() H.destroy(w) end)

      --- `nono ARGS...` as H.nono runs it, under the mode; with `bare`,
      -- under none, whatever NONO_SPEC_FLOOR says (the controls, where
      -- namespaces work).
      local function floor(args, bare)
        return H.nono(w, user, args, { floor = not bare and mode.name or false })
      end

      --- H.probe under the mode (or `bare`): the kernel's answer to OP.
      local function probe(bare, grants, op, a, b)
        local out = floor(H.args({ "run" }, grants, { "--read-file", w.probe, "--", w.probe, op, a, b }), bare)
        return (out:gsub("%s+$", ""))
      end
      local function floor_probe(...) return probe(false, ...) end

      local reason = lit(mode.step .. ": " .. mode.error .. " — ")

      it("is a machine where nono's namespace cannot be set up (the mode is real)", function()
        H.ready(user)
        -- The control: a user namespace with a private mount table works here.
        local _, err, code = H.sh(H.as(user, "unshare --user --map-root-user --mount true"))
        assert.equal(0, code, err)
        -- Under the mode the same fails (at unshare, at the id maps, or at
        -- making the mounts private).
        _, err, code = H.sh(string.format("%s %s %s unshare --user --map-root-user --mount true",
          H.as(user, ""), H.q(w.injector), mode.name))
        assert.are_not.equal(0, code)
        assert.is_truthy(err:find("Operation not permitted") or err:find("Permission denied"), err)
      end)

      it("runs the command with --allow of the project (exit 0)", function()
        H.ready(user)
        local out, err, code = floor({ "run", "--allow", w.project, "--", "sh", "-c",
          "echo floor > made.txt && cat made.txt" })
        assert.equal(0, code, err)
        assert.equal("floor\n", out)
        assert.equal("floor\n", H.slurp(w.project .. "/made.txt"))
        -- outside the grant the kernel still refuses (the control: the
        -- same write without nono succeeds)
        assert.equal("ok", H.probe_bare(w, user, "write", w.outside .. "/file.txt"))
        assert.equal("EACCES", (floor_probe({ "--allow", w.project }, "write", w.outside .. "/file.txt")))
      end)

      it("names the reason in -v, --dry-run and --dry-run --json", function()
        H.ready(user)
        -- The control: where namespaces work, the report says mounts.
        local out, err, code = floor({ "run", "--dry-run", "--allow", ".", "--", "true" }, true)
        assert.equal(0, code, err)
        assert.matches("\n  namespaces +user%+mount: read%-only and no%-exec bind mounts\n", out)
        assert.matches("commands +blocked for every process: [^\n]*read%-only no%-exec mounts", out)

        out, err, code = floor({ "run", "--dry-run", "--allow", ".", "--", "true" })
        assert.equal(0, code, err)
        assert.matches("\n  namespaces +unavailable %(" .. reason .. "[^\n]*%); protections use Landlock narrowing\n",
          out)
        assert.matches("commands +blocked for every process: [^\n]*execute withheld", out)
        assert.matches("narrowed: /usr/sbin/wipefs is protected", out)

        local _, verr, vcode = floor({ "run", "-v", "--allow", ".", "--", "true" })
        assert.equal(0, vcode, verr)
        assert.matches("\n  namespaces +unavailable %(" .. reason, verr)

        out, err, code = floor({ "run", "--dry-run", "--json", "--allow", ".", "--", "true" })
        assert.equal(0, code, err)
        local ns = assert(dkjson.decode(out), out).enforcement.namespaces
        assert.is_false(ns.available)
        assert.equal(mode.step, ns.step)
        assert.equal(mode.error, ns.error)
        assert.matches("^" .. reason, ns.reason)
        local bare = assert(dkjson.decode((floor({ "run", "--dry-run", "--json", "--allow", ".", "--", "true" },
          true)))).enforcement.namespaces
        assert.is_true(bare.available)
        assert.is_nil(bare.reason)
      end)

      it("keeps ~/.ssh out of reach and ~/.bashrc read-only under --allow ~, by Landlock", function()
        H.ready(user)
        local HOME = { "--allow", "~" }
        -- The controls: without nono the key is readable, .bashrc writable.
        assert.equal("ok", H.probe_bare(w, user, "read", w.secret))
        assert.equal("ok", H.probe_bare(w, user, "write", w.home .. "/.bashrc"))
        -- Where namespaces work .bashrc is a read-only mount (EROFS) ...
        assert.equal("EROFS", (probe(true, HOME, "write", w.home .. "/.bashrc")))
        local before = H.slurp(w.home .. "/.bashrc")
        -- ... on the floor, a narrowed grant (EACCES), as is the key.
        assert.equal("EACCES", (floor_probe(HOME, "read", w.secret)))
        assert.equal("EACCES", (floor_probe(HOME, "list", w.home .. "/.ssh")))
        assert.equal("EACCES", (floor_probe(HOME, "write", w.home .. "/.bashrc")))
        assert.equal("EACCES", (floor_probe(HOME, "truncate", w.home .. "/.bashrc")))
        assert.equal("EACCES", (floor_probe(HOME, "unlink", w.home .. "/.bashrc")))
        assert.equal(before, H.slurp(w.home .. "/.bashrc"))
        -- the rest of the home keeps what --allow gives
        assert.equal("ok", (floor_probe(HOME, "read", w.home .. "/.bashrc")))
        assert.equal("ok", (floor_probe(HOME, "write", w.home .. "/notes.txt")))
      end)

      it("still refuses a command blocked for every process, by withholding execute", function()
        H.ready(user)
        -- the control: wipefs runs outside the sandbox
        assert.matches("wipefs from util%-linux", (H.sh(H.as(user, "/usr/sbin/wipefs --version"))))
        local _, err, code = floor({ "run", "--allow", ".", "--", "sh", "-c", "wipefs --version" })
        assert.are_not.equal(0, code)
        assert.matches("Permission denied", err)
        assert.equal("EACCES", (floor_probe({ "--allow", "." }, "exec", "/usr/sbin/wipefs")))
      end)

      it("answers why --self inside from the narrowed rules, as the kernel does", function()
        H.ready(user)
        local script = H.inside_script(w, {
          "$N why --self --path " .. H.q(w.home .. "/.bashrc") .. " --op write",
          "$N why --self --path " .. H.q(w.home .. "/notes.txt") .. " --op write",
          H.q(w.probe) .. " write " .. H.q(w.home .. "/.bashrc"),
        })
        -- the control: where namespaces work, a read-only mount answers
        local run = { "run", "--allow", "~", "--read-file", w.probe, "--", "sh", "-c", script }
        local out, err, code = floor(run, true)
        assert.equal(1, code, err)
        assert.matches("^DENIED write[^\n]*\n[^\n]*a read%-only mount", out)
        assert.matches("\nEROFS\n$", out)
        out, err, code = floor(run)
        assert.equal(1, code, err) -- the probe's refused write
        assert.matches("^DENIED write", out)
        assert.not_matches("read%-only mount", out)
        assert.matches("\nALLOWED write", out)
        assert.matches("\nEACCES\n$", out)
      end)

      it("refuses a time-limited grant (126), naming the reason, and runs nothing", function()
        H.ready(user)
        local _, err, code = floor({ "run", "--allow", w.project .. "/sub:5m", "--", "touch",
          w.project .. "/sub/ran" })
        assert.equal(126, code, err)
        assert.matches("time%-limited", err)
        assert.matches("not available here %(" .. reason, err)
        assert.matches("never turns a time%-limited grant into a permanent one", err)
        assert.is_nil(io.open(w.project .. "/sub/ran"))
        -- the control: the same without the time limit runs
        local _, err2, code2 = floor({ "run", "--allow", w.project .. "/sub", "--", "touch",
          w.project .. "/sub/ran" })
        assert.equal(0, code2, err2)
        assert.truthy(io.open(w.project .. "/sub/ran"))
      end)
    end)
  end
end
