import { HeraldError } from '../../errors/herald-error.js';

const PRIORITIES = new Map<string, number>([
  ['1', 1], ['min', 1],
  ['2', 2], ['low', 2],
  ['3', 3], ['default', 3],
  ['4', 4], ['high', 4],
  ['5', 5], ['max', 5], ['urgent', 5],
]);

function lookup(value: string): number {
  const priority = PRIORITIES.get(value.trim().toLowerCase());
  if (priority === undefined) throw new HeraldError('priorityInvalid');
  return priority;
}

/** A publish priority by number or name; empty means "not set" (stored as absent, read as 3). */
export function parsePriority(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return lookup(value);
}

/** The subscribe filter form: a comma list of numbers or names, e.g. "4,urgent". */
export function parsePriorityList(value: string): number[] {
  return splitList(value).map(lookup);
}

/** Tags are a comma list; stray commas and padding are forgiven. */
export function parseTags(value: string | undefined): string[] {
  return value === undefined ? [] : splitList(value);
}

function splitList(value: string): string[] {
  return value.split(',').map((item) => item.trim()).filter((item) => item !== '');
}
