-- Rollback: `nono run --rollback` records the project, `nono rollback
-- restore` brings it back byte for byte with its modes, one path alone if
-- asked, and never writes through a symlink the session planted.  nono's
-- state directory ($XDG_STATE_HOME/nono, else ~/.local/state/nono) holds
-- what a restore writes back: the sandbox can neither read nor write it,
-- whatever it is granted, and a grant of it is refused.  Tried as root and
-- as uid 65534, each denial next to the unsandboxed control.
local H = require "spec.helper"

--- The fixture home writable (as a real home is by its owner) and a state
-- directory with a snapshot-like file in it, owned by `user`.
local function with_state(w, user)
  local state = w.home .. "/.local/state/nono"
  assert(os.execute(table.concat({
    "mkdir -p " .. H.q(state .. "/rollback"),
    "printf 'stored\\n' > " .. H.q(state .. "/rollback/blob"),
    "chmod 0777 " .. H.q(w.home),
    user == "nobody" and "chown -R 65534:65534 " .. H.q(w.home .. "/.local") or "true",
    "chmod 0700 " .. H.q(state),
  }, " && ")))
  return state
end

for _, user in ipairs(H.users) do
  describe("nono's state directory as " .. user .. " #rollback #state", function()
    local w
    before_each(function() w = H.world() end)
    after_each(function() H.destroy(w) end)

    it("is neither readable nor writable under --allow ~", function()
      if not H.ready(user) then return end
      local state = with_state(w, user)
      local blob = state .. "/rollback/blob"
      -- controls: without nono, the user reads, writes and creates there
      assert.equal("ok", H.probe_bare(w, user, "read", blob))
      assert.equal("ok", H.probe_bare(w, user, "list", state .. "/rollback"))
      assert.equal("ok", H.probe_bare(w, user, "create", state .. "/rollback/planted1"))
      local grants = { "--allow", w.home }
      assert.equal("EACCES", (H.probe(w, user, grants, "read", blob)))
      assert.equal("EACCES", (H.probe(w, user, grants, "list", state .. "/rollback")))
      assert.equal("EACCES", (H.probe(w, user, grants, "write", blob)))
      assert.equal("EACCES", (H.probe(w, user, grants, "create", state .. "/rollback/planted2")))
      assert.equal("EACCES", (H.probe(w, user, grants, "unlink", blob)))
      assert.equal("EACCES", (H.probe(w, user, grants, "rename", state, w.home .. "/moved")))
      assert.equal("stored\n", H.slurp(blob))
      assert.is_nil(io.open(state .. "/rollback/planted2", "r"))
    end)

    it("is out of reach at $XDG_STATE_HOME/nono too", function()
      if not H.ready(user) then return end
      local xdg = w.home .. "/xdg"
      assert(os.execute("mkdir -p " .. H.q(xdg .. "/nono") .. " && printf 'x\\n' > " .. H.q(xdg .. "/nono/blob")
        .. " && chmod -R a+rwX " .. H.q(xdg)))
      assert.equal("ok", H.probe_bare(w, user, "read", xdg .. "/nono/blob"))
      local out, code = H.probe(w, user, { "--allow", w.home }, "read", xdg .. "/nono/blob")
      -- (without XDG_STATE_HOME, that directory is an ordinary one)
      assert.equal("ok", out, code)
      local args = { "run", "--allow", w.home, "--read-file", w.probe, "--", w.probe, "read", xdg .. "/nono/blob" }
      local o = H.nono(w, user, args, { env = "XDG_STATE_HOME=" .. H.q(xdg) })
      assert.equal("EACCES", (o:gsub("%s+$", "")))
    end)

    it("refuses a grant of the state directory itself (126)", function()
      if not H.ready(user) then return end
      local state = with_state(w, user)
      local _, err, code = H.nono(w, user, { "run", "--allow", state, "--", "true" })
      assert.equal(126, code)
      assert.matches("is protected", err)
      assert.matches("nono's state", err)
    end)
  end)
end

--- The tree beneath `dir` as text: type, mode, path, link target of every
-- entry, and the checksum of every file; `prune`: a name left out.
local function tree(dir, prune)
  local skip = prune and ("-name " .. H.q(prune) .. " -prune -o ") or ""
  local out = H.sh("cd " .. H.q(dir) .. " && find . " .. skip .. "-printf '%y %m %p %l\\n' | LC_ALL=C sort && "
    .. "find . " .. skip .. "-type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum")
  return out
end

