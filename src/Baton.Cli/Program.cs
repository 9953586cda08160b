using Baton.Cli;

return await BatonApp.RunAsync(args, Console.Out, Console.Error);
