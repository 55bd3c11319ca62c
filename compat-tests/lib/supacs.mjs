// Starts a real `supacs` for compat tests: fresh data dir, free ports, embedded PostgreSQL, optional project folder.
// Returns { url, anonKey, serviceRoleKey, jwtSecret, dbUrl, dataDir, sql(), tokenFor(), client(), logs(), stop() }.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, chmodSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { SignJWT } from 'jose';
import { createClient } from '@supabase/supabase-js';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..');
export const fixturesDir = resolve(here, '..', 'fixtures');

/** The supacs.dll to run: $SUPACS_DLL, else the Debug build of this tree (built on demand). */
export function supacsDll() {
  if (process.env.SUPACS_DLL) return process.env.SUPACS_DLL;
  const dll = join(repoRoot, 'src', 'Gateway', 'bin', 'Debug', 'net10.0', 'supacs.dll');
  if (!existsSync(dll)) {
    execFileSync('dotnet', ['build', join(repoRoot, 'src', 'Gateway', 'Supacs.Gateway.csproj'), '-nologo', '-v', 'q'], { stdio: 'inherit' });
  }
  return dll;
}

export async function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

/** A data dir the unprivileged postgres user can traverse (mkdtemp makes 0700). */
export function tempDataDir() {
  const dir = mkdtempSync(join(tmpdir(), 'supacs-compat-'));
  chmodSync(dir, 0o755);
  return dir;
}

/** Runs a supacs CLI command to completion (e.g. ['status', '-o', 'env']). */
export function runSupacs(args, env = {}) {
  return execFileSync('dotnet', [supacsDll(), ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * Starts supacs and waits until /health is 200.
 * @param {{ projectDir?: string, env?: Record<string,string>, dataDir?: string, timeoutMs?: number }} options
 */
export async function startSupacs({ projectDir, env = {}, dataDir, timeoutMs = 90_000 } = {}) {
  const port = await freePort();
  const dbPort = await freePort();
  const ownDataDir = !dataDir;
  dataDir ??= tempDataDir();
  const fullEnv = {
    ...process.env,
    SUPACS_PORT: String(port),
    SUPACS_DATA_DIR: dataDir,
    SUPACS_DB_PORT: String(dbPort),
    SUPACS_LOG_REQUESTS: process.env.SUPACS_LOG_REQUESTS ?? '0',
    ...(projectDir ? { SUPACS_PROJECT_DIR: projectDir } : {}),
    ...env,
  };
  const child = spawn('dotnet', [supacsDll(), 'start'], { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const exited = new Promise((ok) => child.on('exit', (code) => ok(code)));
  let exitCode;
  exited.then((c) => { exitCode = c; });

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exitCode !== undefined) throw new Error(`supacs exited with ${exitCode} before it was healthy:\n${output}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`supacs was not healthy within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const status = JSON.parse(runSupacs(['status', '-o', 'json'], fullEnv));
  let pool;
  const instance = {
    url,
    port,
    dataDir,
    env: fullEnv,
    anonKey: status.ANON_KEY,
    serviceRoleKey: status.SERVICE_ROLE_KEY,
    jwtSecret: status.JWT_SECRET,
    dbUrl: status.DB_URL,
    process: child,
    logs: () => output,
    /** Runs SQL as the database superuser. */
    async sql(text, params = []) {
      pool ??= new pg.Pool({ connectionString: status.DB_URL, max: 3 });
      return pool.query(text, params);
    },
    /** An access token like GoTrue's for a user id (or any role), signed with the project's secret. */
    async tokenFor(sub, role = 'authenticated', extra = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ aud: 'authenticated', role, ...(sub ? { sub } : {}), ...extra })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuedAt(now)
        .setExpirationTime(now + 3600)
        .sign(new TextEncoder().encode(status.JWT_SECRET));
    },
    /** A supabase-js client with the anon key (or the given key), optionally acting with a user token. */
    client(key = status.ANON_KEY, accessToken) {
      const options = { auth: { persistSession: false, autoRefreshToken: false } };
      if (accessToken) options.global = { headers: { Authorization: `Bearer ${accessToken}` } };
      return createClient(url, key, options);
    },
    async stop() {
      if (pool) await pool.end().catch(() => {});
      if (exitCode === undefined) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }
      if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
      return exitCode;
    },
  };
  return instance;
}
