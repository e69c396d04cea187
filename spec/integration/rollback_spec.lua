-- nono's state directory ($XDG_STATE_HOME/nono, else ~/.local/state/nono)
-- holds what a restore writes back: the sandbox can neither read nor write
-- it, whatever it is granted, and a grant of it is refused.  Tried as root
-- and as uid 65534, each denial next to the unsandboxed control.
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
