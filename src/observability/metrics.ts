import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one process. */
export interface Metrics {
  registry: Registry;
  httpRequestDuration: Histogram<'method' | 'route' | 'status'>;
  commandDuration: Histogram<'command' | 'outcome'>;
  commandRetries: Counter<'command'>;
  socketConnections: Gauge;
  pushes: Counter<'type'>;
}

const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'benchline_' });
  return {
    registry,
    httpRequestDuration: new Histogram({
      name: 'benchline_http_request_duration_seconds',
      help: 'HTTP request latency by route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: latencyBuckets,
      registers: [registry],
    }),
    commandDuration: new Histogram({
      name: 'benchline_command_duration_seconds',
      help: 'Command latency (validation, transaction, commit) by command and outcome code',
      labelNames: ['command', 'outcome'],
      buckets: latencyBuckets,
      registers: [registry],
    }),
    commandRetries: new Counter({
      name: 'benchline_command_retries_total',
      help: 'Transactions retried after a serialization failure or deadlock',
      labelNames: ['command'],
      registers: [registry],
    }),
    socketConnections: new Gauge({
      name: 'benchline_socket_connections',
      help: 'Connected Socket.IO clients on this process',
      registers: [registry],
    }),
    pushes: new Counter({
      name: 'benchline_pushes_total',
      help: 'Outbox events pushed to rooms by this process',
      labelNames: ['type'],
      registers: [registry],
    }),
  };
}
