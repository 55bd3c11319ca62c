// Edge-function bench: cold start (first request after the function is loaded, and after an edit), warm
// requests/s with p50/p99 for hello, a JSON transform and a supabase-js database query, and memory per engine.
// Run (Release build): dotnet build src/Gateway -c Release && cd compat-tests && npm ci &&
//   SUPACS_DLL=$PWD/../src/Gateway/bin/Release/net10.0/supacs.dll node ../bench/functions/bench.mjs
// Prints a markdown table to paste into bench/results/functions.md. BENCH_SECONDS / BENCH_CONCURRENCY tune it.
import http from 'node:http';
import { cpSync, mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSupacs } from '../../compat-tests/lib/supacs.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);

// A copy of the project, so the cold-start edit does not touch the repo. node_modules resolves from compat-tests.
const projectDir = mkdtempSync(join(here, '..', '..', 'compat-tests', '.bench-'));
cpSync(join(here, 'project'), projectDir, { recursive: true });

const sb = await startSupacs({ projectDir, env: { SUPACS_LOG_REQUESTS: '0' } });
await sb.sql(`create table bench_items (id int primary key, name text);
  insert into bench_items select g, 'item ' || g from generate_series(1, 100) g;
  grant select on bench_items to anon, authenticated, service_role; notify pgrst, 'reload schema';`);

const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
function request(path, body) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = http.request(`${sb.url}/functions/v1/${path}`, {
      method: body ? 'POST' : 'GET', agent,
      headers: body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {},
    }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

async function load(path, body) {
  const latencies = [];
  let errors = 0;
  const deadline = Date.now() + seconds * 1000;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (Date.now() < deadline) {
      const r = await request(path, body);
      if (r.status !== 200) errors++;
      latencies.push(r.ms);
    }
  }));
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))].toFixed(2);
  return { rps: Math.round(latencies.length / seconds), p50: q(0.5), p99: q(0.99), n: latencies.length, errors };
}

const items = JSON.stringify({ items: Array.from({ length: 50 }, (_, i) => ({ id: i, name: `item ${i}`, price: i * 1.5, tags: ['a', 'b'] })) });
await new Promise((r) => setTimeout(r, 3000)); // let start-up pre-warming finish

const rssMb = () => Number(readFileSync(`/proc/${sb.process.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024;
// Memory per pooled engine: RSS with one engine of `sleep` vs after 16 concurrent requests forced 16 of them
// (max_workers is 16), then the same with the supabase-js function (db-query).
async function engineCost(name) {
  for (let i = 0; i < 3; i++) await request(name);
  const before = rssMb();
  await Promise.all(Array.from({ length: 16 }, () => request(name)));
  await new Promise((r) => setTimeout(r, 500));
  return (rssMb() - before) / 15;
}
const rssStart = rssMb();
const perEngine = await engineCost('sleep');
const perSupabaseEngine = await engineCost('db-query');

const results = [];
for (const [name, body] of [['hello'], ['json-transform', items], ['db-query']]) {
  const first = await request(name, body);
  // Edit the function: the next request boots a fresh engine (the cold start users see after a deploy).
  const file = join(projectDir, 'supabase', 'functions', name, 'index.ts');
  writeFileSync(file, readFileSync(file, 'utf8') + `\n// edit ${Date.now()}\n`);
  const cold = await request(name, body);
  for (let i = 0; i < 200; i++) await request(name, body); // warm-up
  const warm = await load(name, body);
  results.push({ name, firstMs: first.ms.toFixed(1), coldAfterEditMs: cold.ms.toFixed(1), ...warm });
}

console.log(`concurrency ${concurrency}, ${seconds}s per case; supacs RSS ${rssStart.toFixed(0)} MB after start-up, ${rssMb().toFixed(0)} MB at the end; ` +
  `≈${perEngine.toFixed(1)} MB per extra engine of a small function, ≈${perSupabaseEngine.toFixed(1)} MB per extra engine with supabase-js loaded`);
console.log('| function | first request (pre-warmed) ms | cold start after edit ms | warm req/s | p50 ms | p99 ms | non-200 |');
console.log('|---|---|---|---|---|---|---|');
for (const r of results) console.log(`| ${r.name} | ${r.firstMs} | ${r.coldAfterEditMs} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.errors} |`);
await sb.stop();
const { rmSync } = await import('node:fs');
rmSync(projectDir, { recursive: true, force: true });
