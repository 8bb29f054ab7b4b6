import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config.js';

describe('config', () => {
  it('fills defaults for a bare environment', () => {
    const config = parseConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.TEMPORAL_ADDRESS).toBe('127.0.0.1:7233');
    expect(config.LONGHAUL_MODELS).toEqual([]);
  });

  it('names every bad variable and what it expects', () => {
    const attempt = () =>
      parseConfig({
        PORT: 'eighty',
        REDIS_URL: 'http://x',
        LONGHAUL_DEFAULT_MODEL: 'gpt-4',
        TEMPORAL_ADDRESS: 'nohost',
      });
    expect(attempt).toThrow(ConfigError);
    const message = (() => {
      try {
        attempt();
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();
    expect(message).toContain('PORT="eighty"');
    expect(message).toContain('REDIS_URL="http://x": must be a redis or rediss URL');
    expect(message).toContain('LONGHAUL_DEFAULT_MODEL="gpt-4": must look like openai:<model> or anthropic:<model>');
    expect(message).toContain('TEMPORAL_ADDRESS="nohost": must be host:port');
  });

  it('treats empty keys as unset and parses the model allowlist', () => {
    const config = parseConfig({ OPENAI_API_KEY: '', LONGHAUL_MODELS: 'openai:a, anthropic:b' });
    expect(config.OPENAI_API_KEY).toBeUndefined();
    expect(config.LONGHAUL_MODELS).toEqual(['openai:a', 'anthropic:b']);
  });

  it('sizes the replay window and the worker cache, and refuses what cannot work', () => {
    const config = parseConfig({});
    expect(config.LONGHAUL_STREAM_REPLAY_WINDOW_SECONDS).toBe(300);
    expect(config.LONGHAUL_WORKER_MAX_CACHED_WORKFLOWS).toBe(250);
    expect(config.LONGHAUL_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS).toBe(40);
    expect(() => parseConfig({ LONGHAUL_STREAM_REPLAY_WINDOW_SECONDS: '0' })).toThrow(
      /LONGHAUL_STREAM_REPLAY_WINDOW_SECONDS="0"/,
    );
    expect(() =>
      parseConfig({ LONGHAUL_WORKER_MAX_CACHED_WORKFLOWS: '20', LONGHAUL_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '40' }),
    ).toThrow(
      'LONGHAUL_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS="40": must not exceed LONGHAUL_WORKER_MAX_CACHED_WORKFLOWS',
    );
  });
});
