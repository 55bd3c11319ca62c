using System.Globalization;
using System.Text;
using System.Xml;
using Microsoft.AspNetCore.Http;
using Supacs.Storage.Http;

namespace Supacs.Storage.S3;

/// <summary>S3 XML bodies (namespace 2006-03-01) and S3-style errors with real HTTP statuses.</summary>
internal static class S3Xml
{
    public const string Ns = "http://s3.amazonaws.com/doc/2006-03-01/";
    private static readonly XmlWriterSettings Settings = new() { Encoding = new UTF8Encoding(false), Indent = false };

    public static async Task WriteAsync(HttpResponse response, string root, Action<XmlWriter> body, int status = 200)
    {
        using var buffer = new MemoryStream();
        using (var w = XmlWriter.Create(buffer, Settings))
        {
            w.WriteStartDocument();
            w.WriteStartElement(root, Ns);
            body(w);
            w.WriteEndElement();
            w.WriteEndDocument();
        }
        response.StatusCode = status;
        response.ContentType = "application/xml";
        response.ContentLength = buffer.Length;
        await response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
    }

    public static string Time(DateTime t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static Task ErrorAsync(HttpContext ctx, int status, string code, string message)
    {
        if (ctx.Response.HasStarted) return Task.CompletedTask;
        ctx.Response.Headers.Remove("ETag");
        ctx.Response.Headers.Remove("Content-Range");
        if (HttpMethods.IsHead(ctx.Request.Method))
        {
            ctx.Response.StatusCode = status;
            return Task.CompletedTask;
        }
        return WriteAsync(ctx.Response, "Error", w =>
        {
            w.WriteElementString("Code", Ns, code);
            w.WriteElementString("Message", Ns, message);
            w.WriteElementString("Resource", Ns, ctx.Request.Path.Value);
        }, status);
    }

    /// <summary>A Storage error as S3 reports it: the real status and S3's code names where they differ.</summary>
    public static Task ErrorAsync(HttpContext ctx, StorageError e)
    {
        var status = int.TryParse(e.StatusCode, CultureInfo.InvariantCulture, out var s) && s is >= 400 and < 600 ? s : 500;
        var code = e.Code switch
        {
            "ResourceNotEmpty" => "BucketNotEmpty",
            "BucketAlreadyExists" or "ResourceAlreadyExists" or "KeyAlreadyExists" => e.Code,
            _ => e.Code,
        };
        return ErrorAsync(ctx, status, code, e.Message);
    }
}
