/**
 * Entry point of the stand-alone simulator (`node build/ufm-simulator/main.js --help`).
 * Prints one JSON line `{"url": ..., "certPath": ...}` once listening, runs until SIGTERM or
 * SIGINT, then closes cleanly. Usage errors exit with status 2.
 */
import { CliUsageError, launchFromCli, parseCliArgs, USAGE } from './cli';

async function main(): Promise<void> {
  const options = parseCliArgs(process.argv.slice(2), process.env);
  if (options.help) {
    console.log(USAGE);
    return;
  }
  const run = await launchFromCli(options);
  console.log(JSON.stringify(run.announcement));
  const stop = (): void => {
    run.shutdown().catch((err: unknown) => {
      console.error(`ufm-simulator: shutdown failed: ${(err as Error).message}`);
      process.exitCode = 1;
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  if (err instanceof CliUsageError) {
    console.error(`ufm-simulator: ${err.message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  console.error(`ufm-simulator: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
