// supabase.storage (storage-js) against a real supacs: buckets, uploads, downloads, listing, move/copy/remove, signed URLs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSupacs } from '../../lib/supacs.mjs';

let sb;
let admin;
before(async () => {
  sb = await startSupacs();
  admin = sb.client(sb.serviceRoleKey);
});
after(async () => { await sb?.stop(); });

test('bucket lifecycle: create, get, list, update, empty, delete', async () => {
  const created = await admin.storage.createBucket('lifecycle', { public: false, fileSizeLimit: '1mb', allowedMimeTypes: ['image/*', 'text/plain'] });
  assert.equal(created.error, null);
  assert.deepEqual(created.data, { name: 'lifecycle' });

  const got = await admin.storage.getBucket('lifecycle');
  assert.equal(got.error, null);
  assert.equal(got.data.id, 'lifecycle');
  assert.equal(got.data.public, false);
  assert.equal(got.data.file_size_limit, 1000000);
  assert.deepEqual(got.data.allowed_mime_types, ['image/*', 'text/plain']);

  const list = await admin.storage.listBuckets();
  assert.ok(list.data.some((b) => b.id === 'lifecycle'));

  const updated = await admin.storage.updateBucket('lifecycle', { public: true, fileSizeLimit: 2048 });
  assert.deepEqual(updated.data, { message: 'Successfully updated' });
  assert.equal((await admin.storage.getBucket('lifecycle')).data.public, true);

  await admin.storage.from('lifecycle').upload('a.txt', Buffer.from('x'));
  const notEmpty = await admin.storage.deleteBucket('lifecycle');
  assert.equal(notEmpty.error.statusCode, '409');

  const emptied = await admin.storage.emptyBucket('lifecycle');
  assert.equal(emptied.error, null);
  assert.deepEqual(emptied.data, { message: 'Empty bucket has been queued. Completion may take up to an hour.' });
  const deleted = await admin.storage.deleteBucket('lifecycle');
  assert.deepEqual(deleted.data, { message: 'Successfully deleted' });

  const missing = await admin.storage.getBucket('lifecycle');
  assert.equal(missing.error.message, 'Bucket not found');
  assert.equal(missing.error.statusCode, '404');
  assert.equal(missing.error.status, 400);
});

test('upload (Buffer and Blob), download, info, exists, upsert', async () => {
  await admin.storage.createBucket('docs');
  const docs = admin.storage.from('docs');

  const up = await docs.upload('folder/hello.txt', Buffer.from('hello world'), { contentType: 'text/plain', cacheControl: '120', metadata: { owner: 'me' } });
  assert.equal(up.error, null);
  assert.equal(up.data.path, 'folder/hello.txt');
  assert.equal(up.data.fullPath, 'docs/folder/hello.txt');
  assert.match(up.data.id, /^[0-9a-f-]{36}$/);

  const blobUp = await docs.upload('folder/blob.json', new Blob([JSON.stringify({ a: 1 })], { type: 'application/json' }), { cacheControl: '60' });
  assert.equal(blobUp.error, null);

  const dl = await docs.download('folder/hello.txt');
  assert.equal(dl.error, null);
  assert.equal(await dl.data.text(), 'hello world');
  assert.equal((await (await docs.download('folder/blob.json')).data.text()), '{"a":1}');

  const info = await docs.info('folder/hello.txt');
  assert.equal(info.error, null);
  assert.equal(info.data.size, 11);
  assert.equal(info.data.contentType, 'text/plain');
  assert.equal(info.data.cacheControl, 'max-age=120');
  assert.deepEqual(info.data.metadata, { owner: 'me' });
  assert.equal((await docs.info('folder/blob.json')).data.contentType, 'application/json');

  assert.equal((await docs.exists('folder/hello.txt')).data, true);
  assert.equal((await docs.exists('folder/nope.txt')).data, false);

  const dup = await docs.upload('folder/hello.txt', Buffer.from('again'));
  assert.equal(dup.error.statusCode, '409');
  assert.equal(dup.error.message, 'The resource already exists');

  const upsert = await docs.upload('folder/hello.txt', Buffer.from('replaced'), { upsert: true });
  assert.equal(upsert.error, null);
  assert.equal(await (await docs.download('folder/hello.txt')).data.text(), 'replaced');

  const update = await docs.update('folder/hello.txt', Buffer.from('updated'));
  assert.equal(update.error, null);
  assert.equal(await (await docs.download('folder/hello.txt')).data.text(), 'updated');

  const missing = await docs.download('folder/nope.txt');
  assert.ok(missing.error);
});

