// Image transformations through storage-js: download({ transform }), getPublicUrl({ transform }), createSignedUrl({ transform }).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync, crc32 } from 'node:zlib';
import { startSupacs } from '../../lib/supacs.mjs';

/** A solid-colour RGB PNG of the given size. */
function png(width, height) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4); ihdr[8] = 8; ihdr[9] = 2;
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, 0x80)]);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
const pngSize = (buf) => ({ width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) });

let sb;
let admin;
before(async () => {
  sb = await startSupacs();
  admin = sb.client(sb.serviceRoleKey);
  await admin.storage.createBucket('photos', { public: true });
  await admin.storage.from('photos').upload('wide.png', png(400, 200), { contentType: 'image/png' });
});
after(async () => { await sb?.stop(); });

test('download with transform resizes (cover, contain)', async () => {
  const cover = await admin.storage.from('photos').download('wide.png', { transform: { width: 100, height: 100 } });
  assert.equal(cover.error, null);
  assert.deepEqual(pngSize(Buffer.from(await cover.data.arrayBuffer())), { width: 100, height: 100 });
  const contain = await admin.storage.from('photos').download('wide.png', { transform: { width: 100, height: 100, resize: 'contain' } });
  assert.deepEqual(pngSize(Buffer.from(await contain.data.arrayBuffer())), { width: 100, height: 50 });
});

test('getPublicUrl with transform and format webp', async () => {
  const { data } = admin.storage.from('photos').getPublicUrl('wide.png', { transform: { width: 80, format: 'origin' } });
  assert.match(data.publicUrl, /\/render\/image\/public\/photos\/wide\.png\?width=80/);
  const res = await fetch(data.publicUrl);
  assert.equal(res.status, 200);
  assert.deepEqual(pngSize(Buffer.from(await res.arrayBuffer())), { width: 80, height: 40 });
  const webp = await fetch(admin.storage.from('photos').getPublicUrl('wide.png', { transform: { width: 80, quality: 60 } }).data.publicUrl, { headers: { accept: 'image/webp,*/*' } });
  assert.equal(webp.headers.get('content-type'), 'image/webp');
  assert.equal(Buffer.from(await webp.arrayBuffer()).subarray(0, 4).toString(), 'RIFF');
});

test('createSignedUrl with transform renders the signed size', async () => {
  const signed = await admin.storage.from('photos').createSignedUrl('wide.png', 60, { transform: { width: 50, height: 50, resize: 'fill' } });
  assert.equal(signed.error, null);
  assert.match(signed.data.signedUrl, /\/render\/image\/sign\/photos\/wide\.png\?token=/);
  const res = await fetch(signed.data.signedUrl);
  assert.equal(res.status, 200);
  assert.deepEqual(pngSize(Buffer.from(await res.arrayBuffer())), { width: 50, height: 50 });
});

test('format avif returns a real AVIF image', async () => {
  const { data } = admin.storage.from('photos').getPublicUrl('wide.png', { transform: { width: 64, height: 32, format: 'avif' } });
  assert.match(data.publicUrl, /format=avif/);
  const res = await fetch(data.publicUrl);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/avif');
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.equal(bytes.subarray(4, 12).toString(), 'ftypavif');
});
