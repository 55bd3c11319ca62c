// More single-feature checks through supabase-js, as apps write them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRest, ALICE, BOB } from './helpers.mjs';

let sb;
let db;
let admin;
before(async () => {
  sb = await startRest();
  db = sb.client();
  admin = sb.client(sb.serviceRoleKey);
});
after(async () => { await sb?.stop(); });

test('head count with a filter', async () => {
  const { count, error, data } = await db.from('posts').select('*', { count: 'exact', head: true }).eq('published', true);
  assert.equal(error, null);
  assert.equal(data, null);
  assert.equal(count, 2);
});

test('planned count', async () => {
  const { count, error } = await db.from('users').select('name', { count: 'planned' });
  assert.equal(error, null);
  assert.equal(typeof count, 'number');
});

test('embedded count like apps write it', async () => {
  const { data, error } = await db.from('posts').select('title, comments(count)').eq('id', 1);
  assert.equal(error, null);
  assert.deepEqual(data, [{ title: 'Hello', comments: [{ count: 2 }] }]);
});

test('filter on a json field and contains on jsonb arrays', async () => {
  assert.deepEqual((await db.from('users').select('name').eq('data->>city', 'Paris')).data, [{ name: 'Alice' }]);
  assert.deepEqual((await db.from('users').select('name').contains('data', { langs: ['fr'] })).data, [{ name: 'Alice' }]);
});

test('is true on booleans', async () => {
  const { data } = await db.from('posts').select('title').is('published', true).order('id');
  assert.deepEqual(data.map((p) => p.title), ['Hello', 'Bonjour']);
});

test('timestamps compare as timestamps', async () => {
  const { data, error } = await db.from('posts').select('id').gt('created_at', '2000-01-01T00:00:00Z').lt('id', 4).order('id');
  assert.equal(error, null);
  assert.deepEqual(data.map((p) => p.id), [1, 2, 3]);
});

test('in with an empty list matches nothing', async () => {
  const { data, error } = await db.from('users').select('name').in('name', []);
  assert.equal(error, null);
  assert.deepEqual(data, []);
});

test('in with values containing commas, quotes and parentheses', async () => {
  await admin.from('tags').insert([{ name: 'a,b' }, { name: 'say "hi"' }, { name: 'f(x)' }]);
  const { data, error } = await db.from('tags').select('name').in('name', ['a,b', 'say "hi"', 'f(x)']).order('name');
  assert.equal(error, null);
  assert.deepEqual(data.map((t) => t.name), ['a,b', 'f(x)', 'say "hi"']);
});

test('unicode values round-trip', async () => {
  const { data, error } = await admin.from('tags').insert({ name: 'Zoë 東京 😀' }).select('name').single();
  assert.equal(error, null);
  assert.equal(data.name, 'Zoë 東京 😀');
  const found = await db.from('tags').select('name').eq('name', 'Zoë 東京 😀');
  assert.equal(found.data.length, 1);
});

test('not contains and neq on arrays', async () => {
  const { data } = await db.from('posts').select('title').not('tags', 'cs', '{a}').neq('tags', '{}').order('id');
  assert.deepEqual(data.map((p) => p.title), ['World']);
});

test('filter() with the in operator written by hand', async () => {
  const { data } = await db.from('users').select('name').filter('name', 'in', '("Alice","Bob")').order('name');
  assert.deepEqual(data.map((u) => u.name), ['Alice', 'Bob']);
});

test('or on an embedded resource (referencedTable)', async () => {
  const { data, error } = await db.from('posts').select('title, comments(body)').eq('id', 1).or('body.eq.nice,body.eq.zzz', { referencedTable: 'comments' });
  assert.equal(error, null);
  assert.deepEqual(data, [{ title: 'Hello', comments: [{ body: 'nice' }] }]);
});

test('inner embed filtered on the embedded column', async () => {
  const { data } = await db.from('posts').select('title, users!inner(name)').eq('users.name', 'Bob');
  assert.deepEqual(data, [{ title: 'Bonjour', users: { name: 'Bob' } }]);
});

test('order by several columns', async () => {
  const { data } = await db.from('posts').select('title').lt('id', 4).order('published', { ascending: false }).order('title');
  assert.deepEqual(data.map((p) => p.title), ['Bonjour', 'Hello', 'World']);
});

test('range past the end with a count is an error', async () => {
  const { error, status } = await db.from('users').select('name', { count: 'exact' }).range(10, 20);
  assert.equal(status, 416);
  assert.equal(error.code, 'PGRST103');
});

