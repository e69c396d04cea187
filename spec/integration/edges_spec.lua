-- Edges of the floor (docs/threats.md, rows 3, 19, 23): a protected file
-- with a second name, and a blocked command whose file other commands
-- share (a multi-call binary).  As root and as uid 65534, each next to the
-- run that shows what changes without the edge.
local H = require "spec.helper"

for _, user in ipairs(H.users) do
  describe("edges as " .. user .. " #landlock #edges", function()
    local w
    before_each(function()
      w = H.world()
      assert(os.execute(table.concat({
        "mkdir -p " .. H.q(w.home .. "/work"),
        "chmod 0777 " .. H.q(w.home) .. " " .. H.q(w.home .. "/work"),
        "chmod 0666 " .. H.q(w.home .. "/.bashrc"),
      }, " && ")))
    end)
    after_each(function() H.destroy(w) end)

    it("refuses to run when a protected file has another name, unless accepted, and says so", function()
      H.ready(user)
      local HOME = { "--allow", "~" }
      -- the control: without a second name the run goes ahead
      local _, err, code = H.nono(w, user, H.args({ "run" }, HOME, { "--", "true" }))
      assert.equal(0, code, err)
      assert(os.execute("ln " .. H.q(w.home .. "/.bashrc") .. " " .. H.q(w.home .. "/work/bashrc.bak")))
      local out
      out, err, code = H.nono(w, user, H.args({ "run" }, HOME, { "--", "sh", "-c", "echo RAN" }))
      assert.equal(126, code, err)
      assert.equal("", out)
      assert.matches(w.home .. "/.bashrc (shell start-up file) has 2 hard links", err, 1, true)
      assert.matches("--accept-hard-links", err, 1, true)
      -- accepted: it runs, the report and why say what is not covered, and
      -- the other name does reach the file (the truth, not a promise)
      out, err, code = H.nono(w, user, H.args({ "run", "--dry-run", "--accept-hard-links" }, HOME,
        { "--", "true" }))
      assert.equal(0, code, err)
      assert.matches("hard links +" .. w.home:gsub("%p", "%%%0") .. "/%.bashrc has 2 names", out)
      out = H.nono(w, user, H.args({ "why", "--accept-hard-links" }, HOME,
        { "--path", w.home .. "/.bashrc", "--op", "write" }))
      assert.matches("has 2 hard links", out, 1, true)
      assert.equal("ok", (H.probe(w, user, H.args(HOME, { "--accept-hard-links" }), "write",
        w.home .. "/work/bashrc.bak")))
      local answer = H.probe(w, user, H.args(HOME, { "--accept-hard-links" }), "write", w.home .. "/.bashrc")
      assert.is_true(answer == "EACCES" or answer == "EROFS", answer)
    end)

    it("checks a blocked command whose file other commands share at exec only", function()
      H.ready(user)
      -- a multi-call binary: one file, two names
      local tools = w.root .. "/tools"
      assert(os.execute(table.concat({
        "mkdir -p " .. H.q(tools), "cp /bin/echo " .. H.q(tools .. "/multi"),
        "ln -s multi " .. H.q(tools .. "/foo"), "ln -s multi " .. H.q(tools .. "/bar"),
        "chmod -R a+rX " .. H.q(tools),
      }, " && ")))
      local env = "PATH=" .. H.q(tools .. ":/usr/bin:/bin")
      local GRANT = { "--allow", ".", "--read", tools }
      -- the control: blocking the file by its own name takes every name of it
      local out, err, code = H.nono(w, user, H.args({ "run" }, GRANT, { "--block-command", "multi", "--",
        "sh", "-c", "bar hi" }), { env = env })
      assert.are_not.equal(0, code)
      assert.matches("Permission denied", err)
      -- blocking one name of it: refused as the command, the other names run
      out, err, code = H.nono(w, user, H.args({ "run" }, GRANT, { "--block-command", "foo", "--",
        "sh", "-c", "bar hi" }), { env = env })
      assert.equal(0, code, err)
      assert.equal("hi\n", out)
      out, err, code = H.nono(w, user, H.args({ "run" }, GRANT, { "--block-command", "foo", "--", "foo", "hi" }),
        { env = env })
      assert.equal(127, code, err)
      assert.equal("", out)
      out = H.nono(w, user, H.args({ "run", "--dry-run" }, GRANT, { "--block-command", "foo", "--", "true" }),
        { env = env })
      assert.matches("checked at exec only: foo (" .. tools .. "/multi is shared with other commands", out, 1, true)
    end)
  end)
end
