// Session-2 REST features through supabase-js (and raw HTTP where the client cannot express them):
// execution plans (.explain()), raw text/bytea RPC bodies, upsert statuses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRest } from './helpers.mjs';

let sb;
let db;
before(async () => {
  sb = await startRest({ PGRST_DB_PLAN_ENABLED: 'true', PGRST_DB_AGGREGATES_ENABLED: 'true' });
  await sb.sql(`
    create or replace function public.shout(text) returns text language sql as $$ select upper($1) || '!' $$;
    create or replace function public.byte_len(bytea) returns int language sql as $$ select length($1) $$;
    create or replace view public.post_list as select id as post_key, title as headline, author_id as writer from public.posts;
    create or replace view public.people as select id as person_id, name as full_name from public.users;
    grant select on public.post_list, public.people to anon, authenticated;
    create or replace function public.written_comments(public.users) returns setof public.comments language sql stable
      as $$ select * from public.comments where user_id = $1.id order by id $$;
    create or replace function public.writer(public.posts) returns setof public.users rows 1 language sql stable
      as $$ select * from public.users where id = $1.author_id $$;
    create or replace function public.adults() returns setof public.users language sql stable as $$ select * from public.users where age >= 18 $$;
    create table public.lim (id int primary key, state text);
    insert into public.lim select g, 'new' from generate_series(1, 4) g;
    grant all on public.lim to anon, authenticated, service_role;
    create table public.rpc_rows (id int primary key);
    insert into public.rpc_rows select generate_series(1, 4);
    grant all on public.rpc_rows to anon, authenticated, service_role;
    create or replace function public.delete_rpc_rows(upto int) returns setof public.rpc_rows language sql
      as $$ delete from public.rpc_rows where id <= upto returning * $$;
    create or replace function public.slow_capped() returns int language sql set statement_timeout = '150ms' as $$ select 1 from pg_sleep(5) $$;
    create or replace function public.isolated() returns text language sql set default_transaction_isolation = 'serializable'
      as $$ select current_setting('transaction_isolation') $$;
  `);
  db = sb.client(sb.serviceRoleKey);
});
after(async () => { await sb?.stop(); });

const rest = (path, init = {}) => fetch(`${sb.url}/rest/v1${path}`, {
  ...init, headers: { apikey: sb.anonKey, Authorization: `Bearer ${sb.serviceRoleKey}`, ...(init.headers ?? {}) },
});

test('explain() returns the JSON execution plan of the query', async () => {
  const { data, error } = await db.from('users').select('name').gt('age', 20).explain({ format: 'json' });
  assert.equal(error, null);
  assert.ok(Array.isArray(data));
  assert.ok(data[0].Plan['Node Type']);
  assert.match(JSON.stringify(data), /users/);
});

test('explain() as text with analyze runs the query', async () => {
  const { data, error } = await db.from('posts').select('title').explain({ analyze: true });
  assert.equal(error, null);
  assert.equal(typeof data, 'string');
  assert.match(data, /actual time=/);
});

test('raw text/plain body goes to a function taking one unnamed text parameter', async () => {
  const res = await rest('/rpc/shout', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'not {json}' });
  assert.equal(res.status, 200);
  assert.equal(await res.json(), 'NOT {JSON}!');
});

test('raw application/octet-stream body goes to a function taking one unnamed bytea parameter', async () => {
  const res = await rest('/rpc/byte_len', { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: new Uint8Array([0, 255, 1, 2, 3]) });
  assert.equal(res.status, 200);
  assert.equal(await res.json(), 5);
  const missing = await rest('/rpc/byte_len', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'x' });
  assert.equal(missing.status, 404);
  assert.equal((await missing.json()).code, 'PGRST202');
});

test('a function\'s SET statement_timeout and isolation level apply to the rpc call', async () => {
  const slow = await db.rpc('slow_capped');
  assert.equal(slow.error?.code, '57014');
  assert.equal(slow.status, 500);
  const { data, error } = await db.rpc('isolated');
  assert.equal(error, null);
  assert.equal(data, 'serializable');
});

test('aggregates inside an embed are computed per parent row', async () => {
  const { data, error } = await db.from('users').select('name, posts(count(), score.sum())').order('name');
  assert.equal(error, null);
  assert.deepEqual(data, [
    { name: 'Alice', posts: [{ count: 2, sum: 3.5 }] },
    { name: 'Bob', posts: [{ count: 1, sum: null }] },
    { name: 'Carol', posts: [{ count: 0, sum: null }] },
  ]);
});

