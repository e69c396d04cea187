--- Network egress by allow-list (docs/threats.md, rows 33–36): the proxy
-- nono runs outside is the only way out.  Every upstream here is a server
-- on 127.0.0.1, which the proxy refuses unless that address is allowed
-- itself, so each allowed one is named as 127.0.0.1:PORT.
local H = require "spec.helper"

local built_attempt = os.getenv("NONO_ATTEMPT") or (H.source .. "/build/nono-attempt")
local fixtures = H.source .. "/spec/fixtures/"

--- Start a test upstream (spec/fixtures/net_upstream.py) in world `w`.
local function upstream(w, name)
  local portfile, log = w.root .. "/" .. name .. ".port", w.root .. "/" .. name .. ".log"
  H.sh(string.format("python3 %s %s %s >/dev/null 2>&1 & echo $! > %s", H.q(w.bin .. "/net_upstream.py"),
    H.q(portfile), H.q(log), H.q(portfile .. ".pid")))
  local port
  for _ = 1, 400 do
    port = tonumber(H.slurp(portfile))
    if port then break end
    H.sh("sleep 0.05")
  end
  assert(port, "the test upstream did not start")
  local up = { port = port, log = log, pid = tonumber(H.slurp(portfile .. ".pid")) }
  w.upstreams[#w.upstreams + 1] = up
  return up
end

local function seen(up) return H.slurp(up.log) end

for _, user in ipairs(H.users) do
  describe("network egress by allow-list as " .. user .. " #net", function()
    local w, up, other
    before_each(function()
      w = H.world()
      w.upstreams = {}
      w.attempt = w.bin .. "/nono-attempt"
      w.client = w.bin .. "/net_client.py"
      w.pressure = w.bin .. "/net_pressure.py"
      local _, err, code = H.sh("cp " .. H.q(built_attempt) .. " " .. H.q(fixtures .. "net_upstream.py") .. " "
        .. H.q(fixtures .. "net_client.py") .. " " .. H.q(fixtures .. "net_pressure.py") .. " " .. H.q(w.bin)
        .. " && chmod a+rx " .. H.q(w.bin) .. "/*")
      assert(code == 0, err)
      up = upstream(w, "allowed")
      other = upstream(w, "other")
    end)
    after_each(function()
      for _, u in ipairs(w.upstreams) do
        if u.pid then os.execute("kill " .. u.pid .. " 2>/dev/null") end
      end
      H.destroy(w)
    end)

    local function allow(u) return "127.0.0.1:" .. u.port end

    --- Run `argv` under `nono run --allow-host` each of `hosts`.
    local function run(hosts, argv, extra)
      local args = { "run", "--read-file", w.client, "--read-file", w.attempt }
      for _, h in ipairs(hosts) do args[#args + 1] = "--allow-host" args[#args + 1] = h end
      return H.nono(w, user, H.args(args, extra or {}, { "--" }, argv))
    end

    --- Send `raw` (Python escapes) to the proxy from inside; its answer.
    local function raw(hosts, request)
      local out, err, code = run(hosts, { "python3", w.client, request })
      assert(code == 0, "client failed: " .. err)
      return out
    end

    it("reaches an allowed host through the proxy (curl, CONNECT and plain HTTP; python), and "
      .. "refuses another with the flag to add (row 33)", function()
      if not H.ready(user) then return end
      local url = "http://127.0.0.1:" .. up.port .. "/a"
      local out, err, code = run({ allow(up) }, { "curl", "-sS", "-m", "20", url })
      assert.equal(0, code, err)
      assert.matches("upstream saw: GET /a HTTP/1.1 | Host: 127.0.0.1:" .. up.port, out, 1, true)
      out, err, code = run({ allow(up) }, { "curl", "-sS", "-m", "20", "-p", url .. "b" })
      assert.equal(0, code, err)
      assert.matches("upstream saw: GET /ab HTTP/1.1", out, 1, true)
      out, err, code = run({ allow(up) }, { "python3", "-c",
        "import urllib.request; print(urllib.request.urlopen('" .. url .. "c', timeout=20).read().decode())" })
      assert.equal(0, code, err)
      assert.matches("upstream saw: GET /ac HTTP/1.1", out, 1, true)
      -- the other server: refused by the proxy, and it never saw a byte
      out = run({ allow(up) }, { "curl", "-sS", "-m", "20", "http://127.0.0.1:" .. other.port .. "/" })
      assert.matches("127.0.0.1:" .. other.port .. " is not an allowed host (add --allow-host 127.0.0.1:"
        .. other.port .. ")", out, 1, true)
      out = run({ allow(up) }, { "curl", "-sS", "-m", "20", "-p", "http://127.0.0.1:" .. other.port .. "/" })
      assert.equal("", seen(other))
      -- control: without nono it is reachable
      out = H.sh(H.as(user, "curl -sS -m 20 http://127.0.0.1:" .. other.port .. "/x"))
      assert.matches("upstream saw: GET /x", out, 1, true)
    end)

    it("keeps a raw connect() around the proxy and UDP from leaving (row 33)", function()
      if not H.ready(user) then return end
      local out, err = run({ allow(up) }, { w.attempt, "connect-tcp", "127.0.0.1", tostring(other.port) })
      assert.equal("EACCES", (out:gsub("%s+$", "")), err)
      out = run({ allow(up) }, { w.attempt, "sendto-udp", "127.0.0.1", "9" })
      assert.equal("EACCES", (out:gsub("%s+$", "")))
      assert.equal("", seen(other))
      -- controls: the same calls without nono, and inside with the network open
      out = H.sh(H.as(user, H.q(w.attempt) .. " connect-tcp 127.0.0.1 " .. other.port))
      assert.equal("ok", (out:gsub("%s+$", "")))
      out = H.nono(w, user, { "run", "--read-file", w.attempt, "--", w.attempt, "sendto-udp", "127.0.0.1", "9" })
      assert.equal("ok", (out:gsub("%s+$", "")))
    end)

    it("answers why --self --host and --port inside from the policy the proxy enforces", function()
      if not H.ready(user) then return end
      local why = H.q(w.nono) .. " why --self "
      -- (example.com names no port: --allow-port widens it)
      local out, err, code = run({ allow(up), "example.com" }, { "sh", "-c",
        why .. "--host " .. allow(up) .. "; " .. why .. "--host " .. allow(other) .. "; "
        .. why .. "--port 8080; " .. why .. "--port 22; " .. why .. "--bind 3000; echo end" }, { "--allow-port", "8080" })
      assert.equal(0, code, err)
      assert.matches("ALLOWED " .. allow(up) .. "\n  reason: allowed by --allow-host " .. allow(up), out, 1, true)
      assert.matches("DENIED " .. allow(other) .. "\n  reason: " .. allow(other) .. " is not an allowed host", out, 1, true)
      assert.matches("ALLOWED connect 8080", out, 1, true)
      assert.matches("DENIED connect 22", out, 1, true)
      assert.matches("DENIED bind 3000", out, 1, true)
      -- the same answers outside, from the same options
      out = H.nono(w, user, { "why", "--allow-host", allow(up), "--host", allow(other) })
      assert.matches("DENIED " .. allow(other), out, 1, true)
    end)

    it("where namespaces work, leaves the command loopback only: no interface of the machine, even on "
      .. "the proxy's port; on the floor that port on any host is reachable (row 33)", function()
      if not H.ready(user) then return end
      local ip = H.sh("hostname -I 2>/dev/null"):match("(%d+%.%d+%.%d+%.%d+)")
      if not ip or ip:match("^127%.") then
        pending("this machine has no IPv4 address but loopback to try")
        return
      end
      local script = "cat /proc/net/dev; p=${HTTP_PROXY##*:}; echo port=$p; " .. H.q(w.attempt)
        .. " connect-tcp " .. ip .. " \"$p\"; true"
      -- (example.com names no port: --allow-port widens it)
      local out, err, code = run({ allow(up), "example.com" }, { "sh", "-c", script })
      assert.equal(0, code, err)
      local port = out:match("port=(%d+)")
      local answer = out:match("([%u%l]+)%s*$")
      local _, dry = H.nono(w, user, { "run", "-v", "--allow-host", "x.example", "--", "true" })
      if dry:find("own network namespace with loopback only", 1, true) then
        assert.not_matches("eth%d", out)
        assert.matches("lo:", out, 1, true)
        assert.equal("ENETUNREACH", answer)
      else
        -- the floor: Landlock's port rule names no address (the residual)
        assert.matches("FLOOR MODE, weaker", dry, 1, true)
        assert.equal("ECONNREFUSED", answer)
      end
      -- control: outside, the machine's address is reached (nothing listens there)
      out = H.sh(H.as(user, H.q(w.attempt) .. " connect-tcp " .. ip .. " " .. port))
      assert.equal("ECONNREFUSED", (out:gsub("%s+$", "")))
    end)

    it("is no proxy for another process: out of its reach where namespaces work (no token asked), "
      .. "and without the session's token on the floor (row 36)", function()
      if not H.ready(user) then return end
      if not H.floor then
        -- outside, nothing listens on the proxy's port of the machine's
        -- loopback: the proxy's socket is in the command's namespace
        local port = "3128"
        local outside = H.trim(H.sh(H.as(user, H.q(w.attempt) .. " connect-tcp 127.0.0.1 " .. port)))
        if outside == "ok" then
          pending("something else listens on 127.0.0.1:" .. port .. " on this machine")
          return
        end
        -- (example.com names no port: --allow-port widens it)
      local out, err, code = run({ allow(up), "example.com" }, { "sh", "-c", "echo $HTTPS_PROXY; " .. H.q(w.attempt)
          .. " connect-tcp 127.0.0.1 " .. port })
        assert.equal(0, code, err)
        assert.equal("http://127.0.0.1:" .. port .. "\nok\n", out)
        assert.equal("ECONNREFUSED", outside)
        -- inside, no credentials needed (clients that send none work)
        out = raw({ allow(up) }, "CONNECT " .. allow(up) .. " HTTP/1.1\\r\\n\\r\\nGET /n HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n")
        assert.matches("upstream saw: GET /n HTTP/1.1", out, 1, true)
        return
      end
      local out = raw({ allow(up) }, "CONNECT " .. allow(up) .. " HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
      assert.matches("^HTTP/1.1 407", out)
      out = raw({ allow(up) }, "CONNECT " .. allow(up) .. " HTTP/1.1\\r\\nProxy-Authorization: Basic "
        .. "bm9ubzp3cm9uZw==\\r\\n\\r\\n")
      assert.matches("^HTTP/1.1 407", out)
      assert.equal("", seen(up))
      -- control: with the token the same request goes through
      out = raw({ allow(up) }, "CONNECT " .. allow(up) .. " HTTP/1.1\\r\\n{AUTH}\\r\\nGET /t HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n")
      assert.matches("upstream saw: GET /t HTTP/1.1", out, 1, true)
    end)

    it("refuses a NUL byte, a CR or LF, a space or user information in the host (row 34)", function()
      if not H.ready(user) then return end
      local cases = {
        { "CONNECT 127.0.0.1\\x00.evil.example:" .. up.port .. " HTTP/1.1\\r\\n{AUTH}\\r\\n", "^HTTP/1.1 400" },
        { "CONNECT " .. allow(up) .. "\\x00 HTTP/1.1\\r\\n{AUTH}\\r\\n", "^HTTP/1.1 400" },
        { "CONNECT evil.example@" .. allow(up) .. " HTTP/1.1\\r\\n{AUTH}\\r\\n", "^HTTP/1.1 403" },
        { "CONNECT " .. allow(up) .. "@evil.example:443 HTTP/1.1\\r\\n{AUTH}\\r\\n", "^HTTP/1.1 403" },
        { "CONNECT 127.0.0.1%2e:" .. up.port .. " HTTP/1.1\\r\\n{AUTH}\\r\\n", "^HTTP/1.1 403" },
        { "CONNECT 127.1:" .. up.port .. " HTTP/1.1\\r\\n{AUTH}\\r\\n", "^HTTP/1.1 403" },
        { "CONNECT 2130706433:" .. up.port .. " HTTP/1.1\\r\\n{AUTH}\\r\\n", "^HTTP/1.1 403" },
        { "GET http://evil.example@" .. allow(up) .. "/ HTTP/1.1\\r\\nHost: " .. allow(up) .. "\\r\\n{AUTH}\\r\\n",
          "^HTTP/1.1 403" },
      }
      for _, c in ipairs(cases) do
        local out = raw({ allow(up) }, c[1])
        assert.matches(c[2], out, nil, false, c[1])
      end
      assert.equal("", seen(up))
      -- control: the clean request reaches it
      local out = raw({ allow(up) }, "CONNECT " .. allow(up) .. " HTTP/1.1\\r\\n{AUTH}\\r\\nGET /c HTTP/1.1\\r\\n\\r\\n")
      assert.matches("upstream saw: GET /c", out, 1, true)
    end)

    it("filters plain HTTP too: a denied host, and a Host that differs from the URL (row 34)", function()
      if not H.ready(user) then return end
      local o = "127.0.0.1:" .. other.port
      local out = raw({ allow(up) }, "GET http://" .. o .. "/ HTTP/1.1\\r\\nHost: " .. o .. "\\r\\n{AUTH}\\r\\n")
      assert.matches("^HTTP/1.1 403", out)
      out = raw({ allow(up) }, "GET http://" .. allow(up) .. "/ HTTP/1.1\\r\\nHost: " .. o .. "\\r\\n{AUTH}\\r\\n")
      assert.matches("^HTTP/1.1 403.*the URL names", out)
      out = raw({ allow(up) }, "GET http://" .. allow(up) .. "/ HTTP/1.1\\r\\nHost: " .. allow(up)
        .. "\\r\\nHost: " .. o .. "\\r\\n{AUTH}\\r\\n")
      assert.matches("^HTTP/1.1 400.*more than one Host", out)
      -- a request that is no proxy request at all
      out = raw({ allow(up) }, "GET / HTTP/1.1\\r\\nHost: " .. o .. "\\r\\n{AUTH}\\r\\n")
      assert.matches("^HTTP/1.1 400", out)
      assert.equal("", seen(other))
      assert.equal("", seen(up))
      -- control: the agreeing request is forwarded, in origin form
      out = raw({ allow(up) }, "GET http://" .. allow(up) .. "/ok?q HTTP/1.1\\r\\nHost: " .. allow(up) .. "\\r\\n{AUTH}\\r\\n")
      assert.matches("upstream saw: GET /ok?q HTTP/1.1 | Host: " .. allow(up), out, 1, true)
    end)

    it("passes plain HTTP one request a connection: its body and no byte more (row 34)", function()
      if not H.ready(user) then return end
      local a = allow(up)
      local out = raw({ a }, "POST http://" .. a .. "/one HTTP/1.1\\r\\nHost: " .. a .. "\\r\\nContent-Length: 4\\r\\n{AUTH}"
        .. "\\r\\nbodyGET http://" .. a .. "/two HTTP/1.1\\r\\nHost: " .. a .. "\\r\\n\\r\\n")
      assert.matches("upstream saw: POST /one HTTP/1.1", out, 1, true)
      assert.equal("upstream saw: POST /one HTTP/1.1 | Host: " .. a .. " | body: body\n", seen(up))
      assert.matches("^HTTP/1.1 400", raw({ a }, "POST http://" .. a .. "/ HTTP/1.1\\r\\nHost: " .. a
        .. "\\r\\nContent-Length: 0x10\\r\\n{AUTH}\\r\\n"))
    end)

    it("reads a CONNECT inside a CONNECT as tunnel data for the allowed host, never as its own "
      .. "(row 34)", function()
      if not H.ready(user) then return end
      local o = "127.0.0.1:" .. other.port
      local out = raw({ allow(up) }, "CONNECT " .. allow(up) .. " HTTP/1.1\\r\\n{AUTH}\\r\\nCONNECT " .. o
        .. " HTTP/1.1\\r\\n{AUTH}\\r\\n")
      assert.matches("^HTTP/1.1 200 Connection established", out)
      assert.matches("upstream saw: CONNECT " .. o .. " HTTP/1.1", out, 1, true)
      assert.equal("", seen(other))
    end)

    it("refuses header smuggling with a bare CR or LF, a folded line, two lengths (row 34)", function()
      if not H.ready(user) then return end
      local a = allow(up)
      for _, req in ipairs {
        "GET http://" .. a .. "/ HTTP/1.1\\r\\nHost: " .. a .. "\\r\\nX: y\\rHost: evil\\r\\n{AUTH}\\r\\n",
        "GET http://" .. a .. "/ HTTP/1.1\\r\\nHost: " .. a .. "\\nX-Other: y\\r\\n{AUTH}\\r\\n",
        "GET http://" .. a .. "/ HTTP/1.1\\r\\nHost: " .. a .. "\\r\\nX: y\\r\\n Host: evil\\r\\n{AUTH}\\r\\n",
        "POST http://" .. a .. "/ HTTP/1.1\\r\\nHost: " .. a .. "\\r\\nContent-Length: 1\\r\\n"
          .. "Transfer-Encoding: chunked\\r\\n{AUTH}\\r\\n",
      } do
        assert.matches("^HTTP/1.1 400", raw({ a }, req), nil, false, req)
      end
      assert.equal("", seen(up))
    end)

    it("refuses an oversized header, and keeps serving (row 36)", function()
      if not H.ready(user) then return end
      local out = raw({ allow(up) }, "CONNECT " .. allow(up) .. " HTTP/1.1\\r\\n{AUTH}{PAD:20000}\\r\\n")
      assert.matches("^HTTP/1.1 431", out)
      assert.equal("", seen(up))
    end)

    --- spec/fixtures/net_pressure.py MODE inside, against `up`: its lines.
    local function pressure(mode)
      local out, err, code = run({ allow(up) }, { "python3", w.pressure, mode, tostring(up.port) },
        { "--read-file", w.pressure })
      assert.equal(0, code, err)
      return out
    end

    it("cuts a client that sends its header a byte at a time at the header deadline, and serves "
      .. "others meanwhile (row 36)", function()
      if not H.ready(user) then return end
      local out = pressure("slow")
      assert.matches("other: HTTP/1.1 200 Connection established | HTTP/1.1 200 OK", out, 1, true)
      assert.matches("upstream saw: GET /other", out, 1, true)
      assert.matches("other_while_slow_open: True", out, 1, true)
      -- (4000 bytes at one each 0.2 s would take 800 s: the proxy cut it)
      assert.matches("slow: HTTP/1.1 408 Request Timeout", out, 1, true)
      assert.equal("upstream saw: GET /other HTTP/1.1 | Host: t\n", seen(up))
    end)

    it("refuses the 65th connection at once while 64 are open, and serves again when they close "
      .. "(row 36)", function()
      if not H.ready(user) then return end
      local out = pressure("slots")
      assert.matches("65th: HTTP/1.1 503 Service Unavailable", out, 1, true)
      assert.matches("after: HTTP/1.1 200 Connection established | HTTP/1.1 200 OK", out, 1, true)
      assert.matches("upstream saw: GET /after", out, 1, true)
      assert.not_matches("GET /65th", seen(up))
    end)

    it("refuses a name that resolves to loopback unless that address is allowed (rebinding, row 35)",
      function()
      if not H.ready(user) then return end
      local out = raw({ "localhost:" .. up.port }, "CONNECT localhost:" .. up.port .. " HTTP/1.1\\r\\n{AUTH}\\r\\n")
      assert.matches("^HTTP/1.1 403.*a loopback address", out)
      assert.equal("", seen(up))
      -- control: with the address allowed too, the name reaches it
      out = raw({ "localhost:" .. up.port, allow(up) }, "CONNECT localhost:" .. up.port
        .. " HTTP/1.1\\r\\n{AUTH}\\r\\nGET /l HTTP/1.1\\r\\n\\r\\n")
      assert.matches("upstream saw: GET /l", out, 1, true)
    end)

    it("logs each allowed and refused connection with its bytes", function()
      if not H.ready(user) then return end
      local log = w.outside .. "/audit.jsonl"
      local _, err, code = run({ allow(up) }, { "sh", "-c", "curl -sS -m 20 http://" .. allow(up) .. "/ >/dev/null; "
        .. "curl -sS -m 20 http://127.0.0.1:" .. other.port .. "/ >/dev/null" }, { "--audit-log", log })
      assert.equal(0, code, err)
      local text = H.slurp(log)
      assert.matches('"allowed":true[^\n]*"bytes_in":%d+', text)
      assert.matches('"event":"net"', text, 1, true)
      assert.matches('"allowed":false[^\n]*"port":' .. other.port, text)
    end)

    it("reaches an allowed host on a port only with --allow-port, through the proxy and never "
      .. "around it", function()
      if not H.ready(user) then return end
      local url = "http://127.0.0.1:" .. up.port .. "/p"
      local out = run({ "127.0.0.1" }, { "curl", "-sS", "-m", "20", url })
      assert.matches("127.0.0.1:" .. up.port .. " is not an allowed host (add --allow-port " .. up.port, out, 1, true)
      assert.equal("", seen(up))
      local err, code
      out, err, code = run({ "127.0.0.1" }, { "curl", "-sS", "-m", "20", url }, { "--allow-port", tostring(up.port) })
      assert.equal(0, code, err)
      assert.matches("upstream saw: GET /p HTTP/1.1", out, 1, true)
      -- the port is the proxy's to reach: a raw connect() to it is still refused
      out = run({ "127.0.0.1" }, { w.attempt, "connect-tcp", "127.0.0.1", tostring(up.port) },
        { "--allow-port", tostring(up.port) })
      assert.equal("EACCES", (out:gsub("%s+$", "")))
      -- control: without nono the raw connect() reaches it
      out = H.sh(H.as(user, H.q(w.attempt) .. " connect-tcp 127.0.0.1 " .. up.port))
      assert.equal("ok", (out:gsub("%s+$", "")))
    end)

    it("lets the command listen on a port only with --allow-bind (Landlock's bind rule)", function()
      if not H.ready(user) then return end
      -- a free port below the ephemeral range (32768 and up), so that no
      -- connection of another test takes it meanwhile (the floor binds on
      -- the machine's loopback)
      local port = H.sh("python3 -c 'import random, socket\nfor _ in range(100):\n"
        .. "    p = random.randrange(20000, 30000); s = socket.socket()\n"
        .. "    try: s.bind((\"127.0.0.1\", p)); s.close(); s2 = socket.socket(); s2.bind((\"127.0.0.1\", p + 1))\n"
        .. "    except OSError: continue\n    print(p); break'"):match("%d+")
      assert(port, "no free port")
      local other_port = tostring(tonumber(port) == 65535 and 65534 or tonumber(port) + 1)
      local out, err = run({ allow(up) }, { w.attempt, "bind-tcp", port })
      assert.equal("EACCES", (out:gsub("%s+$", "")), err)
      local extra = { "--allow-bind", port }
      if H.floor then
        -- on the floor it would listen on every address: refused unless --best-effort
        local _, ferr, fcode = run({ allow(up) }, { w.attempt, "bind-tcp", port }, extra)
        assert.equal(126, fcode)
        assert.matches("listen on every address", ferr, 1, true)
        extra = { "--allow-bind", port, "--best-effort" }
      end
      local code
      out, err, code = run({ allow(up) }, { w.attempt, "bind-tcp", port }, extra)
      assert.equal(0, code, err)
      assert.equal("ok", (out:gsub("%s+$", "")))
      out = run({ allow(up) }, { w.attempt, "bind-tcp", other_port }, extra)
      assert.equal("EACCES", (out:gsub("%s+$", "")))
      if not H.floor then
        -- in the command's own namespace it reaches its own server
        out, err, code = run({ allow(up) }, { "python3", "-c", "import socket\n"
          .. "l = socket.socket(); l.bind(('127.0.0.1', " .. port .. ")); l.listen(1)\n"
          .. "c = socket.create_connection(('127.0.0.1', " .. port .. ")); a, _ = l.accept()\n"
          .. "c.sendall(b'hi'); print(a.recv(2).decode())" }, extra)
        assert.equal(0, code, err)
        assert.equal("hi", (out:gsub("%s+$", "")))
      end
      -- control: without nono both binds work
      for _, p in ipairs { port, other_port } do
        out = H.sh(H.as(user, H.q(w.attempt) .. " bind-tcp " .. p))
        assert.equal("ok", (out:gsub("%s+$", "")))
      end
    end)

    it("answers why --port and why --bind, and lists the ports in the JSON report", function()
      if not H.ready(user) then return end
      local out, _, code = H.nono(w, user, { "why", "--allow-host", "api.example.com", "--allow-port", "8443",
        "--port", "8443" })
      assert.equal(0, code)
      assert.matches("ALLOWED connect 8443", out, 1, true)
      out, _, code = H.nono(w, user, { "why", "--allow-host", "api.example.com", "--port", "8443" })
      assert.equal(1, code)
      assert.matches("hint: add --allow-port 8443", out, 1, true)
      out, _, code = H.nono(w, user, { "why", "--allow-host", "api.example.com", "--bind", "3000" })
      assert.equal(1, code)
      assert.matches("hint: add --allow-bind 3000", out, 1, true)
      out, _, code = H.nono(w, user, { "why", "--allow-host", "api.example.com", "--allow-bind", "3000",
        "--bind", "3000" })
      assert.equal(0, code)
      out = H.nono(w, user, { "run", "--dry-run", "--json", "--allow-host", "api.example.com", "--allow-port",
        "8443", "--allow-bind", "3000", "--", "true" })
      assert.matches('"connect_ports":[8443]', out, 1, true)
      assert.matches('"bind_ports":[3000]', out, 1, true)
      -- a port without an allow-list, or under --net-block, is a usage error
      _, _, code = H.nono(w, user, { "run", "--allow-port", "8443", "--", "true" })
      assert.equal(2, code)
      _, _, code = H.nono(w, user, { "run", "--net-block", "--allow-bind", "3000", "--", "true" })
      assert.equal(2, code)
      _, _, code = H.nono(w, user, { "run", "--allow-host", "api.example.com", "--allow-port", "0", "--", "true" })
      assert.equal(2, code)
    end)

    it("says the mode in the report, and answers why --host from the same rules", function()
      if not H.ready(user) then return end
      local out = H.nono(w, user, { "run", "--dry-run", "--allow-host", "api.example.com", "--", "true" })
      assert.matches("network       allow-list: only through nono's proxy, to api.example.com", out, 1, true)
      assert.matches(H.floor and "FLOOR MODE, weaker" or "own network namespace with loopback only", out, 1, true)
      assert.matches("sockets       unix; IPv4/IPv6 stream (TCP); netlink route; no UDP", out, 1, true)
      out = H.nono(w, user, { "run", "--dry-run", "--", "true" })
      assert.matches("network       open", out, 1, true)
      local _, code
      out, _, code = H.nono(w, user, { "why", "--allow-host", "*.example.com", "--host", "api.example.com" })
      assert.equal(0, code)
      assert.matches("ALLOWED api.example.com:443", out, 1, true)
      out, _, code = H.nono(w, user, { "why", "--allow-host", "*.example.com", "--host", "example.com:443" })
      assert.equal(1, code)
      assert.matches("hint: add --allow-host example.com", out, 1, true)
      for _, bad in ipairs { "*", "*.com", "a.*.com" } do
        _, _, code = H.nono(w, user, { "run", "--allow-host", bad, "--", "true" })
        assert.equal(2, code, bad)
      end
    end)
  end)
end
