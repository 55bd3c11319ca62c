// Writes through supabase-js: insert (object/array), upsert, update, delete, returning representations.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRest } from './helpers.mjs';

let sb;
let db;
before(async () => {
  sb = await startRest();
  db = sb.client(sb.serviceRoleKey);
});
after(async () => { await sb?.stop(); });

test('insert without select returns 201 and no data', async () => {
  const { data, error, status } = await db.from('tags').insert({ name: 'ins1' });
  assert.equal(error, null);
  assert.equal(status, 201);
  assert.equal(data, null);
  assert.equal((await sb.sql("select count(*)::int as n from tags where name = 'ins1'")).rows[0].n, 1);
});

test('insert an array and select it back', async () => {
  const { data, error } = await db.from('tags').insert([{ name: 'ins2' }, { name: 'ins3' }]).select('name');
  assert.equal(error, null);
  assert.deepEqual(data, [{ name: 'ins2' }, { name: 'ins3' }]);
});

test('insert an array whose objects have different keys fills nulls', async () => {
  const { data, error } = await db.from('posts').insert([{ title: 'k1', body: 'b' }, { title: 'k2' }]).select('title, body');
  assert.equal(error, null);
  assert.deepEqual(data, [{ title: 'k1', body: 'b' }, { title: 'k2', body: null }]);
});

test('insert with defaults and single()', async () => {
  const { data, error } = await db.from('posts').insert({ title: 'defaults' }).select('title, published, id').single();
  assert.equal(error, null);
  assert.equal(data.title, 'defaults');
  assert.equal(data.published, false);
  assert.equal(typeof data.id, 'number');
});

test('insert returning an embed', async () => {
  const { data, error } = await db.from('comments').insert({ post_id: 2, body: 'embedded' }).select('body, posts(title)').single();
  assert.equal(error, null);
  assert.deepEqual(data, { body: 'embedded', posts: { title: 'World' } });
});

test('insert violating a unique constraint is 409 23505', async () => {
  const { error, status } = await db.from('tags').insert({ name: 'sql' });
  assert.equal(status, 409);
  assert.equal(error.code, '23505');
  assert.match(error.message, /duplicate key value violates unique constraint "tags_name_key"/);
  assert.match(error.details, /Key \(name\)=\(sql\) already exists/);
});

test('insert violating not null is 400 23502', async () => {
  const { error, status } = await db.from('posts').insert({ body: 'no title' });
  assert.equal(status, 400);
  assert.equal(error.code, '23502');
});

test('insert of an unknown column is PGRST204', async () => {
  const { error } = await db.from('tags').insert({ nope: 1 });
  assert.equal(error.code, 'PGRST204');
  assert.equal(error.message, "Could not find the 'nope' column of 'tags' in the schema cache");
});

test('upsert merges duplicates on the primary key', async () => {
  await db.from('tags').insert({ id: 300, name: 'up-a' });
  const { data, error, status } = await db.from('tags').upsert([{ id: 300, name: 'up-a2' }, { id: 301, name: 'up-b' }]).select('id, name').order('id');
  assert.equal(error, null);
  assert.equal(status, 201);
  assert.deepEqual(data, [{ id: 300, name: 'up-a2' }, { id: 301, name: 'up-b' }]);
  // every row already there: nothing inserted, so 200 (PostgREST v12)
  const again = await db.from('tags').upsert([{ id: 300, name: 'up-a3' }, { id: 301, name: 'up-b2' }]).select('id, name').order('id');
  assert.equal(again.status, 200);
  assert.deepEqual(again.data, [{ id: 300, name: 'up-a3' }, { id: 301, name: 'up-b2' }]);
});

test('upsert with onConflict and ignoreDuplicates', async () => {
  const { data, error, status } = await db.from('tags').upsert({ id: 302, name: 'sql' }, { onConflict: 'name', ignoreDuplicates: true }).select('id');
  assert.equal(error, null);
  assert.equal(status, 201); // PostgREST v12 answers 200 only for merge-duplicates that inserted nothing

  assert.deepEqual(data, []);
  const merged = await db.from('tags').upsert({ id: 1, name: 'sql' }, { onConflict: 'name' }).select('id, name');
  assert.deepEqual(merged.data, [{ id: 1, name: 'sql' }]);
});

test('update with filters, with and without select', async () => {
  await db.from('tags').insert([{ id: 400, name: 'u-a' }, { id: 401, name: 'u-b' }]);
  const plain = await db.from('tags').update({ name: 'u-a2' }).eq('id', 400);
  assert.equal(plain.error, null);
  assert.equal(plain.status, 204);
  const { data } = await db.from('tags').update({ name: 'u-b2' }).eq('id', 401).select();
  assert.deepEqual(data, [{ id: 401, name: 'u-b2' }]);
  assert.equal((await sb.sql('select name from tags where id = 400')).rows[0].name, 'u-a2');
});

