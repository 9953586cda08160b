using Baton.Experiments.Execution;

if (TaskProcess.Requested(args)) return await TaskProcess.RunAsync(args);

await Console.Error.WriteLineAsync("this program runs the tasks of Baton.Experiments.Tests; it does nothing on its own");
return 2;
