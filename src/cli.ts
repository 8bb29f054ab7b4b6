/**
 * Operator commands for API keys. `keys create` creates the user if needed and prints the new key as the last
 * line, so scripts can capture it with `tail -1`; the key is never shown again (only its hash is stored).
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseKeyExpiry } from './auth/key-expiry.js';
import { loadConfig } from './config.js';
import { migrate } from './db/migrate.js';
import { createPool } from './db/pool.js';
import { createUsersRepo, type ApiKeyRow, type UsersRepo } from './db/users-repo.js';

const USAGE = `usage: npm run longhaul -- keys create <user-name> [--label <text>] [--expires-in <n>m|h|d | --expires-at <ISO time>]
       npm run longhaul -- keys list <user-name>
       npm run longhaul -- keys revoke <key id or prefix>`;
const userName = z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, 'user names are 1-64 of A-Z a-z 0-9 . _ @ -');

/** A refusal the operator can fix; its exit code says whether the command line (64) or the data (1) was wrong. */
class Refusal extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 64,
  ) {
    super(message);
  }
}

function parseCommand(argv: string[]) {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { label: { type: 'string' }, 'expires-in': { type: 'string' }, 'expires-at': { type: 'string' } },
  });
  const [group, action, target, ...extra] = positionals;
  if (group !== 'keys' || target === undefined || extra.length > 0) throw new Refusal(USAGE, 64);
  if (action === 'create') {
    const expiresAt = parseKeyExpiry({ expiresIn: values['expires-in'], expiresAt: values['expires-at'] });
    return { action, user: parseUserName(target), label: values.label ?? 'cli', expiresAt } as const;
  }
  if (Object.keys(values).length > 0) throw new Refusal(`keys ${action} takes no options\n${USAGE}`, 64);
  if (action === 'list') return { action, user: parseUserName(target) } as const;
  if (action === 'revoke') return { action, key: target } as const;
  throw new Refusal(USAGE, 64);
}

function parseUserName(name: string): string {
  const parsed = userName.safeParse(name);
  if (!parsed.success) throw new Refusal(`invalid user name: ${parsed.error.issues[0]?.message}`, 64);
  return parsed.data;
}

const when = (at: Date | null, otherwise: string) => (at ? at.toISOString().replace(/\.\d{3}Z$/, 'Z') : otherwise);

function keyTable(keys: ApiKeyRow[]): string {
  const rows = [
    ['ID', 'PREFIX', 'LABEL', 'CREATED', 'EXPIRES', 'LAST USED', 'REVOKED'],
    ...keys.map((k) => [
      k.id,
      k.prefix,
      k.label ?? '-',
      when(k.createdAt, '-'),
      when(k.expiresAt, 'never'),
      when(k.lastUsedAt, 'never'),
      when(k.revokedAt, '-'),
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

async function run(command: ReturnType<typeof parseCommand>, users: UsersRepo): Promise<void> {
  if (command.action === 'create') {
    const user = await users.ensureUser(command.user);
    const created = await users.issueApiKey(user.id, { label: command.label, expiresAt: command.expiresAt });
    const expiry = command.expiresAt ? `, expires ${when(command.expiresAt, '')}` : '';
    console.log(
      `Created API key ${created.id} (${created.prefix}…${expiry}) for user ${user.name} (${user.id}). It is shown only once:`,
    );
    console.log(created.key);
    return;
  }
  if (command.action === 'list') {
    const user = await users.findUser(command.user);
    if (!user) throw new Refusal(`no user named ${command.user}`, 1);
    console.log(keyTable(await users.listApiKeys(user.id)));
    return;
  }
  const outcome = await users.revokeApiKey(command.key);
  if (outcome.status === 'not_found') throw new Refusal(`no API key has the id or prefix ${command.key}`, 1);
  if (outcome.status === 'ambiguous') {
    throw new Refusal(`${outcome.count} keys share the prefix ${command.key}: revoke by key id (see keys list)`, 1);
  }
  const { key } = outcome;
  console.log(
    outcome.status === 'revoked'
      ? `revoked ${key.id} (${key.prefix}) at ${when(key.revokedAt, '')}; it is refused from now on`
      : `${key.id} (${key.prefix}) was already revoked at ${when(key.revokedAt, '')}`,
  );
}

let command: ReturnType<typeof parseCommand>;
try {
  command = parseCommand(process.argv.slice(2));
} catch (error) {
  console.error((error as Error).message);
  process.exit(error instanceof Refusal ? error.exitCode : 64);
}
const config = loadConfig();
const pool = createPool(config.DATABASE_URL, 1);
try {
  await migrate(pool);
  await run(command, createUsersRepo(pool));
} catch (error) {
  if (!(error instanceof Refusal)) throw error;
  console.error(error.message);
  process.exitCode = error.exitCode;
} finally {
  await pool.end();
}
