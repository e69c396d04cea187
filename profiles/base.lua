-- Group: what every agent profile starts from.
description "group: the project, git configuration and the temporary directories every agent profile includes"

include { "project", "git" }

-- Agents and the tools they run use /tmp heavily (Claude Code's shell
-- snapshots and TMPDIR, npm, compilers), /var/tmp, and /dev/shm (POSIX
-- shared memory: Python multiprocessing, browsers in tests).  Where user
-- namespaces work each is a directory of the session's own (what the
-- agent leaves there is kept under ~/.local/state/nono/tmp, or removed
-- with --discard-tmp): the host's tmux and X11 sockets and other users'
-- files there are out of sight.  On the floor they are the host's, shared
-- with the user's other processes, as the report says.
private_tmp()
