/**
 * The deterministic limits of one template render. Nothing here reads a clock: a render costs the
 * same whether the machine is idle or busy, so a template that passes once always passes, and a
 * hostile one is refused after a bounded amount of work.
 *
 * Work is counted in units, each worth at most a few tens of nanoseconds of CPU on a small server:
 *   - every evaluation step (a node, a command, a range iteration): {@link STEP_COST};
 *   - every argument evaluated: {@link ARG_COST}; every field resolved or variable slot scanned: 1;
 *   - every character a function reads from its string arguments or writes into its result: 1;
 *   - every element a function creates: 1 in a list, {@link MAP_ENTRY_COST} in a map;
 *   - every element of a list or map that print, printf, join, toJson or an escaper walks:
 *     {@link WALK_COST}, on top of the characters it writes.
 * The default budget ({@link DEFAULT_LIMITS}) therefore stops the worst template within about
 * 100 ms of work, and leaves a normal one (a few hundred steps over a JSON body) far below it.
  */
import { HeraldError } from '../../../errors/index.js';

export interface TemplateLimits {
  /** Largest output, in UTF-8 bytes (ntfy's message limit); beyond it the render fails with 40041. */
  maxOutputBytes: number;
  /** Longest string (in UTF-16 code units) any function, `print` or formatted value may produce. */
  maxValueChars: number;
  /** Work units one render may spend. */
  maxWork: number;
}

/** A step is a dispatch through the tree plus bookkeeping: worth about twenty characters of string work. */
export const STEP_COST = 20;
/** Evaluating one argument (a literal, variable or field) and passing it on. */
export const ARG_COST = 3;
/** A map entry (split's `_0`, `_1`, ... keys) costs an internalised key string and a dictionary insert. */
export const MAP_ENTRY_COST = 32;
/** Formatting one element of a list or map, apart from its characters. */
export const WALK_COST = 2;

export const DEFAULT_LIMITS: TemplateLimits = {
  maxOutputBytes: 4096,
  // Twice the largest JSON body template mode accepts (32 KiB), so `toJson .` of a full body fits.
  maxValueChars: 65_536,
  maxWork: 1_000_000,
};

/** Counts the work of one render and stops it when the budget is spent. */
export class WorkMeter {
  #used = 0;

  constructor(readonly limits: TemplateLimits) {}

  get used(): number {
    return this.#used;
  }

  charge(units: number): void {
    this.#used += units;
    if (this.#used > this.limits.maxWork) {
      limitExceeded(`the render needs more than ${this.limits.maxWork} units of work (each step costs ${STEP_COST}, each character a function reads or writes costs 1)`);
    }
  }
}

export function limitExceeded(detail: string): never {
  throw new HeraldError('templateLimitExceeded', { detail });
}

/** Refuses a value longer than the per-value limit; `what` names the function or action that made it. */
export function valueTooLong(what: string, maxChars: number): never {
  return limitExceeded(`${what} would produce more than ${maxChars} characters, the limit for any one value`);
}
