import { describe, expect, it } from "vitest";
import { layoutMap, NODE_HEIGHT, NODE_WIDTH } from "./map-layout";

describe("layoutMap", () => {
  it("puts callers left of what they call, no two services overlapping, each call from one to the other", () => {
    const nodes = ["frontend", "api", "db", "worker", "cache"];
    const edges = [
      { source: "frontend", target: "api" },
      { source: "api", target: "db" },
      { source: "api", target: "cache" },
      { source: "worker", target: "db" },
    ];
    const layout = layoutMap(nodes, edges);
    const at = new Map(layout.nodes.map((n) => [n.name, n]));
    expect(at.get("frontend")!.x).toBeLessThan(at.get("api")!.x);
    expect(at.get("api")!.x).toBeLessThan(at.get("db")!.x);
    for (const [i, a] of layout.nodes.entries())
      for (const b of layout.nodes.slice(i + 1))
        expect(Math.abs(a.x - b.x) >= NODE_WIDTH || Math.abs(a.y - b.y) >= NODE_HEIGHT, `${a.name} / ${b.name}`).toBe(
          true,
        );
    for (const edge of layout.edges) {
      const [first, last] = [edge.points[0]!, edge.points.at(-1)!];
      const near = (p: { x: number; y: number }, name: string) =>
        Math.abs(p.x - at.get(name)!.x) <= NODE_WIDTH / 2 + 1 && Math.abs(p.y - at.get(name)!.y) <= NODE_HEIGHT / 2 + 1;
      expect(near(first, edge.source), `${edge.source} → ${edge.target} starts at its caller`).toBe(true);
      expect(near(last, edge.target), `${edge.source} → ${edge.target} ends at what it calls`).toBe(true);
    }
    for (const n of layout.nodes) {
      expect(n.x + NODE_WIDTH / 2).toBeLessThanOrEqual(layout.width);
      expect(n.y + NODE_HEIGHT / 2).toBeLessThanOrEqual(layout.height);
    }
  });

  it("lays out calls both ways between two services, and a service without calls", () => {
    const layout = layoutMap(
      ["a", "b", "alone"],
      [
        { source: "a", target: "b" },
        { source: "b", target: "a" },
      ],
    );
    expect(layout.edges).toHaveLength(2);
    expect(layout.edges.every((e) => e.points.length >= 2 && Number.isFinite(e.label.x))).toBe(true);
    expect(layout.nodes.map((n) => n.name)).toEqual(["a", "b", "alone"]);
  });
});
