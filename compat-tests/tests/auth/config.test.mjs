// Auth behaviour driven by config.toml (fixtures/auth/config): sign-ups off, password policy, jwt_expiry, session
// timebox, anonymous sign-ins off, and a pg-functions custom access token hook — all through supabase-js.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createClient } from '@supabase/supabase-js';
import { startSupacs, fixturesDir } from '../../lib/supacs.mjs';

let sb;
let admin;
before(async () => {
  sb = await startSupacs({ projectDir: join(fixturesDir, 'auth', 'config') });
  admin = createClient(sb.url, sb.serviceRoleKey, { auth: { persistSession: false, autoRefreshToken: false } });
});
after(async () => { await sb?.stop(); });

const email = () => `c${Math.random().toString(36).slice(2, 10)}@example.com`;
const decode = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
const strong = 'Correct1Horse';

async function createdUser(password = strong) {
  const address = email();
  const { data, error } = await admin.auth.admin.createUser({ email: address, password, email_confirm: true });
  assert.equal(error, null);
  return { address, user: data.user };
}

test('config: enable_signup = false refuses signUp (signup_disabled) but admin.createUser works', async () => {
  const { error } = await sb.client().auth.signUp({ email: email(), password: strong });
  assert.equal(error.status, 422);
  assert.equal(error.code, 'signup_disabled');
  const { address } = await createdUser();
  const { data, error: e2 } = await sb.client().auth.signInWithPassword({ email: address, password: strong });
  assert.equal(e2, null);
  assert.equal(data.user.email, address);
});

test('config: with sign-ups off, anonymous sign-in is signup_disabled too (GoTrue checks that first)', async () => {
  const before = (await sb.sql('select count(*)::int as n from auth.users where is_anonymous')).rows[0].n;
  const { data, error } = await sb.client().auth.signInAnonymously();
  assert.equal(data.session, null);
  assert.equal(error.status, 422);
  assert.equal(error.code, 'signup_disabled');
  assert.equal((await sb.sql('select count(*)::int as n from auth.users where is_anonymous')).rows[0].n, before);
});

test('config: minimum_password_length and password_requirements give weak_password with both reasons', async () => {
  const { address } = await createdUser();
  const client = sb.client();
  await client.auth.signInWithPassword({ email: address, password: strong });
  const { error } = await client.auth.updateUser({ password: 'short' });
  assert.equal(error.name, 'AuthWeakPasswordError');
  assert.equal(error.code, 'weak_password');
  assert.deepEqual([...error.reasons].sort(), ['characters', 'length']);
  const { error: lower } = await client.auth.updateUser({ password: 'alllowercaseletters' });
  assert.deepEqual(lower.reasons, ['characters']);
  const { error: ok } = await client.auth.updateUser({ password: 'Another1Horse' });
  assert.equal(ok, null);
});

test('config: jwt_expiry sets expires_in and the token lifetime', async () => {
  const { address } = await createdUser();
  const { data } = await sb.client().auth.signInWithPassword({ email: address, password: strong });
  assert.equal(data.session.expires_in, 600);
  const claims = decode(data.session.access_token);
  assert.equal(claims.exp - claims.iat, 600);
});

test('config: the pg-functions custom access token hook adds claims from an app table, on sign-in and refresh', async () => {
  const { address, user } = await createdUser();
  const client = sb.client();
  const { data } = await client.auth.signInWithPassword({ email: address, password: strong });
  assert.equal(decode(data.session.access_token).tier, 'free');
  assert.equal(decode(data.session.access_token).auth_method, 'password');
  await sb.sql("insert into public.user_tiers (user_id, tier) values ($1, 'gold')", [user.id]);
  const { data: refreshed, error } = await client.auth.refreshSession();
  assert.equal(error, null);
  assert.equal(decode(refreshed.session.access_token).tier, 'gold');
  assert.equal(decode(refreshed.session.access_token).auth_method, 'token_refresh');
  // The claim is part of the verified JWT: getClaims sees it.
  const { data: got } = await client.auth.getClaims();
  assert.equal(got.claims.tier, 'gold');
});

test('config: [auth.sessions] timebox ends the session; refresh is then session_expired', async () => {
  const { address } = await createdUser();
  const { data } = await sb.client().auth.signInWithPassword({ email: address, password: strong });
  const { rows } = await sb.sql('select not_after - created_at as box from auth.sessions where id = $1', [decode(data.session.access_token).session_id]);
  assert.equal(rows[0].box.seconds, 4);
  await new Promise((r) => setTimeout(r, 4500));
  const { error } = await sb.client().auth.refreshSession({ refresh_token: data.session.refresh_token });
  assert.equal(error.status, 400);
  assert.equal(error.code, 'session_expired');
});
