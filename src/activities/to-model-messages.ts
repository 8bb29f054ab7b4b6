import type { StoredMessage } from '../db/messages-repo.js';
import { textPartSchema } from '../db/ui-parts.js';
import type { ModelMessage } from '../llm/types.js';

/** Turns the stored transcript (UI-message parts) into the provider-neutral messages a model call needs. */
export function toModelMessages(rows: StoredMessage[]): ModelMessage[] {
  const messages: ModelMessage[] = [];
  for (const row of rows) {
    const text = row.parts
      .map((part) => textPartSchema.safeParse(part))
      .flatMap((parsed) => (parsed.success ? [parsed.data.text] : []))
      .join('');
    if (row.role === 'system' || text === '') continue;
    messages.push({ role: row.role, content: text });
  }
  return messages;
}
