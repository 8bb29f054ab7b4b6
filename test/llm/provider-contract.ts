/**
 * What every ModelProvider does the same way, whatever its vendor's wire protocol. Each provider's test file
 * registers these tests against its own scripted server, next to its vendor-specific ones, so a new provider is
 * held to them by one call.
 */
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/llm/provider-error.js';
import type { ScriptedModelServer } from '../../src/llm/scripted/scripted-model-server.js';
import type { ModelProvider, ModelRequest, ProviderName } from '../../src/llm/types.js';
import { collectEvents, never, textOf } from './collect-events.js';

export interface ProviderUnderTest {
  server: ScriptedModelServer;
  provider: ModelProvider;
}

export function describeProviderContract(
  name: ProviderName,
  /** Read inside each test: the file starts its server in `beforeAll`. */
  subject: () => ProviderUnderTest,
  options: {
    /** A plain one-message request in the vendor's model namespace. */
    request: ModelRequest;
    /** HTTP statuses the scripted server answers with, and the ProviderError code and retryability each maps to. */
    httpErrors: [status: number, code: string, retryable: boolean][];
  },
): void {
  const { request, httpErrors } = options;

  describe(`${name} provider: what every provider does`, () => {
    it.each([
      ['length', 'length'],
      ['content-filter', 'content-filter'],
    ] as const)('maps a script ending with %s to finish reason %s', async (scripted, expected) => {
      const { server, provider } = subject();
      server.enqueue({ kind: 'text', chunks: ['cut'], finishReason: scripted });
      const { events } = await collectEvents(provider.stream(request, never()));
      expect(events.at(-1)).toEqual({ type: 'finish', reason: expected });
    });

    it.each(httpErrors)('turns HTTP %i into ProviderError code %s, retryable=%s', async (status, code, retryable) => {
      const { server, provider } = subject();
      server.enqueue({ kind: 'http-error', status });
      const { events, error } = await collectEvents(provider.stream(request, never()));
      expect(events).toEqual([]);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ provider: name, status, code, retryable });
    });

    it('aborts a hanging stream: ProviderError aborted, and the server sees the client leave', async () => {
      const { server, provider } = subject();
      server.enqueue({ kind: 'hang', chunks: ['Thinking'] });
      const controller = new AbortController();
      const { events, error } = await collectEvents(provider.stream(request, controller.signal), (event) => {
        if (event.type === 'text-delta') controller.abort();
      });
      expect(textOf(events)).toBe('Thinking');
      expect(error).toMatchObject({ name: 'ProviderError', code: 'aborted', retryable: false });
      const [disconnect] = await server.waitForDisconnects(1);
      expect(disconnect?.requestIndex).toBe(0);
    });
  });
}
