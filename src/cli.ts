/**
 * Operator commands. `keys create <user>` creates the user if needed and prints a new API key as the last line,
 * so scripts can capture it with `tail -1`.
 */
import { z } from 'zod';
import { loadConfig } from './config.js';
import { migrate } from './db/migrate.js';
import { createPool } from './db/pool.js';
import { createUsersRepo } from './db/users-repo.js';

const USAGE = 'usage: npm run longhaul -- keys create <user-name>';
const userName = z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, 'user names are 1-64 of A-Z a-z 0-9 . _ @ -');

const [group, action, name] = process.argv.slice(2);
if (group !== 'keys' || action !== 'create' || name === undefined) {
  console.error(USAGE);
  process.exit(64);
}
const parsedName = userName.safeParse(name);
if (!parsedName.success) {
  console.error(`invalid user name: ${parsedName.error.issues[0]?.message}`);
  process.exit(64);
}
const config = loadConfig();
const pool = createPool(config.DATABASE_URL, 1);
try {
  await migrate(pool);
  const users = createUsersRepo(pool);
  const user = await users.ensureUser(parsedName.data);
  const key = await users.createApiKey(user.id, 'cli');
  console.log(`Created an API key for user ${user.name} (${user.id}). It is shown only once:`);
  console.log(key);
} finally {
  await pool.end();
}
