import type { ReactNode } from 'react';
import { StateBadge, Labels } from '../components/ui';
import { ago, percentText, shortId, time } from '../format';
import { Link } from '../router';
import type { Task } from '../types';

/** Where a task came from, when not submitted on its own. */
function origin(t: Task): string | null {
  if (t.stepId) return t.compensation ? `undo ${t.stepId}` : `step ${t.stepId}`;
  if (t.shard) return `shard ${t.shard.index + 1}/${t.shard.total}`;
  if (t.scheduleId) return t.fireAt ? 'scheduled' : 'triggered';
  return null;
}

/** The task table shared by Tasks and Dead letters. */
export function TaskTable(props: {
  tasks: Task[];
  now: number;
  selected?: Set<string>;
  onToggle?: (id: string) => void;
  onToggleAll?: () => void;
  showError?: boolean;
  actions?: (t: Task) => ReactNode;
}) {
  const { tasks, selected } = props;
  const all = selected !== undefined && tasks.length > 0 && tasks.every((t) => selected.has(t.id));
  return (
    <table className="table" data-testid="task-table">
      <thead>
        <tr>
          {selected ? (
            <th className="check">
              <input
                type="checkbox"
                aria-label="select all"
                checked={all}
                onChange={props.onToggleAll}
              />
            </th>
          ) : null}
          <th>id</th>
          <th>type</th>
          <th>queue</th>
          <th>state</th>
          <th className="num">attempt</th>
          <th className="num">prio</th>
          {props.showError ? <th>error</th> : <th>labels</th>}
          <th>{props.showError ? 'failed' : 'created'}</th>
          {props.actions ? <th /> : null}
        </tr>
      </thead>
      <tbody>
        {tasks.map((t) => (
          <tr
            key={t.id}
            data-task-id={t.id}
            data-state={t.state}
            className={selected?.has(t.id) ? 'selected' : undefined}
          >
            {selected ? (
              <td className="check">
                <input
                  type="checkbox"
                  aria-label={`select ${t.id}`}
                  checked={selected.has(t.id)}
                  onChange={() => props.onToggle?.(t.id)}
                />
              </td>
            ) : null}
            <td className="mono nowrap">
              <Link to={`/tasks/${encodeURIComponent(t.id)}`} title={t.id}>
                {shortId(t.id)}
              </Link>
            </td>
            <td
              className="nowrap ellipsis"
              title={`${t.type}${origin(t) ? ` · ${origin(t)}` : ''}`}
            >
              {t.type}
              {origin(t) ? <span className="muted small"> · {origin(t)}</span> : null}
            </td>
            <td className="nowrap">{t.queue}</td>
            <td className="nowrap">
              <StateBadge state={t.state} want={t.want} />
              {percentText(t.progress) !== null && t.state === 'running' ? (
                <span className="muted small"> {percentText(t.progress)}</span>
              ) : null}
            </td>
            <td className="num">
              {t.attempt}
              <span className="muted">/{t.maxAttempts}</span>
            </td>
            <td className="num">{t.priority}</td>
            {props.showError ? (
              <td className="ellipsis error-cell" title={t.error?.message}>
                {t.error?.message ?? '—'}
              </td>
            ) : (
              <td className="ellipsis">
                <Labels labels={t.labels} />
              </td>
            )}
            <td className="nowrap" title={time(props.showError ? t.finishedAt : t.createdAt)}>
              {ago(props.showError ? t.finishedAt : t.createdAt, props.now)}
            </td>
            {props.actions ? <td className="nowrap right">{props.actions(t)}</td> : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
