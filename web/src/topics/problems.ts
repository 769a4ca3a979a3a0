import { useSyncExternalStore } from 'react';

/**
 * Failures that belong to no one screen (storage full, a browser notification refused, an
 * account sync that failed) are reported here and shown in the app's alert area until dismissed.
 */
export interface Problem { id: number; message: string }

let problems: Problem[] = [];
let next = 1;
const listeners = new Set<() => void>();

export function reportProblem(message: string): void {
  if (problems.some((p) => p.message === message)) return;
  problems = [...problems, { id: next++, message }].slice(-5);
  for (const l of listeners) l();
}

export function dismissProblem(id: number): void {
  problems = problems.filter((p) => p.id !== id);
  for (const l of listeners) l();
}

export function useProblems(): Problem[] {
  return useSyncExternalStore((cb) => {
    listeners.add(cb);
    return () => listeners.delete(cb);
  }, () => problems);
}
