// Two supacs processes on one database: broadcast and presence reach clients on the other node (LISTEN/NOTIFY backplane).
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
