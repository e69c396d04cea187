-- Ephemeral sessions (`nono run --ephemeral`): the write grants are
-- overlays, so the command's writes reach the real tree only through
-- `nono session commit`, which treats the kept upper layer as hostile
-- (docs/threats.md, row 19: what the sandbox wrote is attacker input).
-- Tried as root and as uid 65534; each claim next to a control that shows
-- the same thing happening without it.
local H = require "spec.helper"

local function sh(cmd)
  local out, err, code = H.sh(cmd)
  assert(code == 0, cmd .. ": " .. err)
  return out
end

--- The user's own state directory and project (an overlay copies a file
-- up only when its owner is mapped in the command's user namespace: the
-- user's own files, as a project's are).
local function setup(w, user)
  w.state = w.root .. "/state"
  sh("mkdir -p " .. H.q(w.state) .. " && printf 'in sub\\n' > " .. H.q(w.project .. "/sub/k.txt"))
  if user == "nobody" then
    sh("chown -R 65534:65534 " .. H.q(w.state) .. " " .. H.q(w.project) .. " " .. H.q(w.home))
  end
  w.env = "XDG_STATE_HOME=" .. H.q(w.state)
end

local function nono(w, user, args, opts)
  opts = opts or {}
  opts.env = w.env
  return H.nono(w, user, args, opts)
end

local function run_sh(w, user, script, extra)
  return nono(w, user, H.args({ "run", "--ephemeral", "--allow", w.project }, extra or {},
    { "--", "/bin/sh", "-c", script }))
end

--- The session id from the line nono prints when the session ends.
local function session_id(err)
  return err:match("ephemeral session (%d+%-%d+%-%x+):")
end

local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

local function mode(path)
  return (sh("stat -c %a " .. H.q(path)):gsub("%s+$", ""))
end

local function exists(path)
  return os.execute("test -e " .. H.q(path) .. " -o -L " .. H.q(path)) == true
end

local SESSION = "echo changed > file.txt; printf 'new\\n' > new.txt; chmod 0750 new.txt; rm -rf sub; "
  .. "mkdir -p newdir && printf 'deep\\n' > newdir/f; cat file.txt"

