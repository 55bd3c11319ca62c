// PostgREST v12 media type handlers: domains named after media types, returned by aggregates over a table's rows
// (or anyelement) and by functions. supabase-js where it can say it (.csv() on an overridden text/csv, setHeader
// for a JSON-producing custom type, .rpc()); raw HTTP with the anon key for non-JSON bodies (HTML, TSV, bytes).
// The handlers are created at run time, so the schema cache has to pick them up after DDL. Also: .explain() of a
// custom media type (plans enabled here) and .stripNulls() corners.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRest, ALICE } from './helpers.mjs';

let sb;
before(async () => {
  sb = await startRest({ PGRST_DB_PLAN_ENABLED: 'true' });
  await sb.sql(`
    create domain "text/tab-separated-values" as text;
    create domain "text/csv" as text;
    create domain "text/html" as text;
    create domain "application/vnd.bin" as bytea;
    create domain "application/vnd.rows+json" as jsonb;
    create domain "*/*" as bytea;

    create table public.gadgets (id int primary key, name text not null, hidden boolean not null default false);
    insert into public.gadgets values (1, 'lamp', false), (2, 'radio', false), (3, 'safe', true);
    alter table public.gadgets enable row level security;
    create policy gadgets_anon on public.gadgets for select to anon using (not hidden);
    create policy gadgets_user on public.gadgets for all to authenticated using (true) with check (true);
    grant all on public.gadgets to anon, authenticated, service_role;

    create function public.gadgets_tsv_trans(state text, next public.gadgets) returns "text/tab-separated-values"
      language sql as $$ select (state || next.id || E'\\t' || next.name || E'\\n')::"text/tab-separated-values" $$;
    create aggregate public.gadgets_tsv_agg(public.gadgets) (initcond = '', stype = "text/tab-separated-values",
      sfunc = public.gadgets_tsv_trans);

    create function public.gadgets_csv_trans(state text, next public.gadgets) returns "text/csv"
      language sql as $$ select (state || next.id || ';' || upper(next.name) || E'\\n')::"text/csv" $$;
    create function public.gadgets_csv_final(data "text/csv") returns "text/csv" language sql as $$
      select set_config('response.headers', '[{"Content-Disposition": "attachment; filename=\\"gadgets.csv\\""}]', true);
      select (chr(65279) || 'ID;NAME' || E'\\n' || data)::"text/csv" $$;
    create aggregate public.gadgets_csv_agg(public.gadgets) (initcond = '', stype = "text/csv",
      sfunc = public.gadgets_csv_trans, finalfunc = public.gadgets_csv_final);

    create function public.gadgets_bin_trans(state "application/vnd.bin", next public.gadgets) returns "application/vnd.bin"
      language sql as $$ select (state || int2send(next.id::int2))::"application/vnd.bin" $$;
    create aggregate public.gadgets_bin_agg(public.gadgets) (initcond = '', stype = "application/vnd.bin", sfunc = public.gadgets_bin_trans);

    create function public.rows_trans(state "application/vnd.rows+json", next anyelement) returns "application/vnd.rows+json"
      language sql as $$ select (state || jsonb_build_array(to_jsonb(next)))::"application/vnd.rows+json" $$;
    create aggregate public.rows_agg(anyelement) (initcond = '[]', stype = "application/vnd.rows+json", sfunc = public.rows_trans);

    create function public.welcome(name text) returns "text/html" language sql stable as
      $$ select ('<h1>Welcome ' || name || '</h1>')::"text/html" $$;
    create function public.any_gadget_name(id int) returns "*/*" language plpgsql stable as $$
    begin
      perform set_config('response.headers', '[{"Content-Type": "text/plain; charset=utf-8"}]', true);
      return convert_to((select name from public.gadgets g where g.id = any_gadget_name.id), 'UTF8');
    end $$;
    grant execute on all functions in schema public to anon, authenticated;
  `);
});
after(async () => { await sb?.stop(); });