test('update matching nothing returns an empty array', async () => {
  const { data, error } = await db.from('tags').update({ name: 'zzz' }).eq('id', -1).select();
  assert.equal(error, null);
  assert.deepEqual(data, []);
});

test('delete with filters and returning', async () => {
  await db.from('tags').insert([{ id: 500, name: 'd-a' }, { id: 501, name: 'd-b' }]);
  const { data, error } = await db.from('tags').delete().in('id', [500, 501]).select('name').order('name');
  assert.equal(error, null);
  assert.deepEqual(data, [{ name: 'd-a' }, { name: 'd-b' }]);
  assert.equal((await sb.sql('select count(*)::int as n from tags where id in (500, 501)')).rows[0].n, 0);
});

test('insert count exact', async () => {
  const { count, error } = await db.from('tags').insert([{ name: 'c1' }, { name: 'c2' }], { count: 'exact' });
  assert.equal(error, null);
  assert.equal(count, 2);
});

test('single() on a multi-row update rolls it back', async () => {
  const { error, status } = await db.from('comments').update({ body: 'rolled' }).eq('post_id', 1).select().single();
  assert.equal(status, 406);
  assert.equal(error.code, 'PGRST116');
  assert.equal((await sb.sql("select count(*)::int as n from comments where body = 'rolled'")).rows[0].n, 0);
});

test('writes to the second schema with .schema()', async () => {
  const { data, error } = await db.schema('extra').from('items').insert({ label: 'new' }).select('label');
  assert.equal(error, null);
  assert.deepEqual(data, [{ label: 'new' }]);
});

test('a view keyed by its base table: upsert merges on the derived key, PUT and Location use it', async () => {
  await sb.sql('create table vk_items (shop int, sku text, label text, primary key (shop, sku))');
  await sb.sql("insert into vk_items values (1, 'a', 'apple')");
  await sb.sql('create view vk_items_v as select sku, label, shop as store from vk_items');
  await sb.sql('grant all on vk_items, vk_items_v to anon, authenticated, service_role');
  // supabase-js upsert without onConflict: the view's primary key (store, sku) is the conflict target.
  const up = await db.from('vk_items_v').upsert([{ store: 1, sku: 'a', label: 'avocado' }, { store: 2, sku: 'b', label: 'banana' }]).select().order('store');
  assert.equal(up.error, null);
  assert.equal(up.status, 201);
  assert.deepEqual(up.data, [{ sku: 'a', label: 'avocado', store: 1 }, { sku: 'b', label: 'banana', store: 2 }]);
  // Only existing keys: nothing inserted, 200 as PostgREST v12 (counted without xmax, which a view has not).
  const again = await db.from('vk_items_v').upsert({ store: 2, sku: 'b', label: 'blueberry' });
  assert.equal(again.error, null);
  assert.equal(again.status, 200);
  assert.deepEqual((await sb.sql('select shop, sku, label from vk_items order by shop')).rows,
    [{ shop: 1, sku: 'a', label: 'avocado' }, { shop: 2, sku: 'b', label: 'blueberry' }]);
  const ign = await db.from('vk_items_v').upsert({ store: 1, sku: 'a', label: 'ignored' }, { ignoreDuplicates: true }).select();
  assert.equal(ign.error, null);
  assert.deepEqual(ign.data, []);
  // PUT (raw HTTP: supabase-js has no PUT) needs exactly the key columns.
  const headers = { apikey: sb.serviceRoleKey, Authorization: `Bearer ${sb.serviceRoleKey}`, 'Content-Type': 'application/json' };
  // An array body as in PostgREST's examples: its first element is put.
  let res = await fetch(`${sb.url}/rest/v1/vk_items_v?store=eq.1&sku=eq.a`, { method: 'PUT', headers, body: JSON.stringify([{ sku: 'a', store: 1, label: 'apricot' }]) });
  assert.equal(res.status, 204);
  assert.equal((await sb.sql("select label from vk_items where shop = 1 and sku = 'a'")).rows[0].label, 'apricot');
  res = await fetch(`${sb.url}/rest/v1/vk_items_v?store=eq.1`, { method: 'PUT', headers, body: JSON.stringify({ sku: 'a', store: 1, label: 'x' }) });
  assert.equal(res.status, 405);
  assert.equal((await res.json()).code, 'PGRST105');
  res = await fetch(`${sb.url}/rest/v1/vk_items_v`, { method: 'POST', headers: { ...headers, Prefer: 'return=headers-only' }, body: JSON.stringify({ sku: 'c', store: 3, label: 'cherry' }) });
  assert.equal(res.status, 201);
  assert.equal(res.headers.get('location'), '/vk_items_v?sku=eq.c&store=eq.3');
});
