-- `nono why`: answers from the policy a run would have (the same options),
-- or with --self from the sealed policy of the sandbox it runs in.
local compose = require "nono.compose"
local core = require "nono.core"
local exits = require "nono.exits"
local json = require "nono.json"
local net = require "nono.net"
local policy = require "nono.policy"

local M = {}

--- An error value as one line of text, without the position a Lua error
-- adds.
local function first_line(e)
  return (tostring(e):match("^[^\n]*"):gsub("^[^:]*:[%d?-]+: ", ""))
end

--- The sealed policy of the sandbox this process runs in, handed down by
-- `nono run` (NONO_POLICY_FD).  Returns a Policy that answers `why`, or nil
-- and a message.
local function own_policy()
  local value = os.getenv("NONO_POLICY_FD")
  if not value or value == "" then
    return nil, "--self: not inside a nono sandbox (NONO_POLICY_FD is not set)"
  end
  local fd = value:match("^%d+$") and math.tointeger(tonumber(value))
  if not fd or fd > 0x7fffffff then
    return nil, string.format("--self: NONO_POLICY_FD is '%s', not a descriptor number: it was not set "
      .. "by nono run", value)
  end
  local text, msg = core.read_sealed(fd)
  if not text then return nil, "--self: descriptor " .. fd .. ": " .. msg end
  -- Anyone inside may hand a sealed memory file of their own: what it
  -- holds is checked, and whatever it is, the answer is a message.
  local ok, p, pmsg = pcall(policy.import, text)
  local bad = not ok and p or not p and pmsg
  if not bad then
    local wok, answer = pcall(p.why, p, "/", "read")
    bad = not wok and answer or type(answer) ~= "table" and "it gives no answer"
  end
  if bad then
    return nil, string.format("--self: descriptor %d does not hold a policy nono run wrote (%s)", fd,
      first_line(bad))
  end
  return p
end

--- `nono why` with its options parsed: `say` prints a message, `usage`
-- a usage error (and returns the status).
function M.command(opts, say, usage)
  if #opts.command > 0 then
    return usage("unexpected argument '%s'", opts.command[1])
  end
  local asked = (opts.path and 1 or 0) + (opts.host and 1 or 0) + (opts.port and 1 or 0) + (opts.bind and 1 or 0)
  if asked == 0 then return usage("--path PATH is required (or --host HOST, --port N, --bind N)") end
  if asked > 1 then return usage("ask about one of --path, --host, --port and --bind") end
  if opts.self and (opts.profile or #opts.policy > 0 or opts.net_block or opts.best_effort
      or opts.keep_dirs or opts.accept_links or opts.no_namespaces) then
    return usage("--self answers for the sandbox this process is in; it takes no policy options")
  end
  local p, msg, status
  if opts.self then
    p, msg = own_policy()
    status = exits.SETUP
  else
    p, msg, status = compose.build_policy(opts)
  end
  if not p then
    say("%s", msg)
    return status
  end
  if opts.host or opts.port or opts.bind then
    local answer, herr
    if opts.host then
      answer, herr = net.why(p, opts.host)
    else
      answer, herr = net.why_port(p, opts.port and "connect" or "bind", opts.port or opts.bind)
    end
    if not answer then return usage("%s: %s", opts.host or opts.port or opts.bind, herr) end
    if opts.json then
      io.stdout:write(json.encode(answer), "\n")
    else
      io.stdout:write(string.format("%s %s\n  reason: %s\n", answer.verdict:upper(), answer.target, answer.reason))
      if answer.hint then io.stdout:write("  hint: ", answer.hint, "\n") end
      if answer.note then io.stdout:write("  note: ", answer.note, "\n") end
    end
    return answer.verdict == "allowed" and exits.ALLOWED or exits.DENIED
  end
  local ok, answer, werr = true, nil, nil
  if opts.self then
    ok, answer, werr = pcall(p.why, p, opts.path, opts.op or "read")
  else
    answer, werr = p:why(opts.path, opts.op or "read")
  end
  if not ok then
    say("--self: the policy in NONO_POLICY_FD cannot answer for %s (%s)", opts.path, first_line(answer))
    return exits.SETUP
  end
  if not answer then return usage("%s", werr) end
  if opts.json then
    answer.grants = json.array(answer.grants)
    answer.needed = json.array(answer.needed)
    answer.missing = json.array(answer.missing)
    io.stdout:write(json.encode(answer), "\n")
  else
    io.stdout:write(string.format("%s %s %s\n  reason: %s\n", answer.verdict:upper(), answer.op,
      answer.canonical, answer.reason))
    if answer.hint then io.stdout:write("  hint: ", answer.hint, "\n") end
    if answer.note then io.stdout:write("  note: ", answer.note, "\n") end
  end
  return answer.verdict == "allowed" and exits.ALLOWED or exits.DENIED
end

return M
