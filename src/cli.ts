#!/usr/bin/env node
/**
 * The `ganeti-uds` command: picks a subcommand, turns usage errors into exit code 2 with
 * a hint, and reports anything unexpected as a bug. Each subcommand lives in cli/.
 */
import { readFileSync } from 'node:fs';
import { ExitCode, UsageError } from './cli/options.js';
import { COMMANDS } from './cli/commands.js';

const HELP = `Usage: ganeti-uds COMMAND [options]

Ganeti's Unix-socket RPC (luxid, wconfd, metad) from Node.js.

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)}${c.summary}`)
  .join('\n')}

Run 'ganeti-uds COMMAND --help' for a command's options.
Quick start: 'ganeti-uds serve --demo' runs a mock luxid on ./run/ganeti-query.
`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(HELP);
    return name === undefined ? ExitCode.usage : ExitCode.ok;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${version()}\n`);
    return ExitCode.ok;
  }
  const command = COMMANDS[name];
  if (command === undefined) throw new UsageError(`unknown command '${name}'`);
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError || (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`ganeti-uds ${name}: ${(err as Error).message}\nTry 'ganeti-uds ${name} --help'.\n`);
      return ExitCode.usage;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`ganeti-uds: ${err.message}\nTry 'ganeti-uds --help'.\n`);
      process.exitCode = ExitCode.usage;
      return;
    }
    const e = err as Error;
    process.stderr.write(`ganeti-uds: ${e.name ?? 'Error'}: ${e.message ?? String(err)}\n`);
    process.exitCode = (e as { code?: string }).code?.startsWith('UDS_ERR_') ? ExitCode.transport : ExitCode.failure;
  },
);
