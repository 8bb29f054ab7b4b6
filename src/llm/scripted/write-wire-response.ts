/**
 * Writes a planned WireResponse to a socket the way a vendor's edge does: headers flushed at once, every event
 * written as soon as it is due (Nagle is off on the socket), and nothing written after the client has left.
 */
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { splitUtf8 } from './split-utf8.js';
import type { WireResponse } from './wire-response.js';

/** Long enough on loopback for the two halves of a split event to arrive in separate reads. */
const SPLIT_PAUSE_MS = 5;

/** Resolves false once the peer is gone: a write can fail before the response's 'close' event fires. */
function write(res: ServerResponse, bytes: Uint8Array): Promise<boolean> {
  return new Promise((resolve) => res.write(bytes, (err) => resolve(!err)));
}

function closed(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/**
 * Plays `wire` on `res` until it is done or `signal` fires (the connection closed). Never rejects: a client
 * that leaves mid-write is the normal end of a cancelled stream, recorded by the server as a disconnect.
 */
export async function writeWireResponse(res: ServerResponse, wire: WireResponse, signal: AbortSignal): Promise<void> {
  try {
    if (wire.kind === 'silence') return await closed(signal);
    if (wire.kind === 'json') {
      res.writeHead(wire.status, { 'content-type': 'application/json', ...wire.headers });
      res.end(JSON.stringify(wire.body));
      return;
    }
    res.writeHead(200, wire.headers);
    res.flushHeaders();
    for (const [i, event] of wire.events.entries()) {
      if (i > 0 && wire.delayMs) await sleep(wire.delayMs, undefined, { signal });
      const bytes = Buffer.from(event, 'utf8');
      if (wire.splitUtf8) {
        const [head, tail] = splitUtf8(bytes);
        if (!(await write(res, head))) return;
        await sleep(SPLIT_PAUSE_MS, undefined, { signal });
        if (!(await write(res, tail))) return;
      } else if (!(await write(res, bytes))) {
        return;
      }
    }
    if (wire.then === 'hang') await closed(signal);
    else res.end();
  } catch (err) {
    // Pauses reject when the connection closes mid-wait.
    if (!signal.aborted) throw err;
  }
}
