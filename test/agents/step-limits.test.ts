import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config.js';
import { defineAgent, MAX_STEPS_LIMIT } from '../../src/agents/agent-definition.js';
import { createAgentRegistry } from '../../src/agents/agent-registry.js';
import { BUILTIN_AGENTS } from '../../src/agents/builtin-agents.js';
import { createTurnPolicy } from '../../src/completions/turn-policy.js';

const agent = (maxSteps: number) =>
  defineAgent({
    name: 'digger',
    version: '1',
    description: 'Digs.',
    tools: [],
    limits: { maxSteps },
    systemPrompt: () => 'Dig.',
  });

describe('step limits of long runs', () => {
  it('lets an agent take up to MAX_STEPS_LIMIT steps, and refuses anything else at start naming the agent', () => {
    expect(MAX_STEPS_LIMIT).toBeGreaterThanOrEqual(500);
    expect(createAgentRegistry([agent(500)]).get('digger')?.limits?.maxSteps).toBe(500);
    expect(createAgentRegistry([agent(MAX_STEPS_LIMIT)]).get('digger')).toBeDefined();
    for (const bad of [0, 2.5, MAX_STEPS_LIMIT + 1])
      expect(() => createAgentRegistry([agent(bad)])).toThrow(
        `agent "digger": limits.maxSteps must be an integer from 1 to ${MAX_STEPS_LIMIT}`,
      );
  });

  it('reads LONGHAUL_MAX_STEPS up to the same limit and LONGHAUL_STEPS_PER_RUN (default 50)', () => {
    expect(parseConfig({}).LONGHAUL_STEPS_PER_RUN).toBe(50);
    expect(parseConfig({ LONGHAUL_MAX_STEPS: '500', LONGHAUL_STEPS_PER_RUN: '3' })).toMatchObject({
      LONGHAUL_MAX_STEPS: 500,
      LONGHAUL_STEPS_PER_RUN: 3,
    });
    for (const bad of [{ LONGHAUL_STEPS_PER_RUN: '0' }, { LONGHAUL_MAX_STEPS: String(MAX_STEPS_LIMIT + 1) }])
      expect(() => parseConfig(bad)).toThrow(ConfigError);
  });

  it('gives the researcher a long run by default, handed over every LONGHAUL_STEPS_PER_RUN steps', () => {
    const policy = createTurnPolicy({
      defaultModel: 'openai:gpt-test',
      defaultAgent: 'assistant',
      configuredProviders: ['openai'],
      allowlist: [],
      hasTool: () => true,
      agents: createAgentRegistry(BUILTIN_AGENTS),
      limits: { maxSteps: 8, maxOutputTokens: 100, stepsPerRun: 50 },
    });
    expect(policy.resolve({ agent: 'researcher' }, { threadAgent: null }).limits).toMatchObject({
      maxSteps: 200,
      stepsPerRun: 50,
    });
    expect(policy.resolve({}, { threadAgent: null }).limits).toMatchObject({ maxSteps: 8, stepsPerRun: 50 });
  });
});
