// Reads through supabase-js: select shapes, every filter the client exposes, order, range, counts, single.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRest, ALICE } from './helpers.mjs';

let sb;
let db;
before(async () => {
  sb = await startRest();
  db = sb.client();
});
after(async () => { await sb?.stop(); });

const names = (data) => data.map((r) => r.name);

test('select * returns every row', async () => {
  const { data, error, status } = await db.from('users').select('*').order('name');
  assert.equal(error, null);
  assert.equal(status, 200);
  assert.deepEqual(names(data), ['Alice', 'Bob', 'Carol']);
  assert.deepEqual(Object.keys(data[0]).sort(), ['age', 'data', 'id', 'name']);
});

test('select with alias, cast and json path', async () => {
  const { data, error } = await db.from('users').select('nom:name, age::text, data->>city').eq('name', 'Alice');
  assert.equal(error, null);
  assert.deepEqual(data, [{ nom: 'Alice', age: '30', city: 'Paris' }]);
});

test('eq / neq / gt / gte / lt / lte', async () => {
  assert.deepEqual(names((await db.from('users').select('name').eq('age', 25)).data), ['Bob']);
  assert.deepEqual(names((await db.from('users').select('name').neq('age', 25)).data), ['Alice']);
  assert.deepEqual(names((await db.from('users').select('name').gt('age', 25)).data), ['Alice']);
  assert.deepEqual(names((await db.from('users').select('name').gte('age', 25).order('age')).data), ['Bob', 'Alice']);
  assert.deepEqual(names((await db.from('users').select('name').lt('age', 30)).data), ['Bob']);
  assert.deepEqual(names((await db.from('users').select('name').lte('age', 30).order('age')).data), ['Bob', 'Alice']);
});

test('like / ilike / match / imatch and their any/all forms', async () => {
  assert.deepEqual(names((await db.from('users').select('name').like('name', '%li%')).data), ['Alice']);
  assert.deepEqual(names((await db.from('users').select('name').ilike('name', 'bo%')).data), ['Bob']);
  assert.deepEqual(names((await db.from('users').select('name').match({ name: 'Carol' })).data), ['Carol']);
  assert.deepEqual(names((await db.from('users').select('name').filter('name', 'imatch', '^CA')).data), ['Carol']);
  assert.deepEqual(names((await db.from('users').select('name').likeAnyOf('name', ['Al%', 'Bo%']).order('name')).data), ['Alice', 'Bob']);
  assert.deepEqual(names((await db.from('users').select('name').ilikeAllOf('name', ['%O%', 'c%'])).data), ['Carol']);
});

test('in / is / not / or', async () => {
  assert.deepEqual(names((await db.from('users').select('name').in('name', ['Bob', 'Carol', 'a,b']).order('name')).data), ['Bob', 'Carol']);
  assert.deepEqual(names((await db.from('users').select('name').is('age', null)).data), ['Carol']);
  assert.deepEqual(names((await db.from('users').select('name').not('age', 'is', null).order('name')).data), ['Alice', 'Bob']);
  assert.deepEqual(names((await db.from('users').select('name').or('age.gt.29,name.eq.Carol').order('name')).data), ['Alice', 'Carol']);
  assert.deepEqual(names((await db.from('users').select('name').or('name.eq.X,and(age.gt.20,age.lt.26)')).data), ['Bob']);
  assert.deepEqual(names((await db.from('users').select('name').not('name', 'in', '(Alice,Bob)')).data), ['Carol']);
});

test('contains / containedBy / overlaps on arrays and jsonb', async () => {
  const titles = (r) => r.data.map((x) => x.title);
  assert.deepEqual(titles(await db.from('posts').select('title').contains('tags', ['c'])), ['World']);
  assert.deepEqual(titles(await db.from('posts').select('title').containedBy('tags', ['a', 'b', 'z']).neq('tags', '{}')), ['Hello']);
  assert.deepEqual(titles(await db.from('posts').select('title').overlaps('tags', ['c', 'z'])), ['World']);
  assert.deepEqual(names((await db.from('users').select('name').contains('data', { city: 'Paris' })).data), ['Alice']);
});

test('range operators', async () => {
  const rs = async (q) => (await q).data.map((x) => x.r);
  assert.deepEqual(await rs(db.from('ranges').select('r').rangeLt('r', '[6,8)')), ['[1,5)']);
  assert.deepEqual(await rs(db.from('ranges').select('r').rangeGt('r', '[6,8)')), ['[10,20)']);
  assert.deepEqual(await rs(db.from('ranges').select('r').rangeAdjacent('r', '[5,10)').eq('id', 1)), ['[1,5)']);
  assert.deepEqual(await rs(db.from('ranges').select('r').rangeLte('r', '[0,6)')), ['[1,5)']);
  assert.deepEqual(await rs(db.from('ranges').select('r').rangeGte('r', '[8,9)')), ['[10,20)']);
});

