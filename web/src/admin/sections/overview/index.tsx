import { lazy, Suspense } from 'react';
import type { Section, SectionProps } from '../../sections.js';

// The screen and uPlot load only when the overview is opened.
const OverviewScreen = lazy(() => import('./OverviewScreen.js'));

function Overview(props: SectionProps) {
  return (
    <Suspense fallback={<p aria-live="polite">Loading the overview…</p>}>
      <OverviewScreen {...props} />
    </Suspense>
  );
}

export const overviewSection: Section = { path: 'overview', label: 'Overview', group: 'Overview', scope: 'stats:read', screen: Overview };
