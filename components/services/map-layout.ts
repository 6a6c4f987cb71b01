import dagre, { type EdgeLabel, type GraphLabel, type NodeLabel } from "@dagrejs/dagre";

// Where the service map draws its services and calls: dagre's layered layout, callers left of the services they
// call, each call's line routed around the services between.

export const NODE_WIDTH = 210;
export const NODE_HEIGHT = 58;
const LABEL_WIDTH = 150;
const LABEL_HEIGHT = 18;

export interface PlacedNode {
  name: string;
  /** the centre */
  x: number;
  y: number;
}

export interface PlacedEdge {
  source: string;
  target: string;
  points: { x: number; y: number }[];
  /** where the edge's label goes */
  label: { x: number; y: number };
}

export interface MapLayout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: PlacedEdge[];
}

export function layoutMap(nodes: readonly string[], edges: readonly { source: string; target: string }[]): MapLayout {
  const graph = new dagre.graphlib.Graph<GraphLabel, NodeLabel, EdgeLabel>({ multigraph: false });
  graph.setGraph({ rankdir: "LR", nodesep: 36, ranksep: 150, edgesep: 24, marginx: 16, marginy: 16 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const name of nodes) graph.setNode(name, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const { source, target } of edges)
    graph.setEdge(source, target, { width: LABEL_WIDTH, height: LABEL_HEIGHT, labelpos: "c" });
  dagre.layout(graph);
  const size = graph.graph();
  return {
    width: Math.ceil(size.width ?? 0),
    height: Math.ceil(size.height ?? 0),
    nodes: nodes.map((name) => {
      const { x = 0, y = 0 } = graph.node(name);
      return { name, x, y };
    }),
    edges: edges.map(({ source, target }) => {
      const { points = [], x = 0, y = 0 } = graph.edge(source, target);
      return { source, target, points, label: { x, y } };
    }),
  };
}
