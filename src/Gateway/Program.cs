using Supacs.Gateway.Cli;

return await SupacsCli.RunAsync(args).ConfigureAwait(false);
