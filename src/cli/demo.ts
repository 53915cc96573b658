/** Builds the mock luxid for `serve --demo`: the demo cluster behind the Luxi dispatch. */
import { readFileSync } from 'node:fs';
import type { Handler } from '../dispatch/handler.js';
import { DemoLuxid } from '../demo/luxid.js';
import { loadCluster, sampleCluster, type ClusterData } from '../demo/cluster.js';
import { GenerateSpecError, generateCluster, parseGenerateSpec } from '../demo/generate.js';
import { FaultRuleError, parseFaultRule, parseFaultRules, type ResolvedFaultRule } from '../demo/faults.js';
import { createLuxiHandler } from '../protocols/luxi/handler.js';
import { parseExactJson } from '../exact-json.js';
import { type DemoState, StateFileError, StateSaver, readStateFile } from '../demo/state.js';
import { UsageError } from './options.js';

export interface DemoOptions {
  clusterFile?: string | undefined;
  /** `--generate SPEC`: a generated cluster (demo/generate.ts `parseGenerateSpec`); excludes `clusterFile`. */
  generateSpec?: string | undefined;
  jobStepMs?: number | undefined;
  /** `--fault` rules, compact syntax (demo/faults.ts `parseFaultRule`). */
  faultRules?: readonly string[] | undefined;
  /** `--faults FILE`: a JSON list of rules. */
  faultsFile?: string | undefined;
  /**
   * `--state FILE`: the cluster and the job queue are saved there after every change and read
   * back at start (when the file exists, it wins over `clusterFile`/`generateSpec`).
   */
  stateFile?: string | undefined;
  /** Where problems saving the state are reported. Default: stderr. */
  onStateError?: ((err: unknown) => void) | undefined;
}

/**
 * The `--fault` rules in order, then those of the `--faults` file.
 * @throws UsageError naming the bad rule and the fix.
 */
export function loadFaultRules(options: DemoOptions): ResolvedFaultRule[] {
  const rules: ResolvedFaultRule[] = [];
  for (const text of options.faultRules ?? []) {
    try {
      rules.push(parseFaultRule(text));
    } catch (err) {
      if (err instanceof FaultRuleError) throw new UsageError(`--fault '${text}': ${err.problem}`);
      throw err;
    }
  }
  const file = options.faultsFile;
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read --faults ${file}: ${(err as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new UsageError(`--faults ${file} is not valid JSON: ${(err as Error).message}`);
    }
    try {
      rules.push(...parseFaultRules(json, file));
    } catch (err) {
      if (err instanceof FaultRuleError) throw new UsageError(`--faults ${file}: ${err.message}`);
      throw err;
    }
  }
  return rules;
}

/**
 * The cluster of `--generate SPEC`.
 * @throws UsageError naming the bad key of the spec.
 */
export function generateClusterOption(spec: string): ClusterData {
  try {
    return generateCluster(parseGenerateSpec(spec));
  } catch (err) {
    if (err instanceof GenerateSpecError) throw new UsageError(`--generate '${spec}': ${err.key}: ${err.problem}`);
    throw err;
  }
}

/**
 * The handler, the fault rules in force, whether a saved state was restored, and a function
 * that stops the simulated job queue's timers (and writes the state a last time).
 */
export async function createDemoHandler(options: DemoOptions): Promise<{
  handler: Handler<unknown, unknown>;
  faults: readonly ResolvedFaultRule[];
  restored: boolean;
  close(): void;
}> {
  const faults = loadFaultRules(options);
  let state: DemoState | undefined;
  if (options.stateFile !== undefined) {
    try {
      state = readStateFile(options.stateFile);
    } catch (err) {
      if (err instanceof StateFileError) throw new UsageError(err.message);
      throw err;
    }
  }
  let cluster = sampleCluster();
  if (options.generateSpec !== undefined && options.clusterFile !== undefined) {
    throw new UsageError('--generate and --cluster cannot be used together: pick one cluster');
  }
  if (options.generateSpec !== undefined) cluster = generateClusterOption(options.generateSpec);
  if (options.clusterFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.clusterFile, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read --cluster ${options.clusterFile}: ${(err as Error).message}`);
    }
    try {
      // Exact: config.data's filter reason trails hold nanosecond timestamps beyond 2^53.
      cluster = loadCluster(parseExactJson(text));
    } catch (err) {
      throw new UsageError(`--cluster ${options.clusterFile}: ${(err as Error).message}`);
    }
  }
  const luxid = new DemoLuxid({
    cluster,
    faults,
    ...(state ? { state } : {}),
    ...(options.jobStepMs !== undefined ? { jobStepMs: options.jobStepMs } : {}),
  });
  let saver: StateSaver | undefined;
  if (options.stateFile !== undefined) {
    const file = options.stateFile;
    const report =
      options.onStateError ?? ((err: unknown) => process.stderr.write(`ganeti-uds: cannot save --state ${file}: ${String(err)}\n`));
    saver = new StateSaver(file, () => luxid.snapshot(), report);
    luxid.onChange(() => saver?.schedule());
    // The file exists from the start, so a crash before the first change still leaves one.
    saver.schedule();
    saver.flush();
  }
  return {
    handler: createLuxiHandler(luxid) as Handler<unknown, unknown>,
    faults,
    restored: state !== undefined,
    close: () => {
      luxid.close();
      saver?.flush();
    },
  };
}
