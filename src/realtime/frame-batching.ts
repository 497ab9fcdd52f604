import type { Socket as TcpSocket } from 'node:net';
import type { Socket as EngineSocket } from 'engine.io';
import WebSocket from 'ws';

/**
 * Push fan-out at the cost of one write per socket.
 *
 * On a floor of a thousand wallboards, a push's cost is per socket: Socket.IO and Engine.IO run
 * a packet object, events and a drain callback through each socket, and `ws` writes each frame
 * with its own syscall. Here a push is encoded once, as the WebSocket frame of Socket.IO's EVENT
 * packet, and written straight to each socket's TCP connection, corked so that a batch of pushes
 * leaves in one write. The wire bytes are exactly what `socket.emit` sends. It relies on
 * engine.io 6 / ws 8 internals, checked on every write; a socket that does not qualify (long
 * polling, compression, frames already queued by Engine.IO) gets the normal `socket.emit`.
 */

interface WebSocketTransport {
  name: string;
  writable: boolean;
  perMessageDeflate?: unknown;
  send(packets: unknown[]): void;
  socket?: { readyState?: number; _socket?: TcpSocket };
}

interface EngineInternals {
  readyState: string;
  writeBuffer: unknown[];
  transport: WebSocketTransport;
}

/** The bytes of `socket.emit(event, payload)` on a WebSocket: one unmasked text frame of "42[event,payload]". */
export function encodePushFrame(event: string, payload: unknown): Buffer {
  // Engine.IO "4" (message) + Socket.IO "2" (EVENT), default namespace, no ack id.
  const data = Buffer.from(`42${JSON.stringify([event, payload])}`);
  const parts = (
    WebSocket as unknown as { Sender: { frame(data: Buffer, options: Record<string, unknown>): Buffer[] } }
  ).Sender.frame(data, { readOnly: false, mask: false, rsv1: false, opcode: 1, fin: true });
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** The socket's TCP connection, if a frame may be written to it directly now. */
function directConnection(conn: EngineSocket): TcpSocket | undefined {
  const engine = conn as unknown as EngineInternals;
  const transport = engine.transport;
  if (engine.readyState !== 'open' || engine.writeBuffer.length > 0) return undefined;
  if (transport.name !== 'websocket' || !transport.writable || transport.perMessageDeflate) return undefined;
  const tcp = transport.socket?.readyState === WebSocket.OPEN ? transport.socket._socket : undefined;
  return tcp && tcp.writable && !tcp.destroyed ? tcp : undefined;
}

/** Collects the direct writes of one outbox batch; `flush()` sends each connection's frames in one write. */
export class FrameBatch {
  /** Connections written to in this batch (corked), and those found too far behind (dropped). */
  private readonly corked = new Set<TcpSocket>();
  private readonly dropped = new Set<TcpSocket>();

  /**
   * @param maxUnreadBytes a client this far behind on reading (bytes still queued in the server,
   *   past the kernel's buffers, from earlier batches) is dropped — it resyncs on reconnect —
   *   rather than buffered for.
   */
  constructor(private readonly maxUnreadBytes: number) {}

  /** Writes `frame` to the socket directly; false when it must be emitted the normal way. */
  write(conn: EngineSocket, frame: Buffer, onOverflow: () => void): boolean {
    const tcp = directConnection(conn);
    if (!tcp) return false;
    if (this.dropped.has(tcp)) return true;
    if (!this.corked.has(tcp)) {
      // The backlog is judged once, before this batch: the batch's own frames stay queued (corked)
      // until flush(), so they must not count against the client.
      if (tcp.writableLength > this.maxUnreadBytes) {
        this.dropped.add(tcp);
        onOverflow();
        return true;
      }
      tcp.cork();
      this.corked.add(tcp);
    }
    tcp.write(frame);
    return true;
  }

  flush(): void {
    for (const tcp of this.corked) tcp.uncork();
    this.corked.clear();
    this.dropped.clear();
  }
}

const corkedTransports = new WeakSet<object>();

function corkFlushes(transport: WebSocketTransport): void {
  const tcp = transport.socket?._socket;
  if (transport.name !== 'websocket' || !tcp || corkedTransports.has(transport)) return;
  corkedTransports.add(transport);
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

/** Makes a connection's Engine.IO flushes (acks, snapshots, replays) single writes, also after an upgrade. */
export function batchFramesOf(conn: EngineSocket): void {
  corkFlushes(conn.transport as unknown as WebSocketTransport);
  conn.on('upgrade', (transport: unknown) => corkFlushes(transport as WebSocketTransport));
}
