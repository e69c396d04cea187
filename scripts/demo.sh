#!/bin/sh
# `make run`: a shell sandboxed by nono that works in its project (files and
# directories made and removed, git commits), and is denied a (fake) SSH key
# in its home, any write to /etc, ~/.bashrc, git's config and hooks, and
# mkfs even from a child shell; then the whole home granted, with the key
# still out of reach.
set -u
NONO=$(realpath "${1:-build/nono}")
demo=$(mktemp -d /tmp/nono-demo.XXXXXX)
trap 'rm -rf "$demo"' EXIT
mkdir -p "$demo/project/src" "$demo/home/.ssh"
printf 'FAKE PRIVATE KEY\n' > "$demo/home/.ssh/id_rsa"
cd "$demo/project" || exit 1
git init -q . && git -c user.name=demo -c user.email=demo@nono commit -q --allow-empty -m init

echo "== nono run -v --allow . -- sh -c '...'   (project: $demo/project)"
HOME="$demo/home" "$NONO" run -v --allow . -- sh -c '
  try() { label=$1; shift; if "$@" 2>/dev/null; then echo "  allowed  $label"; else echo "  DENIED   $label"; fi; }
  try "write ./notes.txt in the project"   sh -c "echo hello > notes.txt"
  try "read ./notes.txt"                   grep -q hello notes.txt
  try "rm -rf ./build (a directory it made)" sh -c "mkdir -p build/x && rm -rf build"
  try "git commit in the project"          env GIT_CONFIG_NOSYSTEM=1 sh -c "git add notes.txt && git -c user.name=demo -c user.email=demo@nono commit -qm notes"
  try "read ~/.ssh/id_rsa"                 cat "$HOME/.ssh/id_rsa"
  try "create /etc/nono-demo"              touch /etc/nono-demo
  try "append to ~/.bashrc"                sh -c "echo evil >> \$HOME/.bashrc"
  try "add a git hook (runs outside later)" sh -c "echo evil > .git/hooks/pre-commit"
  try "rename .git away and plant another" mv .git .git.old
  try "run mkfs from a child shell"        sh -c "mkfs --version >/dev/null"
'
status=$?
echo "== the sandboxed shell exited with status $status"
echo
echo "== nono why --allow . --path ~/.ssh/id_rsa"
HOME="$demo/home" "$NONO" why --allow . --path "~/.ssh/id_rsa"
echo "== nono why --allow . --path notes.txt --op write"
HOME="$demo/home" "$NONO" why --allow . --path notes.txt --op write
echo
echo "== nono run --allow ~ -- cat ~/.ssh/id_rsa   (the whole home granted; ~/.ssh is protected)"
HOME="$demo/home" "$NONO" run --allow "$demo/home" -- sh -c 'cat "$HOME/.ssh/id_rsa"; echo "  exit status $?"'
echo "== nono why --allow ~ --path ~/.ssh/id_rsa"
HOME="$demo/home" "$NONO" why --allow "~" --path "~/.ssh/id_rsa"

# The demo fails if the sandbox did not hold.
[ ! -e /etc/nono-demo ] && [ ! -e "$demo/home/.bashrc" ] && [ -d .git ] \
  && [ ! -e .git/hooks/pre-commit ] && [ ! -e build ] && [ -e notes.txt ]
