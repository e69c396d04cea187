#!/bin/sh
# nono benchmarks: start-up next to a minimal Landlock launcher and the
# peers, run-time overhead on FS-heavy work, a 10,000-rule policy, the
# supervisor's memory, --allow ~ on a big home, and rollback snapshots
# (bench/rollback.sh).  One run, one machine.
#
#   sh bench/run.sh [PATH/TO/nono]          (default: build/nono)
#   make bench   |   ./dev bench
#
# As root, missing Debian packages are installed (as scripts/deps.sh does);
# otherwise the apt-get line is printed and the rows that need them say so.
# Writes docs/bench/results.md, results.csv, startup.dat and startup.svg, and
# prints the table.  Ratios are the claim, not the absolute times.  Knobs,
# for a quick look rather than the record:
#   BENCH_MIN_RUNS (30)  BENCH_WARMUP (3)  BENCH_ROUNDS (4)
#   BENCH_CACHE (bench/.cache)  BENCH_OUT (docs/bench)
#   BENCH_COMMIT (the commit named in the results; default: git's HEAD)
# No timing here is a test: nothing fails because a number is high.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
NONO=${1:-build/nono}
case "$NONO" in /*) ;; *) NONO="$(pwd)/$NONO" ;; esac
CACHE=${BENCH_CACHE:-$ROOT/bench/.cache}
OUT=${BENCH_OUT:-$ROOT/docs/bench}
MIN_RUNS=${BENCH_MIN_RUNS:-30}
WARMUP=${BENCH_WARMUP:-3}
ROUNDS=${BENCH_ROUNDS:-4}
REAL_HOME=${HOME:-/root}
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

[ -x "$NONO" ] || die "no nono binary at $NONO (build it first: make build, or pass its path)"

# ---------------------------------------------------------------- packages
# hyperfine is required; the rest only enables rows.  npm is asked for only
# when there is no npm at all (a newer Node.js may be installed already).
PACKAGES="hyperfine gnuplot-nox bubblewrap firejail time socat ripgrep git gcc libc6-dev make lua5.4"
command -v npm >/dev/null 2>&1 || PACKAGES="$PACKAGES npm"
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" -eq 0 ]; then
    say "installing Debian packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $missing >&2
  else
    say "missing Debian packages:$missing"
    say "run as root:  apt-get update && apt-get install -y$missing"
  fi
fi
command -v hyperfine >/dev/null 2>&1 || die "hyperfine is required (apt-get install hyperfine)"

mkdir -p "$CACHE" "$OUT"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
ROWS="$TMP/rows"   # id|mean_ms|sd_ms|median_ms|note|min_ms
: > "$ROWS"

. "$ROOT/bench/lib.sh"

# ---------------------------------------------------------------- fixtures
FLOOR="$CACHE/floor"
cc -std=c11 -O2 -Wall -static-pie -o "$FLOOR" "$ROOT/bench/floor.c" 2>"$TMP/floor.log" \
  || cc -std=c11 -O2 -Wall -static -o "$FLOOR" "$ROOT/bench/floor.c" \
  || die "cannot build bench/floor.c: $(cat "$TMP/floor.log")"

PROJECT="$CACHE/project"   # the `.` of every --allow . row: an empty project
mkdir -p "$PROJECT"

# 20,000 small files in 200 directories, a git repository, made once.
TREE="$CACHE/tree"
if [ ! -f "$CACHE/tree.done" ]; then
  say "creating $TREE (20,000 files)"
  rm -rf "$TREE"
  mkdir -p "$TREE"
  (cd "$TREE"
   for d in $(seq -w 0 19); do
     for s in $(seq 0 9); do
       mkdir -p "src$d/sub$s"
       for f in $(seq -w 0 99); do
         echo "int f$d$s$f(void) { return 1$f; }" > "src$d/sub$s/f$f.c"
       done
     done
   done
   git init -q . && git add . \
     && git -c user.name=bench -c user.email=bench@localhost commit -qm tree)
  touch "$CACHE/tree.done"
fi

# A C project of 100 files for a parallel build (each includes libc headers).
CPROJ="$CACHE/cbuild"
if [ ! -f "$CACHE/cbuild.done" ]; then
  rm -rf "$CPROJ"
  mkdir -p "$CPROJ/tmp"
  for i in $(seq 0 99); do
    cat > "$CPROJ/m$i.c" <<EOF
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int f$i(const char *s) { char b[64]; snprintf(b, sizeof b, "%s-%d", s, $i); return (int)strlen(b) + atoi(s); }
EOF
  done
  printf 'OBJS := $(patsubst %%.c,%%.o,$(wildcard *.c))\nall: $(OBJS)\n%%.o: %%.c\n\t$(CC) -O2 -pipe -c -o $@ $<\n' \
    > "$CPROJ/Makefile"
  touch "$CACHE/cbuild.done"
fi

# 10,000 directories named 0..9999: `--read=N` keeps the whole command line
# (one argument to hyperfine) under the kernel's 128 KiB per-argument limit.
RULES="$CACHE/rules"
if [ ! -f "$CACHE/rules.done" ]; then
  say "creating $RULES (10,000 directories)"
  mkdir -p "$RULES"
  (cd "$RULES" && seq 0 9999 | xargs mkdir -p)
  touch "$CACHE/rules.done"
fi
RULE_ARGS=$(seq 0 9999 | sed 's/^/--read=/' | tr '\n' ' ')

# A home of 5,000 entries: dot-directories, dot-files, plain files, .ssh.
FAKEHOME="$CACHE/home"
if [ ! -f "$CACHE/home.done" ]; then
  say "creating $FAKEHOME (5,000 entries)"
  mkdir -p "$FAKEHOME"
  (cd "$FAKEHOME"
   seq -w 0 1999 | sed 's/^/.dir/' | xargs mkdir -p
   seq -w 0 1499 | sed 's/^/.file/' | xargs touch
   seq -w 0 1498 | sed 's/^/file/' | xargs touch
   mkdir -p .ssh && touch .ssh/id_rsa)
  touch "$CACHE/home.done"
fi

# ------------------------------------------------------- 1. start-up rows
cd "$PROJECT"
NQ=$(q "$NONO")
FQ=$(q "$FLOOR")
HAVE_PROFILE=no
"$NONO" run --profile claude-code --dry-run -- /bin/true > "$TMP/profile.log" 2>&1 && HAVE_PROFILE=yes
N_ALLOW=$(rule_count --allow .)
rules_of --allow . > "$CACHE/rules-allow.txt"
N_PROFILE=""
if [ "$HAVE_PROFILE" = yes ]; then
  N_PROFILE=$(rule_count --profile claude-code)
  rules_of --profile claude-code > "$CACHE/rules-profile.txt"
fi

bench bare "/bin/true"
bench floor "$FQ /bin/true"
bench floor_fork "$FQ -f /bin/true"
if [ -s "$CACHE/rules-allow.txt" ]; then
  bench floor_allow "$FQ -r $(q "$CACHE/rules-allow.txt") /bin/true"
else
  row floor_allow "" "" "" "n/a (no rules from nono run --dry-run --json)"
fi
bench nono_version "$NQ --version"
bench nono_dry "$NQ run --dry-run --allow . -- /bin/true"
bench nono_allow "$NQ run --allow . -- /bin/true"
if [ "$HAVE_PROFILE" = yes ]; then
  if [ -s "$CACHE/rules-profile.txt" ]; then
    bench floor_profile "$FQ -r $(q "$CACHE/rules-profile.txt") /bin/true"
  else
    row floor_profile "" "" "" "n/a (no rules from nono run --dry-run --json)"
  fi
  bench nono_profile "$NQ run --profile claude-code -- /bin/true"
else
  row floor_profile "" "" "" "n/a (profiles not built yet)"
  row nono_profile "" "" "" "n/a (profiles not built yet)"
fi
if command -v bwrap >/dev/null 2>&1; then
  bench bwrap "bwrap --ro-bind / / --dev /dev --proc /proc --unshare-all /bin/true"
else
  row bwrap "" "" "" "not installed (apt-get install bubblewrap)"
fi
if command -v firejail >/dev/null 2>&1; then
  bench firejail "firejail --noprofile /bin/true"
else
  row firejail "" "" "" "not installed (apt-get install firejail)"
fi

# Anthropic's sandbox-runtime from npm, into the cache; run with a settings
# file of our own so ~/.srt-settings.json does not change what is measured.
SRT="$CACHE/srt/node_modules/.bin/srt"
srt_why=""
if [ ! -x "$SRT" ]; then
  if command -v npm >/dev/null 2>&1; then
    say "installing @anthropic-ai/sandbox-runtime into $CACHE/srt"
    npm install --prefix "$CACHE/srt" --no-audit --no-fund --loglevel=error \
      @anthropic-ai/sandbox-runtime > "$TMP/npm.log" 2>&1 \
      || srt_why="npm install failed: $(tail -n 2 "$TMP/npm.log" | tr '\n' ' ')"
  else
    srt_why="npm not installed (apt-get install npm)"
  fi
fi
if [ -z "$srt_why" ] && [ -x "$SRT" ]; then
  printf '%s\n' '{"filesystem":{"denyRead":[],"allowWrite":["."],"denyWrite":[]},"network":{"allowedDomains":[],"deniedDomains":[]}}' \
    > "$CACHE/srt-settings.json"
  bench srt "$(q "$SRT") --settings $(q "$CACHE/srt-settings.json") /bin/true" 20
else
  row srt "" "" "" "${srt_why:-not installed}"
fi

# ------------------------------------- 2. run-time overhead, FS-heavy work
# git in the sandbox cannot read /etc/gitconfig or ~/.gitconfig, and EACCES
# on a config file is fatal to git: every side runs without them.
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
WORK="find $(q "$TREE") -path $(q "$TREE/.git") -prune -o -type f -print0 | xargs -0 cat > /dev/null; git -C $(q "$TREE") status --porcelain; find $(q "$TREE") | wc -l"
bench_rounds 5 \
  fs_bare "sh -c $(q "$WORK")" \
  fs_floor "$FQ -w $(q "$TREE") -w /dev/null sh -c $(q "$WORK")" \
  fs_nono "$NQ run --allow $(q "$TREE") -- sh -c $(q "$WORK")"
export TMPDIR="$CPROJ/tmp"
MAKECMD="make -s -B -j$(nproc) -C $(q "$CPROJ")"
bench_rounds 3 \
  build_bare "$MAKECMD" \
  build_floor "$FQ -w $(q "$CPROJ") -w /dev/null $MAKECMD" \
  build_nono "$NQ run --allow $(q "$CPROJ") -- $MAKECMD"
unset TMPDIR

# What each open(2) costs under the floor and under nono (bench/opens.c),
# without a whole workload's spread: what nono adds beyond Landlock's walk
# is above all its seccomp filter.  Medians of 8 rounds, the three in turn.
OPENS_DIR="$CACHE/opens"
mkdir -p "$OPENS_DIR" && printf 'x\n' > "$OPENS_DIR/file"
OPENS_BARE="" OPENS_FLOOR="" OPENS_NONO=""
if cc -std=c11 -O2 -Wall -o "$OPENS_DIR/opens" "$ROOT/bench/opens.c" 2>"$TMP/opens.log"; then
  say "opens: bare, floor -w, nono run --allow, 8 rounds"
  for _ in 1 2 3 4 5 6 7 8; do
    "$OPENS_DIR/opens" "$OPENS_DIR/file" >> "$TMP/opens.bare"
    "$FLOOR" -w "$OPENS_DIR" "$OPENS_DIR/opens" "$OPENS_DIR/file" >> "$TMP/opens.floor"
    "$NONO" run --allow "$OPENS_DIR" -- "$OPENS_DIR/opens" "$OPENS_DIR/file" >> "$TMP/opens.nono" 2>/dev/null
  done
  opens_median() { awk '{ print $1 }' "$1" 2>/dev/null | sort -n | awk '{ v[NR] = $1 }
    END { if (NR) printf "%.0f", (v[int((NR + 1) / 2)] + v[int(NR / 2) + 1]) / 2 }'; }
  OPENS_BARE=$(opens_median "$TMP/opens.bare")
  OPENS_FLOOR=$(opens_median "$TMP/opens.floor")
  OPENS_NONO=$(opens_median "$TMP/opens.nono")
else
  say "opens: cannot build bench/opens.c: $(cat "$TMP/opens.log")"
fi

# ------------------------------------------------- 3. 10,000 rules policy
cd "$RULES"
N_10K=$(rule_count $RULE_ARGS)
bench rules_allow "$NQ run --allow . -- /bin/true"
bench rules_10k "$NQ run $RULE_ARGS -- /bin/true" 10
# shellcheck disable=SC2086
rules_of $RULE_ARGS > "$CACHE/rules-10k.txt"
if [ -s "$CACHE/rules-10k.txt" ] && [ -s "$CACHE/rules-allow.txt" ]; then
  bench floor_rules_allow "$FQ -r $(q "$CACHE/rules-allow.txt") /bin/true"
  bench floor_rules_10k "$FQ -r $(q "$CACHE/rules-10k.txt") /bin/true" 10
else
  row floor_rules_10k "" "" "" "n/a (no rules from nono run --dry-run --json)"
fi
# The usual soft limit of open files is 1024: does a 10,000-rule policy
# need one descriptor per rule at once?
# shellcheck disable=SC2086
if (ulimit -n 1024 && "$NONO" run $RULE_ARGS -- /bin/true) > "$TMP/nofile.log" 2>&1; then
  NOFILE_10K="runs"
else
  NOFILE_10K="fails: $(tail -n 2 "$TMP/nofile.log" | head -n 1 | sed 's/|/\//g')"
fi
cd "$PROJECT"

# ------------------------------------------------ 4. supervisor peak RSS
# VmHWM (peak) and VmRSS (now) of the nono parent itself, read while the
# sandboxed child sleeps; the largest of three runs.  `cmd &` in sh execs
# cmd in the forked child, so $! is nono's pid.
hwm_of() { # nono arguments...
  best=0 bestrss=0
  for _ in 1 2 3; do
    "$NONO" "$@" &
    pid=$!
    sleep 0.3
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
    kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
    rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
    wait "$pid" || true
    if [ "$exe" != "$NONO" ]; then say "rss: pid $pid is $exe, not nono"; kb=0 rss=0; fi
    if [ "${kb:-0}" -gt "$best" ]; then best=$kb; fi
    if [ "${rss:-0}" -gt "$bestrss" ]; then bestrss=$rss; fi
  done
  echo "$best $bestrss"
}
set -- $(hwm_of run --allow . -- sleep 0.8)
RSS_ALLOW=$1 NOW_ALLOW=$2
RSS_PROFILE="" NOW_PROFILE=""
if [ "$HAVE_PROFILE" = yes ]; then
  set -- $(hwm_of run --profile claude-code -- sleep 0.8)
  RSS_PROFILE=$1 NOW_PROFILE=$2
fi
cd "$RULES"
# shellcheck disable=SC2086
set -- $(hwm_of run $RULE_ARGS -- sleep 0.8)
RSS_10K=$1 NOW_10K=$2
cd "$PROJECT"
RSS_TREE=""
if [ -x /usr/bin/time ]; then
  RSS_TREE=$(/usr/bin/time -f '%M' "$NONO" run --allow . -- sleep 0.2 2>&1 >/dev/null | tail -n 1)
fi

# --------------------------------------------- 5. --allow ~ on a big home
export HOME="$FAKEHOME"
N_HOME=$(rule_count --allow '~')
bench home_dot "$NQ run --allow . -- /bin/true"
bench home_allow "$NQ run --allow ~ -- /bin/true"
export HOME="$REAL_HOME"

# ----------------------------------- 6. where nono's start-up time goes
# bench/phases.lua drives the same Lua modules through nono.core built as a
# Lua module, which `make build` puts next to the binary (BUILD/lib).
PHASES="" PHASES_10K=""
LIBDIR="$(dirname "$NONO")/lib"
if command -v lua5.4 >/dev/null 2>&1 && [ -f "$LIBDIR/nono/core.so" ]; then
  PHASES=$(lua5.4 "$ROOT/bench/phases.lua" "$ROOT" "$LIBDIR" 100 2>&1) \
    || PHASES="bench/phases.lua failed (has the policy API changed?): $PHASES"
  # shellcheck disable=SC2086
  PHASES_10K=$(cd "$RULES" && lua5.4 "$ROOT/bench/phases.lua" "$ROOT" "$LIBDIR" 3 $RULE_ARGS 2>&1) \
    || PHASES_10K="bench/phases.lua failed (has the policy API changed?): $PHASES_10K"
else
  PHASES="not measured: needs lua5.4 and $LIBDIR/nono/core.so (make build)"
fi

# ------------------------------------------- 7. rollback snapshots
# A project of 10,000 files / 200 MB generated in a temporary directory:
# nono's first and next snapshot next to cp -a and git add -A.
ROLLBACK=$(sh "$ROOT/bench/rollback.sh" "$NONO" 2>&1) || ROLLBACK="bench/rollback.sh failed: $ROLLBACK"
NET=$(sh "$ROOT/bench/net.sh" "$NONO" 2>&1) || NET="bench/net.sh failed: $NET" # 8. network (bench/net.sh)

# ---------------------------------------------------------------- report

if [ -n "${BENCH_COMMIT:-}" ]; then
  git_rev=$BENCH_COMMIT   # set when benchmarking an export of a commit
else
  git_rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
  git -C "$ROOT" diff --quiet HEAD -- src lua profiles 2>/dev/null || git_rev="$git_rev + uncommitted changes"
fi
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
srt_ver="—"
[ -x "$SRT" ] && srt_ver=$(awk -F'"' '/"version"/ { print $4; exit }' \
  "$CACHE/srt/node_modules/@anthropic-ai/sandbox-runtime/package.json" 2>/dev/null)

R_ALLOW=$(ratio nono_allow floor)
R_ALLOW_SAME=$(ratio nono_allow floor_allow)
R_PROFILE=$(ratio nono_profile floor)
R_PROFILE_SAME=$(ratio nono_profile floor_profile)
# Workloads compare medians: one disturbed run on a 2-core machine moves a
# mean by more than the effect measured.
P_FS=$(pct fs_nono fs_bare 4)
P_FS_FLOOR=$(pct fs_floor fs_bare 4)
P_BUILD=$(pct build_nono build_bare 4)
P_BUILD_FLOOR=$(pct build_floor build_bare 4)
D_RULES=$(diffms rules_10k rules_allow)
D_RULES_FLOOR=$(diffms floor_rules_10k floor_rules_allow)
# The issue's targets: against bwrap, the slower of nono's two start-ups;
# the workloads and the rules, what nono adds beyond Landlock's own cost.
R_BWRAP=$(awk -v a="$(ratio nono_allow bwrap)" -v b="$(ratio nono_profile bwrap)" \
  'BEGIN { if (a == "—" || b == "—") print "—"; else printf "%.2f", (a + 0 > b + 0 ? a : b) }')
P_FS_OVER=$(minus "$P_FS" "$P_FS_FLOOR")
P_BUILD_OVER=$(minus "$P_BUILD" "$P_BUILD_FLOOR")
D_RULES_OVER=$(minus "$D_RULES" "$D_RULES_FLOOR")
D_HOME=$(diffms home_allow home_dot)
RSS_ALLOW_MIB=$(mib "$RSS_ALLOW")

{
  echo "## nono benchmarks"
  echo
  echo "Machine: $cpu, $(nproc) cores, Linux $(uname -r); $("$NONO" --version 2>/dev/null | head -n 1)."
  echo "nono commit $git_rev; $(hyperfine --version); bwrap $(bwrap --version 2>/dev/null | awk '{ print $2 }');" \
    "firejail $(firejail --version 2>/dev/null | awk 'NR == 1 { print $3 }'); srt $srt_ver; $(date -u '+%Y-%m-%d %H:%M UTC')."
  echo "Load average at the start $LOAD_START, at the end $(cut -d' ' -f1-3 /proc/loadavg)" \
    "(anything else running on the $(nproc) cores shows up as spread and as drift between rows)."
  echo
  echo "### Targets"
  echo
  echo "| target | measured | limit | |"
  echo "|---|---|---|---|"
  echo "| \`nono run --allow .\` start-up ÷ floor | $(cell nono_allow "${R_ALLOW}×") | ≤ 2.0× | $(cell nono_allow "$(verdict "$R_ALLOW" 2.0)") |"
  echo "| \`nono run --profile claude-code\` start-up ÷ floor | $(cell nono_profile "${R_PROFILE}×") | ≤ 2.5× | $(cell nono_profile "$(verdict "$R_PROFILE" 2.5)") |"
  echo "| both start-ups ÷ \`bwrap --unshare-all\` (the slower of the two) | $(cell bwrap "${R_BWRAP}×") | < 1× | $(cell bwrap "$(verdict "$R_BWRAP" 0.999)") |"
  echo "| FS workload (find + cat + git status, 20,000 files): overhead over the floor's own | $(cell fs_nono "$P_FS_OVER points") | ≤ 1 point | $(cell fs_nono "$(verdict "$P_FS_OVER" 1)") |"
  echo "| parallel C build (100 files, make -j$(nproc)): overhead over the floor's own | $(cell build_nono "$P_BUILD_OVER points") | ≤ 1 point | $(cell build_nono "$(verdict "$P_BUILD_OVER" 1)") |"
  echo "| 10,000 \`--read\` rules: time added over \`--allow .\`, beyond the kernel's own | $(cell rules_10k "$D_RULES_OVER ms") | ≤ 50 ms | $(cell rules_10k "$(verdict "$D_RULES_OVER" 50)") |"
  echo "| supervisor peak RSS (VmHWM of the nono parent, \`--allow .\`) | $RSS_ALLOW_MIB MiB | ≤ 4 MiB | $(verdict "$RSS_ALLOW_MIB" 4) |"
  echo
  echo "Against a floor that pays for the same rules (\`floor -r\`, nono's own rules from \`--dry-run --json\`):" \
    "\`--allow .\` $(cell nono_allow "${R_ALLOW_SAME}×") ($N_ALLOW rules), claude-code $(cell nono_profile "${R_PROFILE_SAME}×") (${N_PROFILE:-—} rules)." \
    "Landlock alone costs the FS workload $(cell fs_floor "$P_FS_FLOOR %") and the build $(cell build_floor "$P_BUILD_FLOOR %") (\`floor -w\`)."
  echo
  echo "### 1. Start-up: \`COMMAND /bin/true\` (hyperfine -N, warm-up $WARMUP, ≥ $MIN_RUNS runs)"
  echo
  echo "| command | mean ms | σ ms | × floor | × bare |"
  echo "|---|---|---|---|---|"
  startup_line bare "\`/bin/true\` (bare)"
  startup_line floor "\`bench/floor /bin/true\` — **the floor**: 2 Landlock rules, exec"
  startup_line floor_fork "\`bench/floor -f\`: the floor + fork/wait, as a supervisor"
  startup_line floor_allow "\`bench/floor -r\` with the $N_ALLOW rules of \`nono run --allow .\`"
  startup_line nono_version "\`nono --version\`: host, Lua state, modules loaded"
  startup_line nono_dry "\`nono run --dry-run --allow .\`: + policy and report, no fork/exec"
  startup_line nono_allow "**\`nono run --allow . -- /bin/true\`**"
  startup_line floor_profile "\`bench/floor -r\` with the ${N_PROFILE:-—} rules of the claude-code profile"
  startup_line nono_profile "**\`nono run --profile claude-code -- /bin/true\`**"
  startup_line bwrap "\`bwrap --ro-bind / / --dev /dev --proc /proc --unshare-all\`"
  startup_line firejail "\`firejail --noprofile\`"
  startup_line srt "\`srt\` (sandbox-runtime $srt_ver: bwrap, seccomp, proxies)"
  echo
  echo "### 2. Run-time overhead (median ms, σ in brackets; $ROUNDS rounds, order reversed every other round)"
  echo
  echo "| workload | bare | \`floor -w DIR\` | \`nono run --allow DIR\` | floor overhead | nono overhead | floor / nono, fastest runs |"
  echo "|---|---|---|---|---|---|---|"
  work_line fs "find + cat + \`git status\` + find, 20,000 files"
  work_line build "\`make -B -j$(nproc)\`, 100 C files with libc headers"
  echo
  if [ -n "$OPENS_BARE" ] && [ -n "$OPENS_FLOOR" ] && [ -n "$OPENS_NONO" ]; then
    echo "One \`open\` + \`close\` (\`bench/opens.c\`, 400,000 in a loop; medians of 8 rounds, the three in turn):" \
      "bare $OPENS_BARE ns, \`floor -w DIR\` $OPENS_FLOOR ns (Landlock's walk)," \
      "\`nono run --allow DIR\` $OPENS_NONO ns: $((OPENS_NONO - OPENS_FLOOR)) ns more than the floor (nono's own, its seccomp filter above all)."
  else
    echo "One \`open\` + \`close\` (\`bench/opens.c\`): not measured (see the run's messages)."
  fi
  echo
  echo "### 3. A policy of 10,000 rules"
  echo
  echo "| command | rules | mean ms | σ ms |"
  echo "|---|---|---|---|"
  echo "| \`nono run --allow . -- /bin/true\` | $N_ALLOW | $(cell rules_allow "$(ms rules_allow)") | $(sd rules_allow) |"
  echo "| \`nono run --read=0 … --read=9999 -- /bin/true\` | ${N_10K:-—} | $(cell rules_10k "$(ms rules_10k)") | $(sd rules_10k) |"
  echo "| difference: the cost of 10,000 more rules | | **$D_RULES** | |"
  echo "| \`bench/floor -r\` with the rules of \`--allow .\` | $N_ALLOW | $(cell floor_rules_allow "$(ms floor_rules_allow)") | $(sd floor_rules_allow) |"
  echo "| \`bench/floor -r\` with the rules of the 10,000 \`--read\` | ${N_10K:-—} | $(cell floor_rules_10k "$(ms floor_rules_10k)") | $(sd floor_rules_10k) |"
  echo "| difference: what the kernel alone needs for them | | $D_RULES_FLOOR | |"
  echo
  echo "With \`ulimit -n 1024\` (the usual soft limit) the 10,000-rule run $NOFILE_10K."
  echo
  echo "### 4. Supervisor memory (KiB)"
  echo
  echo "| the nono parent while the command runs | VmHWM (peak) | VmRSS (while waiting) |"
  echo "|---|---|---|"
  echo "| \`run --allow . -- sleep\` | $RSS_ALLOW ($RSS_ALLOW_MIB MiB) | $NOW_ALLOW |"
  echo "| \`run --profile claude-code -- sleep\` | ${RSS_PROFILE:-—} ($(mib "$RSS_PROFILE") MiB) | ${NOW_PROFILE:-—} |"
  echo "| \`run --read=0 … --read=9999 -- sleep\` | $RSS_10K ($(mib "$RSS_10K") MiB) | $NOW_10K |"
  echo
  echo "\`/usr/bin/time -f %M\` on \`nono run --allow . -- sleep 0.2\` (the largest process of the tree): ${RSS_TREE:-—} KiB."
  echo
  echo "### 5. \`--allow ~\` on a home of 5,000 entries"
  echo
  echo "| command (HOME = the fake home) | rules | mean ms | σ ms |"
  echo "|---|---|---|---|"
  echo "| \`nono run --allow . -- /bin/true\` | $N_ALLOW | $(cell home_dot "$(ms home_dot)") | $(sd home_dot) |"
  echo "| \`nono run --allow ~ -- /bin/true\` | ${N_HOME:-—} | $(cell home_allow "$(ms home_allow)") | $(sd home_allow) |"
  echo "| difference | | $D_HOME ($(ratio home_allow home_dot)×) | |"
  echo
  echo "### 6. Where nono's start-up time goes (bench/phases.lua, CPU time of the nono process)"
  echo
  echo "\`nono run --allow . -- /bin/true\`:"
  echo
  echo '```'
  echo "$PHASES"
  echo '```'
  if [ -n "$PHASES_10K" ]; then
    echo
    echo "\`nono run --read=0 … --read=9999 -- /bin/true\`:"
    echo
    echo '```'
    echo "$PHASES_10K"
    echo '```'
  fi
  echo
  echo "$ROLLBACK"
  echo
  echo "$NET"
} > "$TMP/results.md"

{
  echo "id,mean_ms,stddev_ms,median_ms,note,min_ms"
  awk -F'|' '{ gsub(/,/, ";", $5); printf "%s,%s,%s,%s,%s,%s\n", $1, $2, $3, $4, $5, $6 }' "$ROWS"
  echo "rss_parent_allow_kib,$RSS_ALLOW,,,VmHWM; VmRSS $NOW_ALLOW"
  echo "rss_parent_profile_kib,${RSS_PROFILE:-},,,VmHWM; VmRSS ${NOW_PROFILE:-}"
  echo "rss_parent_10k_kib,$RSS_10K,,,VmHWM; VmRSS $NOW_10K"
  echo "rss_tree_kib,${RSS_TREE:-},,,/usr/bin/time max RSS"
  echo "rules_allow,$N_ALLOW,,,rule count"
  echo "rules_profile,${N_PROFILE:-},,,rule count"
  echo "rules_10k,${N_10K:-},,,rule count"
  echo "rules_home,${N_HOME:-},,,rule count"
} > "$OUT/results.csv"
cp "$TMP/results.md" "$OUT/results.md"

# ------------------------------------------------------------------ plot
DAT="$OUT/startup.dat"
{
  echo "# label mean_ms stddev_ms kind (1 other, 2 nono, 3 floor)  (start-up of COMMAND /bin/true; written by bench/run.sh)"
  for pair in "bare:/bin/true" "floor:floor" "floor_allow:floor, nono's rules" "nono_allow:nono --allow ." \
              "floor_profile:floor, profile's rules" "nono_profile:nono claude-code" \
              "bwrap:bwrap" "firejail:firejail" "srt:srt"; do
    id=${pair%%:*} label=${pair#*:}
    m=$(field "$id" 2) s=$(field "$id" 3)
    case $id in nono*) kind=2 ;; floor*) kind=3 ;; *) kind=1 ;; esac
    if [ -n "$m" ]; then printf '"%s" %s %s %s\n' "$label" "$m" "$s" "$kind"; fi
  done
} > "$DAT"
if command -v gnuplot >/dev/null 2>&1; then
  # Run in $OUT and name the data file relatively: gnuplot writes the plot
  # command into the SVG, and a committed plot names no machine's paths.
  (cd "$OUT" && gnuplot) <<EOF || say "gnuplot failed; $DAT has the data"
set terminal svg size 900,460 dynamic enhanced font "sans,12" background rgb "white"
set output "startup.svg"
set title "Start-up of COMMAND /bin/true on $(nproc) cores, Linux $(uname -r | cut -d- -f1) (mean ± σ; log scale; lower is better)"
set ylabel "milliseconds"
set logscale y
set yrange [0.2:*]
set grid ytics
set style fill solid 0.6 border -1
set boxwidth 0.6
set xtics nomirror rotate by -25 left
set bmargin 6
set offsets 0.6, 0.6, 0, 0
unset key
plot "startup.dat" using 0:2:3:(column(4) == 2 ? 0xd9822b : column(4) == 3 ? 0x7a9a5a : 0x4a7ab5):xtic(1) \
       with boxerrorbars lc rgb variable, \
     "" using 0:(\$2*1.45):(sprintf("%.2f", \$2)) with labels
EOF
else
  say "gnuplot not installed: no plot ($DAT has the data)"
fi

cat "$TMP/results.md"
say "wrote $OUT/results.md, $OUT/results.csv, $OUT/startup.svg"
