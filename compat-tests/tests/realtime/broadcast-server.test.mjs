// Private channels (RLS on realtime.messages), broadcasts from the database and the REST API, and token refresh,
// through the real supabase-js.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { startSupacs } from '../../lib/supacs.mjs';
import { realtimeClient, subscribed, Inbox } from './helpers.mjs';

let sb;
const clients = [];
const alice = randomUUID();
const bob = randomUUID();

before(async () => {
  sb = await startSupacs();
  await sb.sql(`
    CREATE POLICY members_read ON realtime.messages FOR SELECT TO authenticated
      USING (realtime.topic() LIKE 'team-%' AND extension IN ('broadcast', 'presence'));
    CREATE POLICY alice_writes ON realtime.messages FOR INSERT TO authenticated
      WITH CHECK (realtime.topic() LIKE 'team-%' AND auth.uid() = '${alice}');
  `);
});
after(async () => {
  for (const c of clients) await c.removeAllChannels();
  await sb?.stop();
});

async function client(vsn, options) {
  const c = await realtimeClient(sb, vsn, options);
  clients.push(c);
  return c;
}

test('a private channel without a read policy fails to subscribe', async () => {
  const c = await client('2.0.0', { accessToken: await sb.tokenFor(alice) });
  const ch = c.channel('secret-room', { config: { private: true } });
  await assert.rejects(subscribed(ch), /Unauthorized: You do not have permissions to read from this Channel topic: secret-room/);
});

for (const vsn of ['1.0.0', '2.0.0']) {
  test(`private channel: writers reach readers, non-writers are refused (vsn ${vsn})`, async () => {
    const a = await client(vsn, { accessToken: await sb.tokenFor(alice) });
    const b = await client(vsn, { accessToken: await sb.tokenFor(bob) });
    const topic = `team-${vsn}`;
    const bInbox = new Inbox();
    const chA = a.channel(topic, { config: { private: true, broadcast: { ack: true } } });
    const chB = b.channel(topic, { config: { private: true, broadcast: { ack: true } } }).on('broadcast', { event: 'msg' }, (m) => bInbox.push(m));
    await subscribed(chA);
    await subscribed(chB);
    assert.equal(await chA.send({ type: 'broadcast', event: 'msg', payload: { text: 'from alice' } }), 'ok');
    assert.deepEqual((await bInbox.next()).payload, { text: 'from alice' });
    assert.equal(await chB.send({ type: 'broadcast', event: 'msg', payload: { text: 'from bob' } }), 'error');
  });
}

test('realtime.send() and broadcast_changes() from SQL reach subscribers', async () => {
  const a = await client('2.0.0', { accessToken: await sb.tokenFor(alice) });
  const pub = await client('1.0.0');
  const priv = new Inbox();
  const open = new Inbox();
  await subscribed(a.channel('team-db', { config: { private: true } }).on('broadcast', { event: '*' }, (m) => priv.push(m)));
  await subscribed(pub.channel('news').on('broadcast', { event: 'headline' }, (m) => open.push(m)));

  await sb.sql(`SELECT realtime.send('{"n":1}'::jsonb, 'db-event', 'team-db')`);
  const got = await priv.next();
  assert.equal(got.event, 'db-event');
  assert.equal(got.payload.n, 1);
  assert.ok(got.meta?.id, 'meta.id is the realtime.messages row id');

  await sb.sql(`SELECT realtime.send('{"title":"hi"}'::jsonb, 'headline', 'news', false)`);
  assert.equal((await open.next()).payload.title, 'hi');

  await sb.sql(`
    CREATE TABLE public.tasks (id int PRIMARY KEY, name text);
    CREATE FUNCTION public.tasks_broadcast() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
    BEGIN
      PERFORM realtime.broadcast_changes('team-db', TG_OP, TG_OP, TG_TABLE_NAME, TG_TABLE_SCHEMA, NEW, OLD);
      RETURN NULL;
    END $$;
    CREATE TRIGGER tasks_broadcast AFTER INSERT OR UPDATE OR DELETE ON public.tasks FOR EACH ROW EXECUTE FUNCTION public.tasks_broadcast();
    INSERT INTO public.tasks VALUES (1, 'write tests');
  `);
  const change = await priv.next((m) => m.event === 'INSERT');
  assert.equal(change.payload.record.name, 'write tests');
  assert.equal(change.payload.operation, 'INSERT');
  assert.equal(change.payload.old_record, null);
});

