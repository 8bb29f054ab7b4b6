/**
 * The credential the page holds: taken from `#key=` (which never reaches a server) or the sign-in form, kept in
 * sessionStorage (gone with the tab), and dropped on any 401 so the page returns to sign-in.
 */
import { useSyncExternalStore } from 'react';

const STORAGE_KEY = 'longhaul.credential';
const listeners = new Set<() => void>();

function notify() {
  for (const listener of listeners) listener();
}

/** Moves a `#key=` credential into sessionStorage and out of the address bar (and so out of the history). */
export function adoptKeyFromFragment(): void {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const key = fragment.get('key');
  if (!key) return;
  sessionStorage.setItem(STORAGE_KEY, key);
  window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search);
}

export function credential(): string | null {
  return sessionStorage.getItem(STORAGE_KEY);
}

export function signIn(key: string): void {
  sessionStorage.setItem(STORAGE_KEY, key);
  notify();
}

export function signOut(): void {
  sessionStorage.removeItem(STORAGE_KEY);
  notify();
}

export function useCredential(): string | null {
  return useSyncExternalStore((listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }, credential);
}