const rest = (path, headers = {}, init = {}) =>
  fetch(`${sb.url}/rest/v1${path}`, { ...init, headers: { apikey: sb.anonKey, Authorization: `Bearer ${sb.anonKey}`, ...headers } });

test('a table aggregate handler answers its media type; RLS hides rows from anon through it', async () => {
  const anon = await rest('/gadgets?order=id', { Accept: 'text/tab-separated-values' });
  assert.equal(anon.status, 200);
  assert.equal(anon.headers.get('content-type'), 'text/tab-separated-values');
  assert.equal(await anon.text(), '1\tlamp\n2\tradio\n');

  const token = await sb.tokenFor(ALICE);
  const user = await rest('/gadgets?order=id.desc&id=gte.2', { Accept: 'text/tab-separated-values', Authorization: `Bearer ${token}` });
  assert.equal(await user.text(), '3\tsafe\n2\tradio\n');

  // Only with the default select; otherwise nothing can produce it.
  const picked = await rest('/gadgets?select=name', { Accept: 'text/tab-separated-values' });
  assert.equal(picked.status, 406);
  assert.equal((await picked.json()).code, 'PGRST107');
});

test('supabase-js .csv() gets the overriding text/csv handler, other tables keep the built-in CSV', async () => {
  const { data, error, status } = await sb.client().from('gadgets').select().order('id').csv();
  assert.equal(error, null);
  assert.equal(status, 200);
  // fetch's text() drops the byte order mark the handler puts first; the raw bytes below keep it.
  assert.equal(data, 'ID;NAME\n1;LAMP\n2;RADIO\n');
  const res = await rest('/gadgets?id=eq.1', { Accept: 'text/csv' });
  assert.equal(res.headers.get('content-disposition'), 'attachment; filename="gadgets.csv"');
  assert.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8');
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), Buffer.from('\uFEFFID;NAME\n1;LAMP\n', 'utf8'));

  const users = await sb.client().from('users').select('name').order('name').csv();
  assert.equal(users.data, 'name\nAlice\nBob\nCarol');
});

test('supabase-js with a custom JSON media type (setHeader) through an anyelement aggregate', async () => {
  const { data, error, status } = await sb.client().from('users').select('name, age').order('name').limit(2)
    .setHeader('Accept', 'application/vnd.rows+json');
  assert.equal(error, null);
  assert.equal(status, 200);
  assert.deepEqual(data, [{ name: 'Alice', age: 30 }, { name: 'Bob', age: 25 }]);
  const anon = await sb.client().from('gadgets').select('id').order('id').setHeader('Accept', 'application/vnd.rows+json');
  assert.deepEqual(anon.data, [{ id: 1 }, { id: 2 }]);
});

test('binary handler sends the bytes', async () => {
  const res = await rest('/gadgets?order=id', { Accept: 'application/vnd.bin' });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/vnd.bin');
  assert.deepEqual([...new Uint8Array(await res.arrayBuffer())], [0, 1, 0, 2]);
});

