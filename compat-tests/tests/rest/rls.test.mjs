// RLS through supabase-js: anon, two users and service_role against the same policies (reads, writes, rpc, embeds).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { startRest, ALICE, BOB } from './helpers.mjs';

let sb;
let anon;
let alice;
let bob;
let service;
before(async () => {
  sb = await startRest();
  anon = sb.client();
  alice = sb.client(sb.anonKey, await sb.tokenFor(ALICE));
  bob = sb.client(sb.anonKey, await sb.tokenFor(BOB));
  service = sb.client(sb.serviceRoleKey);
  await sb.sql(`
    create table public.secrets (id serial primary key, owner uuid not null default auth.uid() references public.users(id), body text);
    alter table public.secrets enable row level security;
    create policy own on public.secrets for all to authenticated using (owner = auth.uid()) with check (owner = auth.uid());
    insert into public.secrets (owner, body) values ('${ALICE}', 'a1'), ('${BOB}', 'b1');
  `);
});
after(async () => { await sb?.stop(); });

const bodies = (r) => r.data.map((x) => x.body).sort();

test('reads: each user sees their rows, anon the public ones, service_role all', async () => {
  assert.deepEqual(bodies(await anon.from('notes').select('body')), ['public:hello']);
  assert.deepEqual(bodies(await alice.from('notes').select('body')), ['alice secret']);
  assert.deepEqual(bodies(await bob.from('notes').select('body')), ['bob secret', 'public:hello']);
  assert.equal((await service.from('notes').select('body')).data.length, 3);
});

test('a table created after start is visible immediately (schema reload)', async () => {
  const r = await alice.from('secrets').select('body');
  assert.equal(r.error, null);
  assert.deepEqual(bodies(r), ['a1']);
});

test('writes: insert uses auth.uid() default; forging the owner is 403', async () => {
  const mine = await alice.from('secrets').insert({ body: 'a2' }).select('owner, body').single();
  assert.equal(mine.error, null);
  assert.deepEqual(mine.data, { owner: ALICE, body: 'a2' });
  const forged = await bob.from('secrets').insert({ body: 'x', owner: ALICE });
  assert.equal(forged.status, 403);
  assert.equal(forged.error.code, '42501');
  assert.match(forged.error.message, /row-level security/);
  const anonWrite = await anon.from('secrets').insert({ body: 'x' });
  assert.equal(anonWrite.status, 401);
});

test('updates and deletes only touch visible rows', async () => {
  const steal = await bob.from('secrets').update({ body: 'stolen' }).eq('body', 'a1').select();
  assert.deepEqual(steal.data, []);
  const del = await bob.from('secrets').delete().eq('body', 'a1').select();
  assert.deepEqual(del.data, []);
  assert.equal((await sb.sql("select count(*)::int n from secrets where body = 'a1'")).rows[0].n, 1);
  const own = await alice.from('secrets').update({ body: 'a1!' }).eq('body', 'a1').select('body');
  assert.deepEqual(own.data, [{ body: 'a1!' }]);
});

test('embeds respect RLS of the embedded table', async () => {
  const r = await bob.from('users').select('name, secrets(body)').order('name');
  assert.equal(r.error, null);
  assert.deepEqual(r.data.map((u) => [u.name, u.secrets.map((s) => s.body)]), [['Alice', []], ['Bob', ['b1']], ['Carol', []]]);
});

test('rpc runs as the caller', async () => {
  assert.equal((await bob.rpc('whoami')).data, `authenticated:${BOB}`);
  assert.equal((await anon.rpc('whoami')).data, 'anon:');
  assert.equal((await service.rpc('whoami')).data, 'service_role:');
});

test('a bad JWT is 401 PGRST301', async () => {
  const bad = sb.client(sb.anonKey, 'not.a.jwt');
  const r = await bad.from('users').select('*');
  assert.equal(r.status, 401);
  assert.equal(r.error.code, 'PGRST301');
  const past = Math.floor(Date.now() / 1000) - 7200;
  const token = await new SignJWT({ sub: ALICE, role: 'authenticated' }).setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt(past).setExpirationTime(past + 60).sign(new TextEncoder().encode(sb.jwtSecret));
  const expired = sb.client(sb.anonKey, token);
  const e = await expired.from('users').select('*');
  assert.equal(e.status, 401);
  assert.equal(e.error.message, 'JWT expired');
});

test('a JWT issued more than 30 s in the future is 401 PGRST301; within the skew it is accepted', async () => {
  const sign = (iat) => new SignJWT({ sub: ALICE, role: 'authenticated' }).setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt(iat).setExpirationTime(iat + 3600).sign(new TextEncoder().encode(sb.jwtSecret));
  const now = Math.floor(Date.now() / 1000);
  const future = await sb.client(sb.anonKey, await sign(now + 300)).from('secrets').select('owner');
  assert.equal(future.status, 401);
  assert.equal(future.error.code, 'PGRST301');
  assert.equal(future.error.message, 'JWT issued at future');
  const skewed = await sb.client(sb.anonKey, await sign(now + 10)).from('secrets').select('owner');
  assert.equal(skewed.error, null);
  assert.ok(skewed.data.length > 0);
  assert.ok(skewed.data.every((x) => x.owner === ALICE));
});
