--- nono's exit statuses: the command's own; 128+N when it was killed by
-- signal N; 126 when the sandbox could not be set up (the command never
-- ran); 127 when the command could not be executed; 125 when the audit log
-- (or nono's own standard output, main.c) could not be written; 2 for
-- usage errors; 1 when `profile check` or `setup --check` finds a fault,
-- and from `nono why` for DENIED (0 ALLOWED).  (126 rather than a code of
-- nono's own, as env(1) has 125 for its: man/nono.1, EXIT STATUS, says
-- why.)
return {
  USAGE = 2, SETUP = 126, NOEXEC = 127,
  -- `nono why`: the verdict as a status scripts can test.
  ALLOWED = 0, DENIED = 1,
  -- nono's own record failed: the audit log could not be written (main.c
  -- uses it too when standard output cannot be written).
  RECORD = 125,
}
