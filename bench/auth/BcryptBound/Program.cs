// Prints the milliseconds of one cost-10 bcrypt verification, single-threaded: wall time (median of 3 runs of 10)
// and the process CPU time per verification over the same runs ("WALL CPU").
using System.Diagnostics;
using System.Globalization;

var hash = BCrypt.Net.BCrypt.HashPassword("bench-password-1", 10);
for (var i = 0; i < 5; i++) BCrypt.Net.BCrypt.Verify("bench-password-1", hash); // JIT warm-up
var runs = new List<double>();
var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
for (var r = 0; r < 3; r++)
{
    var sw = Stopwatch.StartNew();
    for (var i = 0; i < 10; i++) BCrypt.Net.BCrypt.Verify("bench-password-1", hash);
    runs.Add(sw.Elapsed.TotalMilliseconds / 10);
}
var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds / 30;
runs.Sort();
Console.WriteLine(runs[1].ToString("F1", CultureInfo.InvariantCulture) + " " + cpuMs.ToString("F1", CultureInfo.InvariantCulture));
