export const WEB_DIR: string;

export function ensureWebApp(options?: { log?: (line: string) => void }): void;
