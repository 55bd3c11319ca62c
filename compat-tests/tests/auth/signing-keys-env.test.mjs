// RS256 signing key from GOTRUE_JWT_KEYS (GoTrue's env form): the session token is RS256 with the kid, and the other
// modules — Storage, REST, Realtime — accept it through the shared key list, while a token from a stranger key that
// claims the same kid is refused by each of them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair, exportJWK, SignJWT, decodeProtectedHeader } from 'jose';
import { createClient } from '@supabase/supabase-js';
import { startSupacs } from '../../lib/supacs.mjs';

let sb;
let session;
let forged;

before(async () => {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig', key_ops: ['sign', 'verify'] };
  sb = await startSupacs({ env: { GOTRUE_JWT_KEYS: JSON.stringify([jwk]) } });
  const { data, error } = await sb.client().auth.signUp({ email: `r${Math.random().toString(36).slice(2, 10)}@example.com`, password: 'password123' });
  assert.equal(error, null);
  session = data.session;
  const stranger = await generateKeyPair('RS256', { modulusLength: 2048 });
  const now = Math.floor(Date.now() / 1000);
  forged = await new SignJWT({ sub: data.user.id, role: 'authenticated', aud: 'authenticated', iat: now, exp: now + 600 })
    .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1', typ: 'JWT' }).sign(stranger.privateKey);
});
after(async () => { await sb?.stop(); });

const as = (token) => createClient(sb.url, sb.anonKey, { auth: { persistSession: false, autoRefreshToken: false }, global: { headers: { Authorization: `Bearer ${token}` } } });

test('GOTRUE_JWT_KEYS (RS256): the session is RS256 with the kid; Storage and REST accept it, refuse a stranger key', async () => {
  assert.deepEqual(decodeProtectedHeader(session.access_token), { alg: 'RS256', kid: 'rsa-1', typ: 'JWT' });
  const { data: buckets, error } = await as(session.access_token).storage.listBuckets();
  assert.equal(error, null);
  assert.deepEqual(buckets, []);
  const { error: restError } = await as(session.access_token).from('no_such_table').select('*');
  assert.equal(restError.code, 'PGRST205'); // past the JWT check: the table is unknown

  const storage = await fetch(`${sb.url}/storage/v1/bucket`, { headers: { apikey: sb.anonKey, Authorization: `Bearer ${forged}` } });
  assert.equal(storage.status, 400); // Storage's error shape: HTTP 400 with statusCode "403"
  const storageError = await storage.json();
  assert.equal(storageError.statusCode, '403');
  assert.equal(storageError.message, 'invalid signature');
  const rest = await fetch(`${sb.url}/rest/v1/no_such_table`, { headers: { apikey: sb.anonKey, Authorization: `Bearer ${forged}` } });
  assert.equal(rest.status, 401);
  assert.equal((await rest.json()).code, 'PGRST301');
});

test('GOTRUE_JWT_KEYS (RS256): Realtime joins with the session token and refuses the stranger-key token', async () => {
  const join = (token) => new Promise((resolve) => {
    const client = createClient(sb.url, sb.anonKey, { auth: { persistSession: false, autoRefreshToken: false } });
    client.realtime.setAuth(token);
    const channel = client.channel(`room-${Math.random().toString(36).slice(2)}`);
    const timer = setTimeout(() => finish('TIMED_OUT'), 15_000);
    function finish(status, err) {
      clearTimeout(timer);
      client.removeAllChannels().finally(() => resolve({ status, message: err?.message ?? '' }));
    }
    channel.subscribe((status, err) => { if (status !== 'CLOSED') finish(status, err); });
  });
  const ok = await join(session.access_token);
  assert.equal(ok.status, 'SUBSCRIBED');
  const refused = await join(forged);
  assert.equal(refused.status, 'CHANNEL_ERROR');
});
