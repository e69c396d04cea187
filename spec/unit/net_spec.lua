--- How hosts are read and judged (lua/nono/net.lua; docs/threats.md rows
-- 33, 34).  The proxy asks these same functions (spec/integration/net_spec
-- drives it with real sockets).
package.path = "lua/?/init.lua;" .. package.path
local core = require "nono.core"
local net = require "nono.net"

describe("nono.net", function()
  it("reads a host one way only: lower case, one trailing dot dropped (row 34)", function()
    assert.equal("api.example.com", (net.host("API.Example.COM")))
    assert.equal("api.example.com", (net.host("api.example.com.")))
    assert.is_nil(net.host("api.example.com.."))
    assert.is_nil(net.host(".example.com"))
    assert.is_nil(net.host("a..b"))
    assert.is_nil(net.host("-a.com"))
    assert.is_nil(net.host(string.rep("a", 64) .. ".com"))
  end)

  it("refuses NUL, CR, LF, spaces, control bytes, '@', '%', '_', '\\' and non-ASCII, saying which (row 34)",
    function()
    for _, case in ipairs {
      { "a.com\0.evil.com", "NUL" }, { "a.com\r\nHost: b", "CR" }, { "a.com\n", "LF" },
      { "a .com", "space" }, { "a\1.com", "control" }, { "a.com@b.com", "user information" },
      { "a%2ecom", "percent" }, { "a_b.com", "'_'" }, { "a\\b.com", "'\\'" },
      { "bücher.de", "punycode" }, { "a.com:443", "brackets" },
    } do
      local ok, msg = net.host(case[1])
      assert.is_nil(ok, case[1])
      assert.matches(case[2], msg, 1, true)
    end
    -- IDNA: the punycode form is an ordinary name
    assert.equal("xn--bcher-kva.de", (net.host("xn--bcher-kva.de")))
  end)

  it("reads IPv4 only as a.b.c.d, and IPv6 only in brackets, canonical (row 34)", function()
    assert.same({ "127.0.0.1", "ipv4" }, { net.host("127.0.0.1") })
    for _, s in ipairs { "127.1", "0x7f.0.0.1", "2130706433", "127.000.0.1", "256.1.1.1", "1.2.3.4.5" } do
      assert.is_nil(net.host(s), s)
    end
    assert.same({ "::1", "ipv6" }, { net.host("[0:0::1]") })
    assert.same({ "fd00:ec2::254", "ipv6" }, { net.host("[FD00:EC2:0::254]") })
    assert.is_nil(net.host("[fe80::1%eth0]"))
    assert.is_nil(net.host("[fe80::1%25eth0]"))
    assert.is_nil(net.host("::1"))
    assert.same({ "::1", "ipv6", 8080 }, { net.authority("[::1]:8080") })
    assert.is_nil(net.authority("::1:8080", 443))
    assert.is_nil(net.authority("a.com:0", 443))
    assert.is_nil(net.authority("a.com:+1", 443))
    assert.is_nil(net.authority("a.com:65536", 443))
    assert.is_nil(net.authority("user@a.com:443", 443))
  end)

  it("classes addresses for the rebinding check, mapped and NAT64 forms included (row 35)", function()
    for addr, class in pairs {
      ["93.184.216.34"] = "public", ["127.0.0.1"] = "loopback", ["10.1.2.3"] = "private",
      ["172.16.0.1"] = "private", ["192.168.1.1"] = "private", ["169.254.1.1"] = "link-local",
      ["169.254.169.254"] = "metadata", ["100.64.0.1"] = "cgnat", ["0.0.0.0"] = "unspecified",
      ["224.0.0.1"] = "multicast", ["255.255.255.255"] = "reserved", ["::1"] = "loopback",
      ["fe80::1"] = "link-local", ["fc00::1"] = "unique-local", ["fd00:ec2::254"] = "metadata",
      ["::ffff:127.0.0.1"] = "loopback", ["::ffff:169.254.169.254"] = "metadata",
      ["64:ff9b::a00:1"] = "private", ["2606:4700::1"] = "public", ["2001:db8::1"] = "reserved",
    } do
      assert.equal(class, core.address_class(addr), addr)
    end
    assert.is_nil(core.address_class("example.com"))
  end)

  it("allows a non-public address only when that very address is allowed (row 35)", function()
    local p = {}
    assert.is_true(net.allow(p, "api.example.com", "--allow-host api.example.com"))
    assert.is_true(net.allow(p, "127.0.0.1:8080", "--allow-host 127.0.0.1:8080"))
    assert.is_true(net.check_address(p.hosts, "api.example.com", 443, "93.184.216.34", "public"))
    local ok, msg = net.check_address(p.hosts, "api.example.com", 443, "169.254.169.254", "metadata")
    assert.is_false(ok)
    assert.matches("a metadata address", msg, 1, true)
    assert.is_true(net.check_address(p.hosts, "localhost", 8080, "127.0.0.1", "loopback"))
    assert.is_false(net.check_address(p.hosts, "localhost", 8081, "127.0.0.1", "loopback"))
  end)

  it("matches *.domain for subdomains only, ports 443 and 80 unless one is named; refuses * and *.com",
    function()
    local p = {}
    assert.is_true(net.allow(p, "*.example.com", "t"))
    assert.is_true(net.allow(p, "git.example.org:22", "t"))
    assert.truthy(net.match(p.hosts, "a.b.example.com", 443))
    assert.truthy(net.match(p.hosts, "a.example.com", 80))
    assert.is_nil(net.match(p.hosts, "example.com", 443))
    assert.is_nil(net.match(p.hosts, "evilexample.com", 443))
    assert.is_nil(net.match(p.hosts, "a.example.com", 8443))
    assert.truthy(net.match(p.hosts, "git.example.org", 22))
    assert.is_nil(net.match(p.hosts, "git.example.org", 443))
    for _, bad in ipairs { "*", "*.com", "a.*.com", "*.127.0.0.1", "@nope" } do
      assert.is_nil(net.allow({}, bad, "t"), bad)
    end
    local g = {}
    assert.is_true(net.allow(g, "@git-hosting", "t"))
    assert.truthy(net.match(g.hosts, "github.com", 443))
  end)

  it("decides plain HTTP by the URL and a Host that must agree with it (row 34)", function()
    local p = {}
    net.allow(p, "a.example.com", "t")
    assert.is_true(net.decide(p.hosts, { connect = false, authority = "a.example.com", host_header = "A.example.com." }).allowed)
    assert.is_false(net.decide(p.hosts, { connect = false, authority = "a.example.com", host_header = "b.example.com" }).allowed)
    assert.is_false(net.decide(p.hosts, { connect = false, authority = "a.example.com" }).allowed)
    assert.is_false(net.decide(p.hosts, { connect = true, authority = "a.example.com" }).allowed)
    assert.is_true(net.decide(p.hosts, { connect = true, authority = "a.example.com:443" }).allowed)
    assert.equal("bm9ubzp0", net.base64("nono:t"))
    assert.equal("YQ==", net.base64("a"))
  end)
  describe("ports", function()
    local function policy(hosts, ports, extra)
      local p = { hosts = {}, binds_available = function() return true end }
      for k, v in pairs(extra or {}) do p[k] = v end
      for _, h in ipairs(hosts) do assert(net.allow(p, h, "--allow-host " .. h)) end
      for _, r in ipairs(ports) do
        local ok, msg = net.allow_port(p, r[1], r[2], "--allow-" .. (r[1] == "bind" and "bind" or "port") .. " " .. r[2])
        if not ok then return nil, msg end
      end
      return p
    end

    it("widens the ports of hosts without one of their own, and no other (--allow-port)", function()
      local p = assert(policy({ "api.example.com", "pinned.example.com:8443" }, { { "connect", "9000" } }))
      local ask = function(a) return net.decide(net.rules(p), { connect = true, authority = a }) end
      assert.is_true(ask("api.example.com:9000").allowed)
      assert.is_true(ask("api.example.com:443").allowed)
      assert.is_false(ask("api.example.com:9001").allowed)
      assert.is_false(ask("pinned.example.com:9000").allowed)
      assert.is_true(ask("pinned.example.com:8443").allowed)
      assert.matches("add --allow-port 9001", ask("api.example.com:9001").reason, 1, true)
      -- the policy's own list is left as it was
      assert.is_nil(p.hosts[1].ports)
      -- control: without --allow-port 9000 is refused
      local q = assert(policy({ "api.example.com" }, {}))
      assert.is_false(net.decide(net.rules(q), { connect = true, authority = "api.example.com:9000" }).allowed)
    end)

    it("reads a port strictly and keeps each once", function()
      for _, bad in ipairs { "0", "65536", "08", "80x", "-1", "", " 80" } do
        assert.is_nil((policy({ "a.example" }, { { "connect", bad } })), bad)
      end
      local p = assert(policy({ "a.example" }, { { "bind", "3000" }, { "bind", 3000 }, { "connect", "3000" } }))
      assert.same({ 3000 }, net.ports(p, "bind"))
      assert.same({ 3000 }, net.ports(p, "connect"))
    end)

    it("refuses ports with no allow-list or under --net-block, and a bind on the floor", function()
      assert.is_nil(net.check_ports(assert(policy({}, { { "connect", "80" } }))))
      assert.is_nil(net.check_ports(assert(policy({}, { { "bind", "80" } }, { net_block = true }))))
      assert.is_true(net.check_ports(assert(policy({}, { { "bind", "80" } }, { net_open = true }))))
      assert.is_true(net.check_ports(assert(policy({ "a.example" }, { { "bind", "80" } }))))
      local floor = assert(policy({ "a.example" }, { { "bind", "3000" } },
        { binds_available = function() return false end }))
      assert.is_nil((net.check_runnable(floor)))
      floor.best_effort = true
      assert.is_true(net.check_runnable(floor))
      assert.is_true(net.check_runnable(assert(policy({ "a.example" }, { { "bind", "3000" } }))))
    end)

    it("answers why --port and --bind", function()
      local p = assert(policy({ "a.example" }, { { "connect", "9000" }, { "bind", "3000" } }))
      assert.equal("allowed", net.why_port(p, "connect", "9000").verdict)
      assert.equal("allowed", net.why_port(p, "connect", "443").verdict)
      assert.equal("denied", net.why_port(p, "connect", "9001").verdict)
      assert.equal("allowed", net.why_port(p, "bind", "3000").verdict)
      local no = net.why_port(p, "bind", "3001")
      assert.equal("denied", no.verdict)
      assert.equal("add --allow-bind 3001", no.hint)
      assert.is_nil(net.why_port(p, "bind", "x"))
      -- hosts that all name their port take no --allow-port
      local pinned = assert(policy({ "a.example:8443" }, { { "connect", "9000" } }))
      assert.equal("denied", net.why_port(pinned, "connect", "9000").verdict)
      assert.equal("denied", net.why_port(pinned, "connect", "443").verdict)
    end)
  end)
end)

describe("nono run's refusals for ports", function()
  local compose = require "nono.compose"
  local function policy(abi, best_effort)
    local p = { abi = abi, best_effort = best_effort, hosts = {},
      binds_available = function() return true end,
      check_floor = function() return true end,
      timed_grants = function() return {} end }
    assert(net.allow(p, "a.example", "--allow-host a.example"))
    assert(net.allow_port(p, "bind", "3000", "--allow-bind 3000"))
    return p
  end

  it("refuses --allow-bind below Landlock ABI 4 unless --best-effort (the allow-list's refusal)", function()
    local ok, lines = compose.check_runnable(policy(3))
    assert.is_nil(ok)
    assert.matches("needs Landlock ABI 4", lines[1], 1, true)
    assert.is_true(compose.check_runnable(policy(3, true)))
    -- control: ABI 4 runs it
    assert.is_true(compose.check_runnable(policy(4)))
  end)
end)
