import { LANES, type Lane } from '../../../ports/queue.js';

/** The lane column holds a number in both dialects, so strict lane order is an index order. */
const LANE_NUMBERS: Record<Lane, number> = { high: 0, normal: 1, bulk: 2 };

/** The column value of `lane`; undefined for a name that is no lane (the caller refuses it). */
export function laneNumber(lane: Lane): number | undefined {
  return Object.hasOwn(LANE_NUMBERS, lane) ? LANE_NUMBERS[lane] : undefined;
}

export function laneName(lane: number): Lane {
  const name = LANES[lane];
  if (name === undefined) throw new Error(`queue row with unknown lane ${lane}`);
  return name;
}