--- A project as an agent finds it, made by `user`: a git repository with
-- tracked files, an ignored .env (0600), an executable script, a symlink,
-- an empty directory, and node_modules (not recorded).
local function project(w, user)
  local script = table.concat({
    "set -e", "umask 022",
    "git init -q .",
    "mkdir -p src empty node_modules/pkg sub",
    "printf 'int a;\\n' > src/a.c", "printf 'int b;\\n' > src/b.c",
    "printf '.env\\nnode_modules/\\n' > .gitignore",
    "printf 'SECRET=1\\n' > .env", "chmod 0600 .env",
    "printf '#!/bin/sh\\necho hi\\n' > script.sh", "chmod 0755 script.sh",
    "printf 'conf\\n' > conf.txt", "printf 'in sub\\n' > sub/keep.txt",
    "ln -s file.txt link",
    "printf 'dep\\n' > node_modules/pkg/index.js",
    "git add -A", "git -c user.name=t -c user.email=t@t commit -qm init",
  }, "\n")
  -- (git refuses a repository of another owner)
  if user == "nobody" then assert(os.execute("chown 65534:65534 " .. H.q(w.project))) end
  local _, err, code = H.sh("cd " .. H.q(w.project) .. " && " .. H.as(user, "sh -c " .. H.q(script)))
  assert(code == 0, err)
  -- the state directory goes in the home: writable, as a real home is
  assert(os.execute("chmod 0777 " .. H.q(w.home)))
end

--- `nono run --rollback --allow . -- sh -c SCRIPT`: the session's id.
local function session(w, user, script, extra)
  local args = H.args({ "run", "--rollback", "--allow", "." }, extra or {}, { "--", "sh", "-c", script })
  local out, err, code = H.nono(w, user, args)
  assert.equal(0, code, err)
  local id = err:match("undo: nono rollback restore (%S+)")
  assert.truthy(id, "no undo line: " .. err .. out)
  return id, err
end

local AGENT = table.concat({
  "rm -rf src",                               -- a directory deleted
  "printf 'clobbered\\n' > file.txt",         -- a tracked file overwritten
  "printf 'SECRET=0\\n' > .env",              -- an ignored one too
  "printf 'new\\n' > new.txt", "mkdir -p newdir/deep && printf 'x\\n' > newdir/deep/y",
  "chmod 0644 script.sh", "rm link", "rmdir empty",
  "printf 'more\\n' > node_modules/pkg/more.js",
}, "; ")

