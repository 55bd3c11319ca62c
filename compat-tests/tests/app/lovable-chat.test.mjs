// A third Lovable-style app: a chat. Direct messages between profiles (two FKs to one table, embedded with
// constraint hints), `or=` filters, an unread-count RPC, realtime with row filters and RLS, REPLICA IDENTITY
// FULL updates, rooms guarded by a SECURITY DEFINER membership check, presence and typing broadcasts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createClient } from '@supabase/supabase-js';
import { startSupacs, fixturesDir } from '../../lib/supacs.mjs';

let sb;
let service;
const users = {};

const options = { auth: { persistSession: false, autoRefreshToken: false } };

async function signUp(name) {
  const client = createClient(sb.url, sb.anonKey, options);
  const { data, error } = await client.auth.signUp({
    email: `${name}@example.com`, password: `${name}-password-1`, options: { data: { username: name } },
  });
  assert.equal(error, null);
  client.realtime.setAuth(data.session.access_token);
  return { client, id: data.user.id };
}

function subscribe(channel) {
  return new Promise((resolve, reject) => {
    channel.subscribe((status, err) => {
      if (status === 'SUBSCRIBED') resolve(channel);
      if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT') reject(err ?? new Error(status));
    });
  });
}

async function waitFor(predicate, what, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

before(async () => {
  sb = await startSupacs({ projectDir: join(fixturesDir, 'app-chat') });
  service = createClient(sb.url, sb.serviceRoleKey, options);
  users.ann = await signUp('ann');
  users.ben = await signUp('ben');
  users.cat = await signUp('cat');
});
after(async () => {
  for (const u of Object.values(users)) await u.client.removeAllChannels();
  await sb?.stop();
});

test('direct messages embed sender and recipient through constraint hints; without a hint the embed is ambiguous', async () => {
  const { ann, ben } = users;
  const sent = await ann.client.from('direct_messages')
    .insert([{ sender_id: ann.id, recipient_id: ben.id, content: 'hi ben' }, { sender_id: ann.id, recipient_id: ben.id, content: 'you there?' }])
    .select('content');
  assert.equal(sent.error, null);
  assert.equal(sent.data.length, 2);
  const reply = await ben.client.from('direct_messages').insert({ sender_id: ben.id, recipient_id: ann.id, content: 'yes!' });
  assert.equal(reply.error, null);

  const thread = await ann.client.from('direct_messages')
    .select('content, sender:profiles!direct_messages_sender_id_fkey(username), recipient:profiles!direct_messages_recipient_id_fkey(username)')
    .or(`sender_id.eq.${ann.id},recipient_id.eq.${ann.id}`)
    .order('id');
  assert.equal(thread.error, null);
  assert.deepEqual(thread.data, [
    { content: 'hi ben', sender: { username: 'ann' }, recipient: { username: 'ben' } },
    { content: 'you there?', sender: { username: 'ann' }, recipient: { username: 'ben' } },
    { content: 'yes!', sender: { username: 'ben' }, recipient: { username: 'ann' } },
  ]);

  const ambiguous = await ann.client.from('direct_messages').select('content, profiles(username)');
  assert.equal(ambiguous.error?.code, 'PGRST201');
  assert.match(ambiguous.error.message, /more than one relationship was found for 'direct_messages' and 'profiles'/);
  assert.match(ambiguous.error.hint, /profiles!direct_messages_sender_id_fkey/);

  assert.deepEqual((await users.cat.client.from('direct_messages').select('id')).data, []);
});

test('the unread count RPC runs as the caller; marking read updates only the recipient\'s rows', async () => {
  const { ann, ben } = users;
  assert.equal((await ben.client.rpc('get_unread_count')).data, 2);
  assert.equal((await ann.client.rpc('get_unread_count')).data, 1);

  // Ann cannot mark Ben's messages read: RLS turns it into an update of nothing.
  const notHers = await ann.client.from('direct_messages').update({ read_at: new Date().toISOString() })
    .eq('recipient_id', ben.id).select();
  assert.deepEqual(notHers.data, []);

  const seen = [];
  const channel = ann.client.channel('dm-updates')
    .on('postgres_changes', { event: 'UPDATE', schema: 'public', table: 'direct_messages', filter: `sender_id=eq.${ann.id}` }, (p) => seen.push(p));
  await subscribe(channel);
  const marked = await ben.client.from('direct_messages').update({ read_at: new Date().toISOString() })
    .eq('recipient_id', ben.id).is('read_at', null).select('id');
  assert.equal(marked.error, null);
  assert.equal(marked.data.length, 2);
  assert.equal((await ben.client.rpc('get_unread_count')).data, 0);

  await waitFor(() => seen.length === 2, 'two UPDATE events');
  for (const p of seen) {
    assert.equal(p.eventType, 'UPDATE');
    assert.equal(p.old.read_at, null, 'REPLICA IDENTITY FULL sends the old row');
    assert.ok(p.new.read_at);
    assert.equal(p.new.sender_id, ann.id);
  }
  await ann.client.removeChannel(channel);
});

test('a filtered realtime inbox gets only the recipient\'s new messages, and RLS hides them from others', async () => {
  const { ann, ben, cat } = users;
  const benInbox = [];
  const catSeen = [];
  const benChannel = ben.client.channel('inbox')
    .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'direct_messages', filter: `recipient_id=eq.${ben.id}` }, (p) => benInbox.push(p.new.content));
  const catChannel = cat.client.channel('snoop')
    .on('postgres_changes', { event: '*', schema: 'public', table: 'direct_messages' }, (p) => catSeen.push(p));
  await Promise.all([subscribe(benChannel), subscribe(catChannel)]);

  await ann.client.from('direct_messages').insert({ sender_id: ann.id, recipient_id: ben.id, content: 'live one' });
  await ben.client.from('direct_messages').insert({ sender_id: ben.id, recipient_id: ann.id, content: 'not for ben inbox' });
  await waitFor(() => benInbox.includes('live one'), 'ben\'s live message');
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(benInbox, ['live one']);
  assert.deepEqual(catSeen, []);
  await ben.client.removeChannel(benChannel);
  await cat.client.removeChannel(catChannel);
});

