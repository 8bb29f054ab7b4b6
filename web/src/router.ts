/** The app's routes on the History API; the server answers every app path with index.html. */
import { useSyncExternalStore } from 'react';

export type Route =
  { page: 'home' } | { page: 'thread'; threadId: string } | { page: 'audit'; threadId: string } | { page: 'approvals' };

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => listeners.forEach((listener) => listener()));

export function parseRoute(pathname: string): Route {
  const segments = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (segments[0] === 'approvals' && segments.length === 1) return { page: 'approvals' };
  if (segments[0] === 'threads' && segments[1]) {
    if (segments[2] === 'audit') return { page: 'audit', threadId: segments[1] };
    return { page: 'thread', threadId: segments[1] };
  }
  return { page: 'home' };
}

export const threadPath = (threadId: string) => `/threads/${encodeURIComponent(threadId)}`;
export const auditPath = (threadId: string) => `${threadPath(threadId)}/audit`;

export function navigate(path: string): void {
  if (path === window.location.pathname) return;
  window.history.pushState(null, '', path);
  listeners.forEach((listener) => listener());
}

export function useRoute(): Route {
  const pathname = useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => window.location.pathname,
  );
  return parseRoute(pathname);
}

/** An in-app link: a real <a> (so it is a link to assistive tech and opens in a new tab), routed in place. */
export function onLinkClick(path: string) {
  return (event: React.MouseEvent<HTMLAnchorElement>) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(path);
  };
}
