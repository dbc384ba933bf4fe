import type { AuditPage, TokenView } from '../client/index.js';
import { relativeTime, table, truncate, type Style } from './format.js';

/** Tokens as `chronoq token ls` shows them. */
export function tokenTable(tokens: TokenView[], now: number, s: Style): string {
  if (tokens.length === 0) return 'no tokens (the server is open unless it has --admin-token)';
  const rows = tokens.map((t) => [t.id, t.name, t.role, relativeTime(t.createdAt, now)]);
  return table(['ID', 'NAME', 'ROLE', 'CREATED'], rows, s);
}

/** The audit log as `chronoq audit` shows it. */
export function auditTable(page: AuditPage, now: number, s: Style): string {
  if (page.entries.length === 0) return 'no audit entries';
  const rows = page.entries.map((e) => [
    relativeTime(e.at, now),
    e.actor,
    e.action,
    e.target,
    e.detail ? truncate(JSON.stringify(e.detail), 60) : '',
  ]);
  const more = page.nextCursor ? `\n(more: --cursor ${page.nextCursor})` : '';
  return table(['WHEN', 'ACTOR', 'ACTION', 'TARGET', 'DETAIL'], rows, s) + more;
}
