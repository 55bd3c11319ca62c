// postgres_changes through the real supabase-js: each event type, filters, REPLICA IDENTITY FULL, RLS isolation, and
// a write made right after "Subscribed to PostgreSQL" — for both Phoenix vsn values.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startSupacs } from '../../lib/supacs.mjs';
import { realtimeClient, subscribed, Inbox } from './helpers.mjs';

let sb;
const clients = [];
const alice = randomUUID();
const bob = randomUUID();

before(async () => {
  sb = await startSupacs();
  await sb.sql(`
    CREATE TABLE public.todos (id bigserial PRIMARY KEY, user_id uuid NOT NULL, title text, done boolean NOT NULL DEFAULT false);
    ALTER TABLE public.todos ENABLE ROW LEVEL SECURITY;
    CREATE POLICY own_todos ON public.todos FOR SELECT TO authenticated USING (auth.uid() = user_id);
    CREATE TABLE public.notes (id int PRIMARY KEY, body text, n int, tags text[], created_at timestamptz DEFAULT now());
    ALTER TABLE public.notes REPLICA IDENTITY FULL;
    ALTER PUBLICATION supabase_realtime ADD TABLE public.todos, public.notes;
  `);
});
after(async () => {
  for (const c of clients) await c.removeAllChannels();
  await sb?.stop();
});

/** Subscribes and resolves once the server says "Subscribed to PostgreSQL" (delivery is live from then on). */
async function live(channel) {
  const system = new Inbox();
  channel.on('system', {}, (p) => system.push(p));
  await subscribed(channel);
  const msg = await system.next((p) => p.extension === 'postgres_changes');
  assert.equal(msg.status, 'ok', JSON.stringify(msg));
  assert.equal(msg.message, 'Subscribed to PostgreSQL');
  return channel;
}

async function client(vsn, options) {
  const c = await realtimeClient(sb, vsn, options);
  clients.push(c);
  return c;
}

for (const [i, vsn] of ['1.0.0', '2.0.0'].entries()) {
  test(`insert, update and delete with a filter (vsn ${vsn})`, async () => {
    const service = await client(vsn, { key: sb.serviceRoleKey });
    const base = (i + 1) * 1000;
    const inbox = new Inbox();
    const ch = service.channel(`notes-${vsn}`)
      .on('postgres_changes', { event: '*', schema: 'public', table: 'notes', filter: `n=gte.${base}` }, (p) => inbox.push(p));
    await live(ch);

    await sb.sql(`INSERT INTO public.notes (id, body, n, tags) VALUES ($1, 'skip', 1, '{a}'), ($2, 'hello', $3, '{x,y}')`, [base, base + 1, base]);
    const insert = await inbox.next();
    assert.equal(insert.eventType, 'INSERT');
    assert.equal(insert.schema, 'public');
    assert.equal(insert.table, 'notes');
    assert.deepEqual(insert.new.tags, ['x', 'y']);
    assert.equal(insert.new.id, base + 1);
    assert.equal(insert.new.body, 'hello');
    assert.ok(!Number.isNaN(Date.parse(insert.commit_timestamp)));
    assert.deepEqual(insert.old, {});
    assert.equal(insert.errors, null);

    await sb.sql('UPDATE public.notes SET body = $2 WHERE id = $1', [base + 1, 'changed']);
    const update = await inbox.next();
    assert.equal(update.eventType, 'UPDATE');
    assert.equal(update.new.body, 'changed');
    assert.equal(update.old.body, 'hello', 'REPLICA IDENTITY FULL sends the whole old row');

    await sb.sql('DELETE FROM public.notes WHERE id = $1', [base + 1]);
    const del = await inbox.next();
    assert.equal(del.eventType, 'DELETE');
    assert.equal(del.old.id, base + 1);
    assert.deepEqual(del.new, {});
    assert.equal(inbox.items.length, 0, 'the non-matching row never arrived');
  });

  test(`RLS: each user receives only the rows it may select (vsn ${vsn})`, async () => {
    const a = await client(vsn, { accessToken: await sb.tokenFor(alice) });
    const b = await client(vsn, { accessToken: await sb.tokenFor(bob) });
    const aInbox = new Inbox();
    const bInbox = new Inbox();
    await live(a.channel(`todos-a-${vsn}`).on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'todos' }, (p) => aInbox.push(p)));
    await live(b.channel(`todos-b-${vsn}`).on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'todos' }, (p) => bInbox.push(p)));

    await sb.sql('INSERT INTO public.todos (user_id, title) VALUES ($1, $3), ($2, $4)', [alice, bob, `alice ${vsn}`, `bob ${vsn}`]);
    const forAlice = await aInbox.next();
    assert.equal(forAlice.new.title, `alice ${vsn}`);
    assert.equal(forAlice.new.done, false);
    const forBob = await bInbox.next();
    assert.equal(forBob.new.title, `bob ${vsn}`);
    // Barrier: a later row for bob; alice's inbox must still hold nothing else.
    await sb.sql('INSERT INTO public.todos (user_id, title) VALUES ($1, $2)', [bob, 'barrier']);
    await bInbox.next((p) => p.new.title === 'barrier');
    assert.equal(aInbox.items.length, 0);
  });
}

test('newer filters: comma-ANDed conditions, like and in with quoting (vsn 2.0.0)', async () => {
  const service = await client('2.0.0', { key: sb.serviceRoleKey });
  const inbox = new Inbox();
  const filter = 'n=gte.5000,body=like.keep%,tags=neq.{z}';
  await live(service.channel('notes-filters')
    .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'notes', filter }, (p) => inbox.push(p)));
  await sb.sql(`INSERT INTO public.notes (id, body, n, tags) VALUES
    (5001, 'keep me', 4999, '{a}'), (5002, 'drop me', 6000, '{a}'), (5003, 'keep too', 6000, '{a}')`);
  const got = await inbox.next();
  assert.equal(got.new.id, 5003);
  await sb.sql(`INSERT INTO public.notes (id, body, n) VALUES (5004, 'keep barrier', 7000)`);
  assert.equal((await inbox.next()).new.id, 5004);
  assert.equal(inbox.items.length, 0);
});

test('a table outside the publication is reported on the channel', async () => {
  await sb.sql('CREATE TABLE IF NOT EXISTS public.secret (id int PRIMARY KEY)');
  const c = await client('2.0.0', { key: sb.serviceRoleKey });
  const system = new Inbox();
  const ch = c.channel('secret').on('postgres_changes', { event: '*', schema: 'public', table: 'secret' }, () => {})
    .on('system', {}, (p) => system.push(p));
  await subscribed(ch);
  const msg = await system.next();
  assert.equal(msg.status, 'error');
  assert.match(msg.message, /Unable to subscribe to changes with given parameters/);
});

test('select limits the columns of the payload (supabase-js select option)', async () => {
  const service = await client('2.0.0', { key: sb.serviceRoleKey });
  const inbox = new Inbox();
  await live(service.channel('notes-select')
    .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'notes', filter: 'n=eq.9090', select: ['id', 'body'] }, (p) => inbox.push(p)));
  await sb.sql(`INSERT INTO public.notes (id, body, n, tags) VALUES (9090, 'only these', 9090, '{t}')`);
  const insert = await inbox.next();
  assert.deepEqual(insert.new, { id: 9090, body: 'only these' });
});
