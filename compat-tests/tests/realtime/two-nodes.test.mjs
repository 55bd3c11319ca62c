// Two supacs processes on one database: broadcast and presence reach clients on the other node (LISTEN/NOTIFY backplane),
// and one node streams the replication slot for both (postgres_changes reach subscribers on either node).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSupacs } from '../../lib/supacs.mjs';
import { realtimeClient, subscribed, Inbox } from './helpers.mjs';

let first;
let second;
const clients = [];
before(async () => {
  first = await startSupacs();
  second = await startSupacs({ env: { DATABASE_URL: first.dbUrl, JWT_SECRET: first.jwtSecret } });
  await first.sql(`
    CREATE TABLE public.cluster_notes (id int PRIMARY KEY, body text);
    GRANT ALL ON public.cluster_notes TO anon, authenticated;
    ALTER PUBLICATION supabase_realtime ADD TABLE public.cluster_notes;
  `);
});
after(async () => {
  for (const c of clients) await c.removeAllChannels();
  await second?.stop();
  await first?.stop();
});

async function client(sb, vsn) {
  const c = await realtimeClient(sb, vsn);
  clients.push(c);
  return c;
}

test('broadcast and presence cross nodes', async () => {
  const a = await client(first, '2.0.0');
  const b = await client(second, '1.0.0');
  const aInbox = new Inbox();
  const bInbox = new Inbox();
  const aJoins = new Inbox();
  const chA = a.channel('cluster', { config: { presence: { key: 'alice' } } })
    .on('broadcast', { event: 'msg' }, (m) => aInbox.push(m))
    .on('presence', { event: 'join' }, (e) => aJoins.push(e));
  const chB = b.channel('cluster', { config: { presence: { key: 'bob' } } })
    .on('broadcast', { event: 'msg' }, (m) => bInbox.push(m))
    .on('presence', { event: 'sync' }, () => {});
  await subscribed(chA);
  await subscribed(chB);

  // The nodes discover each other through the backplane; retry the first message until it crosses.
  let crossed = false;
  for (let i = 0; i < 50 && !crossed; i++) {
    await chA.send({ type: 'broadcast', event: 'msg', payload: { n: i } });
    crossed = await bInbox.next(() => true, 200).then(() => true, () => false);
  }
  assert.ok(crossed, 'a broadcast from node 1 reached node 2');
  await chB.send({ type: 'broadcast', event: 'msg', payload: { from: 'b' } });
  assert.deepEqual((await aInbox.next((m) => m.payload.from === 'b')).payload, { from: 'b' });

  await chB.track({ status: 'on node 2' });
  const join = await aJoins.next((e) => e.key === 'bob');
  assert.equal(join.newPresences[0].status, 'on node 2');
});

/** Subscribes and resolves once the server says "Subscribed to PostgreSQL". */
async function live(channel) {
  const system = new Inbox();
  channel.on('system', {}, (p) => system.push(p));
  await subscribed(channel);
  const msg = await system.next((p) => p.extension === 'postgres_changes', 20_000);
  assert.equal(msg.message, 'Subscribed to PostgreSQL');
  return channel;
}

test('postgres_changes reach subscribers on both nodes from one replication slot', async () => {
  const a = await client(first, '2.0.0');
  const b = await client(second, '1.0.0');
  const aInbox = new Inbox();
  const bInbox = new Inbox();
  await live(a.channel('notes-a').on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'cluster_notes' }, (p) => aInbox.push(p)));
  await live(b.channel('notes-b').on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'cluster_notes' }, (p) => bInbox.push(p)));

  await first.sql(`INSERT INTO public.cluster_notes VALUES (1, 'to both')`);
  assert.equal((await aInbox.next()).new.body, 'to both');
  assert.equal((await bInbox.next()).new.body, 'to both');
  const { rows } = await first.sql(`SELECT count(*)::int AS n FROM pg_replication_slots WHERE slot_name LIKE 'supacs_realtime_%' AND database = current_database()`);
  assert.equal(rows[0].n, 1, 'exactly one node streams a slot');
});