test('maybeSingle with several rows is PGRST116', async () => {
  const { error } = await db.from('users').select('name').maybeSingle();
  assert.equal(error.code, 'PGRST116');
});

test('insert with defaultToNull: false uses column defaults', async () => {
  const { data, error } = await admin.from('posts').insert([{ title: 'd1', published: true }, { title: 'd2' }], { defaultToNull: false }).select('title, published');
  assert.equal(error, null);
  assert.deepEqual(data, [{ title: 'd1', published: true }, { title: 'd2', published: false }]);
});

test('defaultToNull: false gives identity columns their next value (BY DEFAULT and ALWAYS)', async () => {
  await sb.sql(`create table public.ident_default (id bigint generated by default as identity (start with 100) primary key, label text);
    create table public.ident_always (id int generated always as identity (start with 500) primary key, label text);
    grant all on public.ident_default, public.ident_always to service_role`);
  const byDefault = await admin.from('ident_default').insert([{ label: 'a' }, { id: 7, label: 'b' }], { defaultToNull: false }).select('id, label');
  assert.equal(byDefault.error, null);
  assert.deepEqual(byDefault.data, [{ id: 100, label: 'a' }, { id: 7, label: 'b' }]);
  const always = await admin.from('ident_always').insert([{ label: 'x' }, { label: 'y' }], { defaultToNull: false }).select('id, label');
  assert.equal(always.error, null);
  assert.deepEqual(always.data, [{ id: 500, label: 'x' }, { id: 501, label: 'y' }]);
});

test('update and delete with count', async () => {
  await admin.from('tags').insert([{ id: 3000, name: 'cnt1' }, { id: 3001, name: 'cnt2' }]);
  const upd = await admin.from('tags').update({ name: 'cnt' }, { count: 'exact' }).eq('id', 3000);
  assert.equal(upd.error, null);
  assert.equal(upd.count, 1);
  const del = await admin.from('tags').delete({ count: 'exact' }).in('id', [3000, 3001]);
  assert.equal(del.count, 2);
});

test('rpc head with count', async () => {
  const { count, error, data } = await db.rpc('numbers', { n: 4 }, { head: true, count: 'exact' });
  assert.equal(error, null);
  assert.equal(count, 4);
  assert.equal(data, null);
});

test('rpc with single() on a set', async () => {
  const { data, error } = await db.rpc('posts_by', { author: BOB }).select('title').single();
  assert.equal(error, null);
  assert.deepEqual(data, { title: 'Bonjour' });
});

test('rpc with filters on RETURNS TABLE', async () => {
  const { data } = await db.rpc('user_table', { min_age: 0 }).lt('age', 30);
  assert.deepEqual(data, [{ name: 'Bob', age: 25 }]);
});

test('upsert a single row returns it', async () => {
  const { data, error } = await admin.from('profiles').upsert({ id: ALICE, bio: 'updated bio' }).select().single();
  assert.equal(error, null);
  assert.deepEqual(data, { id: ALICE, bio: 'updated bio' });
});

test('select with newlines and spaces in the column list', async () => {
  const { data, error } = await db.from('users').select(`
    name,
    posts (
      title
    )
  `).eq('id', BOB);
  assert.equal(error, null);
  assert.deepEqual(data, [{ name: 'Bob', posts: [{ title: 'Bonjour' }] }]);
});

test('filters on an embed that is not selected give PGRST108', async () => {
  const { error, status } = await db.from('posts').select('title').eq('comments.body', 'x');
  assert.equal(status, 400);
  assert.equal(error.code, 'PGRST108');
});

test('insert into a view', async () => {
  const { error } = await admin.from('published_posts').insert({ title: 'via view' });
  assert.equal(error, null);
  assert.equal((await sb.sql("select count(*)::int n from posts where title = 'via view'")).rows[0].n, 1);
});

test('a foreign key violation is 409 23503', async () => {
  const { error, status } = await admin.from('comments').insert({ post_id: 99999, body: 'x' });
  assert.equal(status, 409);
  assert.equal(error.code, '23503');
});

test('a DDL change made while running is served on the next request', async () => {
  await sb.sql('alter table public.tags add column color text default \'blue\'');
  const { data, error } = await db.from('tags').select('name, color').eq('name', 'sql');
  assert.equal(error, null);
  assert.deepEqual(data, [{ name: 'sql', color: 'blue' }]);
  await sb.sql('create function public.triple(x int) returns int language sql immutable as \'select x * 3\'');
  assert.equal((await db.rpc('triple', { x: 5 })).data, 15);
});
