/**
 * `ganeti-uds serve`: runs a server on a socket until SIGINT/SIGTERM, then drains it
 * gracefully and removes the socket file. `--echo` answers every request with its args;
 * `--demo` runs the mock luxid over a built-in (or `--cluster FILE`) sample cluster.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { echoHandler, type Handler } from '../dispatch/handler.js';
import { createServer, type ServerOptions } from '../dispatch/server.js';
import {
  DEFAULT_BACKLOG,
  DEFAULT_CLOSE_GRACE_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_LINGER_BYTES,
  DEFAULT_LINGER_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_SEND_TIMEOUT_MS,
} from '../defaults.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../framing.js';
import { DEFAULT_MAX_DEPTH } from '../codec.js';
import { ExitCode, UsageError, parseCount, parseDuration, parseLogLevel, parseMode, parseSize, stderrLogger } from './options.js';
import { createDemoHandler } from './demo.js';
import { startRapiServer, type RapiServer } from '../rapi/server.js';
import { parseListen, readRapiPem } from './rapi.js';

export const SERVE_HELP = `Usage: ganeti-uds serve (--echo | --demo) [options]

Runs a server on a Unix socket until SIGINT or SIGTERM, then answers what is in flight
(up to --grace), removes the socket file and exits 0. A second signal exits at once.

Modes:
  --echo                  answer every request with success:true and result = its args
  --demo                  the mock luxid: a sample cluster and a simulated job queue that
                          real Ganeti clients (ganeti.luxi, hbal -L, gnt-*) accept
  --cluster FILE          (--demo) load the cluster from a JSON file instead of the sample:
                          the demo's own shape, or a Ganeti 3.0 config.data (recognised
                          by its shape; see 'ganeti-uds demo export-config --help')
  --generate SPEC         (--demo) serve a generated cluster instead: SPEC is
                          nodes=N,instances=M,groups=G[,seed=S][,templates=T+T...]
                          (nodes 1-10000, instances 0-200000, groups 1-N, seed 0-4294967295,
                          default 1; templates from drbd, plain, diskless, default all);
                          the same SPEC gives the same cluster; not with --cluster
  --job-step DURATION     (--demo) time each simulated opcode takes (default 200ms)
  --state FILE            (--demo) keep the cluster and the job queue in FILE across
                          restarts: read at start when it exists (it then wins over
                          --cluster/--generate), written atomically after every change;
                          a file that is not a state is an error, never a silent reset

Fault rules (--demo), to test a tool's error paths:
  --fault RULE            make matching opcodes fail, run longer, or drop the connection
                          that submits them; repeatable
  --faults FILE           more rules: a JSON list of {"op", "params", "after", "times",
                          "fail", "delayMs", "drop"} objects (after the --fault rules)

  RULE is OPCODE[:PARAM=VALUE...][:after=N][:times=N][:delay=DUR][:drop][:fail[=CLASS[:ARGS]]]
  OPCODE      an OP_ID, or a glob such as OP_INSTANCE_* ('*' is any run of characters)
  PARAM=VALUE only opcodes whose parameter has that value (instance_name=web1)
  after=N     let the first N matching opcodes through (default 0)
  times=N     then fire on N of them only (default: on every one)
  fail        end the opcode in error, changing nothing: OpExecError "Fault rule RULE
              made this opcode fail"
  fail=CLASS[:ARGS]
              a Ganeti error class instead (OpPrereqError, LockError, ...); ARGS is the
              message, or for classes with several arguments one per ':' or a JSON list
  delay=DUR   the opcode runs DUR longer before it finishes (or fails)
  drop        the SubmitJob/SubmitManyJobs carrying the opcode gets no answer: the
              connection is destroyed and no job is queued
  Rules count opcodes as they are submitted; the first rule that fires decides. fail
  goes last (its arguments may hold ':'); drop goes alone.
  Examples:
    --fault 'OP_INSTANCE_SHUTDOWN:fail=OpExecError:Could not shutdown instance web1'
    --fault 'OP_INSTANCE_*:instance_name=web1:delay=2s'
    --fault 'OP_INSTANCE_SHUTDOWN:after=1:times=1:fail'   (only the second shutdown fails)
    --fault 'OP_INSTANCE_STARTUP:fail=OpPrereqError:Instance web1 is running:wrong_state'
    --fault 'OP_TEST_DELAY:times=1:drop'                 (the first such job is dropped)

Socket:
  --socket PATH           socket path (default ./run/ganeti-query for --demo,
                          ./run/ganeti-uds.sock for --echo; the directory is created)
  --mode MODE             socket file mode (default 0660, as luxid; 0600 as wconfd)
  --backlog N             listen backlog (default ${DEFAULT_BACKLOG}; the kernel caps it at
                          net.core.somaxconn): connects beyond it fail with EAGAIN

Limits (0 = no limit):
  --max-message-bytes N   largest request accepted (default ${DEFAULT_MAX_MESSAGE_BYTES / 1024 / 1024}M)
  --max-depth N           deepest JSON nesting accepted (default ${DEFAULT_MAX_DEPTH})
  --max-connections N     connections held at once (default ${DEFAULT_MAX_CONNECTIONS})
  --idle-timeout DUR      close connections idle this long (default ${DEFAULT_IDLE_TIMEOUT_MS / 1000}s)
  --send-timeout DUR      close connections that do not read their answers (default ${DEFAULT_SEND_TIMEOUT_MS / 1000}s)
  --grace DUR             time given to requests in flight at shutdown (default ${DEFAULT_CLOSE_GRACE_MS / 1000}s)
  --linger DUR            after closing a connection on an error, read and discard what
                          the peer still sends for up to DUR, so it reads every answer
                          instead of a broken pipe (default ${DEFAULT_LINGER_MS / 1000}s)
  --linger-bytes N        ... and up to N more bytes (default ${DEFAULT_LINGER_BYTES / 1024 / 1024}M)

RAPI (--demo): Ganeti's Remote API v2 in the same process, on the demo's socket
  --rapi PORT             serve RAPI on 127.0.0.1:PORT, plain HTTP (see 'ganeti-uds rapi --help')
  --rapi-listen HOST:PORT the same on another address
  --rapi-cert PEM         HTTPS instead, with this key + certificate PEM
  --rapi-users FILE       Ganeti's RAPI users file (default: none, so writes get 401)

Logging (to stderr):
  --log-level LEVEL       debug, info (default), warn or error
  --log-json              JSON lines instead of text

Durations: 30, 30s, 500ms, 2m (a bare number is seconds). Sizes: 1048576, 64k, 16M.
`;

/** Runs `serve`; resolves with the exit code once the server has shut down. */
export async function runServe(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      echo: { type: 'boolean' },
      demo: { type: 'boolean' },
      cluster: { type: 'string' },
      generate: { type: 'string' },
      state: { type: 'string' },
      'job-step': { type: 'string' },
      fault: { type: 'string', multiple: true },
      faults: { type: 'string' },
      socket: { type: 'string' },
      mode: { type: 'string' },
      backlog: { type: 'string' },
      linger: { type: 'string' },
      'linger-bytes': { type: 'string' },
      'max-message-bytes': { type: 'string' },
      'max-depth': { type: 'string' },
      'max-connections': { type: 'string' },
      'idle-timeout': { type: 'string' },
      'send-timeout': { type: 'string' },
      grace: { type: 'string' },
      'log-level': { type: 'string' },
      'log-json': { type: 'boolean' },
      rapi: { type: 'string' },
      'rapi-listen': { type: 'string' },
      'rapi-cert': { type: 'string' },
      'rapi-users': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(SERVE_HELP);
    return ExitCode.ok;
  }
  if (values.echo === values.demo) throw new UsageError('serve needs exactly one of --echo or --demo');
  if (values.cluster !== undefined && !values.demo) throw new UsageError('--cluster goes with --demo');
  if (values.generate !== undefined && !values.demo) throw new UsageError('--generate goes with --demo');
  if (values.state !== undefined && !values.demo) throw new UsageError('--state goes with --demo');
  if (values.generate !== undefined && values.cluster !== undefined) {
    throw new UsageError('--generate and --cluster cannot be used together: pick one cluster');
  }
  if (!values.demo && (values.fault ?? values.faults) !== undefined) throw new UsageError('--fault and --faults go with --demo');
  if (!values.demo && (values.rapi ?? values['rapi-listen'] ?? values['rapi-cert'] ?? values['rapi-users']) !== undefined) {
    throw new UsageError('--rapi, --rapi-listen, --rapi-cert and --rapi-users go with --demo');
  }

  const logger = stderrLogger(parseLogLevel(values['log-level'] ?? 'info'), values['log-json'] ? 'json' : 'text');
  const options: ServerOptions = { logger };
  if (values.mode !== undefined) options.mode = parseMode('--mode', values.mode);
  if (values.backlog !== undefined) options.backlog = parseCount('--backlog', values.backlog);
  if (values.linger !== undefined) options.lingerMs = parseDuration('--linger', values.linger);
  if (values['linger-bytes'] !== undefined) options.lingerBytes = parseSize('--linger-bytes', values['linger-bytes']);
  if (values['max-message-bytes'] !== undefined) options.maxMessageBytes = parseSize('--max-message-bytes', values['max-message-bytes']);
  if (values['max-depth'] !== undefined) options.maxDepth = parseCount('--max-depth', values['max-depth']);
  if (values['max-connections'] !== undefined) options.maxConnections = parseCount('--max-connections', values['max-connections']);
  if (values['idle-timeout'] !== undefined) options.idleTimeoutMs = parseDuration('--idle-timeout', values['idle-timeout']);
  if (values['send-timeout'] !== undefined) options.sendTimeoutMs = parseDuration('--send-timeout', values['send-timeout']);
  const graceMs = values.grace !== undefined ? parseDuration('--grace', values.grace) : DEFAULT_CLOSE_GRACE_MS;

  let handler: Handler<unknown, unknown>;
  let shutdownHandler: () => void = () => {};
  if (values.demo) {
    const demo = await createDemoHandler({
      clusterFile: values.cluster,
      generateSpec: values.generate,
      jobStepMs: values['job-step'] !== undefined ? parseDuration('--job-step', values['job-step']) : undefined,
      faultRules: values.fault,
      faultsFile: values.faults,
      stateFile: values.state,
      onStateError: (err: unknown) => logger.error({ file: values.state, err: String(err) }, 'cannot save the state'),
    });
    for (const rule of demo.faults) logger.info({ rule: rule.label }, 'fault rule');
    if (values.state !== undefined) logger.info({ file: values.state, restored: demo.restored }, 'state');
    handler = demo.handler;
    shutdownHandler = demo.close;
  } else {
    handler = echoHandler;
  }
  const socketPath = resolve(values.socket ?? (values.demo ? 'run/ganeti-query' : 'run/ganeti-uds.sock'));
  mkdirSync(dirname(socketPath), { recursive: true, mode: 0o750 });

  const server = createServer(handler, options);
  await server.listen(socketPath);
  process.stdout.write(`ganeti-uds ${values.demo ? 'mock luxid' : 'echo server'} listening on ${socketPath}\n`);
  let rapi: RapiServer | undefined;
  try {
    rapi = await startDemoRapi(values, socketPath, logger);
  } catch (err) {
    // e.g. the RAPI port is taken: stop the luxid too instead of serving half.
    await server.close(0);
    shutdownHandler();
    throw err;
  }

  return new Promise<number>((resolveExit) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting at once');
        process.exit(1);
      }
      stopping = true;
      logger.info({ signal, graceMs }, 'shutting down');
      // RAPI first: its requests in flight still need the luxid, and its pooled
      // connections would otherwise hold the luxid's drain for the whole grace time.
      (rapi?.close() ?? Promise.resolve())
        .then(() => server.close(graceMs))
        .then(
          () => {
            shutdownHandler();
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            resolveExit(ExitCode.ok);
          },
          (err: unknown) => {
            logger.error({ err: String(err) }, 'shutdown failed');
            resolveExit(ExitCode.failure);
          },
        );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** `serve --demo --rapi PORT`: the RAPI server on the demo's socket, in this process. */
