// A second Lovable-style app: the app_role / user_roles / has_role() pattern, a blog whose drafts are private,
// an embedded author, paging with counts, a public image bucket and an admin-only edge function — all through
// supabase-js exactly as the generated front end calls it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createClient } from '@supabase/supabase-js';
import { startSupacs, fixturesDir } from '../../lib/supacs.mjs';

let sb;
let service;
let admin;
let writer;
let anon;
let adminId;
let writerId;

const options = { auth: { persistSession: false, autoRefreshToken: false } };
const newClient = () => createClient(sb.url, sb.anonKey, options);

before(async () => {
  sb = await startSupacs({ projectDir: join(fixturesDir, 'app-roles') });
  service = createClient(sb.url, sb.serviceRoleKey, options);
  admin = newClient();
  writer = newClient();
  anon = newClient();
  const a = await admin.auth.signUp({ email: 'admin@example.com', password: 'admin-password-1', options: { data: { username: 'root' } } });
  assert.equal(a.error, null);
  adminId = a.data.user.id;
  const w = await writer.auth.signUp({ email: 'writer@example.com', password: 'writer-password-1', options: { data: { username: 'scribe' } } });
  assert.equal(w.error, null);
  writerId = w.data.user.id;
});
after(async () => {
  await sb?.stop();
});

test('the sign-up trigger gives every user the user role, and a service-role client grants admin', async () => {
  const own = await writer.from('user_roles').select('role');
  assert.equal(own.error, null);
  assert.deepEqual(own.data, [{ role: 'user' }]);

  const granted = await service.from('user_roles').insert({ user_id: adminId, role: 'admin' }).select('role').single();
  assert.equal(granted.error, null);
  assert.equal(granted.data.role, 'admin');

  const dup = await service.from('user_roles').insert({ user_id: adminId, role: 'admin' });
  assert.equal(dup.error?.code, '23505');

  // The writer sees only their own role row; the admin sees everyone's through has_role() in the policy.
  assert.equal((await writer.from('user_roles').select('*')).data.length, 1);
  const all = await admin.from('user_roles').select('user_id, role').order('role');
  assert.equal(all.error, null);
  assert.equal(all.data.length, 3);
});

test('has_role answers through rpc for the caller and refuses a value outside the enum', async () => {
  const yes = await admin.rpc('has_role', { _user_id: adminId, _role: 'admin' });
  assert.equal(yes.error, null);
  assert.equal(yes.data, true);
  const no = await writer.rpc('has_role', { _user_id: writerId, _role: 'admin' });
  assert.equal(no.data, false);
  const bad = await writer.rpc('has_role', { _user_id: writerId, _role: 'superuser' });
  assert.equal(bad.error?.code, '22P02');
  assert.match(bad.error.message, /invalid input value for enum app_role/);
});

test('drafts are private to their author and admins; published posts are public with the author embedded', async () => {
  const rows = [
    { author_id: writerId, title: 'Hello world', body: 'first', published: true, tags: ['intro'] },
    { author_id: writerId, title: 'Work in progress', published: false },
    { author_id: writerId, title: 'Second post', body: 'more', published: true, tags: ['intro', 'news'] },
  ];
  // supabase-js sends the union of the keys as columns=; a key missing from one row is NULL unless the app
  // asks for defaults (defaultToNull: false → Prefer: missing=default), exactly as with PostgREST.
  const nulls = await writer.from('posts').insert(rows);
  assert.equal(nulls.error?.code, '23502');
  assert.equal((await writer.from('posts').select('id')).data.length, 0, 'the failed batch wrote nothing');
  const inserted = await writer.from('posts').insert(rows, { defaultToNull: false }).select('id, title');
  assert.equal(inserted.error, null);
  assert.equal(inserted.data.length, 3);

  const forged = await writer.from('posts').insert({ author_id: adminId, title: 'Not mine', published: true });
  assert.equal(forged.error?.code, '42501');
  assert.match(forged.error.message, /row-level security policy for table "posts"/);

  const tooLong = await writer.from('posts').insert({ author_id: writerId, title: 'x'.repeat(201) });
  assert.equal(tooLong.error?.code, '23514');

  const publicFeed = await anon.from('posts')
    .select('title, tags, author:profiles(username)', { count: 'exact' })
    .eq('published', true)
    .order('title', { ascending: true })
    .range(0, 0);
  assert.equal(publicFeed.error, null);
  assert.equal(publicFeed.count, 2);
  assert.deepEqual(publicFeed.data, [{ title: 'Hello world', tags: ['intro'], author: { username: 'scribe' } }]);

  assert.equal((await anon.from('posts').select('id')).data.length, 2);
  assert.equal((await writer.from('posts').select('id')).data.length, 3);
  assert.equal((await admin.from('posts').select('id')).data.length, 3);

  const tagged = await anon.from('posts').select('title').contains('tags', ['news']);
  assert.deepEqual(tagged.data, [{ title: 'Second post' }]);
  const search = await anon.from('posts').select('title').ilike('title', '%WORLD%');
  assert.deepEqual(search.data, [{ title: 'Hello world' }]);
});

