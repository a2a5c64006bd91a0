/** Prometheus metrics of one hub (a registry per hub, so several hubs can share a process in tests). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export interface HubMetrics {
  registry: Registry
  httpRequests: Counter<'method' | 'route' | 'status'>
  httpDuration: Histogram<'method' | 'route'>
  heartbeats: Counter
  registrations: Counter<'kind'>
  authFailures: Counter<'code'>
  heartbeatSockets: Gauge
  eventClients: Gauge
}

/** `nodeCounts` is read on every scrape. */
export function createMetrics(nodeCounts: () => Promise<{ online: number; suspect: number; offline: number }>): HubMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'w3ai_hub_' })
  new Gauge({
    name: 'w3ai_nodes',
    help: 'Registered nodes by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const counts = await nodeCounts()
      this.set({ status: 'online' }, counts.online)
      this.set({ status: 'suspect' }, counts.suspect)
      this.set({ status: 'offline' }, counts.offline)
    },
  })
  return {
    registry,
    httpRequests: new Counter({ name: 'w3ai_http_requests_total', help: 'HTTP requests', labelNames: ['method', 'route', 'status'], registers: [registry] }),
    httpDuration: new Histogram({
      name: 'w3ai_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    heartbeats: new Counter({ name: 'w3ai_heartbeats_total', help: 'Node heartbeats received', registers: [registry] }),
    registrations: new Counter({ name: 'w3ai_registrations_total', help: 'Registrations accepted', labelNames: ['kind'], registers: [registry] }),
    authFailures: new Counter({ name: 'w3ai_auth_failures_total', help: 'Refused signatures by code', labelNames: ['code'], registers: [registry] }),
    heartbeatSockets: new Gauge({ name: 'w3ai_heartbeat_sockets', help: 'Open node heartbeat sockets', registers: [registry] }),
    eventClients: new Gauge({ name: 'w3ai_event_stream_clients', help: 'Open event-stream sockets', registers: [registry] }),
  }
}