test('rooms: members read and post, outsiders get nothing and cannot post; members get room messages live', async () => {
  const { ann, ben, cat } = users;
  const room = await service.from('rooms').insert({ name: 'general' }).select().single();
  assert.equal(room.error, null);
  const roomId = room.data.id;
  assert.equal((await service.from('room_members').insert([{ room_id: roomId, user_id: ann.id }, { room_id: roomId, user_id: ben.id }])).error, null);

  assert.deepEqual((await ann.client.from('rooms').select('name, room_members(count)')).data, [{ name: 'general', room_members: [{ count: 2 }] }]);
  assert.deepEqual((await cat.client.from('rooms').select('name')).data, []);

  const live = [];
  const channel = ben.client.channel(`room-${roomId}`)
    .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'room_messages', filter: `room_id=eq.${roomId}` }, (p) => live.push(p.new.content));
  await subscribe(channel);

  const posted = await ann.client.from('room_messages').insert({ room_id: roomId, content: 'hello room' }).select('content, author:profiles(username)').single();
  assert.equal(posted.error, null);
  assert.deepEqual(posted.data, { content: 'hello room', author: { username: 'ann' } });

  const intruder = await cat.client.from('room_messages').insert({ room_id: roomId, content: 'let me in' });
  assert.equal(intruder.error?.code, '42501');

  await waitFor(() => live.includes('hello room'), 'the room message');
  assert.deepEqual(live, ['hello room']);
  assert.deepEqual((await cat.client.from('room_messages').select('id')).data, []);
  await ben.client.removeChannel(channel);
});

test('presence shows who is online and typing indicators go out over broadcast', async () => {
  const { ann, ben } = users;
  const annRoom = ann.client.channel('presence-room', { config: { presence: { key: ann.id }, broadcast: { self: false } } });
  const benRoom = ben.client.channel('presence-room', { config: { presence: { key: ben.id } } });
  const leaves = [];
  const typing = [];
  const annTyping = [];
  benRoom.on('presence', { event: 'leave' }, ({ key }) => leaves.push(key));
  benRoom.on('broadcast', { event: 'typing' }, ({ payload }) => typing.push(payload));
  annRoom.on('broadcast', { event: 'typing' }, ({ payload }) => annTyping.push(payload));
  await Promise.all([subscribe(annRoom), subscribe(benRoom)]);

  await annRoom.track({ username: 'ann', online_at: 'now' });
  await benRoom.track({ username: 'ben' });
  await waitFor(() => Object.keys(benRoom.presenceState()).length === 2, 'both users in presence');
  assert.equal(benRoom.presenceState()[ann.id][0].username, 'ann');

  assert.equal(await annRoom.send({ type: 'broadcast', event: 'typing', payload: { user: 'ann', typing: true } }), 'ok');
  await waitFor(() => typing.length === 1, 'the typing broadcast');
  assert.deepEqual(typing, [{ user: 'ann', typing: true }]);
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(annTyping, [], 'self: false keeps the sender\'s own broadcast away');

  await annRoom.untrack();
  await waitFor(() => leaves.includes(ann.id), 'ann leaving presence');
  assert.deepEqual(Object.keys(benRoom.presenceState()), [ben.id]);
});
