import type { Socket as TcpSocket } from 'node:net';
import type { Server as EngineServer, Socket as EngineSocket } from 'engine.io';

/**
 * Fewer write syscalls for push fan-out.
 *
 * Engine.IO hands each packet to the transport as soon as it is writable, and `ws` writes every
 * WebSocket frame with its own syscall; on a floor of a thousand wallboards the syscalls, not the
 * JavaScript, are most of a push's cost. Two small hooks on engine.io 6 / ws 8 internals (covered
 * by the realtime tests) turn "one write per frame" into "one write per socket per outbox batch":
 *
 * - while a batch of pushes is emitted, the sockets' transports are marked busy, so every frame
 *   queues in the engine's write buffer; the buffers are flushed right after, in order;
 * - a WebSocket transport's flush corks its TCP socket, so the queued frames leave in one write.
 */

interface WebSocketTransport {
  name: string;
  writable: boolean;
  send(packets: unknown[]): void;
  socket?: { _socket?: TcpSocket };
}

const corked = new WeakSet<object>();

function corkFlushes(transport: WebSocketTransport): void {
  const tcp = transport.socket?._socket;
  if (transport.name !== 'websocket' || !tcp || corked.has(transport)) return;
  corked.add(transport);
  const send = transport.send.bind(transport);
  transport.send = (packets) => {
    tcp.cork();
    try {
      send(packets);
    } finally {
      tcp.uncork();
    }
  };
}

/** Makes a connection's WebSocket flushes single writes, now and after an upgrade from polling. */
export function batchFramesOf(conn: EngineSocket): void {
  corkFlushes(conn.transport as unknown as WebSocketTransport);
  conn.on('upgrade', (transport: unknown) => corkFlushes(transport as WebSocketTransport));
}

/** Runs `emit` with every idle transport held, then flushes each connection's queued frames at once. */
export function emitBatched(engine: EngineServer, emit: () => void): void {
  const held: EngineSocket[] = [];
  // `clients` is protected in engine.io's types; it is the live map of connections.
  for (const conn of Object.values((engine as unknown as { clients: Record<string, EngineSocket> }).clients)) {
    const transport = conn.transport as unknown as WebSocketTransport;
    if (transport.writable) {
      transport.writable = false;
      held.push(conn);
    }
  }
  try {
    emit();
  } finally {
    for (const conn of held) {
      (conn.transport as unknown as WebSocketTransport).writable = true;
      (conn as unknown as { flush(): void }).flush();
    }
  }
}
