import type { AnchorHTMLAttributes, MouseEvent } from 'react';
import { appHref, navigate } from './routes.js';

/** A link within the app (`to` is a path under the app root): a real href, followed without a reload. */
export function AppLink({ to, onClick, ...rest }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const follow = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={appHref(to)} onClick={follow} {...rest} />;
}
