// Edge functions as apps call them: supabase.functions.invoke and raw HTTP, over a fixture project of functions
// written the way real (Lovable) apps write them. Outbound fetch goes to a local upstream started here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { jwtVerify, generateKeyPair, exportPKCS8, exportJWK, SignJWT, importJWK, compactDecrypt } from 'jose';
import { FunctionsHttpError } from '@supabase/supabase-js';
import { startSupacs, fixturesDir } from '../../lib/supacs.mjs';

let sb;
let upstream;
let upstreamUrl;
const upstreamSeen = [];
let rsa;
let ec;
const sendJson = (res, value) => { res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_1' }); res.end(JSON.stringify(value)); };

before(async () => {
  upstream = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', async () => {
      upstreamSeen.push({ url: req.url, auth: req.headers.authorization, body });
      // Stripe's and Resend's APIs, as far as the create-checkout function uses them.
      if (req.url.startsWith('/v1/customers')) return sendJson(res, { object: 'list', data: [{ id: 'cus_123', object: 'customer' }], has_more: false, url: '/v1/customers' });
      if (req.url.startsWith('/v1/checkout/sessions')) return sendJson(res, { id: 'cs_1', object: 'checkout.session', url: 'https://checkout.stripe.test/cs_1' });
      if (req.url === '/emails') return sendJson(res, { id: 'email_1' });
      const json = body ? JSON.parse(body) : {};
      upstreamSeen.at(-1).json = json;
      if (json.stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const word of ['Hel', 'lo', '!']) {
          res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: word } }] })}\n\n`);
          await new Promise((r) => setTimeout(r, 30));
        }
        res.end('data: [DONE]\n\n');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ message: { content: `echo: ${json.messages?.[0]?.content}` } }] }));
    });
  });
  await new Promise((ok) => upstream.listen(0, '127.0.0.1', ok));
  upstreamUrl = `http://127.0.0.1:${upstream.address().port}`;
  rsa = await generateKeyPair('RS256', { extractable: true });
  ec = await generateKeyPair('ES256', { extractable: true });
  sb = await startSupacs({
    projectDir: join(fixturesDir, 'functions'),
    env: {
      UPSTREAM_URL: upstreamUrl, STRIPE_SECRET_KEY: 'sk_test_compat', RESEND_API_KEY: 're_compat', RESEND_BASE_URL: upstreamUrl,
      RSA_PRIVATE_KEY: await exportPKCS8(rsa.privateKey), EC_PRIVATE_KEY: await exportPKCS8(ec.privateKey) },
  });
});

after(async () => {
  await sb?.stop();
  upstream?.close();
});

test('functions.invoke posts JSON to a Deno.serve TypeScript function', async () => {
  const { data, error } = await sb.client().functions.invoke('hello-world', { body: { name: 'Lovable' } });
  assert.equal(error, null);
  assert.deepEqual(data, { message: 'Hello Lovable!', hasAuth: true, method: 'POST' });
});

test('functions.invoke with a user session and GET', async () => {
  const token = await sb.tokenFor('8b1f6a57-2c0e-4f55-9f0e-6a2d1b6f8b11');
  const { data, error } = await sb.client(sb.anonKey, token).functions.invoke('hello-world', { method: 'GET' });
  assert.equal(error, null);
  assert.deepEqual(data, { message: 'Hello world!', hasAuth: true, method: 'GET' });
});

