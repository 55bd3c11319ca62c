// Each test here starts real supacs processes with their own PostgreSQL: one at a time keeps them from
// starving each other (and the other test assemblies) on a small machine.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
