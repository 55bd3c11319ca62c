// In-database configuration through supabase-js: the authenticator role's pgrst.* settings (set by a migration)
// override config.toml, a db-pre-config function sets the rest, and NOTIFY pgrst, 'reload config' applies a
// change without a restart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createClient } from '@supabase/supabase-js';
import { SignJWT } from 'jose';
import { startSupacs, fixturesDir } from '../../lib/supacs.mjs';

let sb;
let db;
before(async () => {
  sb = await startSupacs({ projectDir: join(fixturesDir, 'rest', 'dbconfig'), env: { PGRST_DB_PRE_CONFIG: 'postgrest.pre_config', PGRST_APP_SETTINGS_GREETING: 'hello' } });
  db = createClient(sb.url, sb.anonKey, { auth: { persistSession: false } });
});
after(async () => { await sb?.stop(); });

async function until(check, what) {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${what} did not happen within 10 s`);
}

test('the role setting exposes a schema config.toml does not list', async () => {
  const { data, error } = await db.schema('personal').from('notes').select('body');
  assert.equal(error, null);
  assert.deepEqual(data, [{ body: 'mine' }]);
});

test('db-pre-config sets what the role settings leave out', async () => {
  // pgrst.db_max_rows = 2 comes from postgrest.pre_config(); its db_schemas loses to the role setting.
  const { data, error } = await db.from('numbers').select('n').order('n');
  assert.equal(error, null);
  assert.deepEqual(data, [{ n: 1 }, { n: 2 }]);
});

test("NOTIFY pgrst, 'reload config' applies a new schema list without a restart", async () => {
  const before = await db.schema('later').from('items').select('label');
  assert.equal(before.error?.code, 'PGRST106');
  await sb.sql("ALTER ROLE authenticator SET pgrst.db_schemas = 'public, personal, later'");
  await sb.sql("NOTIFY pgrst, 'reload config'");
  await until(async () => (await db.schema('later').from('items').select('label')).error === null, 'the later schema being exposed');
  const { data } = await db.schema('later').from('items').select('label');
  assert.deepEqual(data, [{ label: 'exposed after reload config' }]);
  const personal = await db.schema('personal').from('notes').select('body');
  assert.deepEqual(personal.data, [{ body: 'mine' }]);
});

test("the anon role's statement_timeout cancels its slow calls, not service_role's", async () => {
  const { error } = await db.rpc('slow');
  assert.equal(error?.code, '57014');
  const admin = createClient(sb.url, sb.serviceRoleKey, { auth: { persistSession: false } });
  const ok = await admin.rpc('slow');
  assert.equal(ok.error, null);
  assert.equal(ok.data, 1);
});

test('app.settings.* from PGRST_APP_SETTINGS_* are set for every request', async () => {
  const { data, error } = await db.rpc('show_setting', { name: 'app.settings.greeting' });
  assert.equal(error, null);
  assert.equal(data, 'hello');
});

test("an empty pgrst.db_anon_role disables anonymous access: a token without a role gets PGRST302", async () => {
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ sub: '11111111-1111-1111-1111-111111111111' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt(now).setExpirationTime(now + 3600)
    .sign(new TextEncoder().encode(sb.jwtSecret));
  const noRole = createClient(sb.url, sb.anonKey, { auth: { persistSession: false }, global: { headers: { Authorization: `Bearer ${token}` } } });
  assert.equal((await noRole.from('numbers').select('n').limit(1)).status, 200); // the anon role serves it first
  await sb.sql("ALTER ROLE authenticator SET pgrst.db_anon_role = ''");
  await sb.sql("NOTIFY pgrst, 'reload config'");
  try {
    await until(async () => (await noRole.from('numbers').select('n')).status === 401, 'anonymous access being disabled');
    const { error, status } = await noRole.from('numbers').select('n');
    assert.equal(status, 401);
    assert.deepEqual(error, { code: 'PGRST302', details: null, hint: null, message: 'Anonymous access is disabled' });
    const res = await fetch(`${sb.url}/rest/v1/numbers`, { headers: { apikey: sb.anonKey, Authorization: `Bearer ${token}` } });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer');
    // The anon key names its role (anon): still served.
    const ok = await db.from('numbers').select('n').limit(1);
    assert.equal(ok.error, null);
  } finally {
    await sb.sql('ALTER ROLE authenticator RESET pgrst.db_anon_role');
    await sb.sql("NOTIFY pgrst, 'reload config'");
  }
});

test("pgrst.server_timing_enabled adds PostgREST's Server-Timing header to successful responses", async () => {
  const get = (path) => fetch(`${sb.url}/rest/v1/${path}`, { headers: { apikey: sb.anonKey, Authorization: `Bearer ${sb.anonKey}` } });
  assert.equal((await get('numbers?n=eq.1')).headers.get('server-timing'), null); // off by default
  await sb.sql("ALTER ROLE authenticator SET pgrst.server_timing_enabled = 'true'");
  await sb.sql("NOTIFY pgrst, 'reload config'");
  try {
    await until(async () => (await get('numbers?n=eq.1')).headers.get('server-timing') !== null, 'the Server-Timing header');
    const res = await get('numbers?n=eq.1');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('server-timing'),
      /^jwt;dur=\d+\.\d, parse;dur=\d+\.\d, plan;dur=\d+\.\d, transaction;dur=\d+\.\d, response;dur=\d+\.\d$/);
    const missing = await get('no_such_table');
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('server-timing'), null);
  } finally {
    await sb.sql('ALTER ROLE authenticator RESET pgrst.server_timing_enabled');
    await sb.sql("NOTIFY pgrst, 'reload config'");
  }
});
