export interface StackEnv {
  DATABASE_URL: string;
  REDIS_URL: string;
  TEMPORAL_ADDRESS: string;
}

export function ensureStack(options: {
  dataDir: string;
  log?: (line: string) => void;
}): Promise<{ env: StackEnv; stop(): Promise<void> }>;

export const SEARCH_ATTRIBUTES: readonly string[];

export const CHROMIUM_PATH: string;

export function ensureChromium(options?: { log?: (line: string) => void }): Promise<string>;
