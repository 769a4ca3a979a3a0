import { messageToJson, type Message } from '../messages/message.js';

/** How a stream writes one event on the wire. */
export type StreamFormat = 'json' | 'sse' | 'raw' | 'ws';

/**
 * A message on its way to live subscribers. The wire text for each format is built once, on
 * first use, and shared by every subscriber using that format: fan-out to 20,000 streams costs
 * one JSON.stringify, not 20,000.
 */
export class Envelope {
  readonly message: Message;
  #json: string | undefined;
  #frames: Partial<Record<StreamFormat, Uint8Array>> = {};

  constructor(message: Message) {
    this.message = message;
  }

  get json(): string {
    return (this.#json ??= messageToJson(this.message));
  }

  /** The event's bytes on a stream of this format, encoded once and shared by every subscriber. */
  frame(format: StreamFormat): Uint8Array {
    return (this.#frames[format] ??= Buffer.from(encodeFrame(format, this.message, this.json), 'utf8'));
  }
}

/** The bytes one event takes on a stream of the given format. */
export function encodeFrame(format: StreamFormat, message: Message, json = messageToJson(message)): string {
  switch (format) {
    case 'json':
    case 'ws':
      return `${json}\n`;
    case 'sse':
      // Message events carry no `event:` line, so browsers' EventSource.onmessage fires for them.
      return message.event === 'message' ? `data: ${json}\n\n` : `event: ${message.event}\ndata: ${json}\n\n`;
    case 'raw':
      return message.event === 'message' ? `${(message.message ?? '').replace(/\n/g, ' ')}\n` : '\n';
  }
}
