// Auth load: password sign-ins/s (vs the bcrypt bound measured in the same run), refresh-token grants/s and
// GET /user/s with p50/p99. Usage: node bench.mjs URL ANON_KEY DURATION_S CONCURRENCY [SERVER_PID] [WARMUP_S] → JSON.
// Each scenario first runs WARMUP_S seconds unmeasured (JIT tiering of the hash and request paths), then DURATION_S
// measured. With SERVER_PID, the server's CPU time per operation in the measured window is reported too (from
// /proc/PID/stat: robust on a shared machine, unlike rates).
import { readFileSync } from 'node:fs';

const [url, anon, durationArg, concurrencyArg, pidArg, warmupArg] = process.argv.slice(2);
const duration = Number(durationArg ?? 10) * 1000;
const concurrency = Number(concurrencyArg ?? 8);
const warmup = Number(warmupArg ?? 3) * 1000;
const ticksPerSecond = 100; // CLK_TCK on Linux
const serverCpuMs = () => {
  if (!pidArg) return NaN;
  const fields = readFileSync(`/proc/${pidArg}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 1000 / ticksPerSecond; // utime + stime
};
const headers = { apikey: anon, 'content-type': 'application/json', 'x-supabase-api-version': '2024-01-01' };

async function post(path, body, extra = {}) {
  const res = await fetch(`${url}/auth/v1${path}`, { method: 'POST', headers: { ...headers, ...extra }, body: JSON.stringify(body) });
  const json = await res.json();
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

function stats(latencies, elapsedMs) {
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return { count: latencies.length, perSecond: latencies.length / (elapsedMs / 1000), p50: q(0.5), p99: q(0.99) };
}

/** Runs `concurrency` workers calling `op(worker)`: `warmup` ms unmeasured, then `duration` ms measured. */
async function run(op, setup) {
  const states = [];
  for (let i = 0; i < concurrency; i++) states.push(await setup(i));
  const loop = (ms, latencies) => {
    const deadline = performance.now() + ms;
    return Promise.all(states.map(async (s) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        await op(s);
        latencies?.push(performance.now() - t0);
      }
    }));
  };
  await loop(warmup, null);
  const latencies = [];
  const cpu0 = serverCpuMs();
  const start = performance.now();
  await loop(duration, latencies);
  const result = stats(latencies, performance.now() - start);
  result.serverCpuMsPerOp = (serverCpuMs() - cpu0) / latencies.length;
  return result;
}

const users = [];
for (let i = 0; i < concurrency; i++) {
  const email = `bench${i}-${Date.now()}@example.com`;
  await post('/signup', { email, password: 'bench-password-1' });
  users.push(email);
}

const signIn = await run(
  (s) => post('/token?grant_type=password', { email: s.email, password: 'bench-password-1' }),
  async (i) => ({ email: users[i] }));

const refresh = await run(
  async (s) => { s.token = (await post('/token?grant_type=refresh_token', { refresh_token: s.token })).refresh_token; },
  async (i) => ({ token: (await post('/token?grant_type=password', { email: users[i], password: 'bench-password-1' })).refresh_token }));

const getUser = await run(
  async (s) => {
    const res = await fetch(`${url}/auth/v1/user`, { headers: { ...headers, authorization: `Bearer ${s.jwt}` } });
    if (res.status !== 200) throw new Error(`GET /user ${res.status}`);
    await res.arrayBuffer();
  },
  async (i) => ({ jwt: (await post('/token?grant_type=password', { email: users[i], password: 'bench-password-1' })).access_token }));

console.log(JSON.stringify({ signIn, refresh, getUser }));
