/** One published chunk as it travels through Redis: the payload stays a JSON string end to end. */
export interface StreamEvent {
  seq: number;
  type: string;
  json: string;
}

/** Pub/sub payload: `<seq> <type> <json>`; seq and type are read without parsing the JSON. */
export function encodeLiveMessage(event: StreamEvent): string {
  return `${event.seq} ${event.type} ${event.json}`;
}

export function decodeLiveMessage(message: string): StreamEvent | undefined {
  const first = message.indexOf(' ');
  const second = message.indexOf(' ', first + 1);
  if (first <= 0 || second <= first) return undefined;
  const seq = Number(message.slice(0, first));
  if (!Number.isSafeInteger(seq) || seq <= 0) return undefined;
  return { seq, type: message.slice(first + 1, second), json: message.slice(second + 1) };
}
