-- Process hygiene applied in the child before exec: no inherited fds
-- (threat row 4), no core dumps (row 21), no capabilities (row 17).
local H = require "spec.helper"

for _, user in ipairs(H.users) do
  describe("process hygiene as " .. user .. " #hygiene", function()
    local w
    before_each(function() w = H.world() end)
    after_each(function() H.destroy(w) end)

    -- `nono run ARGS` with shell text around the nono invocation.
    local function nono_sh(before, args, after)
      local words = {}
      for i, a in ipairs(args) do words[i] = H.q(a) end
      return H.sh(string.format("cd %s && %s %s %s %s", H.q(w.project), before or "",
        H.as(user, H.q(w.nono)), table.concat(words, " "), after or ""))
    end

    it("closes descriptors the launcher inherited (row 4)", function()
      H.can_run_as(user)
      H.require_landlock()
      -- control: a plain child reads the secret through the inherited fd 9
      local out = H.sh(H.as(user, "sh -c 'cat <&9'") .. " 9<" .. H.q(w.secret))
      assert.matches("FAKE PRIVATE KEY", out)
      local err, code
      out, err, code = nono_sh("", { "run", "--", "sh", "-c", "cat <&9" }, "9<" .. H.q(w.secret))
      assert.not_matches("FAKE PRIVATE KEY", out)
      assert.matches("Bad file descriptor", err)
      assert.are_not.equal(0, code)
      out = nono_sh("", { "run", "--", "ls", "/proc/self/fd" }, "9<" .. H.q(w.secret))
      assert.not_matches("\n9\n", "\n" .. out)
    end)

    it("sets RLIMIT_CORE to 0 (row 21)", function()
      H.can_run_as(user)
      H.require_landlock()
      local out = H.sh(H.as(user, "sh -c 'ulimit -c 1000; ulimit -c'"))
      assert.equal("1000\n", out)
      out = H.sh("cd " .. H.q(w.project) .. " && " .. H.as(user, "sh -c " .. H.q(
        "ulimit -c 1000; exec " .. H.q(w.nono) .. " run -- sh -c 'ulimit -c; ulimit -c 10'")))
      assert.matches("^0\n", out)
    end)

    it("leaves the command no capability (row 17)", function()
      H.can_run_as(user)
      H.require_landlock()
      local out, err, code = nono_sh("", { "run", "--", "grep", "^Cap", "/proc/self/status" })
      assert.equal(0, code, err)
      for _, set in ipairs { "CapInh", "CapPrm", "CapEff", "CapAmb" } do
        assert.matches(set .. ":%s+0000000000000000", out)
      end
      if user == "root" then
        assert.matches("CapBnd:%s+0000000000000000", out)
        -- control: root outside may chown; inside, without CAP_CHOWN, it may not
        assert(os.execute("chown 65534 " .. H.q(w.project .. "/file.txt")))
        local _, cerr, ccode = nono_sh("", { "run", "--allow", ".", "--allow-command", "chown", "--",
          "chown", "0", "file.txt" })
        assert.are_not.equal(0, ccode)
        assert.matches("Operation not permitted", cerr)
      end
    end)
  end)
end

for _, user in ipairs(H.users) do
  describe("environment as " .. user .. " #hygiene", function()
    local w
    before_each(function() w = H.world() end)
    after_each(function() H.destroy(w) end)

    it("gains nothing from a setuid binary: no_new_privs (row 16)", function()
      H.ready(user)
      local suid = w.bin .. "/id-suid"
      assert(os.execute("cp /usr/bin/id " .. H.q(suid) .. " && chown 0:0 " .. H.q(suid)
        .. " && chmod 4755 " .. H.q(suid)))
      if user == "nobody" then
        -- control: outside, the setuid bit makes uid 65534's id effective 0
        assert.equal("0", (H.sh(H.as(user, H.q(suid) .. " -u")):gsub("%s+$", "")))
      end
      local out, err, code = H.nono(w, user, { "run", "--read-file", suid, "--", suid, "-u" })
      assert.equal(0, code, err)
      assert.equal(user == "nobody" and "65534" or "0", (out:gsub("%s+$", "")))
      out = H.nono(w, user, { "run", "--", "grep", "^NoNewPrivs", "/proc/self/status" })
      assert.matches("NoNewPrivs:%s+1", out)
    end)

    it("removes code-loading variables unless kept (row 18)", function()
      H.can_run_as(user)
      H.require_landlock()
      local poison = "LD_PRELOAD=/nonexistent.so BASH_ENV=/tmp/x NODE_OPTIONS=--require=/tmp/x "
        .. "PERL5OPT=-Mx NONO_SPEC_FOO=bar"
      local out, err, code = H.nono(w, user, { "run", "-v", "--", "env" }, { env = poison })
      assert.equal(0, code, err)
      assert.matches("NONO_SPEC_FOO=bar", out)
      for _, name in ipairs { "LD_PRELOAD", "BASH_ENV", "NODE_OPTIONS", "PERL5OPT" } do
        assert.not_matches("\n" .. name .. "=", "\n" .. out)
      end
      assert.matches("environment%s+removed: BASH_ENV LD_PRELOAD NODE_OPTIONS PERL5OPT", err)
      out = H.nono(w, user, { "run", "--keep-env", "NODE_OPTIONS", "--", "env" }, { env = poison })
      assert.matches("\nNODE_OPTIONS=%-%-require=/tmp/x", "\n" .. out)
      assert.not_matches("\nLD_PRELOAD=", "\n" .. out)
    end)
  end)
end
