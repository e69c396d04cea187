-- Setuid and setgid bits, refused by the seccomp filter inside every
-- sandbox.  chmod is no Landlock right and root inside owns root's files by
-- uid, so without the filter a sandbox launched as root could mark any
-- root-owned binary setuid, granted or not, or create a setuid-root file in
-- its grant: a backdoor for later.  Each refusal is tried as root and as uid
-- 65534 next to the same call made without nono on the same file, which
-- succeeds and sets the bit (checked with stat).
local H = require "spec.helper"


--- A mode as the helper reads it (C's rules: 0 octal, 0x hex).
local function num(s)
  if s:match("^0x") then return tonumber(s) end
  return tonumber(s, 8)
end

local SETID = num("06000") -- S_ISUID | S_ISGID
local PERMS = num("07777")
local S_IFREG = num("0100000") -- the file type mknod is given

--- Each carries a set-id bit.  The last one is 04755 with garbage in the
-- upper half of the register: the kernel keeps the low 16 bits, so the
-- filter must judge the low half alone.
local SETID_MODES = { "04755", "02755", "06755", "0xdeadbeef000009ed" }

local function hex(n) return string.format("0x%x", n) end

for _, user in ipairs(H.users) do
  describe("setuid and setgid bits as " .. user .. " #seccomp", function()
    local w = H.each_world(H.add_attempt)

    --- `vector` inside `nono run --allow <project>`; answer, status, stderr.
    local function inside(vector) return H.attempt(w, user, vector, { extra = { "--allow", w.project } }) end
    --- The same call without nono, as this user.
    local function bare(vector) return H.attempt_bare(w, user, vector) end

    --- The permission bits of `path` (07777), or nil when it does not exist.
    local function mode_of(path)
      local out, _, code = H.sh("stat -c %a " .. H.q(path))
      if code ~= 0 then return nil end
      return tonumber(out:match("%d+"), 8)
    end

    local function owner_of(path)
      return H.sh("stat -c %u " .. H.q(path)):match("%d+")
    end

    --- A file of this user's, mode 0755 (as root: a root-owned binary).
    local function own_file(path)
      assert.equal("ok", bare({ "openat-creat", path, "0755" }))
      assert.equal("ok", bare({ "chmod", path, "0755" }))
      assert.equal(user == "root" and "0" or "65534", owner_of(path))
      assert.equal(num("0755"), mode_of(path))
    end

    --- The chmod calls this kernel has: fchmodat2 came with Linux 6.6.
    local function chmod_calls(path, with_fchmod)
      local calls = { "chmod", "fchmodat" }
      if with_fchmod then calls[#calls + 1] = "fchmod" end
      local probe = bare({ "fchmodat2", path, "0755" })
      if probe == "ok" then
        calls[#calls + 1] = "fchmodat2"
      else
        assert.equal("ENOSYS", probe, "fchmodat2 unsandboxed")
      end
      return calls
    end

    --- Every set-id mode through every call: EPERM inside and the mode
    -- unchanged; the same call without nono sets the bits.
    local function refuses_setid(path, calls)
      for _, call in ipairs(calls) do
        for _, m in ipairs(SETID_MODES) do
          local name = call .. " " .. m .. " " .. path
          local answer, code, err = inside({ call, path, m })
          assert.equal("EPERM", answer, name .. ": " .. err)
          assert.equal(1, code, name)
          assert.equal(num("0755"), mode_of(path), name .. " changed the mode")
          -- control: the same call on the same file, without nono
          assert.equal("ok", bare({ call, path, m }), "control: " .. name)
          assert.equal(num(m) & PERMS, mode_of(path), "control: " .. name)
          assert.equal("ok", bare({ "chmod", path, "0755" }))
        end
      end
    end

    it("refuses chmod u+s and g+s on its own file outside every grant", function()
      H.ready(user)
      -- as root: a root-owned file Landlock grants nothing on
      local target = w.outside .. "/tool"
      own_file(target)
      refuses_setid(target, chmod_calls(target, false))
    end)

    it("refuses chmod u+s and g+s on a file inside the grant", function()
      H.ready(user)
      local target = w.project .. "/tool"
      own_file(target)
      refuses_setid(target, chmod_calls(target, true))
    end)

    it("refuses `chmod u+s` and `chmod g+s` from the chmod command, inside and outside the grant", function()
      H.ready(user)
      for _, target in ipairs { w.project .. "/tool", w.outside .. "/tool" } do
        own_file(target)
        for _, change in ipairs { "u+s", "g+s" } do
          local name = "chmod " .. change .. " " .. target
          local _, err, code = H.nono(w, user, { "run", "--allow", w.project,
            "--allow-command", "chmod", "--", "chmod", change, target })
          assert.equal(1, code, name .. ": " .. err)
          assert.matches("Operation not permitted", err, 1, true)
          assert.equal(num("0755"), mode_of(target), name .. " changed the mode")
          -- control: chmod itself, without nono
          local _, cerr, ccode = H.sh(H.as(user, "chmod " .. change .. " " .. H.q(target)))
          assert.equal(0, ccode, "control: " .. name .. ": " .. cerr)
          local bit = change == "u+s" and num("04000") or num("02000")
          assert.equal(num("0755") | bit, mode_of(target), "control: " .. name)
          assert.equal("ok", bare({ "chmod", target, "0755" }))
        end
      end
    end)

    it("keeps chmod +x, 0755, 0644 and the sticky bit working inside the grant", function()
      H.ready(user)
      local target = w.project .. "/tool"
      assert.equal("ok", bare({ "openat-creat", target, "0644" }))
      assert.equal("ok", bare({ "chmod", target, "0644" }))
      local function run_chmod(change, path)
        local _, err, code = H.nono(w, user, { "run", "--allow", w.project,
          "--allow-command", "chmod", "--", "chmod", change, path })
        assert.equal(0, code, "chmod " .. change .. ": " .. err)
      end
      run_chmod("+x", target)
      local m = mode_of(target)
      assert.equal(num("0100"), m & num("0100"), "chmod +x: no owner execute bit")
      assert.equal(0, m & SETID)
      run_chmod("0755", target)
      assert.equal(num("0755"), mode_of(target))
      run_chmod("0644", target)
      assert.equal(num("0644"), mode_of(target))
      for _, call in ipairs(chmod_calls(target, true)) do
        for _, mode in ipairs { "0700", "0755", "0xdeadbeef000001ed" } do
          assert.equal("ok", (inside({ call, target, mode })), call .. " " .. mode)
          assert.equal(num(mode) & PERMS, mode_of(target), call .. " " .. mode)
        end
      end
      -- 01000 is the sticky bit: not a set-id bit, left alone
      local dir = w.project .. "/dir"
      assert.equal(0, select(3, H.sh(H.as(user, "mkdir " .. H.q(dir)))))
      assert.equal("ok", (inside({ "chmod", dir, "01777" })))
      assert.equal(num("01777"), mode_of(dir))
    end)

    it("refuses creating a file with a set-id bit, and creates nothing", function()
      H.ready(user)
      for _, call in ipairs { "open-creat", "openat-creat", "creat", "mknod", "mknodat" } do
        local typ = call:match("^mknod") and S_IFREG or 0
        for _, m in ipairs(SETID_MODES) do
          local path = w.project .. "/new-" .. call
          local mode = hex(num(m) | typ)
          local name = call .. " " .. m
          local answer, code, err = inside({ call, path, mode })
          assert.equal("EPERM", answer, name .. ": " .. err)
          assert.equal(1, code, name)
          assert.is_nil(mode_of(path), name .. " created the file")
          -- control: the same call without nono creates it with the bits
          assert.equal("ok", bare({ call, path, mode }), "control: " .. name)
          assert.equal(num(m) & SETID, (mode_of(path) or 0) & SETID, "control: " .. name)
          assert(os.remove(path))
        end
        -- and without a set-id bit the call works inside
        local path = w.project .. "/plain-" .. call
        assert.equal("ok", (inside({ call, path, hex(num("0644") | typ) })), call .. " 0644")
        local m = mode_of(path)
        assert.truthy(m, call .. " 0644 created nothing")
        assert.equal(0, m & SETID, call .. " 0644")
      end
    end)

    it("refuses an unnamed O_TMPFILE file with a set-id bit", function()
      H.ready(user)
      for _, m in ipairs(SETID_MODES) do
        assert.equal("EPERM", (inside({ "open-tmpfile", w.project, m })), "O_TMPFILE " .. m)
        assert.equal("ok", bare({ "open-tmpfile", w.project, m }), "control: O_TMPFILE " .. m)
      end
      assert.equal("ok", (inside({ "open-tmpfile", w.project, "0644" })))
    end)

    it("leaves open without a create flag alone, whatever its mode register holds", function()
      H.ready(user)
      -- a file, and a directory with O_DIRECTORY (half of O_TMPFILE's bits)
      assert.equal("ok", (inside({ "open-nocreat-mode", w.project .. "/file.txt" })))
      assert.equal("ok", (inside({ "open-nocreat-mode", w.project .. "/sub" })))
      assert.equal("ok", (inside({ "open-nocreat-mode", "/usr/bin" })))
    end)

    it("names the refusal in the report", function()
      H.ready(user)
      local out = H.nono(w, user, { "run", "--dry-run", "--allow", w.project, "--", "true" })
      assert.matches("setuid/setgid bits", out, 1, true)
    end)
  end)
end
