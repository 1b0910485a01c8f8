#!/usr/bin/env bash
# A single-node Apache Cassandra (CQL-compatible with ScyllaDB) for development and CI.
#
#   scripts/cassandra.sh start    fetch (first time only), configure, start, wait for CQL on 9042
#   scripts/cassandra.sh stop     stop the node started by `start` (by its PID file)
#   scripts/cassandra.sh status   say whether it runs and answers
#
# Everything lives under .cassandra/ (git-ignored): the jars per version in .cassandra/<version>/lib
# (downloaded once with Maven and reused), the config in .cassandra/conf, the data in
# .cassandra/data, the logs in .cassandra/data/logs, the PID in .cassandra/cassandra.pid.
# See docs/storage-cql.md ("A local Cassandra") for the reasons
# behind the flags.
#
# Environment: CASSANDRA_VERSION (default 5.0.9), CASSANDRA_HEAP (max heap, default 1g),
# CASSANDRA_START_TIMEOUT (seconds, default 240), CASSANDRA_HOME (default <project>/.cassandra).
# A second node beside the first (the fault suite's, test/faults/) takes its own CASSANDRA_HOME
# (config, data, logs, PID), the first one's jars (CASSANDRA_LIB_DIR, default
# $CASSANDRA_HOME/<version>/lib) and its own ports: CASSANDRA_CQL_PORT (9042),
# CASSANDRA_STORAGE_PORT (7000, gossip), CASSANDRA_SSL_STORAGE_PORT (7001) and
# CASSANDRA_CLUSTER_NAME (guardyn-dev); its seed is itself, so the two never meet.
# CASSANDRA_COMMITLOG_SYNC: `periodic` (default: fsync every 10 s, commit-log markers every
# 100 ms, so a kill -9 loses up to 100 ms of acknowledged writes) or `batch` (a write is
# acknowledged once its commit log is fsynced: nothing acknowledged is lost; the fault suite's node).
set -euo pipefail

project_root="$(cd "$(dirname "$0")/.." && pwd)"
version="${CASSANDRA_VERSION:-5.0.9}"
heap="${CASSANDRA_HEAP:-1g}"
start_timeout="${CASSANDRA_START_TIMEOUT:-240}"
home="${CASSANDRA_HOME:-$project_root/.cassandra}"
lib_dir="${CASSANDRA_LIB_DIR:-$home/$version/lib}"
conf_dir="$home/conf"
data_dir="$home/data"
log_dir="$data_dir/logs"
pid_file="$home/cassandra.pid"
console_log="$log_dir/console.log"
cql_host=127.0.0.1
cql_port="${CASSANDRA_CQL_PORT:-9042}"
storage_port="${CASSANDRA_STORAGE_PORT:-7000}"
ssl_storage_port="${CASSANDRA_SSL_STORAGE_PORT:-7001}"
cluster_name="${CASSANDRA_CLUSTER_NAME:-guardyn-dev}"
commitlog_sync="${CASSANDRA_COMMITLOG_SYNC:-periodic}"

say() { echo "cassandra: $*"; }
fail() {
  echo "cassandra: $*" >&2
  exit 1
}

log_tail() {
  local file
  for file in "$log_dir/system.log" "$console_log"; do
    if [[ -s "$file" ]]; then
      echo "---- last lines of $file ----" >&2
      tail -n 40 "$file" >&2
    fi
  done
}

# The PID from the PID file when that process is alive and is a Cassandra daemon; empty otherwise.
running_pid() {
  [[ -f "$pid_file" ]] || return 0
  local pid
  pid="$(cat "$pid_file")"
  if [[ "$pid" =~ ^[0-9]+$ ]] && [[ -r "/proc/$pid/cmdline" ]] &&
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'org.apache.cassandra.service.CassandraDaemon'; then
    echo "$pid"
  fi
}

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$cql_host/$cql_port" 2>/dev/null; }