test('profiles: updates bump updated_at through the trigger; maybeSingle on a missing row is null', async () => {
  const before = await writer.from('profiles').select('updated_at').eq('id', writerId).single();
  await new Promise((r) => setTimeout(r, 20));
  const updated = await writer.from('profiles').update({ avatar_url: 'https://example.com/a.png' }).eq('id', writerId).select().single();
  assert.equal(updated.error, null);
  assert.equal(updated.data.avatar_url, 'https://example.com/a.png');
  assert.ok(new Date(updated.data.updated_at) > new Date(before.data.updated_at));

  // RLS makes another user's profile a no-op update, not an error.
  const other = await writer.from('profiles').update({ username: 'hijack' }).eq('id', adminId).select();
  assert.equal(other.error, null);
  assert.deepEqual(other.data, []);
  assert.equal((await anon.from('profiles').select('username').eq('id', adminId).single()).data.username, 'root');

  const taken = await writer.from('profiles').update({ username: 'root' }).eq('id', writerId);
  assert.equal(taken.error?.code, '23505');

  const missing = await anon.from('profiles').select('*').eq('id', '00000000-0000-0000-0000-000000000000').maybeSingle();
  assert.equal(missing.error, null);
  assert.equal(missing.data, null);

  const notOne = await anon.from('profiles').select('*').single();
  assert.equal(notOne.error?.code, 'PGRST116');
});

test('updateUser changes metadata and fires USER_UPDATED', async () => {
  const events = [];
  const { data: { subscription } } = writer.auth.onAuthStateChange((event) => events.push(event));
  const { data, error } = await writer.auth.updateUser({ data: { username: 'scribe', theme: 'dark' } });
  assert.equal(error, null);
  assert.equal(data.user.user_metadata.theme, 'dark');
  assert.ok(events.includes('USER_UPDATED'), `events: ${events}`);
  subscription.unsubscribe();
  const { data: fresh } = await writer.auth.getUser();
  assert.equal(fresh.user.user_metadata.theme, 'dark');
});

test('the public bucket: the owner uploads into their folder, anyone fetches the public URL, limits hold', async () => {
  const png = new Blob([new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10, 9, 9])], { type: 'image/png' });
  const path = `${writerId}/cover.png`;
  const up = await writer.storage.from('post-images').upload(path, png, { contentType: 'image/png', upsert: true });
  assert.equal(up.error, null);

  const { data: { publicUrl } } = anon.storage.from('post-images').getPublicUrl(path);
  const res = await fetch(publicUrl);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/png');
  assert.equal((await res.arrayBuffer()).byteLength, 10);

  const elsewhere = await writer.storage.from('post-images').upload(`${adminId}/cover.png`, png, { contentType: 'image/png' });
  assert.ok(elsewhere.error);
  const asAnon = await anon.storage.from('post-images').upload('anon/cover.png', png, { contentType: 'image/png' });
  assert.ok(asAnon.error);

  const text = new Blob(['not an image'], { type: 'text/plain' });
  const wrongType = await writer.storage.from('post-images').upload(`${writerId}/notes.txt`, text, { contentType: 'text/plain' });
  assert.ok(wrongType.error);
  assert.match(wrongType.error.message, /mime type text\/plain is not supported/);

  const big = new Blob([new Uint8Array(1024 * 1024 + 1)], { type: 'image/png' });
  const tooBig = await writer.storage.from('post-images').upload(`${writerId}/big.png`, big, { contentType: 'image/png' });
  assert.ok(tooBig.error);
  assert.match(tooBig.error.message, /exceeded the maximum allowed size/);

  const listed = await anon.storage.from('post-images').list(writerId);
  assert.deepEqual(listed.data.map((o) => o.name), ['cover.png']);
});

test('the admin-only edge function checks the caller\'s role', async () => {
  const asWriter = await writer.functions.invoke('admin-stats');
  assert.equal(asWriter.error?.context?.status, 403);

  const asAdmin = await admin.functions.invoke('admin-stats');
  assert.equal(asAdmin.error, null);
  assert.deepEqual(asAdmin.data, { posts: 3, drafts: 1, users: 2 });

  const noToken = await fetch(`${sb.url}/functions/v1/admin-stats`, { method: 'POST' });
  assert.equal(noToken.status, 401);
});

test('deleting a user through the admin API cascades to their profile, roles and posts', async () => {
  const { error } = await service.auth.admin.deleteUser(writerId);
  assert.equal(error, null);
  assert.equal((await service.from('posts').select('id')).data.length, 0);
  assert.equal((await service.from('profiles').select('id').eq('id', writerId)).data.length, 0);
  assert.equal((await service.from('user_roles').select('id').eq('user_id', writerId)).data.length, 0);
});
