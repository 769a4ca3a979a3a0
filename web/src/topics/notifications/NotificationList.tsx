import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { Notification } from '../state/index.js';

/** Cards rendered at first, and added each time the end of the list comes into view. */
const PAGE = 50;

/**
 * The list of notifications, rendered a page at a time: a thousand cached notifications open as
 * fast as fifty, and the rest follow as the reader scrolls (or presses "Show more", for keyboards
 * and readers without scrolling). `data-total` says how many the list holds in all.
 */
export function NotificationList({ items, label, moreLabel, render, resetKey }: {
  items: Notification[];
  label: string;
  moreLabel: (left: number) => string;
  render: (n: Notification) => ReactNode;
  /** A new view or search starts again at the first page. */
  resetKey: string;
}) {
  const [limit, setLimit] = useState(PAGE);
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => setLimit(PAGE), [resetKey]);
  const left = items.length - limit;
  useEffect(() => {
    const sentinel = end.current;
    if (!sentinel || left <= 0 || typeof IntersectionObserver === 'undefined') return undefined;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) setLimit((l) => l + PAGE);
    }, { rootMargin: '600px' });
    observer.observe(sentinel);
    return () => observer.disconnect();
  }, [left]);
  return (
    <>
      <ul aria-label={label} className="notifications" data-total={items.length}>
        {items.slice(0, limit).map(render)}
      </ul>
      {left > 0 && (
        <div ref={end} className="more">
          <button type="button" onClick={() => setLimit((l) => l + PAGE)}>{moreLabel(left)}</button>
        </div>
      )}
    </>
  );
}
