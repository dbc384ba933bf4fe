import { MAX_BATCH, type TaskSpec } from '../protocol/task-spec.js';
import type { TaskView } from '../protocol/views.js';
import { ChronoqApiError } from './errors.js';

interface Waiting {
  spec: TaskSpec;
  resolve: (task: TaskView) => void;
  reject: (err: unknown) => void;
}

export interface SubmitSenders {
  /** `POST /tasks`: one task. */
  one(spec: TaskSpec): Promise<TaskView>;
  /** `POST /tasks/batch`: several, all or nothing. */
  many(specs: TaskSpec[]): Promise<TaskView[]>;
}

/** Answers that concern the input of some task of a batch, so each is sent again alone. */
const INPUT_STATUSES = new Set([400, 409, 413, 422]);

const nextTurn: (fn: () => void) => void =
  typeof setImmediate === 'function' ? (fn) => setImmediate(fn) : (fn) => setTimeout(fn, 0);

/**
 * Submits made in the same turn of the event loop (say, 50 concurrent callers) go out as one
 * `POST /tasks/batch` of up to MAX_BATCH tasks; a lone submit goes out as `POST /tasks`, as
 * without batching. Each caller still gets its own task or its own error: when the batch is
 * refused for its input (one bad task sinks an all-or-nothing batch), each task is sent again
 * alone. Any other failure (network, 5xx, auth) is every caller's failure, as it would have been
 * for separate calls sent at that moment; nothing is sent twice after it.
 */
export class SubmitCoalescer {
  private waiting: Waiting[] = [];

  constructor(private readonly send: SubmitSenders) {}

  submit(spec: TaskSpec): Promise<TaskView> {
    return new Promise((resolve, reject) => {
      if (this.waiting.length === 0) nextTurn(() => this.flush());
      this.waiting.push({ spec, resolve, reject });
    });
  }

  private flush(): void {
    const all = this.waiting;
    this.waiting = [];
    for (let i = 0; i < all.length; i += MAX_BATCH) {
      void this.sendGroup(all.slice(i, i + MAX_BATCH));
    }
  }

  private async sendGroup(group: Waiting[]): Promise<void> {
    if (group.length === 1) return this.sendAlone(group[0]!);
    let tasks: TaskView[];
    try {
      tasks = await this.send.many(group.map((w) => w.spec));
    } catch (err) {
      if (err instanceof ChronoqApiError && INPUT_STATUSES.has(err.status)) {
        await Promise.all(group.map((w) => this.sendAlone(w)));
      } else {
        for (const w of group) w.reject(err);
      }
      return;
    }
    group.forEach((w, i) => w.resolve(tasks[i]!));
  }

  private async sendAlone(w: Waiting): Promise<void> {
    try {
      w.resolve(await this.send.one(w.spec));
    } catch (err) {
      w.reject(err);
    }
  }
}
