#!/usr/bin/env bash
# The local stack: etcd + kube-apiserver (TLS, client-cert auth, RBAC, NAD CRD),
# Temporal (persistent, with our search attributes) and the UFM simulator.
#
# IBK_PROFILE picks the Temporal side:
#   dev (default)  the Temporal CLI's dev server on a SQLite file
#   cluster        the production shape: PostgreSQL 15 (loopback, generated password), the Temporal
#                  server itself (all services in one process, 4 history shards, SQL visibility on
#                  PostgreSQL), its web UI, and `controller` starts two workers and two watchers
#
#   hack/stack.sh up     start everything (idempotent: a running stack is left alone)
#   hack/stack.sh down   stop everything it started, by PID
#   hack/stack.sh controller   start the built worker and watcher on the stack (make demo; two of each on cluster)
#   hack/stack.sh restart-temporal   stop and start the Temporal dev server on the same file (tests)
#   hack/stack.sh env    print the stack's environment (KUBECONFIG, TEMPORAL_ADDRESS, ...)
#
# IBK_STACK_DIR (default .stack) holds certificates, data, logs, PIDs and the `env` file.
# IBK_PORT_BASE (default 27000) chooses the loopback ports, so a test stack and a demo
# stack can run side by side.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ibk_use_node

STACK_DIR="${IBK_STACK_DIR:-$IBK_ROOT/.stack}"
mkdir -p "$STACK_DIR"
STACK_DIR="$(cd "$STACK_DIR" && pwd)"
BASE="${IBK_PORT_BASE:-27000}"
# Listening ports must stay below the kernel's ephemeral range (32768+ by default): an outgoing
# connection may hold any port in it, and a server binding that port then fails at random.
EPHEMERAL_START=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
[ $((BASE + 99)) -lt "$EPHEMERAL_START" ] || ibk_die "IBK_PORT_BASE=$BASE reaches the ephemeral port range ($EPHEMERAL_START+); use a base below $((EPHEMERAL_START - 100))"
PROFILE="${IBK_PROFILE:-dev}"
case "$PROFILE" in dev | cluster) ;; *) ibk_die "IBK_PROFILE must be dev or cluster, not '$PROFILE'" ;; esac
ETCD_PORT=$((BASE + 79))
ETCD_PEER_PORT=$((BASE + 80))
APISERVER_PORT=$((BASE + 43))
TEMPORAL_PORT=$((BASE + 33))
TEMPORAL_UI_PORT=$((BASE + 34))
TEMPORAL_HTTP_PORT=$((BASE + 35))
TEMPORAL_METRICS_PORT=$((BASE + 36))
WORKER_HEALTH_PORT=$((BASE + 81))
WORKER_SDK_METRICS_PORT=$((BASE + 82))
WATCHER_HEALTH_PORT=$((BASE + 83))
UFM_PORT=$((BASE + 44))
# The cluster profile's PostgreSQL and the Temporal server's other services.
PG_PORT=$((BASE + 32))
TEMPORAL_HISTORY_PORT=$((BASE + 38))
TEMPORAL_MATCHING_PORT=$((BASE + 40))
TEMPORAL_WORKER_PORT=$((BASE + 45))
# Membership ports land in a smallint column of the SQL schema: keep them below 32768.
MEMBERSHIP_BASE=$((20000 + BASE / 10))
TEMPORAL_FRONTEND_MEMBERSHIP_PORT=$((MEMBERSHIP_BASE + 1))
TEMPORAL_HISTORY_MEMBERSHIP_PORT=$((MEMBERSHIP_BASE + 2))
TEMPORAL_MATCHING_MEMBERSHIP_PORT=$((MEMBERSHIP_BASE + 3))
TEMPORAL_WORKER_MEMBERSHIP_PORT=$((MEMBERSHIP_BASE + 4))
TEMPORAL_PPROF_PORT=$((BASE + 47))
WORKER2_HEALTH_PORT=$((BASE + 84))
WORKER2_SDK_METRICS_PORT=$((BASE + 85))
WATCHER2_HEALTH_PORT=$((BASE + 86))
UFM_USER=admin
# Test-only credential of the simulator; real UFM credentials come from a Secret.
UFM_PASS="sim-$(printf '%s' "$STACK_DIR" | sha256sum | cut -c1-12)"

