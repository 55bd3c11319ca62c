using System.Diagnostics;
using System.Text;
using Jint;
using Jint.Native;
using Jint.Runtime;
using Jint.Runtime.Interop;
using Microsoft.AspNetCore.Http;
using Supacs.Functions.Loading;
using Supacs.Functions.Packages;

namespace Supacs.Functions.Runtime;

/// <summary>
/// One pre-warmed engine with a function's module evaluated and its handler registered. Serves one request at
/// a time; keeps module-level state between requests like a Deno isolate does. A worker that hit a limit or
/// broke is discarded, never reused.
/// </summary>
internal sealed class FunctionWorker : IDisposable
{
    private static readonly Lazy<Prepared<Acornima.Ast.Script>> RuntimeScript = new(() =>
    {
        using var stream = typeof(FunctionWorker).Assembly.GetManifestResourceStream("Supacs.Functions.Runtime.Js.runtime.js")
            ?? throw new InvalidOperationException("runtime.js is missing from the assembly.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return Engine.PrepareScript(reader.ReadToEnd(), "supacs:runtime.js",
            options: new ScriptPreparationOptions { ParsingOptions = new ScriptParsingOptions { CompileRegex = false } });
    });

    private readonly Engine _engine;
    private readonly EventLoop _loop;
    private readonly HostBindings _host;
    private readonly JsValue _dispatch;
    private readonly JsValue _readChunk;
    private readonly JsValue _runTimer;
    private readonly JsValue _hasWaits;

    private FunctionWorker(Engine engine, EventLoop loop, HostBindings host, IReadOnlyList<LoadedFile> files, string entry)
    {
        _engine = engine;
        _loop = loop;
        _host = host;
        Files = files;
        Entry = entry;
        _dispatch = engine.GetValue("__supacsDispatch");
        _readChunk = engine.GetValue("__supacsReadChunk");
        _runTimer = engine.GetValue("__supacsRunTimer");
        _hasWaits = engine.GetValue("__supacsHasWaits");
        _done = new ClrFunction(engine, "done", (_, a) => { _parts = a.Length > 0 ? a[0] : JsValue.Undefined; return JsValue.Undefined; });
        _fail = new ClrFunction(engine, "fail", (_, a) => { _error = a.Length > 0 ? a[0] : JsValue.Undefined; return JsValue.Undefined; });
        _settled = () => _parts is not null || _error is not null;
    }

    // The handler's outcome for the current request, set by the done/fail callbacks (created once per worker).
    private JsValue? _parts;
    private JsValue? _error;
    private readonly ClrFunction _done;
    private readonly ClrFunction _fail;
    private readonly Func<bool> _settled;

    public string Entry { get; }
    public IReadOnlyList<LoadedFile> Files { get; }

    /// <summary>Set when the engine hit a limit or an internal error: it must not serve again.</summary>
    public bool Broken { get; private set; }

    public bool IsStale(string currentEntry) => currentEntry != Entry || Files.Any(f => f.Changed);

