// Realtime load client: (1) broadcast fan-out, (2) postgres_changes with RLS, (3) server memory per idle connection.
// usage: Supacs.Realtime.Bench <scenario: broadcast|changes|idle> <url> <anonKey> <jwtSecret> <dbUrl> <serverPid> [key=value ...]
using System.Globalization;
using Supacs.Realtime.Bench;

var scenario = args[0];
var target = new Target(new Uri(args[1]), args[2], args[3], args[4], int.Parse(args[5], CultureInfo.InvariantCulture));
var options = args.Skip(6).Select(a => a.Split('=', 2)).ToDictionary(a => a[0], a => a[1]);
int Opt(string name, int fallback) => options.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

var report = scenario switch
{
    "broadcast" => await BroadcastScenario.RunAsync(target, Opt("connections", 5000), Opt("perChannel", 100), Opt("rate", 20), Opt("seconds", 10), Opt("aligned", 0) == 1),
    "changes" => await ChangesScenario.RunAsync(target, Opt("subscribers", 1000), Opt("users", 100), Opt("rate", 200), Opt("seconds", 10)),
    "idle" => await IdleScenario.RunAsync(target, Opt("connections", 5000), Opt("perChannel", 100), Opt("hold", 0)),
    _ => throw new ArgumentException("scenario must be broadcast, changes or idle"),
};
Console.WriteLine(report);
