-- Group: what every agent profile starts from.
description "group: the project, git configuration and the temporary directories every agent profile includes"

include { "project", "git" }

-- Agents and the tools they run use /tmp heavily (Claude Code's shell
-- snapshots and TMPDIR, npm, compilers); it is shared with the user's other
-- processes, so a secret kept in /tmp is visible to the agent.
allow("/tmp")
allow("/var/tmp", { optional = true })
-- POSIX shared memory (Python multiprocessing, browsers in tests).
allow("/dev/shm", { optional = true })
