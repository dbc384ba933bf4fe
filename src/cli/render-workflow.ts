import type { WorkflowView } from '../client/index.js';
import { keyValues, relativeTime, table, truncate, type Style } from './format.js';
import { stateText } from './render.js';

/** Workflows as `chronoq workflow ls` shows them. */
export function workflowTable(list: WorkflowView[], now: number, s: Style): string {
  if (list.length === 0) return 'no workflows';
  const rows = list.map((w) => [
    w.id,
    truncate(w.name, 40),
    stateText(w.state, s),
    `${w.counts.succeeded ?? 0}/${w.steps.length}`,
    w.onFailure,
    relativeTime(w.createdAt, now),
  ]);
  return table(['ID', 'NAME', 'STATE', 'DONE', 'ON FAILURE', 'CREATED'], rows, s);
}

/** A workflow with its steps, as `chronoq workflow get` shows it. */
export function workflowDetail(w: WorkflowView, now: number, s: Style): string {
  const fields: [string, string][] = [
    ['id', w.id],
    ['name', w.name],
    ['state', stateText(w.state, s)],
    ['on failure', w.onFailure],
    ['created', `${w.createdAt} (${relativeTime(w.createdAt, now)})`],
  ];
  if (w.finishedAt) fields.push(['finished', w.finishedAt]);
  if (w.error) fields.push(['error', w.error.message]);
  const rows = w.steps.map((st) => [
    st.id,
    st.state ? stateText(st.state, s) : '-',
    st.dependsOn.length > 0 ? st.dependsOn.join(',') : '-',
    st.when,
    st.taskId ?? '-',
    st.compensation
      ? `${st.compensation.state} ${st.compensation.taskId}`
      : st.hasCompensation
        ? 'ready'
        : '-',
  ]);
  return `${keyValues(fields, s)}\n\n${table(['STEP', 'STATE', 'AFTER', 'WHEN', 'TASK', 'COMPENSATION'], rows, s)}`;
}
