import type { Section } from './sections.js';
import { DevicesScreen } from './sections/devices/DevicesScreen.js';
import { DlqScreen } from './sections/dlq/DlqScreen.js';
import { overviewSection } from './sections/overview/index.js';
import { PushesScreen } from './sections/pushes/PushesScreen.js';

/** The console's screens in navigation order; each screen's module adds its entry here. */
export const SECTIONS: Section[] = [
  overviewSection,
  { path: 'devices', label: 'Devices', group: 'Push', scope: 'devices:read', screen: DevicesScreen },
  { path: 'pushes', label: 'Pushes', group: 'Push', scope: 'push:read', screen: PushesScreen },
  { path: 'dlq', label: 'Dead letters', group: 'Push', scope: 'dlq:read', screen: DlqScreen },
];
