// Holds its engine for 300 ms so that concurrent requests force one engine each (memory per engine).
Deno.serve(async () => {
  await new Promise((r) => setTimeout(r, 300));
  return new Response("slept");
});
