/**
 * How a benchmark stream looks, and how its chunks carry their own emit time. The shape travels in the model
 * name (`openai:bench-n50-d20-f20`), so Longhaul and the baseline ask the same server for the same answer with
 * no side channel; the stamps travel in the text, so they survive every hop Longhaul adds.
 */

export interface StreamShape {
  /** Text chunks the model sends. */
  chunks: number;
  /** Pause between text chunks. */
  delayMs: number;
  /** The model's own first-token delay: request received → first text chunk. */
  firstDelayMs: number;
}

/** How long an answer of this shape streams: request received → last text chunk (stamped-model-server.ts). */
export function answerMsOf(shape: StreamShape): number {
  return shape.firstDelayMs + (shape.chunks - 1) * shape.delayMs;
}

const NAME_PATTERN = /^bench-n(\d+)-d(\d+)-f(\d+)$/;

export function modelNameFor(shape: StreamShape): string {
  return `bench-n${shape.chunks}-d${shape.delayMs}-f${shape.firstDelayMs}`;
}

/** The model string both systems receive in the request body. */
export function modelStringFor(shape: StreamShape): string {
  return `openai:${modelNameFor(shape)}`;
}

export function parseModelName(name: string): StreamShape | undefined {
  const match = NAME_PATTERN.exec(name);
  if (!match) return undefined;
  return { chunks: Number(match[1]), delayMs: Number(match[2]), firstDelayMs: Number(match[3]) };
}

/** The content of text chunk `index`; the first also carries when the model received the request. */
export function stampedText(index: number, emittedAt: number, requestAt?: number): string {
  const request = requestAt === undefined ? '' : ` r=${requestAt.toFixed(3)}`;
  return `w${index} <i=${index} t=${emittedAt.toFixed(3)}${request}> `;
}

export interface Stamp {
  index: number;
  emittedAt: number;
  requestAt?: number;
}

/**
 * Finds the stamps in any text that carries them (an SSE frame, a Redis message): the characters used are
 * never escaped by JSON, so no JSON parsing is needed on the hot path.
 */
export function findStamps(text: string): Stamp[] {
  const stamps: Stamp[] = [];
  for (const match of text.matchAll(/<i=(\d+) t=(\d+\.\d+)(?: r=(\d+\.\d+))?>/g)) {
    stamps.push({
      index: Number(match[1]),
      emittedAt: Number(match[2]),
      ...(match[3] !== undefined ? { requestAt: Number(match[3]) } : {}),
    });
  }
  return stamps;
}
