// Two supacs processes on one database with the Redis backplane (SUPACS_REALTIME_REDIS_URL): broadcast, presence and
// postgres_changes reach supabase-js clients on the other node through a redis-server the test starts on a free port.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { startSupacs, freePort, repoRoot } from '../../lib/supacs.mjs';
import { realtimeClient, subscribed, Inbox, sleep } from './helpers.mjs';

let redis;
let first;
let second;
const clients = [];

async function startRedis() {
  // Debian's redis-server, installed by scripts/deps.sh when missing.
  execFileSync('bash', ['-c', 'source scripts/deps.sh && ensure_redis'], { cwd: repoRoot, stdio: 'inherit' });
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((ok) => {
      const s = connect(port, '127.0.0.1', () => { s.end(); ok(true); });
      s.on('error', () => ok(false));
    });
    if (up) return { port, stop: () => child.kill() };
    await sleep(50);
  }
  child.kill();
  throw new Error('redis-server did not start');
}

before(async () => {
  redis = await startRedis();
  const env = { SUPACS_REALTIME_REDIS_URL: `redis://127.0.0.1:${redis.port}` };
  first = await startSupacs({ env });
  second = await startSupacs({ env: { ...env, DATABASE_URL: first.dbUrl, JWT_SECRET: first.jwtSecret } });
  await first.sql(`
    CREATE TABLE public.redis_notes (id int PRIMARY KEY, body text);
    GRANT ALL ON public.redis_notes TO anon, authenticated;
    ALTER PUBLICATION supabase_realtime ADD TABLE public.redis_notes;
  `);
});
after(async () => {
  for (const c of clients) await c.removeAllChannels();
  await second?.stop();
  await first?.stop();
  redis?.stop();
});

async function client(sb, vsn) {
  const c = await realtimeClient(sb, vsn);
  clients.push(c);
  return c;
}

test('broadcast, presence and postgres_changes cross nodes through redis', async () => {
  const a = await client(first, '2.0.0');
  const b = await client(second, '1.0.0');
  const aInbox = new Inbox();
  const bInbox = new Inbox();
  const aJoins = new Inbox();
  const aChanges = new Inbox();
  const bChanges = new Inbox();
  const aSystem = new Inbox();
  const bSystem = new Inbox();
  const chA = a.channel('redis-room', { config: { presence: { key: 'alice' } } })
    .on('broadcast', { event: 'msg' }, (m) => aInbox.push(m))
    .on('presence', { event: 'join' }, (e) => aJoins.push(e))
    .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'redis_notes' }, (p) => aChanges.push(p))
    .on('system', {}, (p) => aSystem.push(p));
  const chB = b.channel('redis-room', { config: { presence: { key: 'bob' } } })
    .on('broadcast', { event: 'msg' }, (m) => bInbox.push(m))
    .on('presence', { event: 'sync' }, () => {})
    .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'redis_notes' }, (p) => bChanges.push(p))
    .on('system', {}, (p) => bSystem.push(p));
  await subscribed(chA);
  await subscribed(chB);
  assert.equal((await aSystem.next((p) => p.extension === 'postgres_changes', 20_000)).message, 'Subscribed to PostgreSQL');
  assert.equal((await bSystem.next((p) => p.extension === 'postgres_changes', 20_000)).message, 'Subscribed to PostgreSQL');

  // The nodes discover each other through the backplane; retry the first message until it crosses.
  let crossed = false;
  for (let i = 0; i < 50 && !crossed; i++) {
    await chA.send({ type: 'broadcast', event: 'msg', payload: { n: i } });
    crossed = await bInbox.next(() => true, 200).then(() => true, () => false);
  }
  assert.ok(crossed, 'a broadcast from node 1 reached node 2');
  const big = 'x'.repeat(20_000);
  await chB.send({ type: 'broadcast', event: 'msg', payload: { big } });
  assert.equal((await aInbox.next((m) => m.payload.big)).payload.big.length, 20_000);

  await chB.track({ status: 'via redis' });
  assert.equal((await aJoins.next((e) => e.key === 'bob')).newPresences[0].status, 'via redis');

  await first.sql(`INSERT INTO public.redis_notes VALUES (1, 'both nodes')`);
  assert.equal((await aChanges.next()).new.body, 'both nodes');
  assert.equal((await bChanges.next()).new.body, 'both nodes');
});
