// A TCP proxy between a client and a server that can cut the network without closing anything,
// as a partition, a dropped NAT entry or a failover behind a virtual IP does: freeze() stops
// every byte of every connection open now or opened later, and keeps each socket open, so the
// client hears neither answers nor a close. unfreeze() lets connections opened after it through;
// the ones that lived through the freeze stay silent for good (their path is gone), which only a
// client that gives up on them and connects anew recovers from. hold() and release() only delay:
// bytes wait (in the kernel's buffers) and then flow, so a client's calls pile up meanwhile and
// its pool opens every connection it may.
import { connect, createServer, type Socket } from "node:net";

export interface TcpProxy {
  /** `url` with its host and port replaced by the proxy's. */
  via(url: string): string;
  freeze(): void;
  unfreeze(): void;
  hold(): void;
  release(): void;
  /** Connections the proxy has accepted so far, and those of them it keeps silent. */
  counts(): { accepted: number; silenced: number };
  stop(): void;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let frozen = false;
  let held = false;
  let accepted = 0;
  let silenced = 0;
  /** Stops forwarding between the two ends of one connection, for good. */
  const silencers = new Set<() => void>();

  const server = createServer((client) => {
    accepted++;
    open.add(client);
    client.on("close", () => open.delete(client));
    client.on("error", () => {});
    if (frozen) {
      // Bytes to a host that is out of reach: read and dropped, never answered.
      silenced++;
      client.on("data", () => {});
      return;
    }
    const upstream = connect(targetPort, targetHost);
    if (held) {
      client.pause();
      upstream.pause();
    }
    open.add(upstream);
    upstream.on("close", () => open.delete(upstream));
    upstream.on("error", () => {});
    let silent = false;
    const forward = (from: Socket, to: Socket) => {
      from.on("data", (chunk) => void (silent || to.write(chunk)));
      // A close passes through only while the path is there.
      from.on("close", () => void (silent || to.destroy()));
    };
    forward(client, upstream);
    forward(upstream, client);
    const silence = () => {
      if (!silent) silenced++;
      silent = true;
    };
    silencers.add(silence);
    client.on("close", () => silencers.delete(silence));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;

  return {
    via(url) {
      const through = new URL(url);
      through.hostname = "127.0.0.1";
      through.port = String(port);
      return through.toString();
    },
    freeze() {
      frozen = true;
      for (const silence of silencers) silence();
    },
    unfreeze() {
      frozen = false;
    },
    hold() {
      held = true;
      for (const socket of open) socket.pause();
    },
    release() {
      held = false;
      for (const socket of open) socket.resume();
    },
    counts: () => ({ accepted, silenced }),
    stop() {
      server.close();
      for (const socket of open) socket.destroy();
    },
  };
}