test('a function returning a media type domain is a handler (rpc, q values, browser Accept)', async () => {
  const html = await rest('/rpc/welcome?name=Ann', { Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' });
  assert.equal(html.status, 200);
  assert.equal(html.headers.get('content-type'), 'text/html');
  assert.equal(await html.text(), '<h1>Welcome Ann</h1>');

  const preferJson = await rest('/rpc/welcome?name=Ann', { Accept: 'text/html;q=0.5, application/json' });
  assert.equal(await preferJson.json(), '<h1>Welcome Ann</h1>');

  // supabase-js rpc (POST, JSON) still gets the value as JSON.
  const { data, error } = await sb.client().rpc('welcome', { name: 'Bo' });
  assert.equal(error, null);
  assert.equal(data, '<h1>Welcome Bo</h1>');
});

test('a "*/*" function handler answers any Accept and names its own Content-Type', async () => {
  for (const accept of [undefined, 'text/plain', 'application/x-anything']) {
    const res = await rest('/rpc/any_gadget_name?id=2', accept ? { Accept: accept } : {});
    assert.equal(res.status, 200, accept);
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(await res.text(), 'radio');
  }
});

test('nothing matches: 406 PGRST107 naming the media types asked for', async () => {
  const res = await rest('/users', { Accept: 'application/x-nope' });
  assert.equal(res.status, 406);
  const body = await res.json();
  assert.equal(body.code, 'PGRST107');
  assert.equal(body.message, 'None of these media types are available: application/x-nope');
});

test('a handler created after start is used on the next request', async () => {
  const before = await rest('/tags?order=id', { Accept: 'text/x-names' });
  assert.equal(before.status, 406);
  await sb.sql(`
    create domain "text/x-names" as text;
    create function public.tag_names_trans(state text, next public.tags) returns "text/x-names"
      language sql as $$ select (state || next.name || ' ')::"text/x-names" $$;
    create aggregate public.tag_names_agg(public.tags) (initcond = '', stype = "text/x-names", sfunc = public.tag_names_trans);
  `);
  const after = await rest('/tags?order=id', { Accept: 'text/x-names' });
  assert.equal(after.status, 200);
  assert.equal(await after.text(), 'sql dotnet web ');
});

test('explain() of a custom media type explains its handler; csv().explain() the overriding CSV aggregate', async () => {
  const tsv = await sb.client().from('gadgets').select().setHeader('Accept', 'text/tab-separated-values').explain({ verbose: true });
  assert.equal(tsv.error, null);
  assert.equal(tsv.status, 200);
  assert.match(tsv.data, /gadgets_tsv_agg/);
  const csv = await sb.client().from('gadgets').select().csv().explain({ verbose: true });
  assert.match(csv.data, /gadgets_csv_agg/);
  const json = await sb.client().from('users').select('name').explain({ format: 'json' });
  assert.equal(json.error, null);
  assert.ok(Array.isArray(json.data));
  // for= a type nothing produces is 406.
  const none = await rest('/users', { Accept: 'application/vnd.pgrst.plan+text; for="text/x-nothing"' });
  assert.equal(none.status, 406);
});

test('stripNulls() on rows, single rows and an RPC scalar; Content-Type as PostgREST names it', async () => {
  const rows = await sb.client().from('users').select('name, age').eq('name', 'Carol').stripNulls();
  assert.deepEqual(rows.data, [{ name: 'Carol' }]);
  const one = await sb.client().from('users').select('name, age').eq('name', 'Carol').single().stripNulls();
  assert.deepEqual(one.data, { name: 'Carol' });
  const scalar = await sb.client().rpc('echo', { a: null, b: { c: null, d: 1 } }).stripNulls();
  assert.equal(scalar.error, null);
  assert.deepEqual(scalar.data, { b: { d: 1 } });
  const res = await rest('/users?select=name,age&name=eq.Carol', { Accept: 'application/vnd.pgrst.array+json;nulls=stripped' });
  assert.equal(res.headers.get('content-type'), 'application/vnd.pgrst.array+json;nulls=stripped; charset=utf-8');
});

test('handlers in another exposed schema answer through supabase-js .schema()', async () => {
  await sb.sql(`
    create function extra.items_lines_trans(state text, next extra.items) returns "text/csv"
      language sql as $$ select (state || next.label || E'\\n')::"text/csv" $$;
    create aggregate extra.items_lines_agg(extra.items) (initcond = '', stype = "text/csv", sfunc = extra.items_lines_trans);
  `);
  const { data, error, status } = await sb.client().schema('extra').from('items').select().csv();
  assert.equal(error, null);
  assert.equal(status, 200);
  assert.equal(data, 'from extra\n');
  // public.users keeps the built-in CSV.
  const users = await sb.client().from('users').select('name').eq('name', 'Bob').csv();
  assert.equal(users.data, 'name\nBob');
});
