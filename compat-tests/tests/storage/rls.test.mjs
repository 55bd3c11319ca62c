// Storage authorization is RLS on storage.objects: the classic own-folder policies, through supabase-js with user JWTs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startSupacs } from '../../lib/supacs.mjs';

let sb;
let alice;
let bob;
const aliceId = randomUUID();
const bobId = randomUUID();

before(async () => {
  sb = await startSupacs();
  await sb.sql(`
    insert into storage.buckets (id, name, public) values ('avatars', 'avatars', false);
    create policy "read own" on storage.objects for select to authenticated
      using (bucket_id = 'avatars' and auth.uid()::text = (storage.foldername(name))[1]);
    create policy "insert own" on storage.objects for insert to authenticated
      with check (bucket_id = 'avatars' and auth.uid()::text = (storage.foldername(name))[1]);
    create policy "update own" on storage.objects for update to authenticated
      using (bucket_id = 'avatars' and auth.uid()::text = (storage.foldername(name))[1]);
    create policy "delete own" on storage.objects for delete to authenticated
      using (bucket_id = 'avatars' and auth.uid()::text = (storage.foldername(name))[1]);
    create policy "see buckets" on storage.buckets for select to authenticated using (true);
  `);
  alice = sb.client(sb.anonKey, await sb.tokenFor(aliceId)).storage.from('avatars');
  bob = sb.client(sb.anonKey, await sb.tokenFor(bobId)).storage.from('avatars');
});
after(async () => { await sb?.stop(); });

test('anon is refused uploads and sees nothing', async () => {
  const anon = sb.client().storage.from('avatars');
  const up = await anon.upload(`${aliceId}/x.png`, Buffer.from('x'), { contentType: 'image/png' });
  assert.equal(up.error.statusCode, '403');
  assert.equal(up.error.message, 'new row violates row-level security policy');
  assert.deepEqual((await anon.list(aliceId)).data, []);
  assert.deepEqual((await sb.client().storage.listBuckets()).data, []);
});

test('a user uploads, lists, downloads, updates and removes in their own folder', async () => {
  const up = await alice.upload(`${aliceId}/avatar.png`, Buffer.from('me'), { contentType: 'image/png' });
  assert.equal(up.error, null);
  const { rows } = await sb.sql('select owner::text, owner_id from storage.objects where name = $1', [`${aliceId}/avatar.png`]);
  assert.deepEqual(rows[0], { owner: aliceId, owner_id: aliceId });

  assert.deepEqual((await alice.list(aliceId)).data.map((o) => o.name), ['avatar.png']);
  assert.equal(await (await alice.download(`${aliceId}/avatar.png`)).data.text(), 'me');

  const upsert = await alice.upload(`${aliceId}/avatar.png`, Buffer.from('me2'), { contentType: 'image/png', upsert: true });
  assert.equal(upsert.error, null);
  assert.equal(await (await alice.download(`${aliceId}/avatar.png`)).data.text(), 'me2');

  const signed = await alice.createSignedUrl(`${aliceId}/avatar.png`, 60);
  assert.equal(await (await fetch(signed.data.signedUrl)).text(), 'me2');

  const moved = await alice.move(`${aliceId}/avatar.png`, `${aliceId}/old/avatar.png`);
  assert.equal(moved.error, null);
  const removed = await alice.remove([`${aliceId}/old/avatar.png`]);
  assert.equal(removed.data.length, 1);
});

test('a user cannot write, read, sign, move or delete in another user\'s folder', async () => {
  assert.equal((await alice.upload(`${aliceId}/private.png`, Buffer.from('p'), { contentType: 'image/png' })).error, null);

  const intrude = await bob.upload(`${aliceId}/evil.png`, Buffer.from('e'), { contentType: 'image/png' });
  assert.equal(intrude.error.statusCode, '403');
  const peek = await bob.download(`${aliceId}/private.png`);
  assert.ok(peek.error);
  assert.deepEqual((await bob.list(aliceId)).data, []);
  const sign = await bob.createSignedUrl(`${aliceId}/private.png`, 60);
  assert.equal(sign.error.statusCode, '404');
  const steal = await bob.move(`${aliceId}/private.png`, `${bobId}/stolen.png`);
  assert.ok(steal.error);
  const removed = await bob.remove([`${aliceId}/private.png`]);
  assert.deepEqual(removed.data, []);
  const copy = await bob.copy(`${aliceId}/private.png`, `${bobId}/copy.png`);
  assert.ok(copy.error);

  const { rows } = await sb.sql("select name from storage.objects where bucket_id = 'avatars' order by name");
  assert.deepEqual(rows.map((r) => r.name), [`${aliceId}/private.png`]);
});
