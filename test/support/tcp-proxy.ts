// A TCP proxy on 127.0.0.1 in front of a server, which a test can cut off and restore: a way to make
// a real database "go away" and come back without owning its process.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** host:port to connect to instead of the server. */
  readonly address: string;
  /** Drops every open connection and refuses new ones until restore(). */
  cut(): void;
  /**
   * Keeps every connection open but forwards nothing either way, and accepts new ones that never
   * answer, until restore(): a server that hangs (stopped process, full disk, network black hole).
   */
  hang(): void;
  /** Accepts and forwards connections again (hung connections are dropped). */
  restore(): void;
  close(): Promise<void>;
}

/** Starts a proxy forwarding to `target` (host:port). */
export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const [host, port] = [
    target.slice(0, target.lastIndexOf(':')),
    Number(target.slice(target.lastIndexOf(':') + 1)),
  ];
  const open = new Set<Socket>();
  let down = false;
  let hung = false;
  const swallow = (socket: Socket) => {
    socket.unpipe();
    socket.removeAllListeners('data');
    socket.on('data', () => undefined);
  };
  const server: Server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    client.on('error', () => client.destroy());
    open.add(client);
    client.on('close', () => open.delete(client));
    if (hung) {
      swallow(client);
      return;
    }
    const upstream = connect(port, host);
    open.add(upstream);
    upstream.on('close', () => open.delete(upstream));
    for (const socket of [client, upstream]) {
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('proxy has no address');
  return {
    address: `127.0.0.1:${address.port}`,
    cut() {
      down = true;
      for (const socket of open) socket.destroy();
    },
    hang() {
      hung = true;
      for (const socket of open) swallow(socket);
    },
    restore() {
      if (hung) for (const socket of open) socket.destroy();
      down = false;
      hung = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
