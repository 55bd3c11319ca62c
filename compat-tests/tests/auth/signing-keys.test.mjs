// Asymmetric JWT signing keys (the Supabase CLI's `[auth] signing_keys_path`): an ES256 key signs, an older RS256 key
// still verifies, /.well-known/jwks.json publishes both public keys, and every module (REST here) verifies the user
// tokens by kid — RLS with auth.uid() sees the ES256 user; a token from an unknown key is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, exportJWK, SignJWT, jwtVerify, createRemoteJWKSet, decodeProtectedHeader } from 'jose';
import { createClient } from '@supabase/supabase-js';
import { startSupacs } from '../../lib/supacs.mjs';

let sb;
let projectDir;
let previousKey;

async function privateJwk(alg, kid) {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, modulusLength: 2048 });
  const jwk = await exportJWK(privateKey);
  return { key: privateKey, jwk: { ...jwk, kid, alg, use: 'sig', key_ops: ['sign', 'verify'], ext: true } };
}

before(async () => {
  projectDir = mkdtempSync(join(tmpdir(), 'supacs-signing-'));
  chmodSync(projectDir, 0o755);
  mkdirSync(join(projectDir, 'supabase', 'migrations'), { recursive: true });
  const current = await privateJwk('ES256', 'es-current');
  previousKey = await privateJwk('RS256', 'rs-previous');
  writeFileSync(join(projectDir, 'supabase', 'signing_keys.json'), JSON.stringify([current.jwk, previousKey.jwk], null, 2));
  writeFileSync(join(projectDir, 'supabase', 'config.toml'), '[auth]\nsigning_keys_path = "./signing_keys.json"\n');
  writeFileSync(join(projectDir, 'supabase', 'migrations', '20240101000000_notes.sql'), `
    create table public.notes (
      id bigint generated always as identity primary key,
      owner uuid not null default auth.uid() references auth.users(id),
      body text not null
    );
    alter table public.notes enable row level security;
    create policy "own notes" on public.notes for all to authenticated
      using (owner = (select auth.uid())) with check (owner = (select auth.uid()));
    grant select, insert, update, delete on public.notes to authenticated;
  `);
  sb = await startSupacs({ projectDir });
});
after(async () => {
  await sb?.stop();
  if (projectDir) rmSync(projectDir, { recursive: true, force: true });
});

const email = () => `k${Math.random().toString(36).slice(2, 10)}@example.com`;
const anonClient = () => createClient(sb.url, sb.anonKey, { auth: { persistSession: false, autoRefreshToken: false } });

test('signing keys: supabase-js sign-in gets an ES256 token with the kid; jwks.json verifies it; REST RLS sees auth.uid()', async () => {
  const alice = anonClient();
  const address = email();
  const { data: signup, error } = await alice.auth.signUp({ email: address, password: 'password123' });
  assert.equal(error, null);
  const { data: signin, error: signinError } = await alice.auth.signInWithPassword({ email: address, password: 'password123' });
  assert.equal(signinError, null);
  const token = signin.session.access_token;
  assert.deepEqual(decodeProtectedHeader(token), { alg: 'ES256', kid: 'es-current', typ: 'JWT' });

  // The published key set verifies the token (what a backend using jose / supabase.auth.getClaims() does).
  const jwks = createRemoteJWKSet(new URL(`${sb.url}/auth/v1/.well-known/jwks.json`), { headers: { apikey: sb.anonKey } });
  const { payload } = await jwtVerify(token, jwks, { audience: 'authenticated' });
  assert.equal(payload.sub, signup.user.id);

  const { data: claims, error: claimsError } = await alice.auth.getClaims();
  assert.equal(claimsError, null);
  assert.equal(claims.claims.sub, signup.user.id);

  const { data: inserted, error: insertError } = await alice.from('notes').insert({ body: 'from alice' }).select().single();
  assert.equal(insertError, null);
  assert.equal(inserted.owner, signup.user.id);

  const bob = anonClient();
  await bob.auth.signUp({ email: email(), password: 'password123' });
  const { data: bobsView, error: bobError } = await bob.from('notes').select('*');
  assert.equal(bobError, null);
  assert.deepEqual(bobsView, []);
  const { data: alicesView } = await alice.from('notes').select('body');
  assert.deepEqual(alicesView, [{ body: 'from alice' }]);

  // Refresh keeps signing with the current key.
  const { data: refreshed } = await alice.auth.refreshSession();
  assert.equal(decodeProtectedHeader(refreshed.session.access_token).kid, 'es-current');
});

test('signing keys: jwks.json has both public keys and no private members', async () => {
  const res = await fetch(`${sb.url}/auth/v1/.well-known/jwks.json`, { headers: { apikey: sb.anonKey } });
  assert.equal(res.status, 200);
  const { keys } = await res.json();
  assert.deepEqual(keys.map((k) => [k.kid, k.alg, k.kty]), [['es-current', 'ES256', 'EC'], ['rs-previous', 'RS256', 'RSA']]);
  for (const k of keys) {
    for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.equal(k[secret], undefined);
    assert.deepEqual(k.key_ops, ['verify']);
    assert.equal(k.use, 'sig');
  }
});

test('signing keys: a token from the previous key still works; one from an unknown key is refused by REST and Auth', async () => {
  const client = anonClient();
  const { data } = await client.auth.signUp({ email: email(), password: 'password123' });
  const userId = data.user.id;
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: userId, role: 'authenticated', aud: 'authenticated', iat: now, exp: now + 600 };

  const old = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'rs-previous', typ: 'JWT' }).sign(previousKey.key);
  const withOld = createClient(sb.url, sb.anonKey, { auth: { persistSession: false }, global: { headers: { Authorization: `Bearer ${old}` } } });
  const { error: oldInsert } = await withOld.from('notes').insert({ body: 'old key' });
  assert.equal(oldInsert, null);
  const { rows } = await sb.sql('select count(*)::int as n from public.notes where owner = $1', [userId]);
  assert.equal(rows[0].n, 1);

  const stranger = await privateJwk('ES256', 'es-current');
  for (const kid of ['es-current', 'unknown-kid']) {
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' }).sign(stranger.key);
    const rest = await fetch(`${sb.url}/rest/v1/notes?select=*`, { headers: { apikey: sb.anonKey, Authorization: `Bearer ${forged}` } });
    assert.equal(rest.status, 401);
    assert.equal((await rest.json()).code, 'PGRST301');
    const user = await fetch(`${sb.url}/auth/v1/user`, { headers: { apikey: sb.anonKey, Authorization: `Bearer ${forged}` } });
    assert.equal(user.status, 403);
    assert.equal((await user.json()).error_code, 'bad_jwt');
  }
  // The HS256 API keys keep working next to the asymmetric keys.
  const admin = createClient(sb.url, sb.serviceRoleKey, { auth: { persistSession: false } });
  const { data: list, error } = await admin.auth.admin.listUsers();
  assert.equal(error, null);
  assert.ok(list.users.some((u) => u.id === userId));
});
