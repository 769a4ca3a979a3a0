import type { Section } from './sections.js';
import { overviewSection } from './sections/overview/index.js';

/** The console's screens in navigation order; each screen's module adds its entry here. */
export const SECTIONS: Section[] = [
  overviewSection,
];
