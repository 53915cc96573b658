/** Builds the mock luxid for `serve --demo`: the demo cluster behind the Luxi dispatch. */
import { readFileSync } from 'node:fs';
import type { Handler } from '../dispatch/handler.js';
import { DemoLuxid } from '../demo/luxid.js';
import { loadCluster, sampleCluster } from '../demo/cluster.js';
import { FaultRuleError, parseFaultRule, parseFaultRules, type ResolvedFaultRule } from '../demo/faults.js';
import { createLuxiHandler } from '../protocols/luxi/handler.js';
import { UsageError } from './options.js';

export interface DemoOptions {
  clusterFile?: string | undefined;
  jobStepMs?: number | undefined;
  /** `--fault` rules, compact syntax (demo/faults.ts `parseFaultRule`). */
  faultRules?: readonly string[] | undefined;
  /** `--faults FILE`: a JSON list of rules. */
  faultsFile?: string | undefined;
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

/** The handler, the fault rules in force, and a function that stops the simulated job queue's timers. */
export async function createDemoHandler(
  options: DemoOptions,
): Promise<{ handler: Handler<unknown, unknown>; faults: readonly ResolvedFaultRule[]; close(): void }> {
  const faults = loadFaultRules(options);
  let cluster = sampleCluster();
  if (options.clusterFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.clusterFile, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read --cluster ${options.clusterFile}: ${(err as Error).message}`);
    }
    try {
      cluster = loadCluster(JSON.parse(text));
    } catch (err) {
      throw new UsageError(`--cluster ${options.clusterFile}: ${(err as Error).message}`);
    }
  }
  const luxid = new DemoLuxid({ cluster, faults, ...(options.jobStepMs !== undefined ? { jobStepMs: options.jobStepMs } : {}) });
  return { handler: createLuxiHandler(luxid) as Handler<unknown, unknown>, faults, close: () => luxid.close() };
}
