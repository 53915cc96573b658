/**
 * `ganeti-uds demo export-config OUT`: writes the demo's cluster (the sample, a `--cluster`
 * file or a `--generate` spec) as a Ganeti 3.0 config.data that the real ganeti-wconfd and
 * ganeti-luxid load. The conversion lives in demo/config-data.ts; this file parses flags,
 * reads the input and writes the output atomically.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadCluster, sampleCluster, type ClusterData } from '../demo/cluster.js';
import { toConfigData } from '../demo/config-data.js';
import { GenerateSpecError, generateCluster, parseGenerateSpec } from '../demo/generate.js';
import { encodeJson } from '../codec.js';
import { parseExactJson } from '../exact-json.js';
import { ExitCode, UsageError } from './options.js';
import { prettyJson } from './pretty-json.js';

export const DEMO_HELP = `Usage: ganeti-uds demo export-config OUT [options]

Writes the demo's cluster as a Ganeti 3.0 config.data (/var/lib/ganeti/config.data) to
OUT ('-' for standard output). The real ganeti-wconfd and ganeti-luxid load it, and
'serve --demo --cluster OUT' serves it again: nodes, groups, instances (disks top-level,
by uuid), networks and filters, and the node capacities (hv_state_static,
disk_state_static), from which free memory and disk are derived as htools count them.
Exports and the watcher pause are not part of config.data.

Source (default: the built-in sample cluster):
  --cluster FILE          a demo cluster JSON file or a config.data
  --generate SPEC         a generated cluster: nodes=N,instances=M,groups=G[,seed=S]
                          [,templates=T+T...], as for 'serve --demo --generate'

Adapting it to the machine that runs the real daemons:
  --master-name NAME      rename the master node (the real luxid serves only when the
                          master is this host as Python's socket.getfqdn() names it)
  --loopback              node IPs on 127.0.1.N and 127.0.2.N, the master IP on
                          127.0.0.1, master_netdev lo: the daemons reach nothing else
  --master-ip IP          the cluster's master_ip (default: 127.0.0.1 with --loopback,
                          else the master node's primary IP)
  --ascii-names           spell names and tags in ASCII: the real luxid sends non-ASCII
                          as raw bytes, which Ganeti's Python client cannot decode
  --pretty                indent the JSON (default: compact, as Ganeti writes it)

Example:
  ganeti-uds demo export-config /tmp/config.data \\
    --master-name "$(python3 -c 'import socket; print(socket.getfqdn())')" --loopback
`;

function readSource(values: { cluster?: string | undefined; generate?: string | undefined }): ClusterData {
  if (values.cluster !== undefined && values.generate !== undefined) throw new UsageError('--cluster and --generate exclude each other');
  if (values.generate !== undefined) {
    try {
      return generateCluster(parseGenerateSpec(values.generate));
    } catch (err) {
      if (err instanceof GenerateSpecError) throw new UsageError(`--generate '${values.generate}': ${err.problem} (key ${err.key})`);
      throw err;
    }
  }
  const file = values.cluster;
  if (file === undefined) return sampleCluster();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read --cluster ${file}: ${(err as Error).message}`);
  }
  try {
    return loadCluster(parseExactJson(text));
  } catch (err) {
    throw new UsageError(`--cluster ${file}: ${(err as Error).message}`);
  }
}

/** Writes `text` to `path` through a temporary file and a rename, so a reader never sees half a file. */
function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text, { mode: 0o640 });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new UsageError(`cannot write ${path}: ${(err as Error).message}`);
  }
}

function asciiOnly(text: string): string {
  return text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Runs `demo export-config`; resolves with the exit code. */
export async function runExportConfig(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      cluster: { type: 'string' },
      generate: { type: 'string' },
      'master-name': { type: 'string' },
      'master-ip': { type: 'string' },
      loopback: { type: 'boolean' },
      'ascii-names': { type: 'boolean' },
      pretty: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(DEMO_HELP);
    return ExitCode.ok;
  }
  const [out, ...extra] = positionals;
  if (out === undefined) throw new UsageError('export-config needs OUT, the file to write (- for standard output)');
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
  const cluster = readSource(values);
  let config: unknown;
  try {
    config = toConfigData(cluster, {
      ...(values['master-name'] !== undefined ? { masterName: values['master-name'] } : {}),
      ...(values['master-ip'] !== undefined ? { masterIp: values['master-ip'] } : {}),
      loopback: values.loopback ?? false,
      asciiNames: values['ascii-names'] ?? false,
    });
  } catch (err) {
    if (err instanceof TypeError) throw new UsageError(err.message);
    throw err;
  }
  // ASCII with \u escapes, as Ganeti's serializer writes it; bigints (reason trail timestamps) exact.
  const text = values.pretty ? asciiOnly(prettyJson(config)) : encodeJson(config);
  if (out === '-') process.stdout.write(`${text}\n`);
  else writeAtomically(out, text);
  return ExitCode.ok;
}

/** `ganeti-uds demo SUBCOMMAND`: tools around the demo cluster (today: export-config). */
export async function runDemo(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(DEMO_HELP);
    return sub === undefined ? ExitCode.usage : ExitCode.ok;
  }
  if (sub !== 'export-config') throw new UsageError(`unknown demo subcommand '${sub}' (there is: export-config)`);
  return runExportConfig(rest);
}
