#!/bin/sh
# Rollback snapshots (nono run --rollback): a project of FILES files and MB
# megabytes generated here (nothing downloaded), recorded by nono first into
# an empty store, then again with 10 files changed, then unchanged; next to
# `cp -a` of the same tree, `git add -A` into a fresh repository and again
# after the same 10 changes, and `sha256sum` + `cp -a` (what a store of
# nono's own would at least do: hash and copy every file).
#
#   sh bench/rollback.sh [PATH/TO/nono]     (bench/run.sh runs it)
#   BENCH_ROLLBACK_FILES (10000)  BENCH_ROLLBACK_MB (200)
# Prints a Markdown table; wall-clock seconds of one run each, caches warm
# (the tree was just written).  No timing here is a test.
set -eu
NONO=${1:-build/nono}
case "$NONO" in /*) ;; *) NONO="$(pwd)/$NONO" ;; esac
FILES=${BENCH_ROLLBACK_FILES:-10000}
MB=${BENCH_ROLLBACK_MB:-200}
DIRS=100
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
P=$T/project

now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
timed() { # command...: prints the seconds it took
  s=$(now); "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; e=$(now); secs "$s" "$e"
}

# The tree: DIRS directories of FILES/DIRS files, MB in all, as text
# (base64 of random bytes: it compresses as source code roughly does).
mkdir -p "$P"
per=$((MB * 1024 * 1024 / FILES))
head -c $((MB * 1024 * 1024 * 3 / 4 + 1024 * 1024)) /dev/urandom | base64 -w 76 | head -c $((per * FILES)) > "$T/all"
(cd "$P" && split -a 5 -d -b "$per" "$T/all" f)
rm -f "$T/all"
i=0
for f in "$P"/f*; do
  d="$P/d$((i % DIRS))"
  mkdir -p "$d"
  mv "$f" "$d/"
  i=$((i + 1))
done
COUNT=$(find "$P" -type f | wc -l)
SIZE=$(du -sm "$P" | cut -f1)
change10() { for f in $(find "$P" -type f | sort | head -n 10); do printf 'changed %s\n' "$1" >> "$f"; done; }

export XDG_STATE_HOME="$T/state"
mkdir -p "$XDG_STATE_HOME"
run_nono() { (cd "$P" && "$NONO" run --rollback --allow . -- /bin/true); }
BASE=$(timed sh -c "cd '$P' && '$NONO' run --allow . -- /bin/true")
FIRST=$(timed run_nono)
change10 a
SECOND=$(timed run_nono)
THIRD=$(timed run_nono)
STORE=$(du -sm "$XDG_STATE_HOME" | cut -f1)

CP=$(timed cp -a "$P" "$T/copy")
rm -rf "$T/copy"
OWN=$(timed sh -c "find '$P' -type f -print0 | xargs -0 sha256sum > '$T/sums' && cp -a '$P' '$T/copy'")
rm -rf "$T/copy" "$T/sums"
export GIT_DIR="$T/git" GIT_WORK_TREE="$P" GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
git init -q
GIT1=$(timed git add -A)
change10 b
GIT2=$(timed git add -A)
unset GIT_DIR GIT_WORK_TREE

echo "### 7. Rollback snapshots: $COUNT files, $SIZE MB (seconds, one run each)"
echo
echo "| what | s |"
echo "|---|---|"
echo "| \`nono run --allow . -- /bin/true\` (no snapshot) | $BASE |"
echo "| \`nono run --rollback\`: first snapshot (empty store) | $FIRST |"
echo "| \`nono run --rollback\`: next, 10 files changed | $SECOND |"
echo "| \`nono run --rollback\`: next, nothing changed | $THIRD |"
echo "| \`cp -a\` of the tree | $CP |"
echo "| \`sha256sum\` + \`cp -a\` of the tree (a store of one's own, at least) | $OWN |"
echo "| \`git add -A\`, fresh repository | $GIT1 |"
echo "| \`git add -A\` again, 10 files changed | $GIT2 |"
echo
echo "Store after the three snapshots: $STORE MB (each snapshot is taken twice: before and after the session)."
