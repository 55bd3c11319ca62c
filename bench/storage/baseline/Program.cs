// Baseline for bench/storage: PUT /files/{name} streams the body to a file (temp + rename, like Storage),
// GET /files/{name} is ASP.NET Core's static file middleware. No auth, no database.
using Microsoft.Extensions.FileProviders;

var root = args.Length > 1 ? args[1] : Path.Combine(Path.GetTempPath(), "storage-baseline");
Directory.CreateDirectory(root);
var builder = WebApplication.CreateSlimBuilder();
builder.WebHost.UseUrls($"http://127.0.0.1:{args[0]}");
builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = null);
builder.Logging.ClearProviders();
var app = builder.Build();
app.UseStaticFiles(new StaticFileOptions
{
    FileProvider = new PhysicalFileProvider(root),
    RequestPath = "/files",
    ServeUnknownFileTypes = true,
});
// Static files first: with routing ahead of them, the PUT route's 405 endpoint would shadow GETs.
app.UseRouting();
app.MapPut("/files/{name}", async (HttpContext ctx, string name) =>
{
    var tmp = Path.Combine(root, "." + Guid.NewGuid().ToString("N"));
    await using (var file = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
    {
        await ctx.Request.Body.CopyToAsync(file, 128 * 1024);
        file.Flush(flushToDisk: true);
    }
    File.Move(tmp, Path.Combine(root, Path.GetFileName(name)), overwrite: true);
    return Results.Ok();
});
app.Run();
