// Supabase's new API keys (sb_publishable_… / sb_secret_…) used by recent apps instead of the anon and
// service_role JWTs: supabase-js sends them as apikey (and as bearer when there is no session); the gateway
// exchanges them for the matching JWT so every module applies the right role.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from '@supabase/supabase-js';
import { S3Client, ListBucketsCommand } from '@aws-sdk/client-s3';
import { startSupacs, runSupacs } from '../../lib/supacs.mjs';

let sb;
let keys;
const options = { auth: { persistSession: false, autoRefreshToken: false } };

before(async () => {
  sb = await startSupacs();
  const env = runSupacs(['status', '-o', 'json'], sb.env);
  keys = JSON.parse(env);
  await sb.sql(`
    create table public.posts (id int primary key, title text not null, published boolean not null default false);
    alter table public.posts enable row level security;
    create policy "anyone reads published posts" on public.posts for select using (published);
    insert into public.posts values (1, 'hello', true), (2, 'draft', false);
    notify pgrst, 'reload schema';`);
});
after(async () => { await sb?.stop(); });

test('status prints both new keys in their formats', () => {
  assert.match(keys.PUBLISHABLE_KEY, /^sb_publishable_[A-Za-z0-9]{32}$/);
  assert.match(keys.SECRET_KEY, /^sb_secret_[A-Za-z0-9]{32}$/);
});

test('a publishable key reads as anon: RLS applies', async () => {
  const client = createClient(sb.url, keys.PUBLISHABLE_KEY, options);
  const { data, error } = await client.from('posts').select('id, title').order('id');
  assert.equal(error, null);
  assert.deepEqual(data, [{ id: 1, title: 'hello' }]);
  const write = await client.from('posts').insert({ id: 3, title: 'nope' });
  assert.equal(write.error?.code, '42501');
});

test('a secret key acts as service_role from a server', async () => {
  const client = createClient(sb.url, keys.SECRET_KEY, options);
  const { data, error } = await client.from('posts').select('id').order('id');
  assert.equal(error, null);
  assert.deepEqual(data, [{ id: 1 }, { id: 2 }]);
  const bucket = await client.storage.createBucket('from-secret-key');
  assert.equal(bucket.error, null);
});

test('a secret key is refused from a browser', async () => {
  const res = await fetch(`${sb.url}/rest/v1/posts`, {
    headers: { apikey: keys.SECRET_KEY, 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36' },
  });
  assert.equal(res.status, 401);
  assert.deepEqual(await res.json(), { message: 'Forbidden use of secret API key in browser' });
});

test('an unknown new-format key is an invalid API key', async () => {
  const res = await fetch(`${sb.url}/rest/v1/posts`, { headers: { apikey: 'sb_publishable_notTheRightKeyAtAll000000000000' } });
  assert.equal(res.status, 401);
  assert.equal((await res.json()).message, 'Invalid API key');
});

test('with a publishable key, a signed-in user acts with their own JWT', async () => {
  const client = createClient(sb.url, keys.PUBLISHABLE_KEY, options);
  const signUp = await client.auth.signUp({ email: 'newkeys@example.com', password: 'a-long-password-1' });
  assert.equal(signUp.error, null);
  assert.ok(signUp.data.session, 'autoconfirm is on by default');
  const { data: { user }, error } = await client.auth.getUser();
  assert.equal(error, null);
  assert.equal(user.email, 'newkeys@example.com');
  const { data } = await client.from('posts').select('id');
  assert.deepEqual(data, [{ id: 1 }]);
});

test('realtime accepts the publishable key on the websocket', async () => {
  const client = createClient(sb.url, keys.PUBLISHABLE_KEY, options);
  const got = new Promise((resolve, reject) => {
    const channel = client.channel('new-keys', { config: { broadcast: { self: true } } });
    channel.on('broadcast', { event: 'ping' }, (msg) => resolve(msg.payload));
    channel.subscribe((status, err) => {
      if (status === 'SUBSCRIBED') channel.send({ type: 'broadcast', event: 'ping', payload: { n: 1 } });
      if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT') reject(err ?? new Error(status));
    });
  });
  assert.deepEqual(await got, { n: 1 });
  await client.removeAllChannels();
});

test('the S3 keys printed by status open the S3 endpoint', async () => {
  const s3 = new S3Client({
    endpoint: keys.STORAGE_S3_URL,
    region: keys.S3_PROTOCOL_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: keys.S3_PROTOCOL_ACCESS_KEY_ID, secretAccessKey: keys.S3_PROTOCOL_ACCESS_KEY_SECRET },
  });
  const listed = await s3.send(new ListBucketsCommand({}));
  assert.ok(listed.Buckets.some((b) => b.Name === 'from-secret-key'), 'the bucket made with the secret key is listed');
  const wrong = new S3Client({ ...s3.config, endpoint: keys.STORAGE_S3_URL, region: 'local', forcePathStyle: true,
    credentials: { accessKeyId: keys.S3_PROTOCOL_ACCESS_KEY_ID, secretAccessKey: 'not-the-secret' } });
  await assert.rejects(wrong.send(new ListBucketsCommand({})));
});
