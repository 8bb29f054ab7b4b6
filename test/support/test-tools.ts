/**
 * Tools that exist only in tests, to stage what real tools do: succeed, throw, wait for a person, run in the
 * background. Each counts its executions so tests can prove "at most once".
 */
import { z } from 'zod';
import { defineTool, type ToolDefinition } from '../../src/tools/tool-definition.js';

export interface TestTools {
  definitions: ToolDefinition[];
  executions: Map<string, number>;
}

export function createTestTools(options: { shortExpiryMs?: number } = {}): TestTools {
  const executions = new Map<string, number>();
  const count = (name: string) => executions.set(name, (executions.get(name) ?? 0) + 1);

  const definitions = [
    defineTool({
      name: 'echo',
      description: 'Returns its input.',
      mode: 'inline',
      input: z.object({ text: z.string().min(1) }),
      async execute(input) {
        count('echo');
        return { echoed: input.text };
      },
    }),
    defineTool({
      name: 'explode',
      description: 'Always throws.',
      mode: 'inline',
      input: z.object({}),
      retry: { maximumAttempts: 2, initialIntervalMs: 100 },
      async execute() {
        count('explode');
        throw new Error('the detonator is wet');
      },
    }),
    defineTool({
      name: 'transfer',
      description: 'Moves money; needs approval.',
      mode: 'durable',
      requiresApproval: (input: { amount: number }) => input.amount > 0,
      input: z.object({ amount: z.number() }),
      async execute(input, context) {
        count('transfer');
        return { transferred: input.amount, idempotencyKey: context.toolCallId };
      },
    }),
    defineTool({
      name: 'hasty_approval',
      description: 'Needs approval that expires quickly.',
      mode: 'durable',
      requiresApproval: true,
      approvalExpiryMs: options.shortExpiryMs ?? 1_500,
      input: z.object({}),
      async execute() {
        count('hasty_approval');
        return { ran: true };
      },
    }),
    defineTool({
      name: 'slow_report',
      description: 'Builds a report in the background.',
      mode: 'background',
      input: z.object({ topic: z.string() }),
      async execute(input) {
        count('slow_report');
        await new Promise((resolve) => setTimeout(resolve, 300));
        return { report: `REPORT-ON-${input.topic.toUpperCase()}` };
      },
    }),
  ] as ToolDefinition[];
  return { definitions, executions };
}
