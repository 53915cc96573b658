/** The table of subcommands: name, one-line summary, runner. */
import { runBench } from './bench.js';
import { runCall } from './call.js';
import { runDemo } from './export-config.js';
import { runJobs } from './jobs.js';
import { runProxy } from './proxy.js';
import { runQuery } from './query.js';
import { runRapi } from './rapi.js';
import { runServe } from './serve.js';

export interface Command {
  summary: string;
  run(argv: string[]): Promise<number>;
}

export const COMMANDS: Record<string, Command> = {
  serve: { summary: 'run a server: --echo, or --demo (a mock luxid with a sample cluster)', run: runServe },
  call: { summary: 'send one request and print the result as JSON', run: runCall },
  query: { summary: 'list nodes, instances, groups, jobs or networks as a table, like gnt-* list', run: runQuery },
  jobs: { summary: 'list, watch or submit jobs (watch shows progress live)', run: runJobs },
  proxy: { summary: 'sit between clients and a real daemon and print every request/response pair', run: runProxy },
  rapi: { summary: "Ganeti's Remote API v2 (HTTP/HTTPS) in front of a luxid socket, real or the demo", run: runRapi },
  demo: { summary: 'demo cluster tools: export-config writes it as a Ganeti 3.0 config.data', run: runDemo },
  bench: { summary: 'measure round trips per second against a socket (or an in-process echo server)', run: runBench },
};
