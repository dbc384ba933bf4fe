import { expect } from 'vitest';
import type { ChaosCluster } from '../../helpers/chaos-cluster.js';
import { startLoad } from '../../helpers/load.js';
import { call } from '../../helpers/http.js';
import {
  assignments,
  fireTimes,
  fencingViolations,
  leaderToken,
  presentIds,
  stateCounts,
  waitAllFinished,
} from '../../helpers/pg-history.js';
import type { ServerProcess } from '../../helpers/processes.js';
import { readRuns, sameAttemptReruns } from '../../helpers/run-log.js';
import { percentile, workSpecs } from '../../helpers/submit.js';

export interface LeaderFaultsOptions {
  db: string;
  /** Faults to inject, alternating kill -9 and SIGSTOP/SIGCONT of the leader. */
  faults: number;
  /** Pause between faults, drawn from [min, max] ms. */
  gapMs: [number, number];
  /** Leader lease, ms: a freeze lasts longer than it. */
  leaseMs: number;
  /** Steady load while faults happen. */
  batch: number;
  batchesPerS: number;
  timeoutMs: number;
}

export interface LeaderFaultsReport {
  faults: { kind: 'kill' | 'freeze'; failoverMs: number }[];
  failoverP50Ms: number;
  failoverMaxMs: number;
  submitted: number;
  submitFailures: number;
  placements: number;
  leaderTokens: number;
  extraRuns: number;
  /** Fire times of the 1-second schedule, each exactly one task. */
  scheduleFires: number;
}

/**
 * Kill (-9) or freeze (SIGSTOP past its lease, then SIGCONT) the leader every few seconds
 * under steady load. Another replica must take over while the old one is dead or frozen; no
 * placement may be made under an older leader token than one already used, none twice for one
 * attempt; every acknowledged submit runs to success, no (task, attempt) twice.
 */
export async function leaderFaults(
  cluster: ChaosCluster,
  o: LeaderFaultsOptions,
): Promise<LeaderFaultsReport> {
  const frozen = new Set<ServerProcess>();
  const load = startLoad({
    urls: () => cluster.replicas.filter((r) => !frozen.has(r)).map((r) => r.url),
    batch: o.batch,
    batchesPerS: o.batchesPerS,
    spec: () => workSpecs(1)[0]!,
  });
  // A 1-second schedule runs through it all: every fire time must make exactly one task.
  const schedule = await call(cluster.base(), 'POST', '/api/v1/schedules', {
    name: `every-second-${Date.now()}`,
    every: '1s',
    misfire: { catchUp: 1000 },
    task: { type: 'work', payload: { ms: 10 }, maxAttempts: 50 },
  });
  expect(schedule.status).toBe(201);
  const faults: LeaderFaultsReport['faults'] = [];
  let seed = 11;
  const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  let acknowledged: string[] = [];
  try {
    for (let i = 0; i < o.faults; i++) {
      const gap = o.gapMs[0] + random() * (o.gapMs[1] - o.gapMs[0]);
      await new Promise((r) => setTimeout(r, gap));
      const leader = await cluster.leader();
      const before = await leaderToken(o.db);
      const at = Date.now();
      if (i % 2 === 0) {
        await cluster.kill(leader);
        await cluster.leader([leader], 30_000);
        faults.push({ kind: 'kill', failoverMs: Date.now() - at });
        await cluster.restartReplica(leader);
      } else {
        frozen.add(leader);
        leader.child.kill('SIGSTOP');
        try {
          // The others elect one of them while the old leader cannot even notice it lost.
          await cluster.leader([leader], 30_000);
          faults.push({ kind: 'freeze', failoverMs: Date.now() - at });
          const past = at + o.leaseMs + 1000 - Date.now();
          if (past > 0) await new Promise((r) => setTimeout(r, past));
        } finally {
          leader.child.kill('SIGCONT');
          frozen.delete(leader);
        }
      }
      expect(await leaderToken(o.db)).toBeGreaterThan(before);
    }
  } finally {
    acknowledged = await load.stop();
  }
  const paused = await call(cluster.base(), 'POST', `/api/v1/schedules/${schedule.body.id}/pause`);
  expect(paused.status).toBe(200);

  await waitAllFinished(o.db, o.timeoutMs, (ids) => cluster.explain(ids));
  const counts = await stateCounts(o.db);
  expect(Object.keys(counts)).toEqual(['succeeded']);
  expect((await presentIds(o.db, acknowledged)).size).toBe(acknowledged.length);

  const placed = await assignments(o.db);
  expect(fencingViolations(placed)).toEqual([]);
  const tokens = new Set(placed.map((p) => p.token));
  expect(
    tokens.size,
    'placements under a single leader: the faults changed nothing',
  ).toBeGreaterThan(1);

  // Exactly one task per fire time, and no fire time passed over.
  const fires = await fireTimes(o.db, schedule.body.id);
  expect(fires.filter(([, n]) => n !== 1)).toEqual([]);
  const gaps = fires.slice(1).filter(([at], i) => at - fires[i]![0] !== 1000);
  expect(gaps).toEqual([]);
  expect(fires.length).toBeGreaterThan(2);

  const runs = readRuns(cluster.runLog);
  expect(sameAttemptReruns(runs)).toEqual([]);
  const starts = runs.filter((r) => r.k === 's').length;
  const failovers = faults.map((f) => f.failoverMs);
  return {
    faults,
    failoverP50Ms: percentile(failovers, 50),
    failoverMaxMs: Math.max(...failovers),
    submitted: acknowledged.length,
    submitFailures: load.failures,
    placements: placed.length,
    leaderTokens: tokens.size,
    extraRuns: starts - (counts.succeeded ?? 0),
    scheduleFires: fires.length,
  };
}
