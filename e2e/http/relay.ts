import { connect, createServer, type Server, type Socket } from "node:net";
import { freePort } from "./server";

/**
 * A TCP relay on loopback to a Postgres server, for the database as the server under test sees it to go away:
 * `refuse` closes every connection (a server that is down), `freeze` keeps them open and answers nothing (a server
 * paused, or cut off by the network), `up` relays again (new connections; those cut stay cut).
 */
export class Relay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private mode: "up" | "freeze" | "refuse" = "up";

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  /** A relay to the server of `url`, listening; `url` with its port swapped for the relay's. */
  static async to(url: string): Promise<{ relay: Relay; url: string }> {
    const target = new URL(url);
    const relay = new Relay(await freePort(), { host: target.hostname, port: Number(target.port || 5432) });
    await relay.listen();
    const relayed = new URL(url);
    relayed.port = String(relay.port);
    return { relay, url: relayed.toString() };
  }

  private listen(): Promise<void> {
    this.server = createServer((client) => {
      client.on("error", () => {});
      if (this.mode === "refuse") return void client.destroy();
      this.track(client);
      if (this.mode === "freeze") return;
      const upstream = connect(this.target.port, this.target.host);
      upstream.on("error", () => {});
      this.track(upstream);
      client.on("data", (data) => this.mode === "up" && upstream.write(data));
      upstream.on("data", (data) => this.mode === "up" && client.write(data));
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    return new Promise((resolve) => this.server!.listen(this.port, "127.0.0.1", resolve));
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
  }

  /** the database goes silent: connections stay open, nothing comes back */
  freeze(): void {
    this.mode = "freeze";
  }

  /** the database is down: every connection is closed, new ones at once */
  refuse(): void {
    this.mode = "refuse";
    this.cutAll();
  }

  /** the database is back: what was frozen is cut (as a restarted server's connections are), new ones relayed */
  restore(): void {
    this.cutAll();
    this.mode = "up";
  }

  private cutAll(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
