#!/bin/sh
# Installs the real agent CLIs from npm into .agents/ (for spec/integration/
# agents_spec.lua).  openclaw is left out: it needs Node >= 24 and its
# install script fails the whole install on older Node (Debian 12's and
# this machine's are 20); the spec says so.
set -eu
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm
  else
    echo "nono: npm is missing: apt-get install nodejs npm" >&2
    exit 1
  fi
fi
mkdir -p .agents
cd .agents
[ -f package.json ] || echo '{ "private": true }' > package.json
npm install --no-audit --no-fund --loglevel=error \
  @anthropic-ai/claude-code @openai/codex opencode-ai @google/gemini-cli