test('a to-many spread turns the related columns into arrays (v13)', async () => {
  const { data, error } = await db.from('users').select('name, ...posts(title)').order('name').order('id', { referencedTable: 'posts' });
  assert.equal(error, null);
  assert.deepEqual(data, [
    { name: 'Alice', title: ['Hello', 'World'] },
    { name: 'Bob', title: ['Bonjour'] },
    { name: 'Carol', title: [] },
  ]);
});

test('embedding through views follows renamed columns, view to view', async () => {
  const { data, error } = await db.from('post_list').select('headline, people(full_name)').order('post_key');
  assert.equal(error, null);
  assert.deepEqual(data, [
    { headline: 'Hello', people: { full_name: 'Alice' } },
    { headline: 'World', people: { full_name: 'Alice' } },
    { headline: 'Bonjour', people: { full_name: 'Bob' } },
  ]);
  const back = await db.from('users').select('name, post_list(headline)').eq('name', 'Bob');
  assert.deepEqual(back.data, [{ name: 'Bob', post_list: [{ headline: 'Bonjour' }] }]);
});

test('computed relationships embed by function name (to-many, and SETOF ROWS 1 as to-one)', async () => {
  const { data, error } = await db.from('users').select('name, written_comments(body)').order('name');
  assert.equal(error, null);
  assert.deepEqual(data, [
    { name: 'Alice', written_comments: [{ body: 'thanks' }, { body: 'salut' }] },
    { name: 'Bob', written_comments: [{ body: 'nice' }] },
    { name: 'Carol', written_comments: [] },
  ]);
  const posts = await db.from('posts').select('title, writer(name)').order('id');
  assert.deepEqual(posts.data, [
    { title: 'Hello', writer: { name: 'Alice' } },
    { title: 'World', writer: { name: 'Alice' } },
    { title: 'Bonjour', writer: { name: 'Bob' } },
  ]);
});

test('table-valued function results embed their relationships', async () => {
  const { data, error } = await db.rpc('adults').select('name, posts(title), written_comments(body)').order('name');
  assert.equal(error, null);
  assert.deepEqual(data.map((u) => [u.name, u.posts.length, u.written_comments.length]), [['Alice', 2, 2], ['Bob', 1, 1]]);
});

test('update and delete with order + limit touch only the first rows (v12 limited writes)', async () => {
  const upd = await db.from('lim').update({ state: 'done' }).eq('state', 'new').order('id').limit(2).select('id');
  assert.equal(upd.error, null);
  assert.deepEqual(upd.data, [{ id: 1 }, { id: 2 }]);
  const del = await db.from('lim').delete().order('id', { ascending: false }).limit(1);
  assert.equal(del.error, null);
  assert.deepEqual((await sb.sql('select id, state from lim order by id')).rows, [{ id: 1, state: 'done' }, { id: 2, state: 'done' }, { id: 3, state: 'new' }]);
  const unordered = await db.from('lim').delete().limit(1);
  assert.equal(unordered.error.code, 'PGRST109');
});

test('raw outputs: text/plain and application/octet-stream for scalar results and single columns', async () => {
  const text = await rest('/rpc/shout', { method: 'POST', headers: { 'Content-Type': 'text/plain', Accept: 'text/plain' }, body: 'raw' });
  assert.equal(text.status, 200);
  assert.equal(text.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.equal(await text.text(), 'RAW!');
  const names = await rest('/users?select=name&order=name', { headers: { Accept: 'text/plain' } });
  assert.equal(await names.text(), 'AliceBobCarol');
  await sb.sql(`create or replace function public.raw_bytes() returns bytea language sql as $$ select '\\x00ff41'::bytea $$`);
  let bin;
  for (let i = 0; i < 50; i++) { // the new function appears with the schema cache reload
    bin = await rest('/rpc/raw_bytes', { headers: { Accept: 'application/octet-stream' } });
    if (bin.status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(bin.headers.get('content-type'), 'application/octet-stream');
  assert.deepEqual([...new Uint8Array(await bin.arrayBuffer())], [0, 255, 65]);
});

test('rpc with handling=strict and max-affected rolls back when the function returns too many rows', async () => {
  const res = await rest('/rpc/delete_rpc_rows', { method: 'POST', headers: { 'Content-Type': 'application/json', Prefer: 'handling=strict, max-affected=2' }, body: JSON.stringify({ upto: 3 }) });
  assert.equal(res.status, 400);
  assert.equal((await res.json()).code, 'PGRST124');
  assert.equal((await sb.sql('select count(*)::int as n from rpc_rows')).rows[0].n, 4);
  const { data, error } = await db.rpc('delete_rpc_rows', { upto: 1 });
  assert.equal(error, null);
  assert.deepEqual(data, [{ id: 1 }]);
});
