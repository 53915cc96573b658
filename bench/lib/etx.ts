/**
 * The minimal 0x03 splitter the "raw Node" references use: a chunk list, indexOf over new
 * bytes only, one concat per message. Deliberately independent of src/framing.ts, so the
 * reference measures what any careful hand-written Node code would do.
 */

/** Calls `onMessage` for each complete message in arrival order (terminator stripped). */
export function etxSplitter(onMessage: (message: Buffer) => void): (chunk: Buffer) => void {
  let parts: Buffer[] = [];
  let size = 0;
  return (chunk: Buffer): void => {
    let start = 0;
    let end = chunk.indexOf(3);
    while (end !== -1) {
      if (size === 0) {
        onMessage(chunk.subarray(start, end));
      } else {
        parts.push(chunk.subarray(start, end));
        onMessage(Buffer.concat(parts, size + end - start));
        parts = [];
        size = 0;
      }
      start = end + 1;
      end = chunk.indexOf(3, start);
    }
    if (start < chunk.length) {
      parts.push(chunk.subarray(start));
      size += chunk.length - start;
    }
  };
}

/** Counts terminators in a chunk (the raw client does not need the messages). */
export function countEtx(chunk: Buffer): number {
  let k = 0;
  let i = chunk.indexOf(3);
  while (i !== -1) {
    k++;
    i = chunk.indexOf(3, i + 1);
  }
  return k;
}

/** A Ganeti-style echo request of about `bytes` bytes, terminator included. */
export function smallRequest(bytes: number): string {
  const head = '{"method":"echo","args":["';
  const tail = '"]}\x03';
  return head + 'x'.repeat(Math.max(1, bytes - head.length - tail.length)) + tail;
}

/**
 * A structured payload of about `bytes` bytes of JSON: an array of node-like records, the
 * shape Ganeti ships in QueryNodes answers and WConfd configs (parsing cost is realistic,
 * unlike one long string).
 */
export function largePayload(bytes: number): unknown[] {
  const records: unknown[] = [];
  let size = 2;
  for (let i = 0; size < bytes; i++) {
    const r = {
      name: `node${i}.example.com`,
      uuid: `4b1f${String(i).padStart(8, '0')}-aaaa-bbbb-cccc-0123456789ab`,
      ctime: 1700000000.123456 + i,
      tags: ['rack1', 'ssd'],
      drained: false,
    };
    size += JSON.stringify(r).length + 1;
    records.push(r);
  }
  return records;
}
