// Recovers the driver from a server monitor that never finishes its check.
//
// The driver (6.x) checks a server on the monitor's own connection when it believes that
// connection is open. When every connection to the server is reset at once (a hung server or a
// black-holed network coming back, a proxy dropping its connections), the pool's errors ask for a
// check at once, before the monitor's connection has noticed its own reset: the check's hello is
// written to a dead socket and never answers or fails. The server then stays Unknown, and every
// operation fails with a server selection timeout, for as long as the process runs.
//
// A polling check (not the streaming one, which waits on purpose) that has not finished within
// `limitMs` is stuck; the client is closed and connected again, which starts a new monitor.
import type { MongoClient, ServerHeartbeatStartedEvent } from 'mongodb';
import type { MongoStoreLog } from './mongodb-store.ts';

export interface MonitorWatchdog {
  stop(): void;
}

/** Watches `client`'s polling heartbeats; reconnects it when one takes longer than `limitMs`. */
export function watchMonitor(
  client: MongoClient,
  limitMs: number,
  log: MongoStoreLog,
): MonitorWatchdog {
  const pending = new Map<string, NodeJS.Timeout>();
  let stopped = false;
  let reconnecting = false;
  const settle = (address: string) => {
    clearTimeout(pending.get(address));
    pending.delete(address);
  };
  const reconnect = async () => {
    if (stopped || reconnecting) return;
    reconnecting = true;
    try {
      log.warn('MongoDB server monitor stuck; reconnecting the client', { waitedMs: limitMs });
      await client.close(true).catch(() => undefined);
      if (!stopped) await client.connect().catch(() => undefined);
    } finally {
      reconnecting = false;
    }
  };
  const onStarted = (event: ServerHeartbeatStartedEvent) => {
    if (event.awaited) return;
    settle(event.connectionId);
    const timer = setTimeout(() => {
      pending.delete(event.connectionId);
      void reconnect();
    }, limitMs);
    timer.unref();
    pending.set(event.connectionId, timer);
  };
  const onEnded = (event: { connectionId: string }) => settle(event.connectionId);
  client.on('serverHeartbeatStarted', onStarted);
  client.on('serverHeartbeatSucceeded', onEnded);
  client.on('serverHeartbeatFailed', onEnded);
  return {
    stop() {
      stopped = true;
      for (const address of [...pending.keys()]) settle(address);
      client.off('serverHeartbeatStarted', onStarted);
      client.off('serverHeartbeatSucceeded', onEnded);
      client.off('serverHeartbeatFailed', onEnded);
    },
  };
}
