using Gantry.Hosting;

return await GantryCommand.RunAsync(args);