test('textSearch in its four flavours', async () => {
  const contents = async (q) => (await q).data.map((x) => x.content);
  assert.deepEqual(await contents(db.from('docs').select('content').textSearch('tsv', 'fox')), ['The quick brown fox']);
  assert.deepEqual(await contents(db.from('docs').select('content').textSearch('tsv', 'lazy dogs', { type: 'plain', config: 'english' })), ['Lazy dogs sleep']);
  assert.deepEqual(await contents(db.from('docs').select('content').textSearch('tsv', 'brown fox', { type: 'phrase' })), ['The quick brown fox']);
  assert.deepEqual(await contents(db.from('docs').select('content').textSearch('content', 'quick -lazy', { type: 'websearch', config: 'english' })), ['The quick brown fox']);
});

test('order with nullsFirst and range paging', async () => {
  assert.deepEqual(names((await db.from('users').select('name').order('age', { ascending: true, nullsFirst: true })).data), ['Carol', 'Bob', 'Alice']);
  assert.deepEqual(names((await db.from('users').select('name').order('age', { ascending: false, nullsFirst: false })).data), ['Alice', 'Bob', 'Carol']);
  assert.deepEqual(names((await db.from('users').select('name').order('name').range(1, 2)).data), ['Bob', 'Carol']);
  assert.deepEqual(names((await db.from('users').select('name').order('name').limit(1)).data), ['Alice']);
});

test('count exact with head and with data', async () => {
  const head = await db.from('users').select('*', { count: 'exact', head: true });
  assert.equal(head.error, null);
  assert.equal(head.count, 3);
  assert.equal(head.data, null);
  const page = await db.from('users').select('name', { count: 'exact' }).order('name').range(0, 0);
  assert.equal(page.count, 3);
  assert.equal(page.status, 206);
  assert.deepEqual(names(page.data), ['Alice']);
  const filtered = await db.from('users').select('name', { count: 'exact' }).gt('age', 26);
  assert.equal(filtered.count, 1);
});

test('single and maybeSingle', async () => {
  const one = await db.from('users').select('name').eq('id', ALICE).single();
  assert.equal(one.error, null);
  assert.deepEqual(one.data, { name: 'Alice' });
  const none = await db.from('users').select('name').eq('name', 'nobody').single();
  assert.equal(none.error.code, 'PGRST116');
  assert.equal(none.status, 406);
  const many = await db.from('users').select('name').single();
  assert.equal(many.error.code, 'PGRST116');
  assert.equal(many.error.details, 'The result contains 3 rows');
  const maybe = await db.from('users').select('name').eq('name', 'nobody').maybeSingle();
  assert.equal(maybe.error, null);
  assert.equal(maybe.data, null);
  const maybeOne = await db.from('users').select('name').eq('name', 'Bob').maybeSingle();
  assert.deepEqual(maybeOne.data, { name: 'Bob' });
});

test('csv output', async () => {
  const { data, error } = await db.from('users').select('name,age').order('name').csv();
  assert.equal(error, null);
  assert.equal(data, 'name,age\nAlice,30\nBob,25\nCarol,');
});

test('views are readable', async () => {
  const { data } = await db.from('published_posts').select('title').order('id');
  assert.deepEqual(data.map((x) => x.title), ['Hello', 'Bonjour']);
});

test('a second schema through .schema()', async () => {
  const { data, error } = await db.schema('extra').from('items').select('label');
  assert.equal(error, null);
  assert.deepEqual(data, [{ label: 'from extra' }]);
  const bad = await db.schema('nope').from('items').select('label');
  assert.equal(bad.error.code, 'PGRST106');
});

test('errors for unknown table and column', async () => {
  const t = await db.from('nope').select('*');
  assert.equal(t.status, 404);
  assert.equal(t.error.code, 'PGRST205');
  const c = await db.from('users').select('nope');
  assert.equal(c.status, 400);
  assert.equal(c.error.code, '42703');
});

test('computed fields select, filter and order like columns', async () => {
  const { data, error } = await db.from('users').select('name, label').gt('age', 20).order('label', { ascending: false });
  assert.equal(error, null);
  assert.deepEqual(data, [{ name: 'Bob', label: 'Bob (25)' }, { name: 'Alice', label: 'Alice (30)' }]);
});