# Asks the node for its version through the same driver the code uses.
cql_answers() {
  (cd "$project_root" && CQL_CONTACT="$cql_host:$cql_port" node --input-type=module -e '
    import cassandra from "cassandra-driver";
    const client = new cassandra.Client({
      contactPoints: [process.env.CQL_CONTACT], localDataCenter: "datacenter1",
      socketOptions: { connectTimeout: 3000, readTimeout: 5000 },
    });
    try {
      const result = await client.execute("SELECT release_version FROM system.local");
      console.log(result.first().get("release_version"));
    } finally {
      await client.shutdown();
    }
  ' 2>/dev/null)
}

fetch_jars() {
  if [[ -f "$lib_dir/.complete" ]]; then return; fi
  command -v mvn >/dev/null || fail "Maven (mvn) is needed to fetch Cassandra $version"
  say "fetching org.apache.cassandra:cassandra-all:$version and its dependencies with Maven (once)"
  local maven_dir
  maven_dir="$(dirname "$lib_dir")"
  mkdir -p "$maven_dir"
  cat >"$maven_dir/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>guardyn.dev</groupId>
  <artifactId>cassandra-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.cassandra</groupId>
      <artifactId>cassandra-all</artifactId>
      <version>$version</version>
    </dependency>
  </dependencies>
</project>
EOF
  rm -rf "$lib_dir"
  # Resolution may log an error about a \${jmc5.path} system path; it is harmless.
  if ! mvn -B -q -f "$maven_dir/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$lib_dir" >"$maven_dir/maven.log" 2>&1; then
    tail -n 40 "$maven_dir/maven.log" >&2
    fail "Maven could not fetch Cassandra $version (log: $maven_dir/maven.log)"
  fi
  [[ -f "$lib_dir/cassandra-all-$version.jar" ]] || fail "cassandra-all-$version.jar is missing after the download"
  touch "$lib_dir/.complete"
}

commitlog_sync_config() {
  case "$commitlog_sync" in
    periodic) printf 'commitlog_sync: periodic\ncommitlog_sync_period: 10s' ;;
    batch) printf 'commitlog_sync: batch' ;;
    *) fail "CASSANDRA_COMMITLOG_SYNC must be periodic or batch, not $commitlog_sync" ;;
  esac
}

write_config() {
  local sync_config
  sync_config="$(commitlog_sync_config)"
  mkdir -p "$conf_dir" "$data_dir"/{data,commitlog,saved_caches,hints,cdc_raw} "$log_dir"
  cat >"$conf_dir/cassandra.yaml" <<EOF
# Written by scripts/cassandra.sh: one node on loopback for development and CI.
cluster_name: $cluster_name
num_tokens: 1
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: SimpleSnitch
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "127.0.0.1:$storage_port"
listen_address: 127.0.0.1
storage_port: $storage_port
ssl_storage_port: $ssl_storage_port
rpc_address: 127.0.0.1
native_transport_port: $cql_port
start_native_transport: true
data_file_directories:
  - $data_dir/data
commitlog_directory: $data_dir/commitlog
saved_caches_directory: $data_dir/saved_caches
hints_directory: $data_dir/hints
cdc_raw_directory: $data_dir/cdc_raw
$sync_config
commitlog_segment_size: 8MiB
concurrent_reads: 4
concurrent_writes: 4
concurrent_counter_writes: 4
concurrent_compactors: 1
auto_snapshot: false
storage_compatibility_mode: NONE
EOF
  cat >"$conf_dir/logback.xml" <<EOF
<configuration scan="false">
  <appender name="FILE" class="ch.qos.logback.core.rolling.RollingFileAppender">
    <file>\${cassandra.logdir}/system.log</file>
    <rollingPolicy class="ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy">
      <fileNamePattern>\${cassandra.logdir}/system.log.%d{yyyy-MM-dd}.%i.zip</fileNamePattern>
      <maxFileSize>20MB</maxFileSize>
      <maxHistory>3</maxHistory>
      <totalSizeCap>100MB</totalSizeCap>
    </rollingPolicy>
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="FILE" /></root>
  <logger name="org.apache.cassandra" level="INFO" />
</configuration>
EOF
}