async function startDemoRapi(
  values: { demo?: boolean; rapi?: string; 'rapi-listen'?: string; 'rapi-cert'?: string; 'rapi-users'?: string },
  socketPath: string,
  logger: ReturnType<typeof stderrLogger>,
): Promise<RapiServer | undefined> {
  const wanted = values.rapi ?? values['rapi-listen'];
  if (wanted === undefined) {
    if (values['rapi-cert'] !== undefined || values['rapi-users'] !== undefined)
      throw new UsageError('--rapi-cert and --rapi-users go with --rapi PORT');
    return undefined;
  }
  if (values.rapi !== undefined && values['rapi-listen'] !== undefined) throw new UsageError('--rapi and --rapi-listen exclude each other');
  const { host, port } = parseListen(values.rapi !== undefined ? '--rapi' : '--rapi-listen', wanted);
  const server = await startRapiServer({
    luxiSocket: socketPath,
    host,
    port,
    ...(values['rapi-cert'] !== undefined ? { tls: { pem: readRapiPem('--rapi-cert', values['rapi-cert']) } } : {}),
    ...(values['rapi-users'] !== undefined ? { users: resolve(values['rapi-users']) } : {}),
    logger,
  });
  process.stdout.write(`ganeti-uds RAPI listening on ${server.tls ? 'https' : 'http'}://${server.address.host}:${server.address.port}/\n`);
  return server;
}
