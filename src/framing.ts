/**
 * Framing: messages are byte strings ended by 0x03 (spec §1.1, UDSServer.hs `eOM`).
 * Buffers in, Buffers out. No sockets, timers or events: the transport layer owns those.
 */
import { ErrorCodes, ProtocolError } from './errors.js';

/** The end-of-message byte (`eOM`, Python `constants.LUXI_EOM`). */
export const EOM = 0x03;

/** Default for `maxMessageBytes`: 64 MiB (Ganeti has no limit; WConfd ships whole configs). */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** Remainders smaller than this are copied out of a large chunk so the chunk can be freed. */
const COPY_REMAINDER_BELOW = 4096;

const EOM_BUFFER = Buffer.from([EOM]);

/** Options of {@link FrameDecoder}. */
export interface FrameDecoderOptions {
  /**
   * Largest message accepted, in bytes, not counting the terminator. The limit is checked
   * as bytes arrive, before they are buffered. `0` means no limit. Default: 64 MiB.
   */
  maxMessageBytes?: number;
}

/** Thrown by {@link FrameDecoder.push} when a message grows past `maxMessageBytes`. */
export class MessageTooLargeError extends ProtocolError {
  readonly limit: number;
  constructor(received: number, limit: number) {
    super(
      `Message exceeds the limit of ${limit} bytes (${received} bytes and no terminator yet); ` +
        'raise maxMessageBytes (--max-message-bytes) if such messages are expected',
      ErrorCodes.messageTooLarge,
    );
    this.limit = limit;
  }
}

/** Checks a byte limit option: a whole number >= 0 (`0` = no limit). */
export function checkByteLimit(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a whole number of bytes >= 0 (0 = no limit), got ${String(value)}`);
  }
  return value;
}

/**
 * Incremental splitter. `push` returns every message completed by the chunk, in order;
 * the bytes after the last terminator are kept for the next push. Only new bytes are
 * scanned, and a message is joined once (a view when it lies inside one chunk).
 */
export class FrameDecoder {
  readonly maxMessageBytes: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #failed: MessageTooLargeError | undefined;

  constructor(options: FrameDecoderOptions = {}) {
    this.maxMessageBytes = checkByteLimit('maxMessageBytes', options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
  }

  /** Bytes received after the last complete message. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /**
   * The error that stopped the decoder (a message passed `maxMessageBytes`), if any.
   * Once set, `push` returns nothing more: the stream cannot be resynchronised.
   */
  get error(): MessageTooLargeError | undefined {
    return this.#failed;
  }

  /**
   * Feeds one chunk. Returns the messages it completes (without terminators), in order.
   * Never throws: when a message passes `maxMessageBytes`, the messages completed before
   * it are returned and {@link error} is set.
   */
  push(chunk: Buffer): Buffer[] {
    const messages: Buffer[] = [];
    if (this.#failed) return messages;
    let start = 0;
    let end = chunk.indexOf(EOM);
    while (end !== -1) {
      const part = chunk.subarray(start, end);
      if (this.#pendingBytes === 0) {
        if (this.#tooLarge(part.length)) return messages;
        messages.push(part);
      } else {
        if (this.#tooLarge(this.#pendingBytes + part.length)) return messages;
        this.#pending.push(part);
        messages.push(Buffer.concat(this.#pending, this.#pendingBytes + part.length));
        this.#pending = [];
        this.#pendingBytes = 0;
      }
      start = end + 1;
      end = chunk.indexOf(EOM, start);
    }
    if (start < chunk.length) {
      const rest = chunk.length - start;
      if (this.#tooLarge(this.#pendingBytes + rest)) return messages;
      // A short tail of a big chunk is copied so the big chunk is not kept alive by it.
      const tail = rest < COPY_REMAINDER_BELOW && chunk.length > 4 * rest ? Buffer.from(chunk.subarray(start)) : chunk.subarray(start);
      this.#pending.push(tail);
      this.#pendingBytes += rest;
    }
    return messages;
  }

  /** Removes and returns the bytes of the unfinished message (to hand them on elsewhere). */
  takePending(): Buffer {
    const bytes = Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    return bytes;
  }

  /**
   * Ends the stream. Returns the number of bytes of an unfinished message that are
   * discarded (0 when the stream ended on a message boundary); like Ganeti's `recvMsg`,
   * a partial message at EOF means the connection closed.
   */
  end(): number {
    const lost = this.#pendingBytes;
    this.#pending = [];
    this.#pendingBytes = 0;
    return lost;
  }

  #tooLarge(size: number): boolean {
    if (this.maxMessageBytes === 0 || size <= this.maxMessageBytes) return false;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#failed = new MessageTooLargeError(size, this.maxMessageBytes);
    return true;
  }
}

/**
 * Frames a message: its bytes plus 0x03.
 * @throws ProtocolError when the payload contains 0x03 (Python's senders refuse this too;
 *   spec §1.1), since the peer would split it into two broken messages.
 */
export function encodeFrame(payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  if (body.indexOf(EOM) !== -1) {
    throw new ProtocolError('Message terminator found in payload', ErrorCodes.invalidMessage);
  }
  return Buffer.concat([body, EOM_BUFFER], body.length + 1);
}
