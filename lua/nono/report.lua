--- What the kernel will enforce for a policy, and what it will not: the
-- report's data (nono.policy's Policy:report), and the report
-- as `--dry-run`, `-v` and `--json` show it.
local core = require "nono.core"
local access = require "nono.access"
local json = require "nono.json"
local mounts = require "nono.mounts"
local net = require "nono.net"

local M = {}

--- The seccomp filter's refusals in one line, from the tables it is built
-- from (core.seccomp_rules).
local function seccomp_denied()
  local t = core.seccomp_rules()
  local by = {}
  for _, r in ipairs(t.by_argument) do by[#by + 1] = r.name .. " (" .. r.what .. ")" end
  return table.concat(t.denied, ", ") .. "; by argument: " .. table.concat(by, ", ")
    .. " (on the floor also setpriority and ioprio_set of another process, sched_set* and kill(-1)); "
    .. table.concat(t.unimplemented, ", ") .. " answer ENOSYS; other architectures and x32 are killed"
end

--- The steps of the child that always run, as the report says them, in
-- the order it takes them (core.exec_stages).
local function hygiene()
  local out = {}
  for _, st in ipairs(core.exec_stages()) do
    if st.says then out[#out + 1] = st.says end
  end
  return out
end

--- What the kernel will enforce for this policy, and what it will not.
-- The same fields feed `--dry-run`, `-v` and `--json`.
function M.data(self)
  local handled = self:handled()
  local known = core.fs_rights_for_abi(core.landlock_abi_known)
  local gaps = {}
  for _, name in ipairs(access.names_of(known & ~handled)) do
    gaps[#gaps + 1] = { right = name, needs_abi = access.right_abi[name] }
  end
  local scope_names, net_names = {}, {}
  for name, bit in pairs(core.scope) do
    if self:scoped() & bit ~= 0 then scope_names[#scope_names + 1] = name end
  end
  for name, bit in pairs(core.net_access) do
    if self:handled_net() & bit ~= 0 then net_names[#net_names + 1] = name end
  end
  table.sort(scope_names)
  table.sort(net_names)
  local bypassed, blocked, checked = {}, {}, {}
  for _, p in ipairs(self.all_protections or {}) do
    if p.bypassed then bypassed[#bypassed + 1] = { path = p.canonical, by = p.bypassed } end
  end
  -- Every name whose file exists here is checked at exec; the "tree" tier
  -- (unless its protection was bypassed) is blocked for every process.
  local tree = {}
  for _, p in ipairs(self.active or {}) do
    if p.mode == "noexec" then tree[p.canonical] = true end
  end
  for real, f in pairs(self.command_files or {}) do
    for _, name in ipairs(f.names) do
      checked[name] = true
      if tree[real] then blocked[name] = true end
    end
  end
  local function sorted(set)
    local out = {}
    for name in pairs(set) do out[#out + 1] = name end
    table.sort(out)
    return out
  end
  local blocked_names, checked_names = sorted(blocked), sorted(checked)
  -- Rows 9, 22: what the mount view makes read-only and hides.
  local view, no_view
  if self.resolved then view, no_view = self:mount_view() end
  local not_yet = {
    view and "metadata of denied paths: stat and inotify everywhere; chmod, chown, utimes and xattrs "
      .. "inside the write grants (threat row 22)"
      or "metadata of denied paths: stat, chmod, chown, utimes and xattrs are not Landlock rights (threat row 22)",
  }
  if not self.abi or self.abi < 9 then
    table.insert(not_yet, 1, view and "pathname unix sockets nono does not know of (beyond those hidden "
      .. "above) can be connected to: that needs Landlock ABI 9 (threat row 9)"
      or "pathname unix sockets (docker.sock, the D-Bus session bus, ssh-agent) "
      .. "beneath a read grant can be connected to: that needs Landlock ABI 9 (threat row 9)")
  end
  if not self.abi or self.abi < 6 then
    table.insert(not_yet, 1, "signals to and abstract unix sockets of outside processes: need Landlock ABI 6")
  end
  local missing = {}
  if self.abi_min and self.best_effort and (not self.abi or self.abi < self.abi_min) then
    for _, f in ipairs(self:missing_features()) do
      if f.abi <= self.abi_min then missing[#missing + 1] = f end
    end
  end
  -- Whether read-only protections inside grants and the blocked commands
  -- are kept by mounts or by narrowing, and why not by mounts (`reason`,
  -- what the report prints).
  local ns = { available = self.binds == true, probed = self.binds ~= nil }
  local why_not = self.ns_unavailable
  if why_not then
    ns.step, ns.error, ns.errno = why_not.step, why_not.error, why_not.errno
    ns.reason = why_not.step .. ": " .. tostring(why_not.error)
      .. (why_not.cause and " — " .. why_not.cause or "")
  elseif self.no_namespaces then
    ns.reason = "turned off (--no-namespaces)"
  elseif self.binds == false then
    ns.reason = "not used by this policy"
  end
  -- Row 29: pid and IPC namespaces come with the user and mount namespace
  -- (exec.c); without them the filter still refuses prlimit on another
  -- process.
  local processes = {
    pid_namespace = ns.available, ipc_namespace = ns.available, uts_namespace = ns.available,
    proc = ns.available and "private" or "shared",
    prlimit = "refused for any other process (seccomp)",
  }
  if not ns.available then
    processes.reason = ns.reason or "the user and mount namespace is not needed by this policy"
    -- What the floor leaves reachable, exactly (README: the residuals).
    local signals = (self.abi or 0) < 6
      and "signals to the user's other processes (Landlock's signal scope needs ABI 6)" or nil
    processes.not_isolated = {
      "the user's other processes show in /proc: command lines and status (their memory, environment "
        .. "and descriptors stay out of reach: Landlock refuses ptrace access)",
      "SysV shared memory, semaphores and message queues, and POSIX message queues, are the user's",
      "pidfd_open, kill, tkill and tgkill take any pid: seccomp cannot tell another process's from one "
        .. "of the command's own (signals are Landlock's to scope; kill(-1) is refused)",
      "the host name is the host's (UTS namespace); setting it needs a capability the command has not",
      "if nono is killed (SIGKILL), detached processes live on",
      signals,
    }
  end
  -- The session's own terminal, the one of /dev/pts granted.
  local terminals = {}
  for _, g in ipairs(self.grants) do
    local path = g.canonical or g.path
    if g.source == "system" and (path:match("^/dev/pts/%d+$") or path:match("^/dev/tty%a*%d+$")) then
      terminals[#terminals + 1] = path
    end
  end
  -- The network namespace (loopback only) comes with --net-block or an
  -- allow-list of hosts where the others work; without it the host's
  -- network is seccomp's and Landlock's to limit.
  local network = { namespace = self.net_block and ns.available or net.namespace(self),
    allow = net.report_data(self) }
  if not network.namespace then
    network.reason = net.mode(self) == "open" and "only with --net-block or an allow-list of hosts"
      or ns.reason or "the user and mount namespace is not used by this policy"
  end
  return {
    namespaces = ns,
    mounts = view and { read_only = true, writable = view.writable, hidden = view.hidden,
        private = mounts.private_report(view), sockets_allowed = mounts.allowed_sockets(self),
        devpts = view.devpts, pty_relay = view.relay }
      or { read_only = false, reason = no_view or "not resolved", private = {},
        shared_tmp = self.resolved and mounts.shared_tmp(self) or {},
        sockets_reachable = self.resolved and mounts.sockets(self) or {},
        sockets_allowed = self.resolved and mounts.allowed_sockets(self) or {} },
    processes = processes,
    network = network,
    terminals = terminals,
    landlock = {
      available = self.abi ~= nil,
      abi = self.abi,
      abi_min = self.abi_min,
      error = self.abi_error,
      handled_fs = access.names_of(handled),
      unhandled_fs = gaps,
      handled_net = net_names,
      scoped = scope_names,
      rules = self.resolved and #self:rules() or nil,
      best_effort_missing = missing,
    },
    seccomp = {
      net_block = self.net_block,
      denied = seccomp_denied(),
      syscalls = core.seccomp_rules(),
      sockets = self.net_block and "unix only"
        or self:seccomp_options() ~= 0 and "unix; IPv4/IPv6 stream (TCP); netlink route; no UDP"
        or "unix; IPv4/IPv6 stream (TCP) and datagram (UDP); netlink route",
    },
    protections = {
      ro_binds = self.ro_binds or {},
      noexec_binds = self.noexec_binds or {},
      guards = self.guards or {},
      kept_absent = self.absent or {},
      hard_links = self.hard_links or {},
      commands_shared = self.commands_shared or {},
      active = self.active and #self.active or 0,
      narrowed = self.narrowed and #self.narrowed or 0,
      bypassed = bypassed,
      commands_checked = checked_names,
      commands_blocked = blocked_names,
      commands_absent = self.commands_missing or {},
    },
    directories = {
      removable = not self.keep_dirs,
      pinned = self.pin_binds or {},
      guarded = self.place_guards or {},
    },
    session = self.session,
    home = self.home_note,
    no_new_privs = true,
    hygiene = hygiene(),
    not_yet = not_yet,
  }
end


--- Where a profile's policy was sealed, as the report and `profile check`
-- say it.
function M.sealed_where(spec)
  return spec.sealed and "sealed by nono.apply() at " .. spec.sealed or "sealed when it returned"
end

--- "--allow-command A --allow-command B": what lifts a blocked file.
local function allow_words(names)
  local words = {}
  for i, name in ipairs(names) do words[i] = "--allow-command " .. name end
  return table.concat(words, " ")
end

--- The policy and enforcement report.  `brief` (for -v) folds the system
-- set and the entries of narrowed grants into one line each; --dry-run
-- lists every rule.
local function format_report(p, command, brief, dropped, spec, on_expire)
  local r = p:report()
  local out, folded = {}, {}
  local function line(fmt, ...) out[#out + 1] = string.format(fmt, ...) end
  -- What `nono run` does with the time-limited grants here: takes each back
  -- when it expires, or refuses to run (nested grants, no namespaces).
  local timed = p:timed_grants()
  local timed_refused = #timed > 0 and not (p:check_timed() and p:binds_available(timed[1].canonical))
  if spec then
    line("profile: %s (%s)%s; %s", spec.name, spec.file,
      #spec.extends > 0 and ", composed of " .. table.concat(spec.extends, ", ") or "", M.sealed_where(spec))
  end
  line("policy:")
  for _, rule in ipairs(p:rules()) do
    local fold = brief and (rule.grant.source == "system" or rule.protection)
    if fold then
      folded[rule.grant.source] = (folded[rule.grant.source] or 0) + 1
    else
      line("  %-16s %-36s %s%s%s", p:describe(rule), rule.path, rule.grant.source,
        rule.protection and " (narrowed: " .. rule.protection.canonical .. " is protected)" or "",
        rule.grant.ttl and string.format(timed_refused and " (expires after %ds: nono run refuses "
          .. "it here, see below)" or " (expires after %ds)", rule.grant.ttl) or "")
    end
  end
  for source, n in pairs(folded) do
    line("  (and %d rules from %s: nono run --dry-run lists them)", n, source)
  end
  for _, g in ipairs(brief and {} or p.skipped or {}) do
    line("  %-16s %-36s %s (%s)", g.access, g.path, g.source,
      g.create and "missing: nono run creates it" or "not present here, skipped")
  end
  if command then
    local blocked = p:blocked_command(command[1], os.getenv("PATH"))
    line("command: %s%s", table.concat(command, " "), blocked and string.format(
      " (refused: %s is a blocked command; %s runs it)", blocked.path, allow_words(blocked.names)) or "")
  end
  line("enforcement:")
  local ll = r.landlock
  if ll.available then
    line("  landlock      ABI %d, %d rules; handles %s", ll.abi, ll.rules or 0,
      table.concat(ll.handled_fs, " "))
    for _, gap in ipairs(ll.unhandled_fs) do
      line("  not enforced  %s (needs Landlock ABI %s; this kernel has %d)", gap.right,
        tostring(gap.needs_abi), ll.abi)
    end
    line("  scopes        %s", #ll.scoped > 0 and table.concat(ll.scoped, " ") or "none (need Landlock ABI 6)")
    if r.seccomp.net_block then
      line("  network       blocked: seccomp allows unix sockets only; Landlock TCP %s",
        #ll.handled_net > 0 and "bind and connect denied too" or "rules unavailable (ABI < 4)")
      line("  network       %s", r.network.namespace
        and "own network namespace: loopback only, the host's 127.0.0.1 not reachable"
        or "the host's network namespace (" .. r.network.reason .. ")")
    else
      for _, l in ipairs(net.report_lines(p, ll)) do line("  network       %s", l) end
    end
    for _, f in ipairs(ll.best_effort_missing) do
      line("  BEST EFFORT   missing %s (ABI %d; --abi-min %d asked for it)", f.what, f.abi, ll.abi_min)
    end
  else
    line("  landlock      UNAVAILABLE (%s): nono run refuses to run", ll.error)
  end
  line("  seccomp       denies %s", r.seccomp.denied)
  line("  sockets       %s", r.seccomp.sockets)
  local ns = r.namespaces
  if ns.available then
    line("  namespaces    user+mount: read-only and no-exec bind mounts")
  elseif ns.step then
    line("  namespaces    unavailable (%s); protections use Landlock narrowing", ns.reason)
  elseif ns.probed then
    line("  namespaces    %s; protections use Landlock narrowing", ns.reason)
  else
    line("  namespaces    not needed: no protection here is kept by a mount")
  end
  local mv = r.mounts
  if mv and mv.read_only then
    line("  mounts        read-only and nosuid outside the write grants (chmod, chown, utimes, xattrs there: "
      .. "EROFS); bound back writable: %s", #mv.writable > 0 and table.concat(mv.writable, " ") or "none")
  elseif mv then
    line("  mounts        the host's, unchanged (%s): chmod, utimes and xattrs of files outside the grants "
      .. "that the uid owns still work (row 22)", mv.reason)
  end
  if mv and mv.read_only and #mv.hidden > 0 then
    line("  sockets hidden %s (empty mounts over them: connect() finds no socket; --allow-unix-socket PATH "
      .. "keeps one)", table.concat(mv.hidden, " "))
  elseif mv and not mv.read_only and #(mv.sockets_reachable or {}) > 0 then
    line("  NOT HIDDEN    %s: outside daemons' sockets stay connectable without the mount namespace (row 9)",
      table.concat(mv.sockets_reachable, " "))
  end
  if mv and #mv.private > 0 then
    line("  tmp           private: %s (a new directory under %s each, bound over it; the grants beneath "
      .. "them put back on top)", table.concat(mv.private, " "), tostring(mounts.tmp_base(p.home)))
  elseif mv and #(mv.shared_tmp or {}) > 0 then
    line("  tmp           SHARED: %s are the host's (no mount namespace): the user's other processes' files "
      .. "and sockets there are in reach", table.concat(mv.shared_tmp, " "))
  end
  for _, sk in ipairs(mv and mv.sockets_allowed or {}) do
    line("  socket        %s reachable (%s)", sk.path, sk.source)
  end
  local procs = r.processes
  if procs.pid_namespace then
    line("  processes     own pid, IPC and UTS namespaces: /proc shows the sandbox's processes only, SysV IPC "
      .. "and message queues are its own, a host name set inside stays inside; prlimit on another "
      .. "process is refused")
  else
    line("  processes     shared pid, IPC and UTS namespaces (%s): prlimit, setpriority, ioprio_set and "
      .. "sched_set* on another process, and kill(-1), are refused (seccomp: only pid 0 passes, so a thread "
      .. "id of the command's own is refused too)", procs.reason)
    for _, what in ipairs(procs.not_isolated or {}) do line("  not isolated  %s", what) end
  end
  if r.mounts and r.mounts.pty_relay then
    line("  terminal      a pty of the sandbox's own devpts instance, relayed by nono to %s%s: the user's "
      .. "terminal is not reachable (not by name, descriptor or /dev/tty); pseudo-terminals made inside "
      .. "work (openpty, script, tmux)", table.concat(r.terminals, " "),
      r.session == "new" and " (its output: stdin is no terminal)" or "")
  elseif #r.terminals > 0 then
    line("  terminal      %s (the session's own) and /dev/tty; no other of /dev/pts; a pseudo-terminal "
      .. "made inside cannot be opened (openpty, script, tmux fail)", table.concat(r.terminals, " "))
  elseif r.mounts and r.mounts.devpts then
    line("  terminal      none of the host's /dev/pts (stdin, stdout and stderr are no terminal); a devpts "
      .. "instance of the sandbox's own over it: pseudo-terminals made inside work (openpty, script, tmux)")
  else
    line("  terminal      none of /dev/pts (stdin, stdout and stderr are no terminal); a pseudo-terminal "
      .. "made inside cannot be opened (openpty, script, tmux fail)")
  end
  local pr = r.protections
  line("  protected     %d paths kept out of reach or read-only inside grants; %d directories narrowed",
    pr.active, pr.narrowed)
  for _, b in ipairs(pr.bypassed) do line("  bypassed      %s (%s)", b.path, b.by) end
  for _, path in ipairs(pr.ro_binds) do
    line("  read-only     %s (a read-only mount in a private user and mount namespace)", path)
  end
  for _, gd in ipairs(pr.guards) do
    line("  guarded       %s (%s): no mounts here, so it stays writable during the session; nono "
      .. "keeps a copy and restores it when the session ends", gd.path, gd.why or "protected")
  end
  for _, a in ipairs(pr.kept_absent) do
    line("  kept absent   %s (%s): if it appears during the session, nono moves it aside at the end; "
      .. "until then git outside would obey it", a.path, a.why or "protected")
  end
  if r.home then line("  home          %s", r.home) end
  if #pr.commands_checked > 0 then
    line("  commands      checked at exec: %s (nono does not run them as the command)",
      table.concat(pr.commands_checked, " "))
  end
  for _, l in ipairs(pr.hard_links) do
    line("  hard links    %s has %d names (--accept-hard-links): the protection holds for this path, "
      .. "another name of the same file is not covered", l.path, l.nlink)
  end
  for _, c in ipairs(pr.commands_shared) do
    line("  commands      checked at exec only: %s (%s is shared with other commands: blocking it for "
      .. "every process would block them too)", table.concat(c.names, " "), c.file)
  end
  if #pr.commands_blocked > 0 then
    line("  commands      blocked for every process: %s (%s)", table.concat(pr.commands_blocked, " "),
      #pr.noexec_binds > 0 and "read-only no-exec mounts: not even ld.so runs them"
      or "execute withheld: Landlock narrows their directories; ld.so can still run them")
  end
  local d = r.directories
  if not d.removable then
    line("  directories   write grants do not remove or rename them (--keep-dirs)")
  else
    line("  directories   removed and renamed inside write grants (--keep-dirs withholds it)")
  end
  for _, path in ipairs(d.pinned) do
    line("  kept in place %s (pinned: a mount of itself; it holds a read-only mount)", path)
  end
  for _, path in ipairs(d.guarded) do
    line("  kept in place %s (guarded: it holds a guarded path; if it is renamed or replaced during the "
      .. "session, nono moves it back when the session ends)", path)
  end
  if r.session == "keep" and r.mounts and r.mounts.pty_relay then
    line("  session       new, on the relayed pty as its controlling terminal (TIOCSTI is refused by seccomp)")
  elseif r.session == "keep" then
    line("  session       kept: stdin is a terminal (TIOCSTI is refused by seccomp)")
  elseif r.session == "new" then
    line("  session       new (setsid): no controlling terminal")
  end
  line("  no_new_privs  on")
  for _, item in ipairs(r.hygiene) do line("  hygiene       %s", item) end
  if dropped then
    line("  environment   removed: %s", #dropped > 0 and table.concat(dropped, " ") or "(none set)")
  end
  for _, gap in ipairs(r.not_yet) do line("  not enforced  %s", gap) end
  for _, g in ipairs(timed) do
    if timed_refused then
      line("  expiry        %s: nono run refuses to run: this time-limited grant could not be taken "
        .. "back here (see the message)", g.source)
    else
      line("  expiry        %s: after %ds %s is hidden by an empty read-only mount in the command's "
        .. "mount namespace; what still holds it open is %s", g.source, g.ttl, g.canonical,
        on_expire == "report" and "reported" or "killed")
    end
  end
  if procs.pid_namespace then
    line("  process tree  ends with the command: the pid namespace's init kills what is left, and the "
      .. "kernel ends the namespace if nono is killed")
  else
    line("  process tree  ends with the command: orphans are reparented to nono (subreaper) and killed; "
      .. "if nono is killed, detached processes live on")
  end
  return table.concat(out, "\n") .. "\n"
end

--- The enforcement report with its lists marked as JSON arrays (an empty
-- one is written [], not {}).
local function enforcement(p)
  local r = p:report()
  for _, key in ipairs { "handled_fs", "unhandled_fs", "handled_net", "scoped", "best_effort_missing" } do
    json.array(r.landlock[key])
  end
  for _, key in ipairs { "bypassed", "commands_checked", "commands_blocked", "commands_absent", "ro_binds",
      "noexec_binds", "kept_absent", "guards", "hard_links", "commands_shared" } do
    json.array(r.protections[key])
  end
  json.array(r.directories.pinned)
  json.array(r.directories.guarded)
  json.array(r.terminals)
  for _, key in ipairs { "hosts", "connect_ports", "bind_ports" } do json.array(r.network.allow[key]) end
  return r
end

--- The report as JSON (`nono run --dry-run --json`).
local function json_report(p, command, dropped)
  local rules = {}
  for i, rule in ipairs(p:rules()) do
    rules[i] = { path = rule.path, access = p:describe(rule), rights = json.array(access.names_of(rule.mask)),
      source = rule.grant.source, narrowed_for = rule.protection and rule.protection.canonical,
      ttl = rule.grant.ttl }
  end
  local blocked = command and p:blocked_command(command[1], os.getenv("PATH"))
  return json.encode {
    rules = json.array(rules), command = command and json.array(command),
    command_blocked = blocked and { path = blocked.path, names = json.array(blocked.names), why = blocked.why },
    environment_removed = dropped and json.array(dropped), enforcement = enforcement(p),
  } .. "\n"
end


M.allow_words, M.format, M.enforcement, M.json = allow_words, format_report, enforcement, json_report

return M
