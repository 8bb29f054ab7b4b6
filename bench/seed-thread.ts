/**
 * A long thread written straight into Postgres (user + assistant rows, as the API and callModel store them),
 * so a 200-turn transcript costs one INSERT instead of 199 completions.
 */
import type pg from 'pg';

const USER_TEXT =
  'Here is another question about the benchmark thread, asked at some length so it weighs like a real turn. ';
const ASSISTANT_TEXT =
  'And here is an answer of a realistic size: a few sentences that a model would stream back, long enough that ' +
  'the transcript the worker loads and sends to the model grows with every turn, as it does in a real chat. ';

export async function seedThread(
  pool: pg.Pool,
  options: { threadId: string; userId: string; priorTurns: number },
): Promise<void> {
  const { threadId, userId, priorTurns } = options;
  await pool.query(`INSERT INTO threads (id, user_id, title) VALUES ($1, $2, $3)`, [
    threadId,
    userId,
    'bench long thread',
  ]);
  const values: string[] = [];
  const params: unknown[] = [];
  const row = (id: string, role: 'user' | 'assistant', text: string) => {
    const parts =
      role === 'user' ? [{ type: 'text', text }] : [{ type: 'step-start' }, { type: 'text', text, state: 'done' }];
    const at = params.length;
    values.push(`($${at + 1}, $${at + 2}, $${at + 3}, $${at + 4}, $${at + 5})`);
    params.push(id, threadId, id, role, JSON.stringify(parts));
  };
  for (let turn = 0; turn < priorTurns; turn += 1) {
    row(`${threadId}-u${turn}`, 'user', `${turn}: ${USER_TEXT}`);
    row(`${threadId}-a${turn}`, 'assistant', `${turn}: ${ASSISTANT_TEXT}`);
  }
  // One statement: identity positions follow the VALUES order, which is the transcript order.
  await pool.query(
    `INSERT INTO messages (id, thread_id, ui_message_id, role, parts) VALUES ${values.join(', ')}`,
    params,
  );
}
