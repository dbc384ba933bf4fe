import type { Database } from 'better-sqlite3';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../lib/logger.js';

/** Write transactions after which the checkpointer thread starts (a store that writes little never needs one). */
const START_AFTER_WRITES = 200;
/** How often the thread copies the WAL into the database file. */
const INTERVAL_MS = 100;
/**
 * The store's own connection checkpoints only when the WAL has grown this far (pages): a
 * backstop should the thread fall behind. SQLite's default, used until the thread runs, is 1000.
 */
const BACKSTOP_PAGES = 10_000;
const DEFAULT_PAGES = 1_000;

/**
 * The thread's program: its own connection to the file, a PASSIVE checkpoint every interval
 * (it never waits for, nor blocks, the store's writer), until told to stop. CommonJS, as `eval`
 * workers are; the driver is required by the absolute path the store resolved.
 */
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 0');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    if (err && err.code === 'SQLITE_BUSY') return;
    clearInterval(timer);
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
}, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Copies the WAL into the database file on a thread of its own. With SQLite's automatic
 * checkpoints, every thousandth page written stalls a commit of the store's (only) thread while
 * it copies the WAL and syncs the file: about a third of the write cost of a busy store. Here
 * that work runs beside it, and the store's connection keeps a far larger automatic checkpoint
 * only as a backstop. Durability is unchanged: a commit is in the WAL either way.
 */
export class WalCheckpointer {
  private writes = 0;
  private worker: Worker | null = null;
  private stopped = false;

  constructor(
    private readonly db: Database,
    private readonly file: string,
    private readonly logger: Logger,
  ) {}

  /** Called after each write transaction; starts the thread once the store writes enough. */
  wrote(): void {
    if (this.worker !== null || this.stopped || ++this.writes < START_AFTER_WRITES) return;
    this.start();
  }

  private start(): void {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(THREAD, {
      eval: true,
      workerData: { driver, file: this.file, intervalMs: INTERVAL_MS },
    });
    this.worker = worker;
    worker.unref();
    this.db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
    const fail = (err: unknown) => {
      if (this.worker !== worker) return;
      this.logger.warn({ err }, 'WAL checkpoint thread failed; the store checkpoints itself');
      this.worker = null;
      this.stopped = true;
      void worker.terminate();
      if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${DEFAULT_PAGES}`);
    };
    worker.on('message', (m: { error?: string }) => fail(new Error(m.error)));
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the thread exited (${code})`)));
  }

  /** Stop the thread (its connection is closed before this resolves). */
  async stop(): Promise<void> {
    this.stopped = true;
    const worker = this.worker;
    this.worker = null;
    if (worker === null) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage('stop');
    const timer = setTimeout(() => void worker.terminate(), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
