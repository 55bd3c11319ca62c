// Broadcast persistence and replay without duplicates, upstream's error delays (refused upgrade ~2 s, join error ~5 s,
// with the default config), broadcast.replication_ready and apply_rls's error payloads — through the real supabase-js
// (raw `ws` for the upgrade).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { SignJWT } from 'jose';
import { startSupacs } from '../../lib/supacs.mjs';
import { realtimeClient, subscribed, Inbox, sleep } from './helpers.mjs';

let sb;
const clients = [];
const alice = randomUUID();
const bob = randomUUID();
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

before(async () => {
  sb = await startSupacs();
  // Signed-in users read 'kept-*' topics; Alice may write (and persist) there, Bob may only send.
  await sb.sql(`
    CREATE POLICY kept_read ON realtime.messages FOR SELECT TO authenticated
      USING (realtime.topic() LIKE 'kept-%' AND extension IN ('broadcast', 'presence'));
    CREATE POLICY alice_writes ON realtime.messages FOR INSERT TO authenticated
      WITH CHECK (realtime.topic() LIKE 'kept-%' AND auth.uid() = '${alice}');
    CREATE POLICY bob_sends ON realtime.messages FOR INSERT TO authenticated
      WITH CHECK (realtime.topic() LIKE 'kept-%' AND auth.uid() = '${bob}' AND extension = 'broadcast');
  `);
});
after(async () => {
  for (const c of clients) await c.removeAllChannels();
  await sb?.stop();
});

async function client(user) {
  const c = await realtimeClient(sb, '2.0.0', user ? { accessToken: await sb.tokenFor(user) } : {});
  clients.push(c);
  return c;
}

test('send({persist}) and httpSend(..., {persist}) store private broadcasts that a later join replays once', async () => {
  const topic = `kept-${randomUUID().slice(0, 8)}`;
  const since = Date.now() - 1000;
  const a = await client(alice);
  const b = await client(bob);
  const bInbox = new Inbox();
  const chA = a.channel(topic, { config: { private: true, broadcast: { ack: true } } });
  const chB = b.channel(topic, { config: { private: true, broadcast: { ack: true } } }).on('broadcast', { event: 'note' }, (m) => bInbox.push(m));
  await subscribed(chA);
  await subscribed(chB);

  assert.equal(await chA.send({ type: 'broadcast', event: 'note', payload: { n: 1 }, persist: true }), 'ok');
  const live = await bInbox.next();
  assert.deepEqual(live.payload, { n: 1 });
  assert.match(live.meta.id, uuid);

  // Bob may send but not store: the message goes out and send() resolves with the server's reason.
  assert.equal(await chB.send({ type: 'broadcast', event: 'note', payload: { n: 2 }, persist: true }),
    `Unauthorized: You do not have permissions to persist messages on this Channel topic: ${topic}`);

  assert.deepEqual(await chA.httpSend('note', { n: 3 }, { persist: { ttl: 600 } }), { success: true });
  const viaRest = await bInbox.next((m) => m.payload.n === 3);
  assert.match(viaRest.meta.id, uuid);
  const { rows } = await sb.sql('SELECT id::text, payload->>\'n\' AS n FROM realtime.messages WHERE topic = $1 AND expires_at IS NOT NULL ORDER BY inserted_at', [topic]);
  assert.deepEqual(rows, [{ id: live.meta.id, n: '1' }, { id: viaRest.meta.id, n: '3' }]);

  const c = await client(bob);
  const cInbox = new Inbox();
  const chC = c.channel(topic, { config: { private: true, broadcast: { replay: { since, limit: 10 } } } })
    .on('broadcast', { event: 'note' }, (m) => cInbox.push(m));
  await subscribed(chC);
  const first = await cInbox.next();
  const second = await cInbox.next();
  assert.deepEqual([first.payload, second.payload], [{ n: 1 }, { n: 3 }]);
  assert.deepEqual(first.meta, { id: live.meta.id, replayed: true });
  await sleep(1000);
  assert.equal(cInbox.items.length, 0, 'stored messages arrive once');
});

test('a refused join answers after ~5 s and a refused upgrade after ~2 s; nothing else waits', async () => {
  const c = await client(alice);
  const started = Date.now();
  const refused = subscribed(c.channel('not-readable', { config: { private: true } })).then(() => null, (e) => e);
  // The gateway passes the project's anon key; Realtime reads the x-api-key header first and refuses the expired token in it.
  const now = Math.floor(Date.now() / 1000);
  const expired = await new SignJWT({ aud: 'authenticated', role: 'authenticated', sub: alice })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt(now - 3600).setExpirationTime(now - 60)
    .sign(new TextEncoder().encode(sb.jwtSecret));
  const refusedUpgrade = new Promise((resolve) => {
    const ws = new WebSocket(`${sb.url.replace('http', 'ws')}/realtime/v1/websocket?apikey=${sb.anonKey}&vsn=2.0.0`, { headers: { 'x-api-key': expired } });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(body), after: Date.now() - started }));
    });
    ws.on('error', () => {});
  });

  // Meanwhile the same socket joins another channel at once.
  const other = c.channel('kept-open', { config: { private: true } });
  await subscribed(other);
  assert.ok(Date.now() - started < 2000, `other join took ${Date.now() - started} ms`);

  const upgrade = await refusedUpgrade;
  assert.equal(upgrade.status, 401);
  assert.match(upgrade.body.error, /^Token has expired \d+ seconds ago$/);
  assert.ok(upgrade.after >= 1900, `upgrade refused after ${upgrade.after} ms`);

  const error = await refused;
  assert.match(String(error?.message ?? error), /Unauthorized: You do not have permissions to read from this Channel topic: not-readable/);
  assert.ok(Date.now() - started >= 4900, `join refused after ${Date.now() - started} ms`);
});

test('broadcast.replication_ready: a system message once the database stream is live', async () => {
  const c = await client();
  const system = new Inbox();
  const ch = c.channel('ready-room', { config: { broadcast: { replication_ready: true } } }).on('system', {}, (p) => system.push(p));
  await subscribed(ch);
  const ready = await system.next((p) => p.extension === 'system', 30_000);
  assert.equal(ready.status, 'ok');
  assert.equal(ready.message, 'Replication connection established');
});

test('postgres_changes on a table without a primary key carry upstream\'s error 400 (realtime-js: errors, empty new)', async () => {
  await sb.sql(`
    CREATE TABLE public.nopk (note text);
    GRANT ALL ON public.nopk TO anon, authenticated;
    ALTER PUBLICATION supabase_realtime ADD TABLE public.nopk;
  `);
  const c = await client();
  const inbox = new Inbox();
  const system = new Inbox();
  const ch = c.channel('nopk')
    .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'nopk' }, (p) => inbox.push(p))
    .on('system', {}, (p) => system.push(p));
  await subscribed(ch);
  assert.equal((await system.next((p) => p.extension === 'postgres_changes')).message, 'Subscribed to PostgreSQL');
  await sb.sql(`INSERT INTO public.nopk VALUES ('hi')`);
  const change = await inbox.next();
  assert.equal(change.eventType, 'INSERT');
  assert.deepEqual(change.errors, ['Error 400: Bad Request, no primary key']);
  assert.deepEqual(change.new, {});
});
