// The custom access token hook as an HTTP endpoint signed the Standard Webhooks way, seen through supabase-js.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { startSupacs, freePort } from '../../lib/supacs.mjs';

const secret = Buffer.from('supacs-hook-secret-0123456789abcdef').toString('base64');
let sb;
let server;
const calls = [];

before(async () => {
  const port = await freePort();
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const id = req.headers['webhook-id'];
      const ts = req.headers['webhook-timestamp'];
      const expected = createHmac('sha256', Buffer.from(secret, 'base64')).update(`${id}.${ts}.${body}`).digest('base64');
      const given = (req.headers['webhook-signature'] ?? '').split(' ').map((s) => s.replace(/^v1,/, ''));
      const ok = given.some((g) => g.length === expected.length && timingSafeEqual(Buffer.from(g), Buffer.from(expected)));
      const event = JSON.parse(body);
      calls.push({ ok, event });
      res.setHeader('content-type', 'application/json');
      if (!ok) { res.statusCode = 401; res.end('{}'); return; }
      if (event.claims.email?.startsWith('blocked')) {
        res.end(JSON.stringify({ error: { http_code: 403, message: 'Account is blocked by policy' } }));
        return;
      }
      res.end(JSON.stringify({ claims: { ...event.claims, tenant: 'acme', method: event.authentication_method } }));
    });
  }).listen(port, '127.0.0.1');
  sb = await startSupacs({
    env: {
      GOTRUE_HOOK_CUSTOM_ACCESS_TOKEN_ENABLED: 'true',
      GOTRUE_HOOK_CUSTOM_ACCESS_TOKEN_URI: `http://127.0.0.1:${port}/hook`,
      GOTRUE_HOOK_CUSTOM_ACCESS_TOKEN_SECRETS: `v1,whsec_${secret}`,
    },
  });
});
after(async () => {
  await sb?.stop();
  await new Promise((ok) => server.close(ok));
});

const decode = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());

test('the HTTP hook is signed and its claims end up in the access token', async () => {
  const address = `h${Math.random().toString(36).slice(2, 10)}@example.com`;
  const supabase = sb.client();
  const { data, error } = await supabase.auth.signUp({ email: address, password: 'password123' });
  assert.equal(error, null);
  const claims = decode(data.session.access_token);
  assert.equal(claims.tenant, 'acme');
  assert.equal(claims.method, 'password');
  assert.ok(calls.at(-1).ok);
  assert.equal(calls.at(-1).event.user_id, data.user.id);
  const { data: refreshed } = await supabase.auth.refreshSession();
  assert.equal(decode(refreshed.session.access_token).method, 'token_refresh');
  assert.equal((await supabase.auth.getUser()).error, null);
});

test('a hook error reaches the client with its status and message', async () => {
  const { data, error } = await sb.client().auth.signUp({ email: `blocked${Math.random().toString(36).slice(2, 8)}@example.com`, password: 'password123' });
  assert.equal(data.session, null);
  assert.equal(error.status, 403);
  assert.equal(error.message, 'Account is blocked by policy');
});
