// Prints the milliseconds of one cost-10 bcrypt verification (median of 3 runs of 10), single-threaded.
using System.Diagnostics;
using System.Globalization;

var hash = BCrypt.Net.BCrypt.HashPassword("bench-password-1", 10);
var runs = new List<double>();
for (var r = 0; r < 3; r++)
{
    var sw = Stopwatch.StartNew();
    for (var i = 0; i < 10; i++) BCrypt.Net.BCrypt.Verify("bench-password-1", hash);
    runs.Add(sw.Elapsed.TotalMilliseconds / 10);
}
runs.Sort();
Console.WriteLine(runs[1].ToString("F1", CultureInfo.InvariantCulture));
