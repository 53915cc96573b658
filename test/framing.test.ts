import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { EOM, FrameDecoder, MessageTooLargeError, encodeFrame } from '../src/framing.js';
import { ErrorCodes, ProtocolError } from '../src/errors.js';

/** Feeds `chunks` and returns every message as a string, plus the decoder. */
function feed(chunks: Buffer[], options = {}): { out: string[]; d: FrameDecoder } {
  const d = new FrameDecoder(options);
  const out: string[] = [];
  for (const c of chunks) for (const m of d.push(c)) out.push(m.toString('utf8'));
  return { out, d };
}

const STREAM = Buffer.from('{"method":"echo","args":["hi"]}\x03\x03{"a":[1,2,3]}\x03tail', 'utf8');
const EXPECTED = ['{"method":"echo","args":["hi"]}', '', '{"a":[1,2,3]}'];

test('splits two messages arriving in one chunk', () => {
  const d = new FrameDecoder();
  const out = d.push(Buffer.from('ab\x03cd\x03ef'));
  assert.deepEqual(out.map(String), ['ab', 'cd']);
  assert.equal(d.pendingBytes, 2);
});

test('gives the same messages whatever byte the stream is split at', () => {
  for (let i = 0; i <= STREAM.length; i++) {
    const { out, d } = feed([STREAM.subarray(0, i), STREAM.subarray(i)]);
    assert.deepEqual(out, EXPECTED, `split at ${i}`);
    assert.equal(d.pendingBytes, 4, `split at ${i}`);
  }
});

test('gives the same messages whatever two bytes the stream is split at', () => {
  for (let i = 0; i <= STREAM.length; i++) {
    for (let j = i; j <= STREAM.length; j++) {
      const { out } = feed([STREAM.subarray(0, i), STREAM.subarray(i, j), STREAM.subarray(j)]);
      assert.deepEqual(out, EXPECTED, `split at ${i},${j}`);
    }
  }
});

test('parses a stream fed one byte at a time', () => {
  const chunks = [...STREAM].map((b) => Buffer.from([b]));
  const { out, d } = feed(chunks);
  assert.deepEqual(out, EXPECTED);
  assert.equal(d.takePending().toString(), 'tail');
});

test('parses random messages cut into random chunk sizes', () => {
  const message = fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a.filter((b) => b !== EOM)));
  fc.assert(
    fc.property(
      fc.array(message, { maxLength: 12 }),
      fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 20 }),
      (messages, sizes) => {
        const stream = Buffer.concat(messages.map((m) => encodeFrame(m)));
        const chunks: Buffer[] = [];
        let pos = 0;
        for (let k = 0; pos < stream.length; k++) {
          const size = sizes[k % sizes.length] as number;
          chunks.push(stream.subarray(pos, pos + size));
          pos += size;
        }
        const d = new FrameDecoder();
        const got: Buffer[] = [];
        for (const c of chunks) got.push(...d.push(c));
        assert.deepEqual(
          got.map((b) => b.toString('hex')),
          messages.map((b) => b.toString('hex')),
        );
        assert.equal(d.pendingBytes, 0);
      },
    ),
    { numRuns: 300 },
  );
});

test('returns many messages from one chunk in order', () => {
  const n = 1000;
  const chunk = Buffer.from(Array.from({ length: n }, (_, i) => `m${i}\x03`).join(''));
  const { out } = feed([chunk]);
  assert.equal(out.length, n);
  assert.equal(out[0], 'm0');
  assert.equal(out[n - 1], `m${n - 1}`);
});

test('returns an empty message for a lone terminator', () => {
  const { out, d } = feed([Buffer.from([EOM])]);
  assert.deepEqual(out, ['']);
  assert.equal(d.pendingBytes, 0);
  assert.deepEqual(feed([Buffer.from([EOM, EOM, EOM])]).out, ['', '', '']);
});

test('accepts a message of exactly maxMessageBytes, in one chunk or in pieces', () => {
  const body = Buffer.alloc(64, 0x61);
  assert.deepEqual(feed([encodeFrame(body)], { maxMessageBytes: 64 }).out, [body.toString()]);
  const pieces = [body.subarray(0, 30), body.subarray(30), Buffer.from([EOM])];
  const { out, d } = feed(pieces, { maxMessageBytes: 64 });
  assert.deepEqual(out, [body.toString()]);
  assert.equal(d.error, undefined);
  // A full-size message without its terminator yet is not an error either.
  const partial = feed([body], { maxMessageBytes: 64 });
  assert.equal(partial.d.error, undefined);
  assert.equal(partial.d.pendingBytes, 64);
});

