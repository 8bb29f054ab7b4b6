/**
 * A workflow history with every payload decoded by the SDK's default payload converter. Payloads are base64 in a
 * history's JSON (bytes in the fetched object), so a plain-text search of a raw history finds nothing even where
 * text is stored: decode first, then search.
 */
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;

/** One decoded payload and where it sits, e.g. `events[0].workflowExecutionStartedEventAttributes.memo.fields.threadId`. */
export interface DecodedPayload {
  path: string;
  value: unknown;
}

export interface DecodedHistory {
  payloads: DecodedPayload[];
  /** Every string in the history, payloads decoded: failure messages and other plain fields included. */
  strings: { path: string; text: string }[];
}

function isPayload(value: object): value is Payload {
  const metadata = (value as { metadata?: unknown }).metadata;
  return (
    typeof metadata === 'object' &&
    metadata !== null &&
    (metadata as Record<string, unknown>).encoding instanceof Uint8Array
  );
}

/** Walks the whole history (every event, every attribute) and decodes each payload it meets. */
export function decodeHistory(history: History): DecodedHistory {
  const payloads: DecodedPayload[] = [];
  const strings: DecodedHistory['strings'] = [];
  const collectStrings = (value: unknown, path: string): void => {
    if (typeof value === 'string') strings.push({ path, text: value });
    else if (Array.isArray(value)) value.forEach((item, i) => collectStrings(item, `${path}[${i}]`));
    else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) collectStrings(item, `${path}.${key}`);
    }
  };
  const walk = (value: unknown, path: string): void => {
    if (typeof value === 'string') {
      strings.push({ path, text: value });
      return;
    }
    if (value instanceof Uint8Array) {
      // Bytes outside a payload: searched as text too, so nothing hides in an undecoded field.
      strings.push({ path, text: Buffer.from(value).toString('utf8') });
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${path}[${i}]`));
      return;
    }
    if (isPayload(value)) {
      let decoded: unknown;
      try {
        decoded = defaultPayloadConverter.fromPayload(value);
      } catch (error) {
        throw new Error(`the payload at ${path} does not decode: ${(error as Error).message}`);
      }
      payloads.push({ path, value: decoded });
      collectStrings(decoded, path);
      return;
    }
    for (const [key, item] of Object.entries(value)) walk(item, path ? `${path}.${key}` : key);
  };
  walk(history, '');
  return { payloads, strings };
}

/** The decoded payloads whose path matches, e.g. `/memo\.fields\.threadId$/`. */
export function payloadsAt(decoded: DecodedHistory, path: RegExp): unknown[] {
  return decoded.payloads.filter((payload) => path.test(payload.path)).map((payload) => payload.value);
}

/** Where any of the markers appears after decoding, as `path: marker`; empty when none does. */
export function findMarkers(decoded: DecodedHistory, markers: string[]): string[] {
  return decoded.strings.flatMap(({ path, text }) =>
    markers.filter((marker) => text.includes(marker)).map((marker) => `${path}: ${marker}`),
  );
}
