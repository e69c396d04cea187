#!/bin/sh
# The network allow-list's cost: a transfer of MB megabytes from a server on
# this machine's loopback, and CONNS fresh connections one after another,
# each made directly (no nono) and through nono's proxy (`nono run
# --allow-host 127.0.0.1:PORT`, its own network namespace where namespaces
# work, and again with --no-namespaces, the floor).  Through the proxy the
# client sends CONNECT (with the session's token on the floor), then the same request.
#
#   sh bench/net.sh [PATH/TO/nono]     (bench/run.sh runs it)
#   BENCH_NET_MB (200)  BENCH_NET_CONNS (300)  BENCH_NET_RUNS (5)
#   BENCH_NET_LINK_MBIT (1000)  BENCH_NET_LINK_MB (100)
# As root, the transfer again over a link slower than the machine (a veth
# pair into a network namespace of its own, shaped with tc's tbf to
# LINK_MBIT): there the link limits, not the CPU, as on a real network.
# Prints a Markdown table: throughput the best of RUNS transfers, latency
# the median of CONNS connections (each: connect, request, the whole
# answer, close).  No timing here is a test.
set -eu
NONO=${1:-build/nono}
case "$NONO" in /*) ;; *) NONO="$(pwd)/$NONO" ;; esac
MB=${BENCH_NET_MB:-200}
CONNS=${BENCH_NET_CONNS:-300}
RUNS=${BENCH_NET_RUNS:-5}
# the system's interpreter, inside the sandbox and out (one under $HOME
# would not be readable inside)
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
T=$(mktemp -d)
chmod 755 "$T"
LINK_MBIT=${BENCH_NET_LINK_MBIT:-1000}
LINK_MB=${BENCH_NET_LINK_MB:-100}
SERVER_PID= FAR_PID= NS=
cleanup() {
  for pid in $SERVER_PID $FAR_PID; do kill "$pid" 2>/dev/null || :; done
  [ -n "$NS" ] && { ip link del "nbh$$" 2>/dev/null; ip netns del "$NS" 2>/dev/null; }
  rm -rf "$T"
}
trap cleanup EXIT INT TERM

# The server: answers GET /big with MB megabytes, anything else with "ok".
cat > "$T/server.py" <<'EOF'
import os, socket, sys, threading
size = int(sys.argv[2]) * 1024 * 1024
chunk = b"x" * (1024 * 1024)
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((os.environ.get("NET_HOST", "127.0.0.1"), 0))
l.listen(128)
with open(sys.argv[1], "w") as f:
    f.write(str(l.getsockname()[1]))
def serve(c):
    with c:
        head = b""
        while b"\r\n\r\n" not in head:
            d = c.recv(4096)
            if not d:
                return
            head += d
        if head.startswith(b"GET /big "):
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % size)
            left = size
            while left > 0:
                n = min(left, len(chunk))
                c.sendall(chunk[:n])
                left -= n
        else:
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
while True:
    c, _ = l.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF

# The client: through HTTP_PROXY when it is set (CONNECT, with the floor's token),
# directly otherwise.  `big`: MB/s of one transfer; `conns N`: the median
# milliseconds of N connections.
cat > "$T/client.py" <<'EOF'
import base64, os, socket, statistics, sys, time, urllib.parse
port = int(sys.argv[1])
host = os.environ.get("NET_HOST", "127.0.0.1")
proxy = os.environ.get("HTTP_PROXY")
def connect():
    if not proxy:
        return socket.create_connection((host, port))
    u = urllib.parse.urlsplit(proxy)
    s = socket.create_connection((u.hostname, u.port))
    auth = ""
    if u.username:  # the floor's token
        cred = base64.b64encode(("%s:%s" % (u.username, u.password)).encode()).decode()
        auth = "Proxy-Authorization: Basic %s\r\n" % cred
    s.sendall(("CONNECT %s:%d HTTP/1.1\r\n%s\r\n" % (host, port, auth)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        d = s.recv(1)
        if not d:
            raise SystemExit("the proxy closed")
        head += d
    if not head.startswith(b"HTTP/1.1 200"):
        raise SystemExit("the proxy said: " + head.decode("latin-1"))
    return s
def fetch(path):
    s = connect()
    s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % path).encode())
    buf = bytearray(1 << 20)
    n = 0
    while True:
        k = s.recv_into(buf)
        if not k:
            break
        n += k
    s.close()
    return n
if sys.argv[2] == "big":
    t = time.perf_counter()
    n = fetch("/big")
    print("%.0f" % (n / (time.perf_counter() - t) / 1e6))
else:
    times = []
    for _ in range(int(sys.argv[3])):
        t = time.perf_counter()
        fetch("/small")
        times.append((time.perf_counter() - t) * 1000)
    print("%.3f" % statistics.median(times))
EOF

# CPU seconds (user + system) of a command and all it waited for: the
# client directly; through the proxy, the client, nono and the proxy.  A
# load from elsewhere slows the transfer but barely changes its CPU time.
cat > "$T/cpu.py" <<'EOF'
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.2f" % (r.ru_utime + r.ru_stime))
EOF

"$PY" "$T/server.py" "$T/port" "$MB" & SERVER_PID=$!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.05; done
PORT=$(cat "$T/port")

direct() { "$PY" "$T/client.py" "$PORT" "$@"; }
proxied() { # MODE-OPTION...: then the client's arguments after --
  (cd "$T" && env -u HTTP_PROXY -u http_proxy "$NONO" run --allow-host "127.0.0.1:$PORT" --read "$T" "$@")
}
max() { awk -v a="$1" -v v="$2" 'BEGIN { print (v > a) ? v : a }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f %%", 100 * a / b }'; }
added() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.3f", a - b }'; }

# The three in turn, RUNS times, each its best: a load that comes and goes
# (the machine is shared) falls on all three alike.
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
D_TP=0 N_TP=0 F_TP=0
for _ in $(seq "$RUNS"); do
  D_TP=$(max "$D_TP" "$(direct big)")
  N_TP=$(max "$N_TP" "$(proxied -- "$PY" "$T/client.py" "$PORT" big)")
  F_TP=$(max "$F_TP" "$(proxied --no-namespaces -- "$PY" "$T/client.py" "$PORT" big)")
done
D_CPU=$("$PY" "$T/cpu.py" "$PY" "$T/client.py" "$PORT" big)
N_CPU=$(cd "$T" && "$PY" "$T/cpu.py" "$NONO" run --allow-host "127.0.0.1:$PORT" --read "$T" -- \
  "$PY" "$T/client.py" "$PORT" big)
F_CPU=$(cd "$T" && "$PY" "$T/cpu.py" "$NONO" run --no-namespaces --allow-host "127.0.0.1:$PORT" --read "$T" -- \
  "$PY" "$T/client.py" "$PORT" big)
D_LAT=$(direct conns "$CONNS")
N_LAT=$(proxied -- "$PY" "$T/client.py" "$PORT" conns "$CONNS")
F_LAT=$(proxied --no-namespaces -- "$PY" "$T/client.py" "$PORT" conns "$CONNS")
MODE=$("$NONO" run --dry-run --allow-host "127.0.0.1:$PORT" -- true 2>&1 | grep -q "own network namespace" \
  && echo "own network namespace" || echo "floor: namespaces unavailable here")

# Over a shaped link, where root can make one.
L_D= L_N=
if [ "$(id -u)" = 0 ] && command -v tc >/dev/null 2>&1 && ip netns add "nono-bench-$$" 2>/dev/null; then
  NS=nono-bench-$$
  if ip link add "nbh$$" type veth peer name "nbf$$" && ip link set "nbf$$" netns "$NS" \
      && ip addr add 10.213.0.1/30 dev "nbh$$" && ip link set "nbh$$" up \
      && ip netns exec "$NS" sh -c "ip addr add 10.213.0.2/30 dev nbf$$ && ip link set nbf$$ up \
        && tc qdisc add dev nbf$$ root tbf rate ${LINK_MBIT}mbit burst 256kb latency 50ms" \
      && tc qdisc add dev "nbh$$" root tbf rate "${LINK_MBIT}mbit" burst 256kb latency 50ms; then
    NET_HOST=10.213.0.2 ip netns exec "$NS" "$PY" "$T/server.py" "$T/fport" "$LINK_MB" & FAR_PID=$!
    for _ in $(seq 100); do [ -s "$T/fport" ] && break; sleep 0.05; done
    FPORT=$(cat "$T/fport")
    L_D=0 L_N=0
    for _ in $(seq "$RUNS"); do
      L_D=$(max "$L_D" "$(NET_HOST=10.213.0.2 "$PY" "$T/client.py" "$FPORT" big)")
      L_N=$(max "$L_N" "$(cd "$T" && NET_HOST=10.213.0.2 env -u HTTP_PROXY -u http_proxy "$NONO" run \
        --allow-host "10.213.0.2:$FPORT" --read "$T" -- "$PY" "$T/client.py" "$FPORT" big)")
    done
  fi
fi

echo "### 8. Network: $MB MB over loopback and $CONNS connections, direct and through nono's proxy"
echo
echo "Load average before and after: $LOAD_BEFORE / $(cut -d' ' -f1-3 /proc/loadavg)."
echo
echo "| path | MB/s (best of $RUNS) | of direct | CPU s for $MB MB | ms per connection (median) | added ms |"
echo "|---|---|---|---|---|---|"
echo "| direct (no nono) | $D_TP | 100 % | $D_CPU | $D_LAT | 0 |"
echo "| \`--allow-host\` ($MODE) | $N_TP | $(pct "$N_TP" "$D_TP") | $N_CPU | $N_LAT | $(added "$N_LAT" "$D_LAT") |"
echo "| \`--allow-host --no-namespaces\` (floor) | $F_TP | $(pct "$F_TP" "$D_TP") | $F_CPU | $F_LAT | $(added "$F_LAT" "$D_LAT") |"
if [ -n "$L_D" ]; then
  echo "| direct over a $LINK_MBIT Mbit/s link ($LINK_MB MB) | $L_D | 100 % | | | |"
  echo "| \`--allow-host\` ($MODE), over the same link | $L_N | $(pct "$L_N" "$L_D") | | | |"
else
  echo
  echo "(Over a shaped link: not measured; it needs root, iproute2's ip and tc, and network namespaces.)"
fi
