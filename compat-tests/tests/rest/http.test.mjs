// Raw HTTP for what supabase-js cannot express: Range, CSV bodies, OpenAPI, OPTIONS, Prefer tx/timezone,
// nulls=stripped, media-type and parse errors, aggregates and the PGRST_* environment settings.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRest } from './helpers.mjs';

let sb;
let headers;
before(async () => {
  sb = await startRest({
    PGRST_DB_TX_END: 'commit-allow-override',
    PGRST_DB_AGGREGATES_ENABLED: 'true',
    PGRST_DB_MAX_ROWS: '50',
  });
  headers = { apikey: sb.anonKey, Authorization: `Bearer ${sb.serviceRoleKey}` };
});
after(async () => { await sb?.stop(); });

const rest = (path, init = {}) => fetch(`${sb.url}/rest/v1${path}`, { ...init, headers: { ...headers, ...(init.headers ?? {}) } });

test('Range header pages and Content-Range reports it', async () => {
  const res = await rest('/users?select=name&order=name', { headers: { Range: '1-2', Prefer: 'count=exact' } });
  assert.equal(res.status, 206);
  assert.equal(res.headers.get('content-range'), '1-2/3');
  assert.deepEqual(await res.json(), [{ name: 'Bob' }, { name: 'Carol' }]);
  const open = await rest('/users?select=name&order=name', { headers: { Range: '2-' } });
  assert.deepEqual(await open.json(), [{ name: 'Carol' }]);
  const past = await rest('/users?offset=10', { headers: { Prefer: 'count=exact' } });
  assert.equal(past.status, 416);
  assert.equal((await past.json()).code, 'PGRST103');
});

test('db-max-rows caps reads', async () => {
  await sb.sql('insert into ranges (r) select int4range(g, g + 1) from generate_series(100, 160) g');
  const res = await rest('/ranges?select=id', { headers: { Prefer: 'count=exact' } });
  const rows = await res.json();
  assert.equal(rows.length, 50);
  assert.equal(res.headers.get('content-range'), '0-49/63');
});

test('CSV request body and CSV response', async () => {
  const post = await rest('/tags', { method: 'POST', headers: { 'Content-Type': 'text/csv' }, body: 'id,name\n2000,csv-a\n2001,"csv,b"' });
  assert.equal(post.status, 201);
  const get = await rest('/tags?id=gte.2000&select=id,name&order=id', { headers: { Accept: 'text/csv' } });
  assert.match(get.headers.get('content-type'), /^text\/csv/);
  assert.equal(await get.text(), 'id,name\n2000,csv-a\n2001,"csv,b"');
});

test('form-urlencoded body', async () => {
  const res = await rest('/tags', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Prefer: 'return=representation' }, body: 'id=2100&name=form%20tag' });
  assert.equal(res.status, 201);
  assert.deepEqual(await res.json(), [{ id: 2100, name: 'form tag' }]);
});

test('OpenAPI document at the root', async () => {
  const res = await rest('/');
  assert.equal(res.status, 200);
  const doc = await res.json();
  assert.equal(doc.swagger, '2.0');
  assert.ok(doc.paths['/users']);
  assert.ok(doc.paths['/rpc/add']);
  assert.equal(doc.definitions.posts.properties.id.format, 'integer');
});

test('OPTIONS answers Allow', async () => {
  const res = await rest('/tags', { method: 'OPTIONS' });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('allow'), 'OPTIONS,GET,HEAD,POST,PUT,PATCH,DELETE');
});

test('Prefer tx=rollback undoes the write but returns it', async () => {
  const res = await rest('/tags?select=name', { method: 'POST', headers: { Prefer: 'return=representation,tx=rollback', 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'ghost' }) });
  assert.equal(res.status, 201);
  assert.deepEqual(await res.json(), [{ name: 'ghost' }]);
  assert.match(res.headers.get('preference-applied'), /tx=rollback/);
  assert.equal((await sb.sql("select count(*)::int n from tags where name = 'ghost'")).rows[0].n, 0);
});

test('Prefer timezone applies to timestamptz output', async () => {
  const res = await rest('/posts?select=created_at&id=eq.1', { headers: { Prefer: 'timezone=Asia/Tokyo' } });
  const [{ created_at: at }] = await res.json();
  assert.match(at, /\+09:00$/);
});

test('nulls=stripped drops null fields', async () => {
  const res = await rest('/users?select=name,age&name=eq.Carol', { headers: { Accept: 'application/vnd.pgrst.array+json;nulls=stripped' } });
  assert.deepEqual(await res.json(), [{ name: 'Carol' }]);
});

test('PUT upserts a row by primary key', async () => {
  const res = await rest('/tags?id=eq.2200', { method: 'PUT', headers: { 'Content-Type': 'application/json', Prefer: 'return=representation' }, body: JSON.stringify({ id: 2200, name: 'put' }) });
  assert.equal(res.status, 201); // inserted (PostgREST v12)
  assert.deepEqual(await res.json(), [{ id: 2200, name: 'put' }]);
  const replaced = await rest('/tags?id=eq.2200', { method: 'PUT', headers: { 'Content-Type': 'application/json', Prefer: 'return=representation' }, body: JSON.stringify({ id: 2200, name: 'put2' }) });
  assert.equal(replaced.status, 200);
  assert.deepEqual(await replaced.json(), [{ id: 2200, name: 'put2' }]);
});

test('unsupported media type is 406 PGRST107, bad select is 400 PGRST100', async () => {
  const media = await rest('/users', { headers: { Accept: 'application/xml' } });
  assert.equal(media.status, 406);
  assert.equal((await media.json()).code, 'PGRST107');
  const parse = await rest('/users?select=name,');
  assert.equal(parse.status, 400);
  const body = await parse.json();
  assert.equal(body.code, 'PGRST100');
  assert.match(body.message, /failed to parse select parameter/);
});

test('aggregates with implicit grouping when enabled', async () => {
  const res = await rest('/posts?select=author_id,count(),score.sum()&author_id=not.is.null&order=author_id');
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), [
    { author_id: '11111111-1111-1111-1111-111111111111', count: 2, sum: 3.5 },
    { author_id: '22222222-2222-2222-2222-222222222222', count: 1, sum: null },
  ]);
});

test('response headers/status set from SQL', async () => {
  const res = await rest('/rpc/set_headers', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
  assert.equal(res.status, 202);
  assert.equal(res.headers.get('x-hello'), 'world');
});

test('missing apikey is refused by the gateway', async () => {
  const res = await fetch(`${sb.url}/rest/v1/users`);
  assert.equal(res.status, 401);
});
