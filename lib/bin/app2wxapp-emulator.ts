#!/usr/bin/env node
// `npx app2wxapp-emulator --help`: the Authing emulator of nestjs-app2wxapp/testing as a process of its own.
import { runEmulatorCli } from '../testing/emulator.cli';

async function main(): Promise<void> {
  const run = await runEmulatorCli(process.argv.slice(2), {
    out: (line) => void process.stdout.write(`${line}\n`),
    err: (line) => void process.stderr.write(`${line}\n`),
  });
  if (!run.emulator) {
    process.exitCode = run.exitCode;
    return;
  }
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`app2wxapp-emulator: ${signal}, stopping\n`);
    run.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch(() => {
  process.stderr.write('app2wxapp-emulator: unexpected failure\n');
  process.exit(1);
});
