// Cross-module properties: framing plus codec plus messages, as a peer sees them.
import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { decodeJson, encodeJson } from '../src/codec.js';
import { FrameDecoder, encodeFrame } from '../src/framing.js';
import { buildCall, buildResponse, parseCall, parseResponse } from '../src/message.js';

const text = fc.string({ unit: 'binary', maxLength: 20 });
const args = fc.array(fc.oneof(text, fc.integer(), fc.bigInt({ min: 2n ** 53n, max: 2n ** 80n }), fc.boolean(), fc.constant(null)), {
  maxLength: 6,
});

test('a stream of encoded calls, cut anywhere, decodes to the same calls', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(text, args), { maxLength: 8 }), fc.array(fc.nat({ max: 400 }), { maxLength: 6 }), (calls, cuts) => {
      const stream = Buffer.concat(calls.map(([m, a]) => encodeFrame(buildCall(m, a))));
      const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((x, y) => x - y);
      const d = new FrameDecoder();
      const got: unknown[] = [];
      let prev = 0;
      for (const p of [...points, stream.length]) {
        for (const m of d.push(stream.subarray(prev, p))) got.push(parseCall(m));
        prev = p;
      }
      assert.deepEqual(
        got,
        calls.map(([method, a]) => ({ method, args: a })),
      );
    }),
    { numRuns: 300 },
  );
});

test('encoded messages never contain the terminator or non-ASCII bytes', () => {
  fc.assert(
    fc.property(text, args, (m, a) => {
      for (const s of [buildCall(m, a), buildResponse(true, a), encodeJson({ [m]: a })]) {
        const bytes = Buffer.from(s, 'utf8');
        assert.ok(bytes.every((b) => b !== 3 && b < 0x80));
        assert.doesNotThrow(() => encodeFrame(s));
      }
    }),
    { numRuns: 300 },
  );
});

test('a successful response returns its result unchanged', () => {
  fc.assert(
    fc.property(args, (a) => {
      assert.deepEqual(parseResponse(buildResponse(true, a)), a);
      assert.deepEqual(decodeJson(encodeJson(a)), a);
    }),
    { numRuns: 300 },
  );
});
