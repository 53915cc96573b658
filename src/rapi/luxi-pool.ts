/**
 * A small pool of LuxiClient connections for the RAPI server: each request borrows one
 * connection for itself (a WaitForJobChange that blocks for seconds must not hold up other
 * requests' answers, which luxid sends in order), and gives it back when done. A connection
 * that failed is dropped, never reused. ganeti-rapi opens one connection per resource call.
 */
import { LuxiClient, type LuxiClientOptions } from '../protocols/luxi/client.js';

/** Idle connections kept for reuse, at most. */
export const DEFAULT_LUXI_POOL_IDLE = 8;

export class LuxiPool {
  readonly #socket: string;
  readonly #options: LuxiClientOptions;
  readonly #maxIdle: number;
  readonly #idle: LuxiClient[] = [];
  readonly #busy = new Set<LuxiClient>();
  #closed = false;

  constructor(socket: string, options: LuxiClientOptions, maxIdle = DEFAULT_LUXI_POOL_IDLE) {
    this.#socket = socket;
    this.#options = options;
    this.#maxIdle = maxIdle;
  }

  get socket(): string {
    return this.#socket;
  }

  /** An idle connection, or a new one. @throws what LuxiClient.connect throws (NoMasterError, ...). */
  async acquire(): Promise<LuxiClient> {
    if (this.#closed) throw new Error('the RAPI server is closing');
    const client = this.#idle.pop() ?? (await LuxiClient.connect(this.#socket, this.#options));
    this.#busy.add(client);
    return client;
  }

  /** Returns a connection; `healthy` false (a call failed) closes it instead. */
  release(client: LuxiClient, healthy: boolean): void {
    this.#busy.delete(client);
    if (healthy && !this.#closed && this.#idle.length < this.#maxIdle) this.#idle.push(client);
    else client.destroy();
  }

  /** Closes every connection, idle and borrowed. */
  close(): void {
    this.#closed = true;
    for (const c of this.#idle.splice(0)) c.destroy();
    for (const c of this.#busy) c.destroy();
    this.#busy.clear();
  }
}
