import assert from 'node:assert/strict';
import test from 'node:test';
import { FrameDecoder, MessageTooLargeError, encodeFrame } from '../src/framing.js';

test('splits two messages arriving in one chunk', () => {
  const d = new FrameDecoder();
  const out = d.push(Buffer.from('ab\x03cd\x03ef'));
  assert.deepEqual(out.map(String), ['ab', 'cd']);
  assert.equal(d.pendingBytes, 2);
});

test('rejects a message one byte over maxMessageBytes and keeps earlier ones', () => {
  const d = new FrameDecoder({ maxMessageBytes: 3 });
  const out = d.push(Buffer.from('abc\x03abcd\x03'));
  assert.deepEqual(out.map(String), ['abc']);
  assert.ok(d.error instanceof MessageTooLargeError);
  assert.deepEqual(d.push(Buffer.from('x\x03')), []);
});

test('encodeFrame refuses a payload containing the terminator', () => {
  assert.throws(() => encodeFrame('a\x03b'), /terminator/);
  assert.deepEqual([...encodeFrame('ab')], [0x61, 0x62, 3]);
});