test('list one level with folders, then move, copy and remove', async () => {
  await admin.storage.createBucket('tree');
  const tree = admin.storage.from('tree');
  for (const p of ['a/one.txt', 'a/two.txt', 'a/deep/three.txt', 'root.txt']) {
    assert.equal((await tree.upload(p, Buffer.from(p))).error, null);
  }
  const top = await tree.list();
  assert.deepEqual(top.data.map((e) => e.name), ['a', 'root.txt']);
  assert.equal(top.data[0].id, null);

  const inA = await tree.list('a', { limit: 10, sortBy: { column: 'name', order: 'desc' } });
  assert.deepEqual(inA.data.map((e) => e.name), ['deep', 'two.txt', 'one.txt']);
  assert.equal(inA.data[1].metadata.size, 9);

  const searched = await tree.list('a', { search: 'two' });
  assert.deepEqual(searched.data.map((e) => e.name), ['two.txt']);

  const moved = await tree.move('a/one.txt', 'b/uno.txt');
  assert.equal(moved.error, null);
  assert.equal(await (await tree.download('b/uno.txt')).data.text(), 'a/one.txt');
  assert.ok((await tree.download('a/one.txt')).error);

  const copied = await tree.copy('a/two.txt', 'b/dos.txt');
  assert.equal(copied.error, null);
  assert.equal(copied.data.path, 'tree/b/dos.txt');
  assert.equal(await (await tree.download('b/dos.txt')).data.text(), 'a/two.txt');
  assert.equal(await (await tree.download('a/two.txt')).data.text(), 'a/two.txt');

  const removed = await tree.remove(['b/uno.txt', 'b/dos.txt', 'not-there.txt']);
  assert.equal(removed.error, null);
  assert.deepEqual(removed.data.map((o) => o.name).sort(), ['b/dos.txt', 'b/uno.txt']);
  assert.deepEqual((await tree.list('b')).data, []);
});

test('signed URLs: single, batch, download name; expired token refused', async () => {
  await admin.storage.createBucket('private');
  const priv = admin.storage.from('private');
  await priv.upload('secret file.txt', Buffer.from('top secret'), { contentType: 'text/plain' });

  const signed = await priv.createSignedUrl('secret file.txt', 60);
  assert.equal(signed.error, null);
  const res = await fetch(signed.data.signedUrl);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'top secret');

  const named = await priv.createSignedUrl('secret file.txt', 60, { download: 'report.txt' });
  const dres = await fetch(named.data.signedUrl);
  assert.match(dres.headers.get('content-disposition'), /^attachment; filename=report\.txt/);

  const batch = await priv.createSignedUrls(['secret file.txt', 'missing.txt'], 60);
  assert.equal(batch.error, null);
  assert.equal(batch.data[0].error, null);
  assert.equal(await (await fetch(batch.data[0].signedUrl)).text(), 'top secret');
  assert.equal(batch.data[1].error, 'Either the object does not exist or you do not have access to it');
  assert.equal(batch.data[1].signedUrl, null);

  const short = await priv.createSignedUrl('secret file.txt', 1);
  await new Promise((r) => setTimeout(r, 2_100));
  const expired = await fetch(short.data.signedUrl);
  assert.equal(expired.status, 400);
  const body = await expired.json();
  assert.equal(body.message, 'The provided token has expired.');
});

