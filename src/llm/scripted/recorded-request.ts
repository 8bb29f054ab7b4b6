/** What the scripted model server remembers about its traffic, so tests assert on what a provider really sent. */
import type { IncomingHttpHeaders } from 'node:http';

export type Vendor = 'openai' | 'anthropic';

export interface RecordedRequest {
  /** Position in `server.requests`; disconnects refer to it. */
  index: number;
  vendor: Vendor;
  method: string;
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body; undefined for requests without one. */
  body: unknown;
  /** Epoch milliseconds. */
  receivedAt: number;
}

/** The client closed the connection before the response ended (an abort, a crash, a timeout). */
export interface RecordedDisconnect {
  requestIndex: number;
  at: number;
}
