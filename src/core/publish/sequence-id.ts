import { HeraldError } from '../../errors/index.js';

/**
 * A sequence ID names one notification across its updates, clear and delete (ntfy 2.16). It
 * travels in URL paths (`/<topic>/<sequence_id>`), so it takes a topic name's alphabet and length.
 */
const SEQUENCE_ID = /^[-_A-Za-z0-9]{1,64}$/;

/** The sequence ID of a publish, clear or delete request, checked; 400 40049 when it is malformed. */
export function parseSequenceId(value: string): string {
  const trimmed = value.trim();
  if (!SEQUENCE_ID.test(trimmed)) throw new HeraldError('sequenceIdInvalid');
  return trimmed;
}

/** The sequence a message belongs to: the one it names, or its own id. */
export function sequenceOf(message: { id: string; sequence_id?: string }): string {
  return message.sequence_id || message.id;
}