for _, user in ipairs(H.users) do
  describe("rollback as " .. user .. " #rollback", function()
    local w
    before_each(function() w = H.world() end)
    after_each(function() H.destroy(w) end)

    it("restores exactly the tree an agent-style session changed", function()
      if not H.ready(user) then return end
      project(w, user)
      local before = tree(w.project, "node_modules")
      local id, err = session(w, user, AGENT)
      assert.matches("rollback: 2 added, 3 changed, 3 removed in " .. H.absolute(w.project):gsub("%p", "%%%0"), err)
      -- the control: the session did change the tree
      assert.are_not.equal(before, tree(w.project, "node_modules"))
      local out, serr, code = H.nono(w, user, { "rollback", "show", id })
      assert.equal(0, code, serr)
      assert.matches("\nD src/a.c\n", out, 1, true)
      assert.matches("\nM file.txt\n", out, 1, true)
      assert.matches("\nA newdir/deep/y\n", out, 1, true)
      assert.matches("\n%-project\n%+clobbered\n", out)
      assert.matches("\n%-SECRET=1\n%+SECRET=0\n", out)
      out, serr, code = H.nono(w, user, { "rollback", "list" })
      assert.equal(0, code, serr)
      assert.matches(id, out, 1, true)
      out, serr, code = H.nono(w, user, { "rollback", "restore", id })
      assert.equal(0, code, serr)
      assert.equal(before, tree(w.project, "node_modules"))
      -- not recorded, so not touched: what the session added there stays
      assert.equal("more\n", H.slurp(w.project .. "/node_modules/pkg/more.js"))
      -- and the restore is undone in turn
      local undo = out:match("undo: nono rollback restore (%S+)")
      out, serr, code = H.nono(w, user, { "rollback", "restore", undo })
      assert.equal(0, code, serr)
      assert.equal("clobbered\n", H.slurp(w.project .. "/file.txt"))
      assert.is_nil(io.open(w.project .. "/src/a.c", "r"))
    end)

    it("restores one path and touches nothing else", function()
      if not H.ready(user) then return end
      project(w, user)
      local id = session(w, user, AGENT)
      local after_session = tree(w.project .. "/newdir") .. H.slurp(w.project .. "/file.txt")
      local _, serr, code = H.nono(w, user, { "rollback", "restore", id, "src" })
      assert.equal(0, code, serr)
      assert.equal("int a;\n", H.slurp(w.project .. "/src/a.c"))
      assert.equal("int b;\n", H.slurp(w.project .. "/src/b.c"))
      assert.equal(after_session, tree(w.project .. "/newdir") .. H.slurp(w.project .. "/file.txt"))
      assert.equal("SECRET=0\n", H.slurp(w.project .. "/.env"))
      assert.equal("new\n", H.slurp(w.project .. "/new.txt"))
      -- a path outside the recorded root is refused
      local _, rerr, rcode = H.nono(w, user, { "rollback", "restore", id, w.outside })
      assert.equal(2, rcode)
      assert.matches("not beneath the recorded root", rerr)
    end)

    it("never writes through a symlink the session planted", function()
      if not H.ready(user) then return end
      project(w, user)
      local id = session(w, user, table.concat({
        "rm conf.txt", "ln -s " .. H.q(w.outside .. "/file.txt") .. " conf.txt",
        "rm -rf sub", "ln -s " .. H.q(w.outside) .. " sub",
      }, "; "))
      -- the control: through those names, the user reaches outside
      local out = H.sh(H.as(user, "cat " .. H.q(w.project .. "/conf.txt")))
      assert.equal("outside\n", out)
      local _, _, writable = H.sh(H.as(user, "test -w " .. H.q(w.project .. "/conf.txt")))
      assert.equal(0, writable)
      local listing = H.sh("ls -la " .. H.q(w.outside))
      local _, serr, code = H.nono(w, user, { "rollback", "restore", id })
      assert.equal(0, code, serr)
      assert.equal("outside\n", H.slurp(w.outside .. "/file.txt"))
      assert.equal(listing, H.sh("ls -la " .. H.q(w.outside)))
      assert.equal("conf\n", H.slurp(w.project .. "/conf.txt"))
      assert.equal("in sub\n", H.slurp(w.project .. "/sub/keep.txt"))
      assert.equal("", H.sh("find " .. H.q(w.project) .. " -maxdepth 1 -type l -name sub -o -maxdepth 1 -type l -name conf.txt"))
    end)

    it("keeps the store out of the session's reach, and refuses a bypass of it", function()
      if not H.ready(user) then return end
      project(w, user)
      session(w, user, "printf 'x\\n' > touched")
      local store = w.home .. "/.local/state/nono"
      local blob = H.sh("find " .. H.q(store .. "/rollback/store.git/objects") .. " -type f | head -n1"):gsub("%s+$", "")
      assert.truthy(blob ~= "")
      assert.equal("ok", H.probe_bare(w, user, "read", blob))
      local grants = { "--rollback", "--allow", w.home }
      assert.equal("EACCES", (H.probe(w, user, grants, "read", blob)))
      assert.equal("EACCES", (H.probe(w, user, grants, "create", store .. "/rollback/sessions/planted")))
      local _, err, code = H.nono(w, user, { "run", "--rollback", "--allow", w.home, "--bypass", store,
        "--", "true" })
      assert.equal(126, code)
      assert.matches("could read nono's state directory", err)
    end)

    it("says in --dry-run whether the session is recorded", function()
      if not H.ready(user) then return end
      local out = H.nono(w, user, { "run", "--dry-run", "--rollback", "--allow", ".", "--", "true" })
      assert.matches("rollback      recorded: " .. H.absolute(w.project), out, 1, true)
      out = H.nono(w, user, { "run", "--dry-run", "--allow", ".", "--", "true" })
      assert.matches("rollback      off", out, 1, true)
      out = H.nono(w, user, { "run", "--dry-run", "--json", "--rollback", "--allow", ".", "--", "true" })
      local json = require "nono.json"
      assert.equal(H.absolute(w.project), json.decode(out).rollback.root)
    end)

    it("records a session for a profile that asks with rollback()", function()
      if not H.ready(user) then return end
      project(w, user)
      local dir = w.home .. "/.config/nono/profiles"
      assert(os.execute("mkdir -p " .. H.q(dir) .. " && chmod -R a+rX " .. H.q(w.home .. "/.config")))
      local f = assert(io.open(dir .. "/rb.lua", "w"))
      f:write('description "records"\nextends { "base" }\nrollback { exclude = { "+dist" } }\n')
      f:close()
      local out = H.nono(w, user, { "run", "--dry-run", "--profile", "rb", "--", "true" })
      assert.matches("rollback      recorded: " .. H.absolute(w.project), out, 1, true)
      assert.matches("node_modules.* dist%)", out)
      local _, err, code = H.nono(w, user, { "run", "--profile", "rb", "--", "sh", "-c", "rm conf.txt" })
      assert.equal(0, code, err)
      assert.matches("0 added, 0 changed, 1 removed", err, 1, true)
    end)
  end)
end
