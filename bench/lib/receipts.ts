/**
 * The subscriber clients' byte-level reading of a stream, kept out of bench/clients/subscriber.ts
 * so it can be unit-tested. The clients read raw TCP bytes: no HTTP parser, no `ws`, no UTF-8
 * decoding, no JSON.parse. A receipt is found by its marker `"message":"t=<ms> i=<index>"` in
 * the bytes (the publisher writes `t=… i=…` as the message body; JSON leaves those characters
 * as they are), and a WebSocket stream is cut into frames only as far as needed to answer pings.
 */

const MARKER = Buffer.from('"message":"t=');
const NL = 0x0a;
const SPACE = 0x20;
const DOT = 0x2e;
const ZERO = 0x30;
const QUOTE = 0x22;
const I = 0x69;
const EQ = 0x3d;

/** Called once per receipt with the publish time (epoch ms) and the message index. */
export type OnReceipt = (publishedAt: number, index: number) => void;

/**
 * Finds every complete receipt marker in buf[from, to) and answers the offset from which the
 * bytes must be kept for the next chunk: a marker cut off at the end of a chunk starts after its
 * last newline (a marker holds none) and after the last complete marker, so nothing is counted
 * twice and nothing is missed.
 */
export function scanReceipts(buf: Buffer, from: number, to: number, onReceipt: OnReceipt): number {
  let keep = from;
  let at = buf.indexOf(MARKER, from);
  while (at >= 0 && at < to) {
    const end = parseMarker(buf, at + MARKER.length, to, onReceipt);
    if (end < 0) break; // cut off: keep it for the next chunk
    keep = end;
    at = buf.indexOf(MARKER, end);
  }
  const nl = buf.lastIndexOf(NL, to - 1);
  return Math.max(keep, nl >= from ? nl + 1 : from, to - MAX_MARKER);
}

/** Longer than any marker (13 + 20 + 4 + 10 bytes): a partial one never starts before to − this. */
const MAX_MARKER = 64;

/** Reads `<digits>[.<digits>] i=<digits>"` from `pos`; answers the end offset, or −1 if the bytes stop first (or do not match). */
function parseMarker(buf: Buffer, pos: number, to: number, onReceipt: OnReceipt): number {
  let whole = 0;
  let frac = 0;
  let scale = 1;
  let c = 0;
  for (; pos < to && (c = buf[pos]!) >= ZERO && c <= 0x39; pos++) whole = whole * 10 + (c - ZERO);
  if (pos < to && c === DOT) {
    for (pos++; pos < to && (c = buf[pos]!) >= ZERO && c <= 0x39; pos++) {
      frac = frac * 10 + (c - ZERO);
      scale *= 10;
    }
  }
  if (pos + 2 >= to) return -1;
  if (buf[pos] !== SPACE || buf[pos + 1] !== I || buf[pos + 2] !== EQ) return pos; // not ours: skip it
  pos += 3;
  let index = 0;
  for (; pos < to && (c = buf[pos]!) >= ZERO && c <= 0x39; pos++) index = index * 10 + (c - ZERO);
  if (pos >= to) return -1;
  if (c === QUOTE) onReceipt(whole + frac / scale, index);
  return pos;
}

/** What a WebSocket reader found in one chunk, besides the receipts. */
export interface FrameEvents {
  /** A ping's payload, to be answered with a pong carrying it. */
  onPing(payload: Buffer): void;
  /** The server sent a close frame. */
  onClose(): void;
  /** The first data frame (the server's `open` event) has arrived. */
  onFirstData(): void;
}

/**
 * Cuts a server-to-client WebSocket byte stream (unmasked frames, RFC 6455 §5.2) into frames,
 * scanning text and continuation payloads for receipts. Partial frames wait for more bytes.
 */
export class WsFrameReader {
  #pending: Buffer | undefined;
  #seenData = false;
  readonly #events: FrameEvents;
  readonly #onReceipt: OnReceipt;

  constructor(events: FrameEvents, onReceipt: OnReceipt) {
    this.#events = events;
    this.#onReceipt = onReceipt;
  }

  push(chunk: Buffer): void {
    const buf = this.#pending ? Buffer.concat([this.#pending, chunk]) : chunk;
    this.#pending = undefined;
    let pos = 0;
    while (pos + 2 <= buf.length) {
      const opcode = buf[pos]! & 0x0f;
      let len = buf[pos + 1]! & 0x7f;
      let head = 2;
      if (len === 126) {
        if (pos + 4 > buf.length) break;
        len = buf.readUInt16BE(pos + 2);
        head = 4;
      } else if (len === 127) {
        if (pos + 10 > buf.length) break;
        len = Number(buf.readBigUInt64BE(pos + 2));
        head = 10;
      }
      if (buf[pos + 1]! & 0x80) head += 4; // a masked frame (not from a server, but tolerated)
      if (pos + head + len > buf.length) break;
      const start = pos + head;
      const end = start + len;
      if (opcode === 0x1 || opcode === 0x0 || opcode === 0x2) {
        if (!this.#seenData) {
          this.#seenData = true;
          this.#events.onFirstData();
        }
        scanReceipts(buf, start, end, this.#onReceipt);
      } else if (opcode === 0x9) {
        this.#events.onPing(buf.subarray(start, end));
      } else if (opcode === 0x8) {
        this.#events.onClose();
      }
      pos = end;
    }
    if (pos < buf.length) this.#pending = Buffer.from(buf.subarray(pos));
  }
}

/** A client-to-server pong (masked, as RFC 6455 requires of clients) carrying `payload` (≤ 125 bytes). */
export function pongFrame(payload: Buffer): Buffer {
  const frame = Buffer.alloc(6 + payload.length);
  frame[0] = 0x8a;
  frame[1] = 0x80 | payload.length;
  // Mask 0: XOR with zero leaves the payload as it is.
  payload.copy(frame, 6);
  return frame;
}