for _, user in ipairs(H.users) do
  describe("ephemeral sessions as " .. user .. " #ephemeral", function()
    local w = H.each_world(function(w) setup(w, user) end)

    if H.floor then
      it("refuses --ephemeral without user namespaces (126, with a hint)", function()
        if not H.ready(user) then return end
        local _, err, code = run_sh(w, user, "echo x > file.txt")
        assert.equal(126, code)
        assert.matches("user namespaces", err)
        assert.matches("the command was not run", err)
        assert.equal("project\n", read(w.project .. "/file.txt"))
      end)
      return
    end

    it("keeps the writes off the real tree; diff shows them; commit applies exactly them", function()
      if not H.ready(user) then return end
      local out, err, code = run_sh(w, user, SESSION)
      assert.equal(0, code, err)
      assert.equal("changed\n", out) -- inside, the command saw its own write
      local id = assert(session_id(err), err)
      assert.matches("5 entries changed", err)
      -- the real tree is untouched
      assert.equal("project\n", read(w.project .. "/file.txt"))
      assert.equal("in sub\n", read(w.project .. "/sub/k.txt"))
      assert.is_false(exists(w.project .. "/new.txt"))
      local list = nono(w, user, { "session", "list" })
      assert.matches(id:gsub("%-", "%%-") .. "  [%d:%- ]+  ended  5 changed", list)
      local diff = nono(w, user, { "session", "diff", id })
      assert.matches("changed file.txt\n%-%-%- a/file.txt\n%+%+%+ b/file.txt\n@@ %-1 %+1 @@\n%-project\n%+changed", diff)
      assert.matches("added   new.txt", diff)
      assert.matches("removed sub/", diff)
      assert.matches("added   newdir/", diff)
      local _, cerr, ccode = nono(w, user, { "session", "commit", id })
      assert.equal(0, ccode, cerr)
      assert.equal("changed\n", read(w.project .. "/file.txt"))
      assert.equal("new\n", read(w.project .. "/new.txt"))
      assert.equal("750", mode(w.project .. "/new.txt"))
      assert.equal("deep\n", read(w.project .. "/newdir/f"))
      assert.is_false(exists(w.project .. "/sub"))
      assert.equal("", sh("ls -A " .. H.q(w.project) .. " | grep -v -e '^file.txt$' -e '^new.txt$' -e '^newdir$' || true"))
      assert.equal("", (nono(w, user, { "session", "list" }):gsub("no ephemeral sessions\n", "")))
    end)

    it("says in --dry-run, text and JSON, where the overlays go (and without --ephemeral, none)", function()
      if not H.ready(user) then return end
      local json = require "dkjson"
      local out, err, code = nono(w, user, { "run", "--ephemeral", "--allow", w.project, "--dry-run", "--json",
        "--", "true" })
      assert.equal(0, code, err)
      local d = assert(json.decode(out), out).ephemeral
      assert.same({ H.absolute(w.project) }, d.overlays)
      assert.equal(w.state .. "/nono/sessions", d.dir)
      out = nono(w, user, { "run", "--ephemeral", "--allow", w.project, "--dry-run", "--", "true" })
      assert.matches("ephemeral     overlays over " .. H.absolute(w.project), out, 1, true)
      out = nono(w, user, { "run", "--allow", w.project, "--dry-run", "--json", "--", "true" })
      assert.is_false(assert(json.decode(out), out).ephemeral)
    end)

    it("discard leaves the real tree untouched (control: the same run without --ephemeral writes it)", function()
      if not H.ready(user) then return end
      local _, err, code = run_sh(w, user, SESSION)
      assert.equal(0, code, err)
      local id = assert(session_id(err), err)
      local _, derr, dcode = nono(w, user, { "session", "discard", id })
      assert.equal(0, dcode, derr)
      assert.equal("project\n", read(w.project .. "/file.txt"))
      assert.equal("in sub\n", read(w.project .. "/sub/k.txt"))
      assert.is_false(exists(w.project .. "/new.txt"))
      assert.is_false(exists(w.state .. "/nono/sessions/" .. id))
      -- control
      local _, cerr, ccode = nono(w, user, { "run", "--allow", w.project, "--", "/bin/sh", "-c", SESSION })
      assert.equal(0, ccode, cerr)
      assert.equal("changed\n", read(w.project .. "/file.txt"))
      assert.is_false(exists(w.project .. "/sub"))
    end)

    it("keeps protected names protected inside the overlay (rows 3 and 19)", function()
      if not H.ready(user) then return end
      sh("mkdir -p " .. H.q(w.home .. "/work") .. " && chmod 0777 " .. H.q(w.home) .. " " .. H.q(w.home .. "/work")
        .. " && chmod 0666 " .. H.q(w.home .. "/.bashrc"))
      if user == "nobody" then sh("chown -R 65534:65534 " .. H.q(w.home)) end
      -- controls: unsandboxed, both work
      assert.equal("ok", H.probe_bare(w, user, "read", w.secret))
      assert.equal("ok", H.probe_bare(w, user, "write", w.home .. "/.bashrc"))
      for _, case in ipairs { { "read", w.secret }, { "write", w.home .. "/.bashrc" } } do
        local out, err = nono(w, user, { "run", "--ephemeral", "--allow", "~", "--read-file", w.probe, "--",
          w.probe, case[1], case[2] })
        out = out:gsub("%s+$", "")
        assert.is_true(out == "EACCES" or out == "EROFS", case[2] .. ": " .. out .. " " .. err)
      end
      -- the rest of the grant keeps its rights in the overlay (the narrowed
      -- home's own entries get their rules again on the overlay's inodes)
      local out = nono(w, user, { "run", "--ephemeral", "--allow", "~", "--read-file", w.probe, "--",
        w.probe, "create", w.home .. "/work/new.txt" })
      assert.equal("ok", (out:gsub("%s+$", "")))
      assert.is_false(exists(w.home .. "/work/new.txt"))
    end)

    it("is a profile verb too: ephemeral() (control: the same profile without it writes)", function()
      if not H.ready(user) then return end
      for _, on in ipairs { true, false } do
        local file = w.root .. "/eph-" .. tostring(on) .. ".lua"
        local f = assert(io.open(file, "w"))
        f:write(string.format("allow(%q)\n%s\n", w.project, on and "ephemeral()" or ""))
        f:close()
        sh("chmod 0644 " .. H.q(file))
        local _, err, code = nono(w, user, { "run", "--profile", file, "--", "/bin/sh", "-c",
          "echo " .. tostring(on) .. " > file.txt" })
        assert.equal(0, code, err)
        if on then
          assert.truthy(session_id(err), err)
          assert.equal("project\n", read(w.project .. "/file.txt"))
        else
          assert.is_nil(session_id(err))
          assert.equal("false\n", read(w.project .. "/file.txt"))
        end
      end
    end)

    it("refuses what an overlay cannot hold: a file write grant, a time-limited grant", function()
      if not H.ready(user) then return end
      local _, err, code = run_sh(w, user, "echo x > file.txt", { "--allow-file", w.outside .. "/file.txt" })
      assert.equal(126, code)
      assert.matches("one file", err)
      for _, timed in ipairs { { "--allow", w.project .. ":5m" }, { "--allow", w.project, "--read", w.outside .. ":5m" } } do
        _, err, code = nono(w, user, H.args({ "run", "--ephemeral" }, timed, { "--", "/bin/true" }))
        assert.equal(126, code)
        assert.matches("time%-limited", err)
      end
      -- and where namespaces are turned off
      _, err, code = run_sh(w, user, "echo x > file.txt", { "--no-namespaces" })
      assert.equal(126, code)
      assert.matches("user namespaces", err)
      assert.equal("project\n", read(w.project .. "/file.txt"))
      assert.equal("outside\n", read(w.outside .. "/file.txt"))
    end)

    it("goes on where an interrupted commit stopped when run again", function()
      if not H.ready(user) then return end
      if not H.is_root then return pending("making a directory immutable (chattr +i) needs root") end
      local _, err = run_sh(w, user, "echo one > a.txt; echo two > sub/k.txt; echo three > z.txt")
      local id = assert(session_id(err), err)
      -- the real sub/ refuses every change for now: the commit stops there
      sh("chattr +i " .. H.q(w.project .. "/sub"))
      local _, cerr, code = nono(w, user, { "session", "commit", id })
      sh("chattr -i " .. H.q(w.project .. "/sub"))
      assert.equal(1, code, cerr)
      assert.matches("commit stopped at .*again goes on from there", cerr)
      assert.equal("in sub\n", read(w.project .. "/sub/k.txt"))
      _, cerr, code = nono(w, user, { "session", "commit", id })
      assert.equal(0, code, cerr)
      assert.equal("one\n", read(w.project .. "/a.txt"))
      assert.equal("two\n", read(w.project .. "/sub/k.txt"))
      assert.equal("three\n", read(w.project .. "/z.txt"))
      assert.equal("", sh("ls -A " .. H.q(w.project .. "/sub") .. " | grep -v '^k.txt$' || true"))
    end)

    it("refuses to commit over a file changed in the real tree since the session started", function()
      if not H.ready(user) then return end
      local _, err = run_sh(w, user, "echo mine > file.txt")
      local id = assert(session_id(err), err)
      sh("echo theirs > " .. H.q(w.project .. "/file.txt"))
      local _, cerr, code = nono(w, user, { "session", "commit", id })
      assert.equal(1, code)
      assert.matches("changed in the real tree since the session started", cerr)
      assert.equal("theirs\n", read(w.project .. "/file.txt"))
    end)

    it("commits a hostile upper layer only inside the tree: no escaping symlink, device, setuid bit", function()
      if not H.ready(user) then return end
      if not H.is_root then return pending("planting a device node needs root") end
      local _, err = run_sh(w, user, "echo mine > file.txt")
      local id = assert(session_id(err), err)
      local upper = w.state .. "/nono/sessions/" .. id .. "/upper/1"
      local owner = user == "nobody" and "chown -h 65534:65534 " or "true "
      sh(table.concat({
        "cd " .. H.q(upper),
        "ln -s " .. H.q(w.outside .. "/file.txt") .. " abs-link",
        "ln -s ../outside/file.txt rel-link",
        "mkdir deep && ln -s ../../x deep/up-link",
        "ln -s ../escape/../.. climb",
        "mknod null c 1 3",
        "mkfifo fifo",
        "printf '#!/bin/sh\\n' > suid",
        "mknod sub c 0 0",     -- a whiteout: the real sub/ is removed
        "ln -s file.txt inside-link",
        owner .. "abs-link rel-link deep deep/up-link climb null fifo suid sub inside-link",
        "chmod 4755 suid", -- (after chown, which clears it)
      }, " && "))
      -- control: the upper layer holds them all
      for _, name in ipairs { "abs-link", "rel-link", "deep/up-link", "climb", "null", "fifo", "suid" } do
        assert.is_true(exists(upper .. "/" .. name), name)
      end
      assert.equal("4755", mode(upper .. "/suid"))
      local diff = nono(w, user, { "session", "diff", id })
      assert.matches("refused abs%-link: a symlink leading out of the tree", diff)
      assert.matches("refused null: a device node", diff)
      assert.matches("removed sub/", diff)
      local _, cerr, code = nono(w, user, { "session", "commit", id })
      assert.equal(1, code, cerr)
      for _, name in ipairs { "abs-link", "rel-link", "deep/up-link", "climb", "null", "fifo" } do
        assert.matches("not committed: " .. w.project:gsub("%p", "%%%0") .. "/" .. name:gsub("%p", "%%%0"), cerr)
        assert.is_false(exists(w.project .. "/" .. name))
      end
      assert.equal("outside\n", read(w.outside .. "/file.txt"))
      assert.equal("mine\n", read(w.project .. "/file.txt"))
      assert.equal("755", mode(w.project .. "/suid"))
      assert.is_false(exists(w.project .. "/sub"))
      assert.equal("file.txt", (sh("readlink " .. H.q(w.project .. "/inside-link")):gsub("%s+$", "")))
    end)

    it("honours an opaque directory planted in the upper layer as the real one replaced", function()
      if not H.ready(user) then return end
      local _, err = run_sh(w, user, "mkdir -p sub && echo kept > sub/new.txt")
      local id = assert(session_id(err), err)
      local upper = w.state .. "/nono/sessions/" .. id .. "/upper/1"
      sh("python3 -c 'import os,sys; os.setxattr(sys.argv[1], \"user.overlay.opaque\", b\"y\")' "
        .. H.q(upper .. "/sub"))
      assert.equal("in sub\n", read(w.project .. "/sub/k.txt")) -- control: there before the commit
      local _, cerr, code = nono(w, user, { "session", "commit", id })
      assert.equal(0, code, cerr)
      assert.is_false(exists(w.project .. "/sub/k.txt"))
      assert.equal("kept\n", read(w.project .. "/sub/new.txt"))
    end)
  end)
end
