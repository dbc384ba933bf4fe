import { describe, expect, it } from 'vitest';
import { dagProblems, findCycle } from './dag.js';

describe('dagProblems', () => {
  it('accepts a diamond', () => {
    expect(
      dagProblems([
        { id: 'a' },
        { id: 'b', dependsOn: ['a'] },
        { id: 'c', dependsOn: ['a'] },
        { id: 'd', dependsOn: ['b', 'c'] },
      ]),
    ).toEqual([]);
  });

  it('names the steps of a cycle, in order', () => {
    const steps = [
      { id: 'root' },
      { id: 'a', dependsOn: ['root', 'c'] },
      { id: 'b', dependsOn: ['a'] },
      { id: 'c', dependsOn: ['b'] },
    ];
    // Each step is a parent of the next: b runs before c, c before a, a before b.
    expect(findCycle(steps)).toEqual(['b', 'c', 'a']);
    expect(dagProblems(steps)).toEqual([
      { index: 2, field: 'dependsOn', message: 'cycle: b -> c -> a -> b' },
    ]);
  });

  it('reports an empty workflow, duplicate and unknown ids, self and repeated parents', () => {
    expect(dagProblems([])[0]?.message).toBe('a workflow needs at least one step');
    expect(
      dagProblems([
        { id: 'a' },
        { id: 'a' },
        { id: 'b', dependsOn: ['x', 'b', 'a', 'a'] },
        { id: 'c', when: 'failure' },
      ]).map((p) => [p.index, p.field]),
    ).toEqual([
      [1, 'id'],
      [2, 'dependsOn.0'],
      [2, 'dependsOn.1'],
      [2, 'dependsOn.3'],
      [3, 'when'],
    ]);
  });
});