# Custom search attributes of the pod workflows (workflows/definitions.ts must match;
# test/unit/search-attributes.test.ts checks it). SQLite visibility allows 10 Keywords.
SEARCH_ATTRIBUTES=(PodName=Keyword PodNamespace=Keyword IbStage=Keyword IbNode=Keyword IbPKeys=KeywordList IbGuids=KeywordList IbReason=Keyword)

PIDS="$STACK_DIR/pids"
LOGS="$STACK_DIR/logs"
CERTS="$STACK_DIR/certs"
mkdir -p "$PIDS" "$LOGS" "$CERTS"

running() { [ -f "$PIDS/$1.pid" ] && kill -0 "$(cat "$PIDS/$1.pid")" 2>/dev/null; }

# start NAME CMD...: runs CMD in its own session, logs to logs/NAME.log, records its PID.
start() {
  local name="$1"; shift
  if running "$name"; then ibk_log "$name already running (pid $(cat "$PIDS/$name.pid"))"; return; fi
  setsid "$@" >"$LOGS/$name.log" 2>&1 < /dev/null &
  echo $! > "$PIDS/$name.pid"
}

# stop NAME: SIGTERM, wait up to 15 s for the PID to exit (its port is busy until then), then SIGKILL.
stop() {
  local name="$1" pid
  [ -f "$PIDS/$name.pid" ] || return 0
  pid=$(cat "$PIDS/$name.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$(( $(date +%s) + 15 ))
    while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { ibk_log "$name did not stop in 15 s; killing"; kill -KILL "$pid" 2>/dev/null || true; }
  fi
  rm -f "$PIDS/$name.pid"
}

# wait_up NAME CMD...: waits until CMD succeeds while NAME runs; fails at once, with its log, if it dies.
wait_up() {
  local name="$1"; shift
  ibk_wait_for "$name" up_or_dead "$name" "$@"
  alive_or_die "$name"
}
up_or_dead() { local name="$1"; shift; running "$name" || return 0; "$@"; }

# Fails fast with the process's log when it died during startup.
alive_or_die() {
  running "$1" || { tail -n 30 "$LOGS/$1.log" >&2; ibk_die "$1 exited during startup (log: $LOGS/$1.log)"; }
}

make_certs() {
  [ -f "$CERTS/admin.crt" ] && return
  ibk_log "generating certificates in $CERTS"
  (
    cd "$CERTS"
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=ibk-test-ca -keyout ca.key -out ca.crt 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj /CN=kube-apiserver -keyout apiserver.key -out apiserver.csr 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n' > apiserver.ext
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -extfile apiserver.ext -out apiserver.crt 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/O=system:masters/CN=ibk-admin" -keyout admin.key -out admin.csr 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' > client.ext
    openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -extfile client.ext -out admin.crt 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    rm -f ./*.csr ./*.ext
  )
}

write_kubeconfig() {
  cat > "$STACK_DIR/kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
  - name: ibk-local
    cluster:
      server: https://127.0.0.1:$APISERVER_PORT
      certificate-authority: $CERTS/ca.crt
users:
  - name: ibk-admin
    user:
      client-certificate: $CERTS/admin.crt
      client-key: $CERTS/admin.key
contexts:
  - name: ibk-local
    context: { cluster: ibk-local, user: ibk-admin }
current-context: ibk-local
KUBECONFIG
}

kube_curl() {
  curl -sS --fail --cacert "$CERTS/ca.crt" --cert "$CERTS/admin.crt" --key "$CERTS/admin.key" "$@"
}

start_etcd() {
  start etcd "$IBK_BIN/etcd" --name ibk --data-dir "$STACK_DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "ibk=http://127.0.0.1:$ETCD_PEER_PORT" --log-level warn --quota-backend-bytes 2147483648
  ibk_wait_for etcd curl -sf "http://127.0.0.1:$ETCD_PORT/health"
  alive_or_die etcd
}

start_apiserver() {
  # ServiceAccount admission is off: no controller-manager creates `default` ServiceAccounts.
  start kube-apiserver "$IBK_BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --secure-port "$APISERVER_PORT" --advertise-address 127.0.0.1 \
    --tls-cert-file "$CERTS/apiserver.crt" --tls-private-key-file "$CERTS/apiserver.key" \
    --client-ca-file "$CERTS/ca.crt" --anonymous-auth=false \
    --authorization-mode Node,RBAC \
    --service-account-key-file "$CERTS/sa.pub" --service-account-signing-key-file "$CERTS/sa.key" \
    --service-account-issuer https://kubernetes.default.svc \
    --service-cluster-ip-range 10.96.0.0/16 --cert-dir "$STACK_DIR/apiserver-certs" \
    --disable-admission-plugins ServiceAccount \
    --max-requests-inflight 800 --max-mutating-requests-inflight 400
  IBK_WAIT_SECONDS=90 ibk_wait_for kube-apiserver kube_curl "https://127.0.0.1:$APISERVER_PORT/readyz"
  alive_or_die kube-apiserver
  if ! kube_curl -o /dev/null "https://127.0.0.1:$APISERVER_PORT/apis/apiextensions.k8s.io/v1/customresourcedefinitions/network-attachment-definitions.k8s.cni.cncf.io" 2>/dev/null; then
    kube_curl -o /dev/null -X POST -H 'Content-Type: application/yaml' \
      --data-binary @"$IBK_ROOT/deployment/crds/network-attachment-definition.yaml" \
      "https://127.0.0.1:$APISERVER_PORT/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
  fi
  ibk_wait_for "the NetworkAttachmentDefinition API" \
    kube_curl "https://127.0.0.1:$APISERVER_PORT/apis/k8s.cni.cncf.io/v1/network-attachment-definitions"
}

start_temporal() {
  if [ "$PROFILE" = cluster ]; then start_temporal_server; else start_temporal_dev_server; fi
  alive_or_die temporal
  register_search_attributes
}

start_temporal_dev_server() {
  local sa_flags=()
  for sa in "${SEARCH_ATTRIBUTES[@]}"; do sa_flags+=(--search-attribute "$sa"); done
  start temporal "$IBK_BIN/temporal" server start-dev --ip 127.0.0.1 --port "$TEMPORAL_PORT" \
    --ui-ip 127.0.0.1 --ui-port "$TEMPORAL_UI_PORT" --http-port "$TEMPORAL_HTTP_PORT" \
    --metrics-port "$TEMPORAL_METRICS_PORT" --db-filename "$STACK_DIR/temporal.db" \
    "${sa_flags[@]}" --log-level warn
  IBK_WAIT_SECONDS=60 ibk_wait_for temporal \
    "$IBK_BIN/temporal" operator cluster health --address "127.0.0.1:$TEMPORAL_PORT"
}

# With a persistence file or database, search attributes only apply when the namespace is first
# created; register any that an older one lacks.
register_search_attributes() {
  local have
  have=$("$IBK_BIN/temporal" operator search-attribute list --address "127.0.0.1:$TEMPORAL_PORT" 2>/dev/null || true)
  for sa in "${SEARCH_ATTRIBUTES[@]}"; do
    grep -qw "${sa%%=*}" <<<"$have" || "$IBK_BIN/temporal" operator search-attribute create \
      --address "127.0.0.1:$TEMPORAL_PORT" --name "${sa%%=*}" --type "${sa#*=}" >/dev/null
  done
}

# --- the cluster profile: PostgreSQL and the Temporal server ---------------------------------------

PG_DIR="$STACK_DIR/postgres"
PG_PASSWORD_FILE="$STACK_DIR/postgres.password"
TEMPORAL_CONFIG_DIR="$STACK_DIR/temporal-config"

# PostgreSQL refuses to run as root: its processes run as the `postgres` user (setpriv execs, so
# the recorded PID is the postmaster's own).
AS_POSTGRES=(setpriv --reuid=postgres --regid=postgres --init-groups)
as_postgres() { "${AS_POSTGRES[@]}" "$@"; }
psql_admin() { as_postgres "$POSTGRES_BIN/psql" -h "$PG_DIR" -p "$PG_PORT" -U postgres -d postgres -qtAX "$@"; }

start_postgres() {
  [ -x "$POSTGRES_BIN/postgres" ] || ibk_die "PostgreSQL 15 missing: run 'bash hack/install-tools.sh cluster'"
  if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
    ibk_log "initialising PostgreSQL in $PG_DIR"
    rm -rf "$PG_DIR" && mkdir -p "$PG_DIR" && chown postgres:postgres "$PG_DIR" && chmod 700 "$PG_DIR"
    (umask 077 && openssl rand -hex 24 > "$PG_PASSWORD_FILE")
    as_postgres "$POSTGRES_BIN/initdb" -D "$PG_DIR/data" -U postgres -E UTF8 --auth-local=peer \
      --auth-host=scram-sha-256 >"$LOGS/postgres-initdb.log" 2>&1
  fi
  # Loopback only, socket in the stack directory; sized for a server with 4 history shards.
  start postgres "${AS_POSTGRES[@]}" "$POSTGRES_BIN/postgres" -D "$PG_DIR/data" -p "$PG_PORT" -k "$PG_DIR" \
    -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=256MB \
    -c synchronous_commit=on -c log_min_messages=warning
  wait_up postgres as_postgres "$POSTGRES_BIN/pg_isready" -q -h "$PG_DIR" -p "$PG_PORT"
  local password; password="$(cat "$PG_PASSWORD_FILE")"
  if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = 'temporal'")" != 1 ]; then
    psql_admin -c "CREATE ROLE temporal LOGIN CREATEDB PASSWORD '$password'"
  fi
  setup_temporal_schema "$password"
}

# Creates both databases and brings their schemas to the server's version (update-schema is
# idempotent; a database that exists is left as it is).
setup_temporal_schema() {
  local password="$1" db dir
  for db in temporal temporal_visibility; do
    dir=temporal; [ "$db" = temporal_visibility ] && dir=visibility
    local sql=("$IBK_BIN/temporal-sql-tool" --plugin postgres12 --ep 127.0.0.1 -p "$PG_PORT" -u temporal --pw "$password" --db "$db")
    if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]; then
      "${sql[@]}" create-database >>"$LOGS/temporal-schema.log" 2>&1
      "${sql[@]}" setup-schema -v 0.0 >>"$LOGS/temporal-schema.log" 2>&1
    fi
    "${sql[@]}" update-schema -d "$TEMPORAL_SERVER_FILES/schema/postgresql/v12/$dir/versioned" \
      >>"$LOGS/temporal-schema.log" 2>&1 || { tail -n 20 "$LOGS/temporal-schema.log" >&2; ibk_die "schema of $db failed"; }
  done
}

# The module's development-postgres12.yaml with this stack's ports, database and password.
write_temporal_config() {
  local password="$1" template="$TEMPORAL_SERVER_FILES/config/development-postgres12.yaml"
  mkdir -p "$TEMPORAL_CONFIG_DIR"
  cp "$TEMPORAL_SERVER_FILES/config/development-sql.yaml" "$TEMPORAL_CONFIG_DIR/dynamicconfig.yaml"
  (umask 077 && sed \
    -e "s/127.0.0.1:5432/127.0.0.1:$PG_PORT/" \
    -e "s/password: \"temporal\"/password: \"$password\"/" \
    -e "s/grpcPort: 7233/grpcPort: $TEMPORAL_PORT/" -e "s/localhost:7233/127.0.0.1:$TEMPORAL_PORT/" \
    -e "s/httpPort: 7243/httpPort: $TEMPORAL_HTTP_PORT/" -e "s/membershipPort: 6933/membershipPort: $TEMPORAL_FRONTEND_MEMBERSHIP_PORT/" \
    -e "s/grpcPort: 7234/grpcPort: $TEMPORAL_HISTORY_PORT/" -e "s/membershipPort: 6934/membershipPort: $TEMPORAL_HISTORY_MEMBERSHIP_PORT/" \
    -e "s/grpcPort: 7235/grpcPort: $TEMPORAL_MATCHING_PORT/" -e "s/membershipPort: 6935/membershipPort: $TEMPORAL_MATCHING_MEMBERSHIP_PORT/" \
    -e "s/grpcPort: 7239/grpcPort: $TEMPORAL_WORKER_PORT/" -e "s/membershipPort: 6939/membershipPort: $TEMPORAL_WORKER_MEMBERSHIP_PORT/" \
    -e "s/port: 7936/port: $TEMPORAL_PPROF_PORT/" -e "s/127.0.0.1:8000/127.0.0.1:$TEMPORAL_METRICS_PORT/" \
    -e "s|filepath: \"config/dynamicconfig/development-sql.yaml\"|filepath: \"$TEMPORAL_CONFIG_DIR/dynamicconfig.yaml\"|" \
    -e "s/level: info/level: warn/" \
    -e "s|file:///tmp/temporal_archival/development|file://$STACK_DIR/archival|" \
    -e "s|file:///tmp/temporal_vis_archival/development|file://$STACK_DIR/vis-archival|" \
    "$template" > "$TEMPORAL_CONFIG_DIR/development.yaml")
  grep -q "grpcPort: $TEMPORAL_PORT" "$TEMPORAL_CONFIG_DIR/development.yaml" || ibk_die "the server config template changed: $template"
}

start_temporal_server() {
  for tool in temporal-server temporal-sql-tool; do
    [ -x "$IBK_BIN/$tool" ] || ibk_die "$IBK_BIN/$tool missing: run 'bash hack/install-tools.sh cluster'"
  done
  running postgres || start_postgres
  write_temporal_config "$(cat "$PG_PASSWORD_FILE")"
  # On a loaded machine its first database connection can time out and the server exits: try again.
  local attempt
  for attempt in 1 2 3; do
    start temporal "$IBK_BIN/temporal-server" --root "$STACK_DIR" --config temporal-config --env development \
      --allow-no-auth start
    IBK_WAIT_SECONDS=120 ibk_wait_for temporal up_or_dead temporal \
      "$IBK_BIN/temporal" operator cluster health --address "127.0.0.1:$TEMPORAL_PORT"
    running temporal && break
    ibk_log "the Temporal server exited during startup (attempt $attempt): $(tail -n 1 "$LOGS/temporal.log" | cut -c1-200)"
    cp "$LOGS/temporal.log" "$LOGS/temporal-failed-start-$attempt.log"
    sleep 2
  done
  alive_or_die temporal
  # The dev server creates `default` itself; this one does not. Visibility may lag the namespace.
  if ! "$IBK_BIN/temporal" operator namespace describe --address "127.0.0.1:$TEMPORAL_PORT" -n default >/dev/null 2>&1; then
    "$IBK_BIN/temporal" operator namespace create --address "127.0.0.1:$TEMPORAL_PORT" -n default --retention 72h >/dev/null
  fi
  IBK_WAIT_SECONDS=60 ibk_wait_for "namespace default" \
    "$IBK_BIN/temporal" workflow list --address "127.0.0.1:$TEMPORAL_PORT" -n default --limit 1
  start_temporal_ui
}

start_temporal_ui() {
  [ -x "$IBK_BIN/temporal-ui-server" ] || { ibk_log "no Temporal UI server built; skipping the web UI"; return; }
  mkdir -p "$STACK_DIR/ui-config"
  printf 'temporalGrpcAddress: 127.0.0.1:%s\nhost: 127.0.0.1\nport: %s\nenableUi: true\ndefaultNamespace: default\n' \
    "$TEMPORAL_PORT" "$TEMPORAL_UI_PORT" > "$STACK_DIR/ui-config/development.yaml"
  start temporal-ui "$IBK_BIN/temporal-ui-server" --root "$STACK_DIR" --config ui-config --env development start
  wait_up temporal-ui curl -sf "http://127.0.0.1:$TEMPORAL_UI_PORT/"
}

start_ufm_simulator() {
  [ -f "$IBK_ROOT/build/ufm-simulator/main.js" ] || ibk_die "build/ufm-simulator/main.js missing: run 'make build' first"
  UFM_USERNAME="$UFM_USER" UFM_PASSWORD="$UFM_PASS" start ufm-simulator node "$IBK_ROOT/build/ufm-simulator/main.js" \
    --host 127.0.0.1 --port "$UFM_PORT" --tls --cert-out "$CERTS/ufm.crt"
  ibk_wait_for ufm-simulator curl -sf "https://127.0.0.1:$UFM_PORT/__sim/counters" --cacert "$CERTS/ufm.crt"
  alive_or_die ufm-simulator
}

write_env() {
  cat > "$STACK_DIR/env" <<ENV
export KUBECONFIG=$STACK_DIR/kubeconfig
export IBK_STACK_DIR=$STACK_DIR
export IBK_PROFILE=$PROFILE
export IBK_PORT_BASE=$BASE
export TEMPORAL_ADDRESS=127.0.0.1:$TEMPORAL_PORT
export TEMPORAL_NAMESPACE=default
export TEMPORAL_UI_URL=http://127.0.0.1:$TEMPORAL_UI_PORT
export TEMPORAL_CLI=$IBK_BIN/temporal
export UFM_SIM_URL=https://127.0.0.1:$UFM_PORT
export UFM_SIM_CERT=$CERTS/ufm.crt
export UFM_SIM_USERNAME=$UFM_USER
export UFM_SIM_PASSWORD=$UFM_PASS
ENV
}

up() {
  for tool in etcd kube-apiserver temporal; do
    [ -x "$IBK_BIN/$tool" ] || ibk_die "$IBK_BIN/$tool missing: run 'make tools' first"
  done
  make_certs
  write_kubeconfig
  start_etcd
  start_apiserver
  start_temporal
  start_ufm_simulator
  write_env
  cat <<SUMMARY
Stack is up ($STACK_DIR):
  kubeconfig        $STACK_DIR/kubeconfig
  kube-apiserver    https://127.0.0.1:$APISERVER_PORT
  Temporal gRPC     127.0.0.1:$TEMPORAL_PORT ($([ "$PROFILE" = cluster ] && echo "server $TEMPORAL_SERVER_VERSION on PostgreSQL 127.0.0.1:$PG_PORT" || echo "dev server, SQLite"))
  Temporal web UI   http://127.0.0.1:$TEMPORAL_UI_PORT
  UFM simulator     https://127.0.0.1:$UFM_PORT (CA: $CERTS/ufm.crt)
  environment       source $STACK_DIR/env
SUMMARY
}

# The worker and the watcher as in production: built output, configured only through the environment.
controller() {
  [ -f "$STACK_DIR/env" ] || ibk_die "the stack is not up: run 'hack/stack.sh up' first"
  for entry in workers watcher; do
    [ -f "$IBK_ROOT/build/$entry/main.js" ] || ibk_die "build/$entry/main.js missing: run 'make build' first"
  done
  local common=(
    DAEMON_SM_PLUGIN=ufm
    UFM_ADDRESS=127.0.0.1 UFM_PORT="$UFM_PORT" UFM_USERNAME="$UFM_USER" UFM_PASSWORD="$UFM_PASS"
    UFM_CERTIFICATE="$(cat "$CERTS/ufm.crt")"
    TEMPORAL_ADDRESS="127.0.0.1:$TEMPORAL_PORT" KUBECONFIG="$STACK_DIR/kubeconfig" HEALTH_ADDRESS=127.0.0.1
  )
  start worker env -i PATH="$PATH" "${common[@]}" HEALTH_PORT="$WORKER_HEALTH_PORT" \
    METRICS_SDK_PORT="$WORKER_SDK_METRICS_PORT" node "$IBK_ROOT/build/workers/main.js"
  start watcher env -i PATH="$PATH" "${common[@]}" HEALTH_PORT="$WATCHER_HEALTH_PORT" \
    LEASE_NAMESPACE=default POD_NAME=watcher-local node "$IBK_ROOT/build/watcher/main.js"
  local ready=(worker:$WORKER_HEALTH_PORT watcher:$WATCHER_HEALTH_PORT)
  if [ "$PROFILE" = cluster ]; then
    start worker-2 env -i PATH="$PATH" "${common[@]}" HEALTH_PORT="$WORKER2_HEALTH_PORT" \
      METRICS_SDK_PORT="$WORKER2_SDK_METRICS_PORT" node "$IBK_ROOT/build/workers/main.js"
    start watcher-2 env -i PATH="$PATH" "${common[@]}" HEALTH_PORT="$WATCHER2_HEALTH_PORT" \
      LEASE_NAMESPACE=default POD_NAME=watcher-local-2 node "$IBK_ROOT/build/watcher/main.js"
    ready+=(worker-2:$WORKER2_HEALTH_PORT watcher-2:$WATCHER2_HEALTH_PORT)
  fi
  local entry
  for entry in "${ready[@]}"; do
    ibk_wait_for "${entry%%:*}" curl -sf "http://127.0.0.1:${entry#*:}/readyz"
    alive_or_die "${entry%%:*}"
  done
  ibk_log "${ready[*]} running (/metrics on those ports); logs in $LOGS"
}

down() {
  for name in watcher watcher-2 worker worker-2 ufm-simulator temporal-ui temporal postgres kube-apiserver etcd; do
    stop "$name"
  done
  ibk_log "stack in $STACK_DIR stopped"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  controller) controller ;;
  restart-temporal) stop temporal; start_temporal ;;
  env) cat "$STACK_DIR/env" ;;
  *) ibk_die "usage: $0 up|down|env|controller|restart-temporal" ;;
esac
