# Shared by bench/run.sh and bench/profile.sh: core selection and the benchmark's nginx.
# Expects ROOT, OUT, DATA, NGX to be set; sets SERVER_PIN, CLIENT_PIN, BASE_URL, NGINX_PID,
# WORKER_PID (start_nginx) and installs an EXIT trap that stops what it started.

# ---- cores: server on the first allowed CPU, clients on the second ----------------------
expand_cpus() {
    local list=$1 part a b
    for part in ${list//,/ }; do
        if [[ $part == *-* ]]; then
            a=${part%-*}; b=${part#*-}
            seq "$a" "$b"
        else
            echo "$part"
        fi
    done
}
mapfile -t CPUS < <(expand_cpus "$(taskset -pc $$ | sed 's/.*: //')")
if ((${#CPUS[@]} >= 2)); then
    SERVER_CPU=${CPUS[0]}
    CLIENT_CPU=${CPUS[1]}
    SERVER_PIN=(taskset -c "$SERVER_CPU")
    CLIENT_PIN=(taskset -c "$CLIENT_CPU")
    echo "bench: server pinned to CPU $SERVER_CPU, clients to CPU $CLIENT_CPU (${#CPUS[@]} CPUs allowed)"
else
    SERVER_PIN=()
    CLIENT_PIN=()
    echo "bench: one CPU allowed: server and client share it (figures are still ratios)"
fi

# ---- nginx -------------------------------------------------------------------------------
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
API_KEY=mk_0123456789abcdef0123456789abcdef   # the emulator's test key; nginx ignores it
RUN_JSON='{"execution_id":"ex_0123456789abcdef","status":"running","workflow_slug":"bench","workflow_name":"Bench workflow","stream_url":"/api/v1/workflows/execute/ex_0123456789abcdef/stream","created_at":"2026-11-29T10:00:00Z","conversation_id":"conv_0123456789abcdef"}'
NGINX_PID=
LAT_PID=
cleanup() {
    [[ -n $LAT_PID ]] && kill "$LAT_PID" 2>/dev/null && wait "$LAT_PID" 2>/dev/null
    if [[ -n $NGINX_PID ]]; then
        kill -TERM "$NGINX_PID" 2>/dev/null || true   # fast shutdown: master stops its worker
        for _ in $(seq 50); do kill -0 "$NGINX_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$NGINX_PID" 2>/dev/null || true
        wait "$NGINX_PID" 2>/dev/null || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

write_conf() { # PORT
    local user_line= affinity_line=
    [[ $(id -u) == 0 ]] && user_line='user nobody nogroup;'
    if [[ -n ${SERVER_CPU:-} ]]; then
        # worker_cpu_affinity takes a bit mask, lowest CPU rightmost.
        affinity_line="worker_cpu_affinity 1$(printf '0%.0s' $(seq 1 "$SERVER_CPU"));"
        [[ $SERVER_CPU == 0 ]] && affinity_line='worker_cpu_affinity 1;'
    fi
    cat >"$NGX/nginx.conf" <<EOF
# Written by bench/lib.sh for one benchmark run.
$user_line
daemon off;
master_process on;
worker_processes 1;
$affinity_line
pid $NGX/nginx.pid;
error_log $NGX/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
    client_body_temp_path $NGX/tmp/body;
    proxy_temp_path $NGX/tmp/proxy;
    fastcgi_temp_path $NGX/tmp/fastcgi;
    uwsgi_temp_path $NGX/tmp/uwsgi;
    scgi_temp_path $NGX/tmp/scgi;
    types { text/event-stream sse; application/json json; }
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$1;
        location = /nginx_status { stub_status; }
        # POST /v1/workflows/<slug>/run: a fixed run response (return answers any method).
        location ~ ^/v1/workflows/[^/]+/run\$ {
            default_type application/json;
            add_header x-request-id req_bench;
            return 200 '$RUN_JSON';
        }
        # Pre-generated event streams, served with sendfile as text/event-stream.
        location /sse/ {
            alias $DATA/;
            add_header cache-control no-cache;
        }
    }
}
EOF
}

start_nginx() {
    # A port below the kernel's ephemeral range, so no client connection can be holding it.
    local low port try
    low=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
    ((low > 11000)) || low=61000
    for try in $(seq 20); do
        port=$(( 10000 + RANDOM % (low - 10000) ))
        ss -Htan "sport = :$port" 2>/dev/null | grep -q . && continue
        write_conf "$port"
        : >"$NGX/logs/error.log"
        "${SERVER_PIN[@]}" "$NGINX" -p "$NGX/" -c "$NGX/nginx.conf" -e "$NGX/logs/error.log" \
            2>>"$NGX/logs/error.log" &
        NGINX_PID=$!
        for _ in $(seq 50); do
            if curl -sf "http://127.0.0.1:$port/nginx_status" >/dev/null 2>&1; then
                BASE_URL=http://127.0.0.1:$port
                return 0
            fi
            kill -0 "$NGINX_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill "$NGINX_PID" 2>/dev/null || true
        wait "$NGINX_PID" 2>/dev/null || true
        NGINX_PID=
        grep -q 'in use' "$NGX/logs/error.log" || { cat "$NGX/logs/error.log" >&2; return 1; }
    done
    echo "bench: could not start nginx" >&2
    return 1
}
# Starts nginx and finds its worker; exports what the clients read.
start_bench_server() {
    start_nginx
    WORKER_PID=$(awk '{print $1}' "/proc/$NGINX_PID/task/$NGINX_PID/children" 2>/dev/null)
    [[ -n $WORKER_PID ]] || { echo "bench: no nginx worker found" >&2; return 1; }
    echo "bench: nginx $("$NGINX" -v 2>&1 | sed 's/.*\///') at $BASE_URL (master $NGINX_PID, worker $WORKER_PID)"
    export BENCH_BASE_URL=$BASE_URL BENCH_API_KEY=$API_KEY BENCH_SERVER_PID=$WORKER_PID
}
