// Broadcast and presence through the real supabase-js `supabase.channel(...)`, for both Phoenix vsn values.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSupacs } from '../../lib/supacs.mjs';
import { realtimeClient, subscribed, Inbox } from './helpers.mjs';

let sb;
const clients = [];
before(async () => { sb = await startSupacs(); });
after(async () => {
  for (const c of clients) await c.removeAllChannels();
  await sb?.stop();
});

async function client(vsn, options) {
  const c = await realtimeClient(sb, vsn, options);
  clients.push(c);
  return c;
}

for (const vsn of ['1.0.0', '2.0.0']) {
  test(`broadcast with self and ack between two clients (vsn ${vsn})`, async () => {
    const a = await client(vsn);
    const b = await client(vsn);
    const topic = `room-${vsn}`;
    const aInbox = new Inbox();
    const bInbox = new Inbox();
    const chA = a.channel(topic, { config: { broadcast: { self: true, ack: true } } })
      .on('broadcast', { event: 'cursor' }, (m) => aInbox.push(m));
    const chB = b.channel(topic).on('broadcast', { event: 'cursor' }, (m) => bInbox.push(m));
    await subscribed(chA);
    await subscribed(chB);

    const status = await chA.send({ type: 'broadcast', event: 'cursor', payload: { x: 1, y: 2 } });
    assert.equal(status, 'ok');
    const own = await aInbox.next();
    assert.equal(own.event, 'cursor');
    assert.deepEqual(own.payload, { x: 1, y: 2 });
    const other = await bInbox.next();
    assert.deepEqual(other.payload, { x: 1, y: 2 });
    assert.equal(other.type, 'broadcast');

    // Without self, B's own message does not come back to B, but reaches A.
    await chB.send({ type: 'broadcast', event: 'cursor', payload: { from: 'b' } });
    assert.deepEqual((await aInbox.next()).payload, { from: 'b' });
    assert.equal(bInbox.items.length, 0);
  });

  test(`presence sync, join and leave across two clients (vsn ${vsn})`, async () => {
    const a = await client(vsn);
    const b = await client(vsn);
    const topic = `lobby-${vsn}`;
    const aJoins = new Inbox();
    const aLeaves = new Inbox();
    const aSyncs = new Inbox();
    const chA = a.channel(topic, { config: { presence: { key: 'alice' } } })
      .on('presence', { event: 'sync' }, () => aSyncs.push(chA.presenceState()))
      .on('presence', { event: 'join' }, (e) => aJoins.push(e))
      .on('presence', { event: 'leave' }, (e) => aLeaves.push(e));
    await subscribed(chA);
    assert.equal(await chA.track({ online_at: 'now', status: 'online' }), 'ok');
    const ownJoin = await aJoins.next((e) => e.key === 'alice');
    assert.equal(ownJoin.newPresences[0].status, 'online');
    assert.ok(ownJoin.newPresences[0].presence_ref);

    const chB = b.channel(topic, { config: { presence: { key: 'bob' } } }).on('presence', { event: 'sync' }, () => {});
    await subscribed(chB);
    await chB.track({ status: 'busy' });
    const bobJoin = await aJoins.next((e) => e.key === 'bob');
    assert.equal(bobJoin.newPresences[0].status, 'busy');
    const state = await aSyncs.next((s) => s.alice && s.bob);
    assert.equal(state.alice[0].status, 'online');
    assert.equal(state.bob[0].status, 'busy');

    // B sees A in its state too (presence_state on join).
    const bState = chB.presenceState();
    assert.equal(bState.alice[0].status, 'online');

    aSyncs.items.length = 0;
    await b.removeChannel(chB);
    const leave = await aLeaves.next((e) => e.key === 'bob');
    assert.equal(leave.leftPresences[0].status, 'busy');
    const after = await aSyncs.next((s) => !s.bob);
    assert.equal(after.alice[0].status, 'online');
  });
}

test('a vsn 1.0.0 sender reaches a vsn 2.0.0 receiver and back', async () => {
  const v1 = await client('1.0.0');
  const v2 = await client('2.0.0');
  const in1 = new Inbox();
  const in2 = new Inbox();
  const ch1 = v1.channel('mixed').on('broadcast', { event: 'm' }, (m) => in1.push(m));
  const ch2 = v2.channel('mixed').on('broadcast', { event: 'm' }, (m) => in2.push(m));
  await subscribed(ch1);
  await subscribed(ch2);
  await ch1.send({ type: 'broadcast', event: 'm', payload: { from: 'v1', text: 'héllo ✓' } });
  assert.deepEqual((await in2.next()).payload, { from: 'v1', text: 'héllo ✓' });
  await ch2.send({ type: 'broadcast', event: 'm', payload: { from: 'v2' } });
  assert.deepEqual((await in1.next()).payload, { from: 'v2' });
});

test('a broadcast stays on its own topic', async () => {
  const a = await client('2.0.0');
  const b = await client('2.0.0');
  const inPublic = new Inbox();
  const chPublic = a.channel('split', { config: { broadcast: { self: true } } }).on('broadcast', { event: 'e' }, (m) => inPublic.push(m));
  const chOther = b.channel('split-other').on('broadcast', { event: 'e' }, () => assert.fail('wrong topic'));
  await subscribed(chPublic);
  await subscribed(chOther);
  await chPublic.send({ type: 'broadcast', event: 'e', payload: { n: 1 } });
  assert.deepEqual((await inPublic.next()).payload, { n: 1 });
});