test('httpSend() and the REST fallback of send() deliver to subscribers', async () => {
  const listener = await client('2.0.0');
  const inbox = new Inbox();
  await subscribed(listener.channel('rest-room').on('broadcast', { event: '*' }, (m) => inbox.push(m)));

  const sender = await client('2.0.0');
  const ch = sender.channel('rest-room');
  assert.deepEqual(await ch.httpSend('via-http', { n: 1 }), { success: true });
  assert.deepEqual((await inbox.next((m) => m.event === 'via-http')).payload, { n: 1 });

  // Not subscribed: send() falls back to POST /api/broadcast.
  const warn = console.warn;
  console.warn = () => {};
  try {
    assert.equal(await ch.send({ type: 'broadcast', event: 'via-fallback', payload: { n: 2 } }), 'ok');
  } finally {
    console.warn = warn;
  }
  assert.deepEqual((await inbox.next((m) => m.event === 'via-fallback')).payload, { n: 2 });

  // A private REST message from a user without the write policy is refused (403 "Unauthorized", as upstream's single
  // endpoint) and not delivered; alice's arrives.
  const reader = await client('2.0.0', { accessToken: await sb.tokenFor(alice) });
  const privateInbox = new Inbox();
  await subscribed(reader.channel('team-rest', { config: { private: true } }).on('broadcast', { event: '*' }, (m) => privateInbox.push(m)));
  const bobClient = await client('2.0.0', { accessToken: await sb.tokenFor(bob) });
  await assert.rejects(bobClient.channel('team-rest', { config: { private: true } }).httpSend('e', { from: 'bob' }), /Unauthorized/);
  await reader.channel('team-rest-2', { config: { private: true } });
  const aliceClient = await client('2.0.0', { accessToken: await sb.tokenFor(alice) });
  await aliceClient.channel('team-rest', { config: { private: true } }).httpSend('e', { from: 'alice' });
  assert.deepEqual((await privateInbox.next()).payload, { from: 'alice' });
  assert.equal(privateInbox.items.length, 0);
});

test('a refreshed token that lost access, or an expired one, closes the channel', async () => {
  const c = await client('2.0.0', { accessToken: await sb.tokenFor(alice) });
  const system = new Inbox();
  const ch = c.channel('team-expiry', { config: { private: true } }).on('system', {}, (p) => system.push(p));
  await subscribed(ch);
  // An anon token cannot read the private topic any more.
  c.token = sb.anonKey;
  await c.realtime.setAuth();
  const lost = await system.next((p) => p.status === 'error');
  assert.equal(lost.message, 'You no longer have permission to read from this Channel topic: team-expiry');

  const c2 = await client('1.0.0', { accessToken: await sb.tokenFor(alice) });
  const system2 = new Inbox();
  await subscribed(c2.channel('team-expiry', { config: { private: true } }).on('system', {}, (p) => system2.push(p)));
  const now = Math.floor(Date.now() / 1000);
  c2.token = await new SignJWT({ aud: 'authenticated', role: 'authenticated', sub: alice })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt(now - 3600).setExpirationTime(now - 120)
    .sign(new TextEncoder().encode(sb.jwtSecret));
  await c2.realtime.setAuth();
  const expired = await system2.next((p) => p.status === 'error');
  assert.match(expired.message, /^Token has expired \d+ seconds ago$/);
});
