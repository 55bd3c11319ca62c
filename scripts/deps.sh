# Sourced by ./run, ./test and bench/run: installs what a fresh machine lacks. Every step is idempotent.

say() { printf '%s\n' "$*" >&2; }

# apt_install "<what>" <package>...: installs Debian packages when we are root (apt's index refreshed once per run),
# else says the command to run and fails.
apt_install() {
  local what=$1; shift
  if [ "$(id -u)" -ne 0 ]; then
    say "$what is not installed. Run as root: apt-get install -y $*"
    return 1
  fi
  say "Installing $what with apt..."
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "${SUPACS_APT_UPDATED:-}" ]; then apt-get update -qq >/dev/null; SUPACS_APT_UPDATED=1; fi
  apt-get install -y -qq "$@" >/dev/null
}

# PostgreSQL >= 15 server binaries (Debian's postgresql-15). Installed with apt when we are root.
ensure_postgres() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    local v; v=$(basename "$(dirname "$dir")")
    if [ -x "$dir/initdb" ] && [ "${v%%.*}" -ge 15 ] 2>/dev/null; then return 0; fi
  done
  # Supacs runs its own clusters: do not let the package create and start a default one.
  if [ "$(id -u)" -eq 0 ]; then
    mkdir -p /etc/postgresql-common/createcluster.d
    echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.d/supacs.conf
  fi
  apt_install "PostgreSQL 15+" postgresql-15 postgresql-contrib
}

ensure_dotnet() {
  if ! command -v dotnet >/dev/null 2>&1; then
    say "The .NET 10 SDK is required (dotnet on PATH)."
    return 1
  fi
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
}

# compat-tests/node_modules, reinstalled only when package-lock.json changed.
ensure_node_modules() {
  if ! command -v npm >/dev/null 2>&1; then
    say "Node.js and npm are required for the compat tests."
    return 1
  fi
  local stamp=compat-tests/node_modules/.supacs-lock-hash
  local hash; hash=$(sha256sum compat-tests/package-lock.json | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$hash" ]; then
    say "Installing compat-test packages (npm ci)..."
    (cd compat-tests && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || return 1
    echo "$hash" > "$stamp"
  fi
}

# redis-server (Debian's redis-server package) for the Realtime Redis backplane tests, which start their own on a free port.
ensure_redis() {
  command -v redis-server >/dev/null 2>&1 && return 0
  apt_install redis-server redis-server || return 1
  # Tests run their own servers: the packaged service is not needed.
  systemctl disable --now redis-server >/dev/null 2>&1 || service redis-server stop >/dev/null 2>&1 || true
}

# PostGIS for PostgreSQL 15 (Debian's postgresql-15-postgis-3): REST's GeoJSON output needs it in the test databases.
ensure_postgis() {
  ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 && return 0
  apt_install PostGIS postgresql-15-postgis-3
}
