#!/bin/sh
# Installs the Debian 12 packages nono needs to build and test, when run as
# root; otherwise prints the apt-get line to run.
set -eu
# man-db and groff-base render the man pages, zsh, fish and bash load the
# completions, pkg-config builds the C example against an installed libnono
# (spec/integration/conventions_spec.lua), socat listens on the sockets and
# ports the mount and network specs try to reach from inside.
PACKAGES="make gcc libc6-dev cmake liblua5.4-dev lua5.4 lua-filesystem-dev lua-busted luarocks util-linux bsdutils coreutils git perl-base tmux man-db groff-base bash zsh fish pkgconf socat"
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "nono: installing Debian packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing
else
  echo "nono: missing Debian packages:$missing" >&2
  echo "nono: run as root:  apt-get update && apt-get install -y$missing" >&2
  exit 1
fi
