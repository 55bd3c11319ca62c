using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Supacs.Rest.Http;

/// <summary>The phases PostgREST names in its <c>Server-Timing</c> header, in the order it lists them.</summary>
internal enum ServerMetric { Jwt, Parse, Plan, Transaction, Response }

/// <summary>
/// PostgREST's <c>Server-Timing</c> header (server-timing-enabled, v12.1+): <c>jwt;dur=…, parse;dur=…, plan;dur=…,
/// transaction;dur=…, response;dur=…</c> in milliseconds with one decimal, the phases a request went through. Only
/// created when the setting is on: a request without it has no instance, and every hook is a null check
/// (<c>req.Timing?.Lap(…)</c>). Each lap is the time since the previous one; the header is added as the response
/// starts (the <c>response</c> phase ends there) unless the request ended in an error response.
/// </summary>
internal sealed class ServerTiming
{
    private readonly HttpContext _http;
    private readonly double[] _ms = [-1, -1, -1, -1, -1];
    private long _last = Stopwatch.GetTimestamp();
    private bool _discarded;

    private ServerTiming(HttpContext http) => _http = http;

    /// <summary>Starts timing a request (the JWT phase starts now) and adds the header when its response starts.</summary>
    public static ServerTiming Start(HttpContext http)
    {
        var timing = new ServerTiming(http);
        http.Features.Set(timing);
        http.Response.OnStarting(static state => ((ServerTiming)state).AddHeader(), timing);
        return timing;
    }

    /// <summary>Ends <paramref name="metric"/>'s phase now (a phase reached twice adds up).</summary>
    public void Lap(ServerMetric metric)
    {
        var now = Stopwatch.GetTimestamp();
        var ms = Stopwatch.GetElapsedTime(_last, now).TotalMilliseconds;
        _ms[(int)metric] = _ms[(int)metric] < 0 ? ms : _ms[(int)metric] + ms;
        _last = now;
    }

    /// <summary>An error response carries no timings (PostgREST adds them to the responses it built).</summary>
    public static void Discard(HttpContext http)
    {
        if (http.Features.Get<ServerTiming>() is { } timing) timing._discarded = true;
    }

    /// <summary>The header value: the phases measured, in PostgREST's order.</summary>
    public string Render()
    {
        var text = new StringBuilder();
        for (var i = 0; i < _ms.Length; i++)
        {
            if (_ms[i] < 0) continue;
            if (text.Length > 0) text.Append(", ");
            text.Append(Names[i]).Append(";dur=").Append(_ms[i].ToString("0.0", CultureInfo.InvariantCulture));
        }
        return text.ToString();
    }

    private static readonly string[] Names = ["jwt", "parse", "plan", "transaction", "response"];

    private Task AddHeader()
    {
        if (_discarded) return Task.CompletedTask;
        Lap(ServerMetric.Response);
        _http.Response.Headers["Server-Timing"] = Render();
        return Task.CompletedTask;
    }
}
