// wechat-sim's command line: starts the simulator from flags and an optional config file,
// prints its URL once it listens, and closes it on SIGTERM or SIGINT; --help prints usage.
import { cliSettings, HELP, wantsHelp } from "./cli-args.js";
import { startSimulator } from "./simulator.js";

async function serve(): Promise<void> {
  try {
    const simulator = await startSimulator(await cliSettings(process.argv.slice(2)));
    process.stdout.write(`wechat-sim listening on ${simulator.url}\n`);
    const stop = () => {
      void simulator.close();
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  } catch (error) {
    process.stderr.write(`wechat-sim: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}

if (wantsHelp(process.argv.slice(2))) {
  process.stdout.write(HELP);
} else {
  await serve();
}
