import { defaultQueueSettings, type QueueSettings } from '../../domain/queue.js';
import type { SqliteContext } from './context.js';
import { settingsToJson } from './rows.js';

function settingsOf(name: string, text: string | null): QueueSettings {
  // Stored settings over today's defaults, so a field added later gets its default.
  const stored = text === null ? {} : (JSON.parse(text) as Partial<QueueSettings>);
  return { ...defaultQueueSettings(name), ...stored, name };
}

/** Queue settings. A queue exists as soon as it is named; unset fields have defaults. */
export class Queues {
  constructor(private readonly ctx: SqliteContext) {}

  get(name: string): QueueSettings {
    return settingsOf(name, this.ctx.s.queueGet.get(name)?.settings ?? null);
  }

  list(): QueueSettings[] {
    return this.ctx.s.queueList.all().map((r) => settingsOf(r.name, r.settings));
  }

  /** Merge `patch` (undefined fields are kept, `null` clears a nullable field). */
  update(name: string, patch: Partial<Omit<QueueSettings, 'name'>>): QueueSettings {
    const { s } = this.ctx;
    const merged = this.ctx.write(() => {
      const current = settingsOf(name, s.queueGet.get(name)?.settings ?? null);
      const defined = Object.fromEntries(
        Object.entries(patch).filter(([k, v]) => v !== undefined && k !== 'name'),
      ) as Partial<QueueSettings>;
      const next: QueueSettings = { ...current, ...defined, name };
      s.queuePut.run(name, settingsToJson(next));
      return next;
    });
    this.ctx.emit({ kind: 'queues' });
    return merged;
  }
}
