import { Link } from '../router';

export interface DagNode {
  id: string;
  dependsOn: string[];
  state: string | null;
  taskId?: string | null;
  /** A second badge under the step (e.g. its compensation's state). */
  note?: string | null;
}

const W = 170;
const H = 46;
const GAP_X = 60;
const GAP_Y = 18;
const PAD = 12;

/**
 * Layered layout of a DAG: each node in the layer after its deepest parent, nodes within a
 * layer ordered by the mean position of their parents (fewer crossings), edges as curves.
 */
export function layout(nodes: DagNode[]): {
  pos: Map<string, { x: number; y: number }>;
  width: number;
  height: number;
} {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const layer = new Map<string, number>();
  const depth = (id: string, seen: Set<string>): number => {
    const known = layer.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0; // a cycle cannot be stored; stay finite anyway
    seen.add(id);
    const parents = (byId.get(id)?.dependsOn ?? []).filter((p) => byId.has(p));
    const d = parents.length === 0 ? 0 : 1 + Math.max(...parents.map((p) => depth(p, seen)));
    layer.set(id, d);
    return d;
  };
  for (const n of nodes) depth(n.id, new Set());
  const layers: string[][] = [];
  for (const n of nodes) (layers[layer.get(n.id)!] ??= []).push(n.id);
  const row = new Map<string, number>();
  for (const ids of layers) {
    const key = (id: string) => {
      const ps = (byId.get(id)?.dependsOn ?? [])
        .map((p) => row.get(p))
        .filter((r) => r !== undefined);
      return ps.length === 0 ? Infinity : ps.reduce((a, b) => a + b, 0) / ps.length;
    };
    const sorted = [...ids].sort((a, b) => key(a) - key(b));
    sorted.forEach((id, i) => row.set(id, i));
  }
  const pos = new Map<string, { x: number; y: number }>();
  for (const n of nodes) {
    pos.set(n.id, {
      x: PAD + layer.get(n.id)! * (W + GAP_X),
      y: PAD + row.get(n.id)! * (H + GAP_Y),
    });
  }
  const maxRows = Math.max(1, ...layers.map((l) => l.length));
  return {
    pos,
    width: PAD * 2 + layers.length * W + Math.max(0, layers.length - 1) * GAP_X,
    height: PAD * 2 + maxRows * H + (maxRows - 1) * GAP_Y,
  };
}

/** A workflow's steps as a graph, each box coloured by its step's state. */
export function DagGraph(props: { nodes: DagNode[] }) {
  const { pos, width, height } = layout(props.nodes);
  return (
    <div className="dag-scroll">
      <svg
        className="dag"
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        data-testid="dag"
      >
        <defs>
          <marker
            id="dag-arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto"
          >
            <path d="M0,0 L10,5 L0,10 z" className="dag-arrow" />
          </marker>
        </defs>
        {props.nodes.flatMap((n) =>
          n.dependsOn.map((p) => {
            const a = pos.get(p);
            const b = pos.get(n.id);
            if (!a || !b) return null;
            const x1 = a.x + W;
            const y1 = a.y + H / 2;
            const x2 = b.x;
            const y2 = b.y + H / 2;
            const mid = (x1 + x2) / 2;
            return (
              <path
                key={`${p}->${n.id}`}
                className="dag-edge"
                data-testid="dag-edge"
                d={`M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`}
                markerEnd="url(#dag-arrow)"
              />
            );
          }),
        )}
        {props.nodes.map((n) => {
          const p = pos.get(n.id)!;
          const state = n.state ?? 'unknown';
          const box = (
            <g
              transform={`translate(${p.x},${p.y})`}
              data-testid="dag-node"
              data-step={n.id}
              data-state={state}
            >
              <title>{`${n.id}: ${state}${n.note ? ` · ${n.note}` : ''}`}</title>
              <rect className={`dag-node state-${state}`} width={W} height={H} rx={7} />
              <text className="dag-label" x={10} y={19}>
                {n.id.length > 22 ? `${n.id.slice(0, 21)}…` : n.id}
              </text>
              <text className="dag-state" x={10} y={36}>
                {state}
                {n.note ? ` · ${n.note}` : ''}
              </text>
            </g>
          );
          return n.taskId ? (
            <Link key={n.id} to={`/tasks/${encodeURIComponent(n.taskId)}`}>
              {box}
            </Link>
          ) : (
            <g key={n.id}>{box}</g>
          );
        })}
      </svg>
    </div>
  );
}