test('rejects a message one byte over maxMessageBytes before its terminator arrives', () => {
  const d = new FrameDecoder({ maxMessageBytes: 64 });
  assert.deepEqual(d.push(Buffer.alloc(40, 0x61)), []);
  assert.equal(d.error, undefined);
  assert.deepEqual(d.push(Buffer.alloc(25, 0x61)), []);
  const err: unknown = d.error;
  assert.ok(err instanceof MessageTooLargeError);
  assert.ok(err instanceof ProtocolError);
  assert.equal(err.code, ErrorCodes.messageTooLarge);
  assert.equal(err.limit, 64);
  assert.match(err.message, /limit of 64 bytes \(65 bytes/);
  assert.equal(d.pendingBytes, 0, 'the oversize bytes are not kept');
});

test('rejects a message one byte over maxMessageBytes and keeps earlier ones', () => {
  const d = new FrameDecoder({ maxMessageBytes: 3 });
  const out = d.push(Buffer.from('abc\x03abcd\x03'));
  assert.deepEqual(out.map(String), ['abc']);
  assert.ok(d.error instanceof MessageTooLargeError);
  assert.deepEqual(d.push(Buffer.from('x\x03')), [], 'refuses input after an error');
});

test('treats maxMessageBytes 0 as no limit and refuses negative or fractional limits', () => {
  const { out } = feed([Buffer.alloc(100_000, 0x62), Buffer.from([EOM])], { maxMessageBytes: 0 });
  assert.equal(out[0]?.length, 100_000);
  assert.throws(() => new FrameDecoder({ maxMessageBytes: -1 }), { name: 'RangeError', message: /maxMessageBytes.*-1/ });
  assert.throws(() => new FrameDecoder({ maxMessageBytes: 1.5 }), RangeError);
});

test('reports the bytes of an unfinished message at EOF and forgets them', () => {
  const d = new FrameDecoder();
  d.push(Buffer.from('done\x03half'));
  assert.equal(d.end(), 4);
  assert.equal(d.pendingBytes, 0);
  const clean = new FrameDecoder();
  clean.push(Buffer.from('done\x03'));
  assert.equal(clean.end(), 0);
});

test('carries the bytes after a terminator over to the next message', () => {
  const d = new FrameDecoder();
  assert.deepEqual(d.push(Buffer.from('{"succes')).map(String), []);
  assert.deepEqual(d.push(Buffer.from('s":true}\x03{"su')).map(String), ['{"success":true}']);
  assert.deepEqual(d.push(Buffer.from('ccess":false}\x03')).map(String), ['{"success":false}']);
  assert.equal(d.pendingBytes, 0);
});

test('keeps a small remainder valid after the big chunk it came from is overwritten', () => {
  const big = Buffer.alloc(10_000, 0x61);
  big[9_000] = EOM;
  const d = new FrameDecoder();
  d.push(big);
  big.fill(0x7a); // the caller reuses its buffer
  const rest = d.push(Buffer.from([EOM]));
  assert.equal(rest[0]?.toString(), 'a'.repeat(999));
});

test('takePending returns the unfinished bytes and leaves the decoder empty', () => {
  const d = new FrameDecoder();
  d.push(Buffer.from('x\x03ab'));
  d.push(Buffer.from('cd'));
  assert.equal(d.takePending().toString(), 'abcd');
  assert.equal(d.pendingBytes, 0);
  assert.deepEqual(d.push(Buffer.from('e\x03')).map(String), ['e']);
});

test('encodeFrame appends the terminator and refuses a payload containing it', () => {
  assert.throws(() => encodeFrame('a\x03b'), { name: 'ProtocolError', message: 'Message terminator found in payload' });
  assert.throws(() => encodeFrame(Buffer.from([1, 3])), ProtocolError);
  assert.deepEqual([...encodeFrame('ab')], [0x61, 0x62, 3]);
  assert.deepEqual([...encodeFrame('')], [3]);
  assert.deepEqual([...encodeFrame('é')], [0xc3, 0xa9, 3]);
});
