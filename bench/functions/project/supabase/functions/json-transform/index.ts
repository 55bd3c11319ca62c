interface Item { id: number; name: string; price: number; tags: string[] }

Deno.serve(async (req: Request) => {
  const { items } = (await req.json()) as { items: Item[] };
  const out = items
    .filter((i) => i.price > 10)
    .map((i) => ({ id: i.id, label: i.name.toUpperCase(), total: Math.round(i.price * 1.2 * 100) / 100, tagCount: i.tags.length }))
    .sort((a, b) => b.total - a.total);
  return Response.json({ count: out.length, items: out });
});
