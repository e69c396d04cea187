-- Threat rows 3 and 19: a secret under a granted parent stays out of reach,
-- and files that run code outside the sandbox later stay read-only, even
-- with `--allow ~` — including names that do not exist yet.  Row 23: the
-- command blocklist refuses every blocked name as the command nono runs,
-- and makes the system-damage tier (disks, services, system packages,
-- privilege) unexecutable for every process (`sh -c 'wipefs ...'`): with
-- read-only no-exec mounts where user namespaces work (then ld.so is
-- refused as well), by withholding Landlock's EXECUTE elsewhere.  File
-- commands stay usable by children.  Tried as root and as uid 65534; each
-- denial has an unsandboxed control.
local H = require "spec.helper"

local built_no_userns = os.getenv("NONO_NO_LANDLOCK") or (H.source .. "/build/nono-no-landlock")
local LDSO = "/lib64/ld-linux-x86-64.so.2"

--- A command of the blocklist's "tree" tier present here (disk tools,
-- service managers): its --version harms nothing.
local TREE = (function()
  for _, name in ipairs { "wipefs", "mkfs", "fdisk", "systemctl" } do
    for _, dir in ipairs { "/usr/sbin", "/usr/bin", "/sbin", "/bin" } do
      local real = H.sh("realpath -e " .. H.q(dir .. "/" .. name) .. " 2>/dev/null"):gsub("%s+$", "")
      if real ~= "" then return { name = name, path = real } end
    end
  end
  error("none of wipefs, mkfs, fdisk, systemctl is installed: the tree tier cannot be tried")
end)()

local HOME = { "--allow", "~" }

--- A write refused under a read-only protection: EACCES where the grant is
-- narrowed (Landlock), EROFS where a read-only bind mount keeps it (user
-- namespaces available), never "ok".
local function read_only(answer)
  return answer == "EACCES" or answer == "EROFS"
end

--- Make the fixture home writable by everyone (as a real home is by its
-- owner), with an ordinary subdirectory to show siblings keep full rights.
local function writable_home(w)
  assert(os.execute(table.concat({
    "mkdir -p " .. H.q(w.home .. "/work"),
    "printf 'notes\\n' > " .. H.q(w.home .. "/notes.txt"),
    "chmod 0777 " .. H.q(w.home) .. " " .. H.q(w.home .. "/work") .. " " .. H.q(w.home .. "/.ssh"),
    "chmod 0666 " .. H.q(w.home .. "/.bashrc") .. " " .. H.q(w.home .. "/notes.txt"),
  }, " && ")))
end