start() {
  local pid
  pid="$(running_pid)"
  if [[ -n "$pid" ]]; then
    say "already running (PID $pid)"
    wait_for_cql "$pid"
    return
  fi
  rm -f "$pid_file"
  if port_open; then
    fail "something else listens on $cql_host:$cql_port; stop it first (this script only manages the node it started)"
  fi
  command -v java >/dev/null || fail "java (17) is needed"

  fetch_jars
  write_config
  local jamm
  jamm="$(ls "$lib_dir"/jamm-*.jar 2>/dev/null | head -n 1)"
  [[ -n "$jamm" ]] || fail "no jamm jar in $lib_dir"

  local -a jvm=(
    -Xms512m "-Xmx$heap" -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError
    "-javaagent:$jamm"
    -Djdk.attach.allowAttachSelf=true -Dio.netty.tryReflectionSetAccessible=true
    -Djava.net.preferIPv4Stack=true
    --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED
    --add-exports=java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED
    --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
    --add-exports=java.rmi/sun.rmi.server=ALL-UNNAMED
    --add-exports=java.sql/java.sql=ALL-UNNAMED
    --add-exports=java.base/java.lang.ref=ALL-UNNAMED
    --add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED
    --add-exports=java.management/com.sun.jmx.remote.security=ALL-UNNAMED
    --add-opens=java.base/java.lang.module=ALL-UNNAMED
    --add-opens=java.base/jdk.internal.loader=ALL-UNNAMED
    --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
    --add-opens=java.base/jdk.internal.reflect=ALL-UNNAMED
    --add-opens=java.base/jdk.internal.math=ALL-UNNAMED
    --add-opens=java.base/jdk.internal.module=ALL-UNNAMED
    --add-opens=java.base/jdk.internal.util.jar=ALL-UNNAMED
    --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
    --add-opens=java.base/java.io=ALL-UNNAMED
    --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
    --add-opens=java.base/java.lang=ALL-UNNAMED
    --add-opens=java.base/java.util=ALL-UNNAMED
    --add-opens=java.base/java.nio=ALL-UNNAMED
    --add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED
    "-Dcassandra.config=file://$conf_dir/cassandra.yaml"
    "-Dcassandra.storagedir=$data_dir"
    "-Dcassandra.logdir=$log_dir"
    "-Dlogback.configurationFile=file://$conf_dir/logback.xml"
    -Dcassandra-foreground=yes
    -Dcassandra.skip_wait_for_gossip_to_settle=0
    -Dcassandra.ring_delay_ms=1000
  )
  say "starting Cassandra $version (heap ≤ $heap, data in $data_dir)"
  : >"$console_log"
  # setsid: the node outlives this shell and is not stopped by a Ctrl-C in it.
  setsid java "${jvm[@]}" -cp "$conf_dir:$lib_dir/*" org.apache.cassandra.service.CassandraDaemon \
    </dev/null >>"$console_log" 2>&1 &
  pid=$!
  echo "$pid" >"$pid_file"
  wait_for_cql "$pid"
}

wait_for_cql() {
  local pid="$1" started=$SECONDS version
  until port_open; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$pid_file"
      log_tail
      fail "the Cassandra process (PID $pid) died during start"
    fi
    if ((SECONDS - started > start_timeout)); then
      log_tail
      fail "CQL did not answer on $cql_host:$cql_port within ${start_timeout}s (PID $pid still runs; 'npm run cassandra:stop' stops it)"
    fi
    sleep 1
  done
  until version="$(cql_answers)"; do
    kill -0 "$pid" 2>/dev/null || {
      rm -f "$pid_file"
      log_tail
      fail "the Cassandra process (PID $pid) died during start"
    }
    ((SECONDS - started <= start_timeout)) || {
      log_tail
      fail "CQL on $cql_host:$cql_port accepts connections but does not answer queries"
    }
    sleep 1
  done
  say "CQL answers on $cql_host:$cql_port (Cassandra $version, PID $pid)"
}

stop() {
  local pid
  pid="$(running_pid)"
  if [[ -z "$pid" ]]; then
    rm -f "$pid_file"
    say "not running"
    return
  fi
  say "stopping PID $pid"
  kill -TERM "$pid"
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "PID $pid did not stop within 60s; killing it"
    kill -KILL "$pid"
  fi
  rm -f "$pid_file"
  say "stopped"
}

status() {
  local pid
  pid="$(running_pid)"
  if [[ -z "$pid" ]]; then
    say "not running"
    return 1
  fi
  if version="$(cql_answers)"; then
    say "running (PID $pid), CQL answers on $cql_host:$cql_port (Cassandra $version)"
  else
    say "running (PID $pid), CQL does not answer yet"
  fi
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) status ;;
*)
  echo "usage: $0 start|stop|status" >&2
  exit 2
  ;;
esac
