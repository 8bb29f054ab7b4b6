/** While `lost`, retries `reconnect` every RECONNECT_MS until it succeeds (the server is back and answering). */
import { useEffect, useRef } from 'react';

const RECONNECT_MS = 1500;

export function useReconnect(lost: boolean, reconnect: () => Promise<void>): void {
  const latest = useRef(reconnect);
  latest.current = reconnect;
  useEffect(() => {
    if (!lost) return;
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout>;
    const attempt = async () => {
      try {
        const health = await fetch('/healthz');
        // 503 means a dependency is down, not the API: the API answers, so the page can go on.
        if (!health.ok && health.status !== 503) throw new Error(`healthz answered ${health.status}`);
        if (!cancelled) await latest.current();
      } catch {
        if (!cancelled) timer = setTimeout(() => void attempt(), RECONNECT_MS);
      }
    };
    timer = setTimeout(() => void attempt(), RECONNECT_MS);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [lost]);
}
