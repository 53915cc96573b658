/** Builds the mock luxid for `serve --demo`: the demo cluster behind the Luxi dispatch. */
import { readFileSync } from 'node:fs';
import type { Handler } from '../dispatch/handler.js';
import { DemoLuxid } from '../demo/luxid.js';
import { loadCluster, sampleCluster } from '../demo/cluster.js';
import { createLuxiHandler } from '../protocols/luxi/handler.js';
import { UsageError } from './options.js';

export interface DemoOptions {
  clusterFile?: string | undefined;
  jobStepMs?: number | undefined;
}

/** The handler and a function that stops the simulated job queue's timers. */
export async function createDemoHandler(options: DemoOptions): Promise<{ handler: Handler<unknown, unknown>; close(): void }> {
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
  const luxid = new DemoLuxid({ cluster, ...(options.jobStepMs !== undefined ? { jobStepMs: options.jobStepMs } : {}) });
  return { handler: createLuxiHandler(luxid) as Handler<unknown, unknown>, close: () => luxid.close() };
}