for _, user in ipairs(H.users) do
  describe("protected paths as " .. user .. " #landlock #protect", function()
    local w
    before_each(function()
      w = H.world()
      writable_home(w)
    end)
    after_each(function() H.destroy(w) end)


    it("keeps ~/.ssh out of reach under --allow ~ (row 3)", function()
      H.ready(user)
      assert.equal("ok", H.probe_bare(w, user, "read", w.secret))
      assert.equal("EACCES", (H.probe(w, user, HOME, "read", w.secret)))
      assert.equal("EACCES", (H.probe(w, user, HOME, "list", w.home .. "/.ssh")))
      assert.equal("EACCES", (H.probe(w, user, HOME, "create", w.home .. "/.ssh/authorized_keys")))
      -- the rest of the home keeps what --allow gives
      assert.equal("ok", (H.probe(w, user, HOME, "read", w.home .. "/notes.txt")))
      assert.equal("ok", (H.probe(w, user, HOME, "write", w.home .. "/notes.txt")))
      assert.equal("ok", (H.probe(w, user, HOME, "create", w.home .. "/work/new.txt")))
      assert.equal("ok", (H.probe(w, user, HOME, "mkdir", w.home .. "/work/d")))
    end)

    it("cannot move the protected directory away or a file into it", function()
      H.ready(user)
      assert.equal("EACCES", (H.probe(w, user, HOME, "rename", w.home .. "/.ssh", w.home .. "/work/ssh")))
      assert.equal("EACCES", (H.probe(w, user, HOME, "rename", w.home .. "/notes.txt",
        w.home .. "/.ssh/notes.txt")))
      -- a hard link of the key out of .ssh: Landlock answers EXDEV (refer);
      -- for uid 65534 fs.protected_hardlinks already answers EPERM
      local answer = H.probe(w, user, HOME, "link", w.secret, w.home .. "/work/key")
      assert.equal(user == "root" and "EXDEV" or "EPERM", answer)
      assert.is_nil(io.open(w.home .. "/work/key", "r"))
    end)

    it("keeps ~/.bashrc readable and unwritable (row 19)", function()
      H.ready(user)
      assert.equal("ok", H.probe_bare(w, user, "write", w.home .. "/.bashrc"))
      local before = H.slurp(w.home .. "/.bashrc")
      assert.equal("ok", (H.probe(w, user, HOME, "read", w.home .. "/.bashrc")))
      local answer = H.probe(w, user, HOME, "write", w.home .. "/.bashrc")
      assert.is_true(read_only(answer), answer)
      answer = H.probe(w, user, HOME, "truncate", w.home .. "/.bashrc")
      assert.is_true(read_only(answer), answer)
      -- unlinking or replacing it: EACCES (narrowed) or EBUSY (a mount point)
      answer = H.probe(w, user, HOME, "unlink", w.home .. "/.bashrc")
      assert.is_true(answer == "EACCES" or answer == "EBUSY", answer)
      answer = H.probe(w, user, HOME, "rename", w.home .. "/notes.txt", w.home .. "/.bashrc")
      assert.is_true(answer == "EACCES" or answer == "EBUSY", answer)
      assert.equal(before, H.slurp(w.home .. "/.bashrc"))
    end)

    it("cannot create a protected name that does not exist yet", function()
      H.ready(user)
      assert.equal("ok", H.probe_bare(w, user, "create", w.home .. "/.npmrc"))
      os.remove(w.home .. "/.npmrc")
      assert.equal("EACCES", (H.probe(w, user, HOME, "create", w.home .. "/.npmrc")))
      assert.equal("EACCES", (H.probe(w, user, HOME, "create", w.home .. "/.zshrc")))
      assert.equal("EACCES", (H.probe(w, user, HOME, "mkdir", w.home .. "/.aws")))
      assert.is_nil(io.open(w.home .. "/.npmrc", "r"))
      -- the documented cost: no new names directly in a narrowed directory
      assert.equal("EACCES", (H.probe(w, user, HOME, "create", w.home .. "/new.txt")))
    end)

    it("lifts one protection with --bypass, and only that one", function()
      H.ready(user)
      local grants = H.args(HOME, { "--bypass", "~/.ssh" })
      assert.equal("ok", (H.probe(w, user, grants, "read", w.secret)))
      local answer = H.probe(w, user, grants, "write", w.home .. "/.bashrc")
      assert.is_true(read_only(answer), answer)
      local out = H.nono(w, user, H.args({ "why" }, grants, { "--path", "~/.ssh/id_rsa" }))
      assert.matches("^ALLOWED read", out)
      assert.matches("lifted by %-%-bypass ~/%.ssh", out)
    end)

    it("refuses a grant inside a protected path, naming the flag", function()
      H.ready(user)
      local _, err, code = H.nono(w, user, { "run", "--read", "~/.ssh", "--", "true" })
      assert.equal(126, code)
      assert.matches("is protected %(SSH keys and config", err)
      assert.matches("add %-%-bypass ~/%.ssh", err)
      _, err, code = H.nono(w, user, { "run", "--bypass", "~/work", "--", "true" })
      assert.equal(126, code)
      assert.matches("is not protected", err)
    end)

    it("explains the protection in why, from the same rules", function()
      H.ready(user)
      local out = H.nono(w, user, H.args({ "why" }, HOME, { "--path", "~/.ssh/id_rsa" }))
      assert.matches("^DENIED read", out)
      assert.matches("%.ssh is protected %(SSH keys and config%)", out)
      assert.matches("hint: add %-%-bypass ~/%.ssh", out)
      out = H.nono(w, user, H.args({ "why" }, HOME, { "--path", "~/new.txt", "--op", "write" }))
      assert.matches("^DENIED write", out)
      assert.matches("entry by entry", out)
      out = H.nono(w, user, H.args({ "why" }, HOME, { "--path", "~/work/x", "--op", "write" }))
      assert.matches("^ALLOWED write", out)
    end)
  end)

  describe("the command blocklist as " .. user .. " #landlock #commands", function()
    local w
    before_each(function() w = H.world() end)
    after_each(function() H.destroy(w) end)


    it("refuses a blocked command as argv[0], naming --allow-command, also through a symlink (row 23)", function()
      H.ready(user)
      local _, err, code = H.nono(w, user, { "run", "--allow", ".", "--", "rm", "file.txt" })
      assert.equal(127, code)
      assert.matches("'rm' is a blocked command %(deletion: /usr/bin/rm%)", err)
      assert.matches("hint: add %-%-allow%-command rm to run it", err)
      assert.truthy(io.open(w.project .. "/file.txt", "r"), "rm ran: file.txt is gone")
      -- resolved through symlinks before exec: another name for rm is rm
      assert(os.execute("ln -s /usr/bin/rm " .. H.q(w.project .. "/del")))
      _, err, code = H.nono(w, user, { "run", "--allow", ".", "--", "./del", "file.txt" })
      assert.equal(127, code)
      assert.matches("'%./del' is a blocked command", err)
      assert.truthy(io.open(w.project .. "/file.txt", "r"), "rm ran: file.txt is gone")
      -- --dry-run says so, and exits as nono run would
      local out
      out, err, code = H.nono(w, user, { "run", "--dry-run", "--allow", ".", "--", "rm", "file.txt" })
      assert.equal(127, code)
      assert.matches("command: rm file%.txt %(refused: /usr/bin/rm is a blocked command; "
        .. "%-%-allow%-command rm runs it%)", out)
    end)

    it("lets the command's children run file commands: the grants decide what they change", function()
      H.ready(user)
      local _, err, code = H.nono(w, user, { "run", "--allow", ".", "--", "sh", "-c",
        "cp file.txt copy && mv copy moved && chmod +x moved && rm moved file.txt" })
      assert.equal(0, code, err)
      assert.is_nil(io.open(w.project .. "/file.txt", "r"))
      assert.is_nil(io.open(w.project .. "/moved", "r"))
      -- outside the grants, rm from a child is refused by Landlock (control: it works bare)
      _, err, code = H.nono(w, user, { "run", "--allow", ".", "--", "sh", "-c",
        "rm " .. H.q(w.outside .. "/file.txt") })
      assert.are_not.equal(0, code)
      assert.is_truthy(err:find("Permission denied", 1, true) or err:find("Read-only file system", 1, true), err)
      assert.truthy(io.open(w.outside .. "/file.txt", "r"))
      assert.equal("ok", H.probe_bare(w, user, "unlink", w.outside .. "/file.txt"))
    end)

    it("blocks a system-damage command for every process: argv[0], a child shell (row 23)", function()
      H.ready(user)
      -- the control: it runs outside the sandbox
      local out, _, code = H.sh(H.as(user, H.q(TREE.path) .. " --version"))
      assert.equal(0, code)
      assert.is_true(#out > 0)
      local err
      _, err, code = H.nono(w, user, { "run", "--allow", ".", "--", "sh", "-c", TREE.name .. " --version" })
      assert.are_not.equal(0, code)
      assert.matches("Permission denied", err)
      _, err, code = H.nono(w, user, { "run", "--allow", ".", "--", TREE.name, "--version" })
      assert.equal(127, code)
      assert.matches("'" .. TREE.name .. "' is a blocked command", err)
      assert.equal("EACCES", (H.probe(w, user, { "--allow", "." }, "exec", TREE.path)))
      local report = H.nono(w, user, { "run", "--dry-run", "--allow", ".", "--", "true" })
      assert.matches("commands +checked at exec: [^\n]*%f[%w]rm%f[^%w]", report)
      assert.matches("commands +checked at exec: [^\n]*%f[%w]" .. TREE.name .. "%f[^%w]", report)
      local tree = report:match("commands +blocked for every process: ([^\n]*)")
      assert.matches(" ?" .. TREE.name .. " ", tree)
      for _, name in ipairs { "rm", "rmdir", "mv", "cp", "chmod", "chown", "chgrp", "truncate", "dd",
                              "shred", "pip", "rsync", "scp", "sftp" } do
        assert.not_matches("%f[%w]" .. name .. "%f[^%w.-]", tree, 1)
      end
    end)

    it("refuses a system-damage command run through ld.so too (no-exec mounts, user namespaces here)", function()
      H.ready(user)
      -- the control: ld.so runs it outside the sandbox
      local _, _, code = H.sh(H.as(user, LDSO .. " " .. TREE.path .. " --version"))
      assert.equal(0, code)
      local err
      _, err, code = H.nono(w, user, { "run", "--allow", ".", "--", LDSO, TREE.path, "--version" })
      assert.are_not.equal(0, code)
      assert.matches("failed to map segment", err)
      local report = H.nono(w, user, { "run", "--dry-run", "--allow", ".", "--", "true" })
      assert.matches("commands +blocked for every process: [^\n]*read%-only no%-exec mounts", report)
    end)

    it("without user namespaces, withholds execute by narrowing (ld.so then still runs it: the residual)", function()
      H.ready(user)
      local helper = w.bin .. "/nono-no-landlock"
      assert(os.execute("cp " .. H.q(built_no_userns) .. " " .. H.q(helper)))
      local function run(...)
        local words = {}
        for i, a in ipairs { ... } do words[i] = H.q(a) end
        return H.sh(string.format("cd %s && env HOME=%s %s %s NOUSERNS %s %s", H.q(w.project), H.q(w.home),
          H.as(user, ""), H.q(helper), H.q(w.nono), table.concat(words, " ")))
      end
      local _, err, code = run("run", "--allow", ".", "--", "sh", "-c", TREE.name .. " --version")
      assert.are_not.equal(0, code)
      assert.matches("Permission denied", err)
      -- rm is not blocked for children here either
      _, err, code = run("run", "--allow", ".", "--", "sh", "-c", "rm file.txt")
      assert.equal(0, code, err)
      assert.is_nil(io.open(w.project .. "/file.txt", "r"))
      local report = run("run", "--dry-run", "--allow", ".", "--", "true")
      assert.matches("commands +blocked for every process: [^\n]*execute withheld", report)
      assert.matches("narrowed: " .. TREE.path:gsub("%p", "%%%0") .. " is protected", report)
      local out
      out, _, code = run("run", "--allow", ".", "--", LDSO, TREE.path, "--version")
      assert.equal(0, code)
      assert.is_true(#out > 0)
    end)

    it("still lets the blocked file be read (a seat belt, not a boundary)", function()
      H.ready(user)
      assert.equal("ok", (H.probe(w, user, { "--allow", "." }, "read", TREE.path)))
      assert.equal("ok", (H.probe(w, user, { "--allow", "." }, "read", "/usr/bin/rm")))
    end)

    it("runs it after --allow-command, and blocks more with --block-command", function()
      H.ready(user)
      local _, err, code = H.nono(w, user, { "run", "--allow", ".", "--allow-command", "rm",
        "--", "rm", "file.txt" })
      assert.equal(0, code, err)
      assert.is_nil(io.open(w.project .. "/file.txt", "r"))
      _, err, code = H.nono(w, user, { "run", "--allow", ".", "--allow-command", TREE.name,
        "--", "sh", "-c", TREE.name .. " --version" })
      assert.equal(0, code, err)
      _, err, code = H.nono(w, user, { "run", "--allow", ".", "--block-command", "ls",
        "--", "sh", "-c", "ls" })
      assert.are_not.equal(0, code)
      assert.matches("Permission denied", err)
      local out = H.nono(w, user, { "why", "--path", TREE.path, "--op", "exec" })
      assert.matches("^DENIED exec", out)
      assert.matches("hint: add %-%-allow%-command " .. TREE.name:gsub("%p", "%%%0"), out)
      out = H.nono(w, user, { "why", "--path", "/usr/bin/rm", "--op", "exec" })
      assert.matches("^ALLOWED exec", out)
      assert.matches("note: /usr/bin/rm is a blocked command %(deletion%): nono run refuses to start it", out)
    end)

    it("--block-command finds a tool outside the system directories in PATH; a name found nowhere is a usage error", function()
      H.ready(user)
      local tools = w.root .. "/tools"
      assert(os.execute(table.concat({
        "mkdir -p " .. H.q(tools),
        "printf '#!/bin/sh\\necho MYTOOL\\n' > " .. H.q(tools .. "/nono-spec-tool"),
        "chmod 0755 " .. H.q(tools) .. " " .. H.q(tools .. "/nono-spec-tool"),
      }, " && ")))
      local env = { env = "PATH=" .. H.q(tools .. ":/usr/bin:/bin") }
      -- the control: without the block it runs in the sandbox
      local out, err, code = H.nono(w, user, { "run", "--read", tools, "--", "sh", "-c", "nono-spec-tool" }, env)
      assert.equal(0, code, err)
      assert.equal("MYTOOL\n", out)
      out, err, code = H.nono(w, user, { "run", "--read", tools, "--block-command", "nono-spec-tool",
        "--", "sh", "-c", "nono-spec-tool" }, env)
      assert.are_not.equal(0, code)
      assert.equal("", out)
      assert.matches("Permission denied", err)
      _, err, code = H.nono(w, user, { "run", "--read", tools, "--block-command", "nono-spec-tool",
        "--", "nono-spec-tool" }, env)
      assert.equal(127, code)
      assert.matches("is a blocked command", err)
      out, err, code = H.nono(w, user, { "run", "--block-command", "no-such-tool-nono", "--", "sh", "-c",
        "echo RAN" }, env)
      assert.equal(2, code)
      assert.equal("", out)
      assert.matches("no command 'no%-such%-tool%-nono'", err)
    end)
  end)
end