test('signed upload URL: createSignedUploadUrl + uploadToSignedUrl', async () => {
  await admin.storage.createBucket('inbox');
  const inbox = admin.storage.from('inbox');
  const signed = await inbox.createSignedUploadUrl('drop/file.txt');
  assert.equal(signed.error, null);
  assert.ok(signed.data.token);
  assert.equal(signed.data.path, 'drop/file.txt');

  const anon = sb.client().storage.from('inbox');
  const up = await anon.uploadToSignedUrl('drop/file.txt', signed.data.token, Buffer.from('dropped'), { contentType: 'text/plain' });
  assert.equal(up.error, null);
  assert.equal(up.data.fullPath, 'inbox/drop/file.txt');
  assert.equal(await (await inbox.download('drop/file.txt')).data.text(), 'dropped');

  const again = await anon.uploadToSignedUrl('drop/file.txt', signed.data.token, Buffer.from('twice'));
  assert.equal(again.error.statusCode, '409');
});

test('getPublicUrl of a public bucket is fetchable without auth; private is not', async () => {
  await admin.storage.createBucket('pics', { public: true });
  await admin.storage.createBucket('hidden', { public: false });
  await admin.storage.from('pics').upload('cat.png', Buffer.from([0x89, 0x50, 0x4e, 0x47]), { contentType: 'image/png' });
  await admin.storage.from('hidden').upload('cat.png', Buffer.from([1]), { contentType: 'image/png' });

  const { data } = admin.storage.from('pics').getPublicUrl('cat.png');
  const res = await fetch(data.publicUrl);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/png');
  assert.deepEqual([...new Uint8Array(await res.arrayBuffer())], [0x89, 0x50, 0x4e, 0x47]);

  const dl = admin.storage.from('pics').getPublicUrl('cat.png', { download: true });
  assert.match((await fetch(dl.data.publicUrl)).headers.get('content-disposition'), /^attachment/);

  const priv = await fetch(admin.storage.from('hidden').getPublicUrl('cat.png').data.publicUrl);
  assert.equal(priv.status, 400);
  assert.equal((await priv.json()).message, 'Bucket not found');
});

test('bucket limits: size (string and number) and MIME wildcards', async () => {
  await admin.storage.createBucket('limited', { fileSizeLimit: '1kb', allowedMimeTypes: ['image/*'] });
  const limited = admin.storage.from('limited');
  const big = await limited.upload('big.png', Buffer.alloc(1001), { contentType: 'image/png' });
  assert.equal(big.error.statusCode, '413');
  assert.equal(big.error.message, 'The object exceeded the maximum allowed size');
  const wrong = await limited.upload('doc.txt', Buffer.from('x'), { contentType: 'text/plain' });
  assert.equal(wrong.error.statusCode, '415');
  assert.equal(wrong.error.message, 'mime type text/plain is not supported');
  const ok = await limited.upload('ok.jpg', Buffer.alloc(1000), { contentType: 'image/jpeg' });
  assert.equal(ok.error, null);
  const { rows } = await sb.sql("select count(*)::int as n from storage.objects where bucket_id = 'limited'");
  assert.equal(rows[0].n, 1);
});

test('listV2 pages with a cursor and groups folders with a delimiter', async () => {
  await admin.storage.createBucket('v2');
  const v2 = admin.storage.from('v2');
  for (const p of ['p/a.txt', 'p/b/1.txt', 'p/b/2.txt', 'p/c.txt']) assert.equal((await v2.upload(p, Buffer.from('x'))).error, null);
  const first = await v2.listV2({ prefix: 'p/', limit: 2, with_delimiter: true });
  assert.equal(first.error, null);
  assert.equal(first.data.hasNext, true);
  assert.deepEqual(first.data.folders.map((f) => f.name), ['b/']);
  assert.deepEqual(first.data.objects.map((o) => o.name), ['p/a.txt']);
  const second = await v2.listV2({ prefix: 'p/', limit: 2, with_delimiter: true, cursor: first.data.nextCursor });
  assert.equal(second.data.hasNext, false);
  assert.deepEqual(second.data.objects.map((o) => o.name), ['p/c.txt']);
  const flat = await v2.listV2({ prefix: 'p/b/' });
  assert.deepEqual(flat.data.objects.map((o) => o.name), ['p/b/1.txt', 'p/b/2.txt']);
  assert.equal(flat.data.objects[0].metadata.size, 1);
});
