// A project folder's [storage] settings: config buckets exist right after start, with their limits enforced.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startSupacs, fixturesDir } from '../../lib/supacs.mjs';

let sb;
before(async () => {
  sb = await startSupacs({ projectDir: join(fixturesDir, 'storage'), env: { STORAGE_PUBLIC_URL: 'https://files.example.com/storage/v1' } });
});
after(async () => { await sb?.stop(); });

test('[storage.buckets.*] are created at start', async () => {
  const { rows } = await sb.sql('select id, public, file_size_limit::int as limit, allowed_mime_types from storage.buckets order by id');
  assert.deepEqual(rows, [
    { id: 'avatars', public: true, limit: 1048576, allowed_mime_types: ['image/png', 'image/jpeg'] },
    { id: 'documents', public: false, limit: null, allowed_mime_types: null },
  ]);
  const { rows: history } = await sb.sql('select count(*)::int as n from storage.migrations');
  assert.ok(history[0].n >= 2);
});

test('config bucket limits apply to uploads', async () => {
  const avatars = sb.client(sb.serviceRoleKey).storage.from('avatars');
  const wrong = await avatars.upload('a.gif', Buffer.from('GIF89a'), { contentType: 'image/gif' });
  assert.equal(wrong.error.statusCode, '415');
  const big = await avatars.upload('big.png', Buffer.alloc(1048577), { contentType: 'image/png' });
  assert.equal(big.error.statusCode, '413');
  const ok = await avatars.upload('ok.png', Buffer.alloc(10), { contentType: 'image/png' });
  assert.equal(ok.error, null);
});

test('STORAGE_PUBLIC_URL sets the absolute TUS Location (behind a proxy)', async () => {
  const meta = `bucketName ${Buffer.from('documents').toString('base64')},objectName ${Buffer.from('t.bin').toString('base64')}`;
  const res = await fetch(`${sb.url}/storage/v1/upload/resumable`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sb.serviceRoleKey}`, 'tus-resumable': '1.0.0', 'upload-length': '1', 'upload-metadata': meta },
  });
  assert.equal(res.status, 201);
  assert.match(res.headers.get('location'), /^https:\/\/files\.example\.com\/storage\/v1\/upload\/resumable\/[A-Za-z0-9_-]+$/);
});