    /// <summary>
    /// Boots a worker; imports of packages that are not installed yet are installed from the registry into the data
    /// dir's store first (the boot waits), then the boot starts over. A failed install is a boot error naming the cause.
    /// </summary>
    public static FunctionWorker Boot(FunctionServices services, string name, string entry, FunctionSettings settings)
    {
        var attempted = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            try
            {
                return BootOnce(services, name, entry, settings);
            }
            catch (Exception e) when (MissingPackage(e) is { } missing)
            {
                var request = missing.Request;
                if (!attempted.Add(request.Display))
                    throw new BootException($"Module not found \"{request.Specifier}\": {request.Display} was installed but has no matching file", e);
                try
                {
                    services.Packages.Install(request);
                }
                catch (PackageInstallException install)
                {
                    throw new BootException($"Installing \"{request.Specifier}\" ({request.Display}) failed: {install.Message}", install);
                }
            }
        }
    }

    private static PackageMissingException? MissingPackage(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is PackageMissingException m) return m;
        return null;
    }

    private static FunctionWorker BootOnce(FunctionServices services, string name, string entry, FunctionSettings settings)
    {
        var options = services.Options;
        var importMap = ImportMap.Find(entry, services.ProjectDir, settings);
        var loader = new FunctionModuleLoader(services.ProjectDir, services.Modules, services.StripCacheDir, services.Packages, importMap);
        if (importMap is not null) loader.Files.Add(LoadedFile.Of(importMap.Path));
        // Secrets are part of what a worker was booted with: an edited env file retires it like an edited source file.
        if (services.Env.EnvFile is { } envFile) loader.Files.Add(LoadedFile.Of(envFile));
        var engine = new Engine(o =>
        {
            o.EnableModules(loader);
            o.TimeoutInterval(options.CpuTimePerEntry);
            o.LimitMemory(options.MemoryBytes);
            o.LimitRecursion(options.MaxRecursion);
            if (options.MaxStatements > 0) o.MaxStatements(options.MaxStatements);
            o.Constraints.StackOverflowGuard = true;
            o.Constraints.RegexTimeout = options.CpuTimePerEntry;
        });
        var env = new Dictionary<string, string>(services.Env.Current(), StringComparer.Ordinal);
        var loop = new EventLoop();
        var host = new HostBindings(engine, loop, services, name, env);
        try
        {
            engine.SetValue("__host", host.Object);
            engine.Execute(RuntimeScript.Value);
            var ns = engine.Modules.Import(new Uri(entry).AbsoluteUri);
            var ok = engine.Invoke("__supacsUseDefaultExport", ns);
            if (!ok.AsBoolean())
                throw new BootException("The function registered no handler: call Deno.serve(handler), serve(handler) from std/http, or export default { fetch }");
            return new FunctionWorker(engine, loop, host, loader.Files, entry);
        }
        catch
        {
            host.Dispose();
            loop.Dispose();
            engine.Dispose();
            throw;
        }
    }

    /// <summary>Runs the handler for the current request and writes its response.</summary>
    public async Task InvokeAsync(HttpContext context, string url, byte[]? body, CancellationToken wallClock)
    {
        _parts = null;
        _error = null;

        var request = context.Request;
        var flat = new List<JsValue>(request.Headers.Count * 2);
        foreach (var h in request.Headers)
            foreach (var v in h.Value)
            {
                flat.Add(h.Key.ToLowerInvariant());
                flat.Add(v ?? "");
            }
        var remote = context.Connection.RemoteIpAddress?.ToString() ?? "127.0.0.1";
        Enter(() => _engine.Invoke(_dispatch, request.Method, url, new JsArray(_engine, flat.ToArray()),
            body is null ? JsValue.Null : _host.Bytes(body), remote, context.Connection.RemotePort, _done, _fail));
        await PumpAsync(_settled, wallClock).ConfigureAwait(false);
        if (_error is not null) throw new FunctionThrewException(Describe(_error));

        var p = _parts!.AsArray();
        var response = context.Response;
        var status = (int)p[0].AsNumber();
        response.StatusCode = status;
        var headers = p[2].AsArray();
        for (uint i = 0; i + 1 < headers.Length; i += 2)
        {
            var name = headers[i].AsString();
            if (name is "content-length" or "transfer-encoding" or "connection" or "keep-alive") continue;
            response.Headers.Append(name, headers[i + 1].AsString());
        }
        var kind = (int)p[3].AsNumber();
        switch (kind)
        {
            case 1:
            {
                var bytes = Encoding.UTF8.GetBytes(p[4].AsString());
                response.ContentLength = bytes.Length;
                await response.Body.WriteAsync(bytes, wallClock).ConfigureAwait(false);
                break;
            }
            case 2:
            {
                var bytes = p[4].AsUint8Array();
                response.ContentLength = bytes.Length;
                await response.Body.WriteAsync(bytes, wallClock).ConfigureAwait(false);
                break;
            }
            case 3:
                await CopyHostStreamAsync(response, (int)p[4].AsNumber(), context.RequestAborted, wallClock).ConfigureAwait(false);
                break;
            case 4:
                await CopyJsStreamAsync(response, p[4], context.RequestAborted, wallClock).ConfigureAwait(false);
                break;
            default:
                response.ContentLength = 0;
                break;
        }
        // EdgeRuntime.waitUntil work keeps the worker busy after the response, as on the platform.
        if (HasWaits())
        {
            await response.CompleteAsync().ConfigureAwait(false);
            await PumpAsync(() => !HasWaits(), wallClock).ConfigureAwait(false);
        }
    }

    private bool HasWaits()
    {
        var result = false;
        Enter(() => result = _engine.Invoke(_hasWaits).AsBoolean());
        return result;
    }

    private async Task CopyHostStreamAsync(HttpResponse response, int id, CancellationToken aborted, CancellationToken wallClock)
    {
        using var stream = _host.TakeStream(id);
        if (stream is null) return;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, wallClock);
        var body = await stream.BodyAsync().ConfigureAwait(false);
        var buffer = new byte[16 * 1024];
        await response.StartAsync(linked.Token).ConfigureAwait(false);
        try
        {
            int n;
            while ((n = await body.ReadAsync(buffer, linked.Token).ConfigureAwait(false)) > 0)
            {
                await response.Body.WriteAsync(buffer.AsMemory(0, n), linked.Token).ConfigureAwait(false);
                await response.Body.FlushAsync(linked.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away; nothing more to send.
        }
    }

    private async Task CopyJsStreamAsync(HttpResponse response, JsValue reader, CancellationToken aborted, CancellationToken wallClock)
    {
        await response.StartAsync(wallClock).ConfigureAwait(false);
        while (!aborted.IsCancellationRequested)
        {
            JsValue? chunk = null;
            JsValue? error = null;
            var finished = false;
            var done = new ClrFunction(_engine, "done", (_, a) => { chunk = a[0]; finished = true; return JsValue.Undefined; });
            var fail = new ClrFunction(_engine, "fail", (_, a) => { error = a.Length > 0 ? a[0] : JsValue.Undefined; finished = true; return JsValue.Undefined; });
            Enter(() => _engine.Invoke(_readChunk, reader, done, fail));
            await PumpAsync(() => finished, wallClock).ConfigureAwait(false);
            if (error is not null) throw new FunctionThrewException(Describe(error), responseStarted: true);
            if (chunk is null || chunk.IsNull()) return;
            var bytes = chunk.IsString() ? Encoding.UTF8.GetBytes(chunk.AsString()) : chunk.AsUint8Array();
            try
            {
                await response.Body.WriteAsync(bytes, aborted).ConfigureAwait(false);
                await response.Body.FlushAsync(aborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Runs JS until <paramref name="isDone"/>: host completions, then due timers, else waits for either.</summary>
    private async Task PumpAsync(Func<bool> isDone, CancellationToken wallClock)
    {
        while (true)
        {
            while (_loop.TryDequeue(out var completion)) Enter(completion);
            while (_loop.TryTakeDueTimer(out var timer))
            {
                Enter(() => _engine.Invoke(_runTimer, timer));
                while (_loop.TryDequeue(out var completion)) Enter(completion);
            }
            if (isDone()) return;
            if (!_loop.HasCompletions && _loop.PendingOperations == 0 && !_loop.HasTimers)
            {
                Broken = true;
                throw new FunctionThrewException("The handler's promise never settled (no pending timers or I/O)");
            }
            try
            {
                await _loop.WaitAsync(_loop.MillisecondsToNextTimer(), wallClock).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Broken = true;
                throw new WorkerLimitException("wall clock limit reached");
            }
        }
    }

    /// <summary>One entry into JS under fresh limits; limit violations break the worker.</summary>
    private void Enter(Action action)
    {
        _engine.Constraints.Reset();
        try
        {
            action();
            _engine.Advanced.ProcessTasks();
        }
        catch (JavaScriptException e)
        {
            // Uncaught in a timer or continuation: the isolate would die on the platform.
            Broken = true;
            throw new FunctionThrewException(Describe(e.Error));
        }
        catch (TimeoutException)
        {
            Broken = true;
            throw new WorkerLimitException("CPU time limit reached");
        }
        catch (StatementsCountOverflowException)
        {
            Broken = true;
            throw new WorkerLimitException("statement limit reached");
        }
        catch (MemoryLimitExceededException)
        {
            Broken = true;
            throw new WorkerLimitException("memory limit reached");
        }
        catch (RecursionDepthOverflowException)
        {
            Broken = true;
            throw new WorkerLimitException("call stack limit reached");
        }
        catch (Exception e) when (e is not (FunctionThrewException or WorkerLimitException))
        {
            Broken = true;
            throw new FunctionThrewException(e.Message);
        }
    }

    /// <summary>Whether an exception is one of Jint's sandbox limits (546), as opposed to an error in the code.</summary>
    internal static bool IsLimit(Exception? e) =>
        e is WorkerLimitException or TimeoutException or StatementsCountOverflowException or MemoryLimitExceededException
            or RecursionDepthOverflowException;

    internal static string Describe(JsValue error)
    {
        if (error is Jint.Native.Object.ObjectInstance o)
        {
            var stack = o.Get("stack");
            if (stack.IsString() && stack.AsString().Length > 0)
            {
                var s = stack.AsString();
                var message = TypeConverter.ToString(o.Get("message"));
                var name = TypeConverter.ToString(o.Get("name"));
                return s.Contains(message, StringComparison.Ordinal) ? s : $"{name}: {message}\n{s}";
            }
            try
            {
                return TypeConverter.ToString(error);
            }
            catch (JavaScriptException)
            {
                return "[object]";
            }
        }
        return TypeConverter.ToString(error);
    }

    public void Dispose()
    {
        _host.Dispose();
        _loop.Dispose();
        _engine.Dispose();
    }
}

internal sealed class BootException(string message, Exception? inner = null) : Exception(message, inner);

internal sealed class FunctionThrewException(string message, bool responseStarted = false) : Exception(message)
{
    public bool ResponseStarted { get; } = responseStarted;
}

internal sealed class WorkerLimitException(string message) : Exception(message);
