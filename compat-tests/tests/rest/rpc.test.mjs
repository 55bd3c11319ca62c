// Functions through supabase-js rpc(): scalar, setof, table-returning with modifiers, void, GET, errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRest, ALICE } from './helpers.mjs';

let sb;
let db;
before(async () => {
  sb = await startRest();
  db = sb.client();
});
after(async () => { await sb?.stop(); });

test('scalar function with named args', async () => {
  const { data, error } = await db.rpc('add', { a: 2, b: 3 });
  assert.equal(error, null);
  assert.equal(data, 5);
});

test('function without args and with defaults', async () => {
  assert.equal((await db.rpc('hello')).data, 'hi');
  assert.equal((await db.rpc('greet', { name: 'Ann' })).data, 'Hello Ann');
  assert.equal((await db.rpc('greet', { name: 'Ann', greeting: 'Hi' })).data, 'Hi Ann');
});

test('rpc over GET', async () => {
  const { data, error } = await db.rpc('add', { a: 4, b: 5 }, { get: true });
  assert.equal(error, null);
  assert.equal(data, 9);
});

test('setof scalar and setof table with filters, order and embeds', async () => {
  assert.deepEqual((await db.rpc('numbers', { n: 3 })).data, [1, 2, 3]);
  const { data, error } = await db.rpc('posts_by', { author: ALICE }).select('title, users(name)').order('title', { ascending: false });
  assert.equal(error, null);
  assert.deepEqual(data, [{ title: 'World', users: { name: 'Alice' } }, { title: 'Hello', users: { name: 'Alice' } }]);
  const filtered = await db.rpc('posts_by', { author: ALICE }).select('title').eq('published', true);
  assert.deepEqual(filtered.data, [{ title: 'Hello' }]);
});

test('returns table, single composite, count', async () => {
  assert.deepEqual((await db.rpc('user_table', { min_age: 26 })).data, [{ name: 'Alice', age: 30 }]);
  const first = await db.rpc('first_post').select('title');
  assert.deepEqual(first.data, { title: 'Hello' });
  const counted = await db.rpc('numbers', { n: 5 }, { count: 'exact' });
  assert.equal(counted.count, 5);
});

test('void function', async () => {
  const { data, error, status } = await db.rpc('do_nothing');
  assert.equal(error, null);
  assert.equal(status, 204);
  assert.equal(data, null);
});

test('single unnamed json parameter gets the whole body', async () => {
  const { data } = await db.rpc('echo', { x: [1, 2] });
  assert.deepEqual(data, { x: [1, 2] });
});

test('variadic and array arguments', async () => {
  assert.equal((await db.rpc('sum_all', { nums: [4, 5] })).data, 9);
});

test('unknown function is PGRST202', async () => {
  const { error, status } = await db.rpc('add', { x: 1 });
  assert.equal(status, 404);
  assert.equal(error.code, 'PGRST202');
  assert.equal(error.message, 'Could not find the function public.add(x) in the schema cache');
});

test('raised exceptions pass through', async () => {
  const { error, status } = await db.rpc('fail');
  assert.equal(status, 400);
  assert.deepEqual(error, { code: 'P0001', details: 'det', hint: 'hin', message: 'boom' });
  assert.equal((await db.rpc('pay')).status, 402);
  const custom = await db.rpc('custom_error');
  assert.equal(custom.status, 418);
  assert.equal(custom.error.message, 'Custom');
});

test('a volatile function over GET is refused as read-only', async () => {
  const { error, status } = await db.rpc('add_tag', { name: 'viaget' }, { get: true });
  assert.equal(status, 405);
  assert.equal(error.code, '25006');
  const ok = await db.rpc('add_tag', { name: 'viapost' });
  assert.equal(ok.error, null);
  assert.equal(typeof ok.data, 'number');
});
