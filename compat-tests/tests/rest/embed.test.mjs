// Resource embedding through supabase-js: every cardinality, aliases, hints, !inner, spreads, embedded modifiers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRest, BOB } from './helpers.mjs';

let sb;
let db;
before(async () => {
  sb = await startRest();
  db = sb.client();
});
after(async () => { await sb?.stop(); });

test('many-to-one embeds an object', async () => {
  const { data, error } = await db.from('posts').select('title, users(name)').eq('id', 1);
  assert.equal(error, null);
  assert.deepEqual(data, [{ title: 'Hello', users: { name: 'Alice' } }]);
});

test('many-to-one with no parent row gives null', async () => {
  await sb.sql("insert into posts (id, title) values (100, 'orphan')");
  const { data } = await db.from('posts').select('title, users(name)').eq('id', 100);
  assert.deepEqual(data, [{ title: 'orphan', users: null }]);
});

test('one-to-many embeds an array, empty when none', async () => {
  const { data } = await db.from('posts').select('title, comments(body)').in('id', [1, 2]).order('id').order('body', { referencedTable: 'comments' });
  assert.deepEqual(data, [
    { title: 'Hello', comments: [{ body: 'nice' }, { body: 'thanks' }] },
    { title: 'World', comments: [] },
  ]);
});

test('embedded filters, order and limit (referencedTable)', async () => {
  const { data } = await db.from('posts').select('title, comments(body)').eq('id', 1)
    .order('body', { referencedTable: 'comments', ascending: false }).limit(1, { referencedTable: 'comments' });
  assert.deepEqual(data, [{ title: 'Hello', comments: [{ body: 'thanks' }] }]);
  const filtered = await db.from('posts').select('title, comments(body)').eq('id', 1).eq('comments.body', 'nice');
  assert.deepEqual(filtered.data, [{ title: 'Hello', comments: [{ body: 'nice' }] }]);
});

test('many-to-many through a junction table', async () => {
  const { data } = await db.from('posts').select('title, tags(name)').eq('id', 1).order('name', { referencedTable: 'tags' });
  assert.deepEqual(data, [{ title: 'Hello', tags: [{ name: 'dotnet' }, { name: 'sql' }] }]);
  const reverse = await db.from('tags').select('name, posts(title)').eq('name', 'web');
  assert.deepEqual(reverse.data, [{ name: 'web', posts: [{ title: 'Bonjour' }] }]);
});

test('one-to-one embeds an object both ways', async () => {
  const { data } = await db.from('users').select('name, profiles(bio)').eq('name', 'Alice');
  assert.deepEqual(data, [{ name: 'Alice', profiles: { bio: 'likes sql' } }]);
  const back = await db.from('profiles').select('bio, users(name)');
  assert.deepEqual(back.data, [{ bio: 'likes sql', users: { name: 'Alice' } }]);
});

test('nested embeds with aliases', async () => {
  const { data, error } = await db.from('users').select('name, writings:posts(title, comments(body, author:users(name)))').eq('id', BOB);
  assert.equal(error, null);
  assert.deepEqual(data, [{ name: 'Bob', writings: [{ title: 'Bonjour', comments: [{ body: 'salut', author: { name: 'Alice' } }] }] }]);
});

test('!inner filters the parents', async () => {
  const { data } = await db.from('posts').select('title, comments!inner(body)').eq('comments.body', 'salut');
  assert.deepEqual(data, [{ title: 'Bonjour', comments: [{ body: 'salut' }] }]);
});

test('empty embed with is null / not is null (anti and semi join)', async () => {
  const none = await db.from('posts').select('title, comments()').is('comments', null).lt('id', 100).order('id');
  assert.deepEqual(none.data, [{ title: 'World' }]);
  const some = await db.from('posts').select('title, comments()').not('comments', 'is', null).order('id');
  assert.deepEqual(some.data, [{ title: 'Hello' }, { title: 'Bonjour' }]);
});

test('ambiguous embeds are PGRST201 and hints resolve them', async () => {
  const bad = await db.from('messages').select('body, users(name)');
  assert.equal(bad.status, 300);
  assert.equal(bad.error.code, 'PGRST201');
  assert.equal(bad.error.details.length, 2);
  const { data, error } = await db.from('messages').select('body, sender:users!sender_id(name), receiver:users!messages_receiver_id_fkey(name)');
  assert.equal(error, null);
  assert.deepEqual(data, [{ body: 'hi bob', sender: { name: 'Alice' }, receiver: { name: 'Bob' } }]);
});

test('no relationship is PGRST200', async () => {
  const { error, status } = await db.from('tags').select('name, users(name)');
  assert.equal(status, 400);
  assert.equal(error.code, 'PGRST200');
  assert.equal(error.message, "Could not find a relationship between 'tags' and 'users' in the schema cache");
});

test('spread flattens a to-one embed', async () => {
  const { data } = await db.from('posts').select('title, ...users(author:name)').eq('id', 3);
  assert.deepEqual(data, [{ title: 'Bonjour', author: 'Bob' }]);
});

test('order by a to-one embedded column', async () => {
  const { data } = await db.from('posts').select('title, users(name)').lt('id', 100).order('users(name)', { ascending: false }).order('id');
  assert.deepEqual(data.map((p) => p.title), ['Bonjour', 'Hello', 'World']);
});

test('embedding on a view-free table with count', async () => {
  const { data, count } = await db.from('users').select('name, posts(id)', { count: 'exact' }).order('name');
  assert.equal(count, 3);
  assert.deepEqual(data.map((u) => u.posts.length), [2, 1, 0]);
});

test('views embed through their base table foreign keys', async () => {
  const { data, error } = await db.from('published_posts').select('title, users(name)').order('id');
  assert.equal(error, null);
  assert.deepEqual(data, [{ title: 'Hello', users: { name: 'Alice' } }, { title: 'Bonjour', users: { name: 'Bob' } }]);
  const back = await db.from('users').select('name, published_posts(title)').eq('name', 'Bob');
  assert.deepEqual(back.data, [{ name: 'Bob', published_posts: [{ title: 'Bonjour' }] }]);
});
