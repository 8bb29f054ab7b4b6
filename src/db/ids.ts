import { randomBytes } from 'node:crypto';

/** Prefixed random ids: the prefix tells a reader what an id names in logs and the Temporal UI. */
export function newId(prefix: 'usr' | 'key' | 'thr' | 'cmp' | 'msg' | 'stm' | 'sch'): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}
