using System.Diagnostics.Metrics;
using Supacs.Core.Projects;
using Supacs.Functions.Runtime;

namespace Supacs.Functions;

/// <summary>Edge-function metrics (meter "Supacs.Functions", exported at /metrics): invocations by outcome, durations, boots, idle engines.</summary>
internal sealed class FunctionsMetrics
{
    public const string MeterName = "Supacs.Functions";

    private readonly Counter<long> _invocations;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _boot;

    public FunctionsMetrics(IMeterFactory meterFactory, ProjectRegistry registry)
    {
        var meter = meterFactory.Create(MeterName);
        _invocations = meter.CreateCounter<long>("supacs.functions.invocations", "{invocation}", "Function invocations by function and outcome (ok, worker_error, boot_error, worker_limit).");
        _duration = meter.CreateHistogram<double>("supacs.functions.invocation.duration", "s", "Time from renting an engine to the end of the response, by function.");
        _boot = meter.CreateHistogram<double>("supacs.functions.boot.duration", "s", "Time to create an engine and evaluate a function's module graph.");
        meter.CreateObservableGauge("supacs.functions.engines.idle", () =>
        {
            long total = 0;
            foreach (var project in registry.Projects)
                foreach (var runtime in project.Features.OfType<FunctionsRuntime>()) total += runtime.IdleEngines;
            return total;
        }, "{engine}", "Pre-warmed engines waiting for a request.");
    }

    public void Invoked(string function, string outcome, double seconds)
    {
        var f = new KeyValuePair<string, object?>("function", function);
        _invocations.Add(1, f, new KeyValuePair<string, object?>("outcome", outcome));
        _duration.Record(seconds, f);
    }

    public void Booted(string function, double seconds) => _boot.Record(seconds, new KeyValuePair<string, object?>("function", function));
}
