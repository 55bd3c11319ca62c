import { createClient } from "npm:@supabase/supabase-js@2";

const supabase = createClient(Deno.env.get("SUPABASE_URL")!, Deno.env.get("SUPABASE_SERVICE_ROLE_KEY")!);

Deno.serve(async () => {
  const { data, error } = await supabase.from("bench_items").select("id,name").order("id").limit(10);
  if (error) return Response.json({ error: error.message }, { status: 500 });
  return Response.json(data);
});
