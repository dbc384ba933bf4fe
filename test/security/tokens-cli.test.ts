import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, spawnServer, spawnWorker, type ServerProcess } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp.js';

/** Tokens end to end, with real processes: a server, the `chronoq token` commands, workers. */
const tmp = tempDir();
let server: ServerProcess;
const BOOT = 'cli-bootstrap';

beforeAll(async () => {
  server = await spawnServer(
    ['--db', `sqlite:${tmp.dir}/tokens.db`, '--port', '0', '--no-worker'],
    {
      CHRONOQ_ADMIN_TOKEN: BOOT,
    },
  );
});

afterAll(async () => {
  server?.child.kill('SIGTERM');
  await server?.exited;
  tmp.cleanup();
});

const run = (args: string[], token: string) =>
  cli([...args, '--url', server.url], { CHRONOQ_TOKEN: token, CHRONOQ_ADMIN_TOKEN: '' });

describe('chronoq token', () => {
  it('creates tokens shown once, lists them without secrets, and revokes them', async () => {
    const created = await run(['token', 'create', 'ci', '--role', 'submitter'], BOOT);
    expect(created.code, created.stderr).toBe(0);
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^cq_[\w-]{43}$/);
    expect(created.stderr).toContain('not shown again');

    const ls = await run(['token', 'ls', '--json'], BOOT);
    const listed = JSON.parse(ls.stdout) as { name: string; role: string }[];
    expect(listed).toEqual([expect.objectContaining({ name: 'ci', role: 'submitter' })]);
    expect(ls.stdout).not.toContain(secret);

    // The submitter may submit, not cancel; an unknown token gets nothing.
    const sub = await run(['submit', 'chronoq.noop', '--delay', '1h', '--json'], secret);
    expect(sub.code, sub.stderr).toBe(0);
    const id = JSON.parse(sub.stdout).id as string;
    const cancel = await run(['cancel', id], secret);
    expect(cancel.code).toBe(1);
    expect(cancel.stderr).toMatch(/operator role/);
    expect((await run(['ls'], 'cq_wrong')).code).toBe(1);
    expect((await run(['token', 'ls'], secret)).code).toBe(1);

    const revoke = await run(['token', 'revoke', 'ci'], BOOT);
    expect(revoke.code, revoke.stderr).toBe(0);
    expect(revoke.stdout).toContain('revoked');
    const after = await run(['ls'], secret);
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/invalid token/);

    const audit = await run(['audit', '--json'], BOOT);
    const actions = (JSON.parse(audit.stdout).entries as { action: string }[]).map((e) => e.action);
    expect(actions).toEqual(['token.delete', 'token.create']);
  });

  it('refuses bad usage with exit code 2', async () => {
    expect((await run(['token', 'create', 'x'], BOOT)).code).toBe(2);
    expect((await run(['token', 'create', 'x', '--role', 'root'], BOOT)).code).toBe(2);
  });

  it('connects a worker with a worker token, and refuses one with a viewer token', async () => {
    const worker = JSON.parse(
      (await run(['token', 'create', 'w1', '--role', 'worker', '--json'], BOOT)).stdout,
    );
    const viewer = JSON.parse(
      (await run(['token', 'create', 'v1', '--role', 'viewer', '--json'], BOOT)).stdout,
    );
    const w = await spawnWorker(['--url', server.url, '--name', 'tokened'], {
      CHRONOQ_TOKEN: worker.token,
    });
    try {
      const ls = await run(['workers', 'ls', '--json'], viewer.token);
      expect(JSON.parse(ls.stdout).map((x: { name: string }) => x.name)).toContain('tokened');
      // A worker token runs tasks, it does not read the API.
      expect((await run(['ls'], worker.token)).code).toBe(1);
    } finally {
      w.child.kill('SIGTERM');
      await w.exited;
    }
    await expect(
      spawnWorker(['--url', server.url, '--name', 'refused'], { CHRONOQ_TOKEN: viewer.token }),
    ).rejects.toThrow(/exited \(1\)[\s\S]*needs the worker role/);
  });
});