test('CORS preflight reaches the function and gets its headers', async () => {
  const res = await fetch(`${sb.url}/functions/v1/hello-world`, {
    method: 'OPTIONS',
    headers: { Origin: 'http://localhost:5173', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type' },
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('access-control-allow-origin'), '*');
  assert.equal(res.headers.get('access-control-allow-headers'), 'authorization, x-client-info, apikey, content-type');
});

test('std serve with _shared/cors.ts sees its sub-path, query and .env secrets', async () => {
  const res = await fetch(`${sb.url}/functions/v1/legacy-cors/items/42?sort=asc`, {
    headers: { Authorization: `Bearer ${sb.anonKey}`, Origin: 'http://localhost:5173' },
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('access-control-allow-origin'), '*');
  assert.deepEqual(await res.json(), { path: '/legacy-cors/items/42', query: { sort: 'asc' }, secretLength: 'compat-secret-value'.length });
});

test('every body kind supabase-js sends arrives as the function expects', async () => {
  const fns = sb.client().functions;
  let r = await fns.invoke('echo-body', { body: { a: 1 } });
  assert.deepEqual(r.data, { type: 'application/json', received: { a: 1 }, method: 'POST' });
  r = await fns.invoke('echo-body', { body: 'plain text' });
  assert.deepEqual(r.data, { type: 'text/plain', received: 'plain text', method: 'POST' });
  r = await fns.invoke('echo-body', { body: new Uint8Array([1, 2, 3]).buffer });
  assert.deepEqual(r.data, { type: 'application/octet-stream', received: [1, 2, 3], method: 'POST' });
  const form = new FormData();
  form.append('field', 'value');
  form.append('upload', new Blob(['x'], { type: 'text/plain' }), 'note.txt');
  r = await fns.invoke('echo-body', { body: form });
  assert.equal(r.error, null);
  assert.equal(r.data.type.startsWith('multipart/form-data'), true);
  assert.deepEqual(r.data.received, { field: 'value', upload: 'file:note.txt' });
  r = await fns.invoke('echo-body', { body: { x: 1 }, method: 'PUT', headers: { 'x-extra': '1' } });
  assert.equal(r.data.method, 'PUT');
});

test('verify_jwt: missing and invalid tokens get the local router 401 bodies', async () => {
  let res = await fetch(`${sb.url}/functions/v1/hello-world`, { method: 'POST' });
  assert.equal(res.status, 401);
  assert.deepEqual(await res.json(), { msg: 'Error: Missing authorization header' });
  res = await fetch(`${sb.url}/functions/v1/hello-world`, { method: 'POST', headers: { Authorization: 'Bearer nope' } });
  assert.equal(res.status, 401);
  assert.deepEqual(await res.json(), { msg: 'Invalid JWT' });
  // verify_jwt = false in config.toml lets it through.
  res = await fetch(`${sb.url}/functions/v1/public-info`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { url: sb.url, hasAnon: true, hasService: true, hasDb: true });
});

test('an unknown function is 404 NOT_FOUND', async () => {
  const { data, error } = await sb.client().functions.invoke('does-not-exist', { body: {} });
  assert.equal(data, null);
  assert.ok(error instanceof FunctionsHttpError);
  assert.equal(error.context.status, 404);
  assert.deepEqual(await error.context.json(), { code: 'NOT_FOUND', message: 'Requested function was not found' });
});

test('an uncaught exception is 500 WORKER_ERROR', async () => {
  const { error } = await sb.client().functions.invoke('echo-body', { body: { fail: true } });
  assert.ok(error instanceof FunctionsHttpError);
  assert.equal(error.context.status, 500);
  assert.deepEqual(await error.context.json(), { code: 'WORKER_ERROR', message: 'Function exited due to an error (please check logs)' });
  // The console logger writes on a background thread.
  for (let i = 0; i < 50 && !/asked to fail/.test(sb.logs()); i++) await new Promise((r) => setTimeout(r, 100));
  assert.match(sb.logs(), /\[echo-body\].*asked to fail|echo-body threw: Error: asked to fail/);
});

test('a syntax error is 503 BOOT_ERROR and other functions keep working', async () => {
  const { error } = await sb.client().functions.invoke('broken', { body: {} });
  assert.ok(error instanceof FunctionsHttpError);
  assert.equal(error.context.status, 503);
  assert.deepEqual(await error.context.json(), { code: 'BOOT_ERROR', message: 'Worker failed to boot (please check logs)' });
  const ok = await sb.client().functions.invoke('hello-world', { body: { name: 'still' } });
  assert.equal(ok.data.message, 'Hello still!');
});

test('a runaway loop ends with 546 WORKER_LIMIT while other requests are served', async () => {
  const started = Date.now();
  const runaway = fetch(`${sb.url}/functions/v1/runaway?spin=1`, { headers: { Authorization: `Bearer ${sb.anonKey}` } });
  const other = await sb.client().functions.invoke('hello-world', { body: { name: 'meanwhile' } });
  assert.equal(other.data.message, 'Hello meanwhile!');
  const res = await runaway;
  assert.equal(res.status, 546);
  assert.deepEqual(await res.json(), { code: 'WORKER_LIMIT', message: 'Worker failed to respond due to a resource limit (please check logs)' });
  assert.ok(Date.now() - started < 10_000);
  const again = await sb.client().functions.invoke('runaway', { method: 'GET' });
  assert.deepEqual(again.data, { alive: true });
});

test('outbound fetch reaches a local upstream with the secret from .env', async () => {
  const { data, error } = await sb.client().functions.invoke('fetch-upstream', { body: { prompt: 'ping' } });
  assert.equal(error, null);
  assert.deepEqual(data, { reply: 'echo: ping' });
  const seen = upstreamSeen.find((s) => s.json?.messages?.[0]?.content === 'ping');
  assert.equal(seen.auth, 'Bearer compat-secret-value');
});

test('an SSE response from the upstream streams through the function', async () => {
  const res = await fetch(`${sb.url}/functions/v1/sse-proxy`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/event-stream');
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let chunks = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    chunks++;
    text += decoder.decode(value, { stream: true });
  }
  const words = text.split('\n\n').filter((l) => l.startsWith('data: {')).map((l) => JSON.parse(l.slice(6)).choices[0].delta.content);
  assert.deepEqual(words, ['Hel', 'lo', '!']);
  assert.ok(text.endsWith('data: [DONE]\n\n'));
  assert.ok(chunks >= 2, `expected a streamed body, got ${chunks} chunk(s)`);
});

test('crypto.subtle signs a JWT that jose verifies', async () => {
  const { data, error } = await sb.client().functions.invoke('sign-jwt', { body: { sub: 'user-1' } });
  assert.equal(error, null);
  const { payload, protectedHeader } = await jwtVerify(data.token, new TextEncoder().encode('a-signing-secret-of-enough-length'));
  assert.equal(protectedHeader.alg, 'HS256');
  assert.equal(payload.sub, 'user-1');
});

test('supabase-js imported from esm.sh runs inside a function and calls back into Supacs', async () => {
  await sb.sql(`create table if not exists public.fn_notes (id serial primary key, body text);
    insert into public.fn_notes (body) values ('one'), ('two');
    grant select on public.fn_notes to anon, authenticated, service_role;
    notify pgrst, 'reload schema';`);
  let result;
  for (let i = 0; i < 30; i++) {
    result = await sb.client().functions.invoke('with-supabase-js', { body: {} });
    if (result.data?.rows?.length === 2) break;
    await new Promise((r) => setTimeout(r, 200)); // the REST schema cache reloads asynchronously
  }
  assert.equal(result.error, null);
  assert.deepEqual(result.data.echoed, { message: 'Hello from a function!', hasAuth: true, method: 'POST' });
  assert.deepEqual(result.data.rows, [{ body: 'one' }, { body: 'two' }]);
});

test('jose from npm signs RS256/ES256 JWTs and verifies one inside a function', async () => {
  const incoming = await new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).setSubject('from-node').sign(ec.privateKey);
  const { data, error } = await sb.client().functions.invoke('jose-sign', {
    body: { sub: 'user-42', verifyToken: incoming, verifyJwk: await exportJWK(ec.publicKey) },
  });
  assert.equal(error, null, error && (await error.context?.text?.()));
  const rs = await jwtVerify(data.rs256, rsa.publicKey);
  assert.equal(rs.payload.sub, 'user-42');
  assert.equal(rs.protectedHeader.alg, 'RS256');
  const es = await jwtVerify(data.es256, ec.publicKey);
  assert.equal(es.payload.sub, 'user-42');
  assert.equal(data.verified, 'from-node');
});

test('a TSX email template renders to HTML with react-dom/server from npm', async () => {
  const { data, error } = await sb.client().functions.invoke('welcome-email', { body: { name: 'Ada' } });
  assert.equal(error, null, error && (await error.context?.text?.()));
  // The same markup react-dom/server gives in Node for this component.
  assert.equal(
    data.html,
    '<html lang="en"><head></head><body style="background-color:#ffffff;font-family:sans-serif"><h1>Welcome, Ada!</h1><ul><li>Realtime</li><li>Storage</li></ul></body></html>',
  );
});

test('stripe, zod and resend from npm/esm.sh work inside a function (APIs served by the local upstream)', async () => {
  const fns = sb.client().functions;
  const { data, error } = await fns.invoke('create-checkout', { body: { email: 'ada@example.com', priceId: 'price_1' } });
  assert.equal(error, null, error && (await error.context?.text?.()));
  assert.deepEqual(data, { customer: 'cus_123', url: 'https://checkout.stripe.test/cs_1', mailId: 'email_1', mailError: null });
  const list = upstreamSeen.find((s) => s.url.startsWith('/v1/customers'));
  assert.equal(list.url, '/v1/customers?email=ada%40example.com&limit=1');
  assert.equal(list.auth, 'Bearer sk_test_compat');
  const session = upstreamSeen.find((s) => s.url === '/v1/checkout/sessions');
  assert.match(session.body, /customer=cus_123&line_items\[0\]\[price\]=price_1/);
  const mail = upstreamSeen.find((s) => s.url === '/emails');
  assert.equal(mail.auth, 'Bearer re_compat');
  assert.equal(JSON.parse(mail.body).to, 'ada@example.com');
  const invalid = await fns.invoke('create-checkout', { body: { email: 'nope', priceId: 'price_1' } });
  assert.equal(invalid.error.context.status, 400);
  assert.deepEqual(await invalid.error.context.json(), { error: 'Invalid email address' });
});

test('a signed-in user calls a function that checks auth.getUser() and reads through RLS', async () => {
  await sb.sql(`create table if not exists public.fn_private_notes (id serial primary key, user_id uuid not null, body text);
    alter table public.fn_private_notes enable row level security;
    drop policy if exists own on public.fn_private_notes;
    create policy own on public.fn_private_notes for select to authenticated using (auth.uid() = user_id);
    grant select on public.fn_private_notes to authenticated;
    notify pgrst, 'reload schema';`);
  const client = sb.client();
  const email = `fn-${Date.now()}@example.com`;
  const { data: signUp, error: signUpError } = await client.auth.signUp({ email, password: 'a-long-password-1' });
  assert.equal(signUpError, null);
  const userId = signUp.user.id;
  await sb.sql('insert into public.fn_private_notes (user_id, body) values ($1, $2), (gen_random_uuid(), $3)', [userId, 'mine', 'theirs']);
  if (!signUp.session) await client.auth.signInWithPassword({ email, password: 'a-long-password-1' });
  let result;
  for (let i = 0; i < 30; i++) {
    result = await client.functions.invoke('whoami', { body: {} });
    if (result.data?.notes?.length) break;
    await new Promise((r) => setTimeout(r, 200)); // the REST schema cache reloads asynchronously
  }
  assert.equal(result.error, null, result.error && (await result.error.context?.text?.()));
  assert.deepEqual(result.data, { id: userId, email, sameViaServiceRole: true, notes: [{ body: 'mine' }] });
  const anonymous = await sb.client().functions.invoke('whoami', { body: {} });
  assert.equal(anonymous.error.context.status, 401);
});

test('EdgeRuntime.waitUntil work runs after the response was sent', async () => {
  const id = `job-${Date.now()}`;
  const started = Date.now();
  const { data, error } = await sb.client().functions.invoke('background-task', { body: { id } });
  assert.equal(error, null);
  assert.deepEqual(data, { accepted: id });
  assert.ok(!upstreamSeen.some((s) => s.url === '/background' && s.body.includes(id)), 'background work ran before the response');
  for (let i = 0; i < 50 && !upstreamSeen.some((s) => s.url === '/background' && s.body.includes(id)); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(upstreamSeen.some((s) => s.url === '/background' && s.body.includes(id)), 'background work never ran');
  assert.ok(Date.now() - started >= 200);
});

test('a package in no node_modules is installed from the npm registry at first load', async () => {
  const registryUrl = (process.env.NPM_CONFIG_REGISTRY || process.env.npm_config_registry || 'https://registry.npmjs.org').replace(/\/$/, '');
  const reachable = await fetch(`${registryUrl}/left-pad`, { signal: AbortSignal.timeout(5000) }).then((r) => r.ok, () => false);
  const res = await fetch(`${sb.url}/functions/v1/real-npm`);
  if (reachable) {
    assert.equal(res.status, 200, sb.logs().slice(-3000));
    assert.deepEqual(await res.json(), { padded: '007', camel: 'edgeFunctionInstall' });
  } else {
    // Offline machine: the boot fails with the registry named as the cause (the local-registry tests prove the install).
    assert.equal(res.status, 503);
    assert.match(sb.logs(), /could not reach the registry/);
  }
});

test('jose EdDSA and JWE (RSA-OAEP-256, ECDH-ES+A128KW, A128KW) inside a function interoperate with Node', async () => {
  const rsaOaep = await generateKeyPair('RSA-OAEP-256', { extractable: true });
  const ecdh = await generateKeyPair('ECDH-ES+A128KW', { crv: 'P-256', extractable: true });
  const { data, error } = await sb.client().functions.invoke('jose-jwe', {
    body: { rsaPublicJwk: await exportJWK(rsaOaep.publicKey), ecPublicJwk: await exportJWK(ecdh.publicKey) },
  });
  assert.equal(error, null, sb.logs().slice(-2000));
  const { payload } = await jwtVerify(data.jws, await importJWK(data.edPublicJwk, 'EdDSA'));
  assert.equal(payload.sub, 'signed-with-ed25519');
  const rsa = await compactDecrypt(data.jweRsa, rsaOaep.privateKey);
  assert.equal(new TextDecoder().decode(rsa.plaintext), 'to node via RSA-OAEP-256');
  const ec = await compactDecrypt(data.jweEcdh, ecdh.privateKey);
  assert.equal(new TextDecoder().decode(ec.plaintext), 'to node via ECDH-ES+A128KW');
  assert.equal(data.kw, 'A128KW round trip');
});
