--- A module loaded on its first use.  Most runs need neither the report
-- (--dry-run, -v, --audit-log), nor profiles, rollback or ephemeral
-- sessions, and loading the bytecode of every module nono has was about a
-- third of the CPU time of `nono --version`.  Fields are looked up in the
-- real module each time (it is required once, then cached by require).
return function(name)
  return setmetatable({}, {
    __index = function(_, key) return require(name)[key] end,
  })
end
