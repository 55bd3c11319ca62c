// One app, every module, one supabase-js client per user — the way a Lovable-generated app uses Supabase:
// sign-up (with the profiles trigger), RLS-protected rows, realtime on the owner's rows, a private avatar
// folder in storage, and an edge function that acts with the caller's JWT.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createClient } from '@supabase/supabase-js';
import { startSupacs, fixturesDir } from '../../lib/supacs.mjs';

let sb;
let alice;
let bob;
let aliceId;
let bobId;

function newClient() {
  return createClient(sb.url, sb.anonKey, { auth: { persistSession: false, autoRefreshToken: false } });
}

before(async () => {
  sb = await startSupacs({ projectDir: join(fixturesDir, 'app') });
  alice = newClient();
  bob = newClient();
});
after(async () => {
  await alice?.removeAllChannels();
  await bob?.removeAllChannels();
  await sb?.stop();
});

test('sign-up returns a session and the handle_new_user trigger makes a profile', async () => {
  const a = await alice.auth.signUp({ email: 'alice@example.com', password: 'alice-password-1', options: { data: { display_name: 'Alice' } } });
  assert.equal(a.error, null);
  assert.ok(a.data.session?.access_token, 'autoconfirm gives a session');
  aliceId = a.data.user.id;
  const b = await bob.auth.signUp({ email: 'bob@example.com', password: 'bob-password-1', options: { data: { display_name: 'Bob' } } });
  assert.equal(b.error, null);
  bobId = b.data.user.id;

  const { data, error } = await alice.from('profiles').select('id, display_name').single();
  assert.equal(error, null);
  assert.deepEqual(data, { id: aliceId, display_name: 'Alice' });
});

test('rows are written as the user and RLS hides them from others', async () => {
  const { data, error } = await alice.from('notes').insert({ body: 'first note' }).select().single();
  assert.equal(error, null);
  assert.equal(data.user_id, aliceId);

  const forged = await bob.from('notes').insert({ body: 'sneaky', user_id: aliceId });
  assert.equal(forged.error?.code, '42501');

  assert.deepEqual((await bob.from('notes').select('body')).data, []);
  assert.deepEqual((await newClient().from('notes').select('body')).data, []);
  assert.deepEqual((await alice.from('notes').select('body')).data, [{ body: 'first note' }]);
});

test('realtime delivers the owner\'s new rows and not another user\'s', async () => {
  const seenByAlice = [];
  const seenByBob = [];
  const subscribed = (client, seen) => new Promise((resolve, reject) => {
    client.channel(`notes-${Math.random()}`)
      .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'notes' }, (p) => seen.push(p.new.body))
      .subscribe((status, err) => {
        if (status === 'SUBSCRIBED') resolve();
        if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT') reject(err ?? new Error(status));
      });
  });
  await Promise.all([subscribed(alice, seenByAlice), subscribed(bob, seenByBob)]);

  const { error } = await alice.from('notes').insert({ body: 'live note' });
  assert.equal(error, null);
  const deadline = Date.now() + 15_000;
  while (!seenByAlice.includes('live note') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(seenByAlice, ['live note']);
  // Bob's channel saw the same commit; RLS must have filtered it out for him.
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(seenByBob, []);
});

test('storage keeps each user in their own folder', async () => {
  const png = new Blob([new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10, 1, 2, 3])], { type: 'image/png' });
  const up = await alice.storage.from('avatars').upload(`${aliceId}/avatar.png`, png, { contentType: 'image/png' });
  assert.equal(up.error, null);

  const intrude = await bob.storage.from('avatars').upload(`${aliceId}/evil.png`, png, { contentType: 'image/png' });
  assert.ok(intrude.error, 'bob cannot write into alice\'s folder');

  const mine = await alice.storage.from('avatars').download(`${aliceId}/avatar.png`);
  assert.equal(mine.error, null);
  assert.equal((await mine.data.arrayBuffer()).byteLength, 11);

  const theirs = await bob.storage.from('avatars').download(`${aliceId}/avatar.png`);
  assert.ok(theirs.error, 'bob cannot read alice\'s avatar');
  const listed = await bob.storage.from('avatars').list(aliceId);
  assert.deepEqual(listed.data ?? [], []);
});

test('an edge function acts with the caller\'s JWT', async () => {
  const { data, error } = await alice.functions.invoke('whoami');
  assert.equal(error, null);
  assert.deepEqual(data, { id: aliceId, email: 'alice@example.com', display_name: 'Alice', notes: 2 });

  const asBob = await bob.functions.invoke('whoami');
  assert.equal(asBob.error, null);
  assert.deepEqual(asBob.data, { id: bobId, email: 'bob@example.com', display_name: 'Bob', notes: 0 });
});

test('signing out ends the session server-side', async () => {
  const { data: { session } } = await alice.auth.getSession();
  assert.equal((await alice.auth.signOut()).error, null);
  const res = await fetch(`${sb.url}/auth/v1/user`, { headers: { apikey: sb.anonKey, Authorization: `Bearer ${session.access_token}` } });
  assert.equal(res.status, 403);
  assert.equal((await res.json()).error_code, 'session_not_found');
});
