/** Realistic NodeInfo values for unit tests and the fake hub, spread over a few world cities. */
import type { NodeInfo, NodeLoad } from '@w3ai/protocol'

const PLACES = [
  { city: 'Frankfurt', region: 'eu-central', lat: 50.11, lon: 8.68 },
  { city: 'Virginia', region: 'us-east', lat: 38.9, lon: -77.04 },
  { city: 'Singapore', region: 'ap-southeast', lat: 1.35, lon: 103.82 },
  { city: 'São Paulo', region: 'sa-east', lat: -23.55, lon: -46.63 },
  { city: 'Oregon', region: 'us-west', lat: 45.52, lon: -122.68 },
  { city: 'Tokyo', region: 'ap-northeast', lat: 35.68, lon: 139.69 },
  { city: 'Dublin', region: 'eu-west', lat: 53.35, lon: -6.26 },
  { city: 'Sydney', region: 'ap-southeast', lat: -33.87, lon: 151.21 },
] as const

/** A node id of the protocol's shape (`n_` + 20 hex digits), derived from an index. */
export function nodeId(i: number): string {
  return `n_${i.toString(16).padStart(4, '0')}${'ab12cd34ef56ab78'}`
}

export function makeLoad(overrides: Partial<NodeLoad> = {}): NodeLoad {
  return { cpuPercent: 12, memoryUsedGb: 3.5, runningTasks: 1, diskUsedGb: 40, at: new Date().toISOString(), ...overrides }
}

/** Node number `i`: every third one has a GPU, places cycle through the list above. */
export function makeNode(i: number, overrides: Partial<NodeInfo> = {}): NodeInfo {
  const place = PLACES[i % PLACES.length]!
  const now = new Date().toISOString()
  return {
    id: nodeId(i),
    publicKey: 'A'.repeat(43),
    name: `node-${i}`,
    version: '0.1.0',
    status: 'online',
    region: place.region,
    location: { lat: place.lat, lon: place.lon, region: place.region, city: place.city },
    capabilities: {
      cpuCores: 8,
      memoryGb: 32,
      gpus: i % 3 === 2 ? [{ model: 'RTX 4090', memoryGb: 24 }] : [],
      diskGb: 500,
      executors: ['onnx', 'wasm'],
    },
    endpoint: `http://127.0.0.1:${9000 + i}`,
    load: makeLoad({ cpuPercent: (i * 17) % 100 }),
    registeredAt: now,
    lastSeenAt: now,
    statusChangedAt: now,
    ...overrides,
  }
}
