/** Validation of a workflow's step graph: pure, run before anything is stored. */

export interface DagStep {
  id: string;
  dependsOn?: readonly string[];
  when?: string;
}

export interface DagProblem {
  /** Index of the step in the list; -1 for the workflow as a whole. */
  index: number;
  /** Path inside the step (e.g. `dependsOn.1`), empty for the step itself. */
  field: string;
  message: string;
}

/**
 * Everything wrong with the graph: no steps, duplicate ids, unknown or repeated parents, a step
 * depending on itself, `when: failure` on a step without parents, and cycles (named by their
 * steps, in order). An empty list means the graph is a valid DAG.
 */
export function dagProblems(steps: readonly DagStep[]): DagProblem[] {
  if (steps.length === 0) {
    return [{ index: -1, field: '', message: 'a workflow needs at least one step' }];
  }
  const problems: DagProblem[] = [];
  const firstIndex = new Map<string, number>();
  steps.forEach((s, i) => {
    const first = firstIndex.get(s.id);
    if (first !== undefined) {
      problems.push({
        index: i,
        field: 'id',
        message: `duplicate step id "${s.id}" (also step ${first})`,
      });
    } else firstIndex.set(s.id, i);
  });
  steps.forEach((s, i) => {
    const deps = s.dependsOn ?? [];
    const seen = new Set<string>();
    deps.forEach((d, j) => {
      if (d === s.id) {
        problems.push({
          index: i,
          field: `dependsOn.${j}`,
          message: `step "${s.id}" depends on itself`,
        });
      } else if (!firstIndex.has(d)) {
        problems.push({
          index: i,
          field: `dependsOn.${j}`,
          message: `step "${s.id}" depends on unknown step "${d}"`,
        });
      } else if (seen.has(d)) {
        problems.push({
          index: i,
          field: `dependsOn.${j}`,
          message: `step "${s.id}" names "${d}" twice`,
        });
      }
      seen.add(d);
    });
    if (deps.length === 0 && s.when === 'failure') {
      problems.push({
        index: i,
        field: 'when',
        message: `step "${s.id}" has no parents, so "when: failure" could never hold`,
      });
    }
  });
  if (problems.length > 0) return problems;
  const cycle = findCycle(steps);
  if (cycle) {
    problems.push({
      index: firstIndex.get(cycle[0]!)!,
      field: 'dependsOn',
      message: `cycle: ${[...cycle, cycle[0]].join(' -> ')}`,
    });
  }
  return problems;
}

/** One cycle of the graph, each listed step a parent of the one after it; null when none. */
export function findCycle(steps: readonly DagStep[]): string[] | null {
  const deps = new Map(steps.map((s) => [s.id, s.dependsOn ?? []]));
  const color = new Map<string, 'grey' | 'black'>();
  const path: string[] = [];
  const visit = (id: string): string[] | null => {
    color.set(id, 'grey');
    path.push(id);
    for (const d of deps.get(id) ?? []) {
      const c = color.get(d);
      if (c === 'grey') return path.slice(path.indexOf(d)).reverse();
      if (c === undefined && deps.has(d)) {
        const found = visit(d);
        if (found) return found;
      }
    }
    path.pop();
    color.set(id, 'black');
    return null;
  };
  for (const s of steps) {
    if (color.has(s.id)) continue;
    const found = visit(s.id);
    if (found) return found;
  }
  return null;
}
