/** The registration of simulated node `i`: spread over four regions, varied capabilities, no real endpoint. */
import type { NodeRegistration } from '@w3ai/protocol'

const REGIONS = [
  ['eu-west', 51.5, -0.1],
  ['us-east', 38.9, -77.0],
  ['ap-northeast', 35.7, 139.7],
  ['sa-east', -23.5, -46.6],
] as const

export function simulatedRegistration(i: number, version: string): NodeRegistration {
  const [region, lat, lon] = REGIONS[i % REGIONS.length]!
  return {
    name: `sim-${i}`,
    version,
    capabilities: { cpuCores: 2 + (i % 15), memoryGb: 4 + (i % 61), gpus: i % 7 === 0 ? [{ model: 'NVIDIA L4', memoryGb: 24 }] : [], diskGb: 50 + (i % 450), executors: ['onnx', 'wasm'] },
    location: { lat: lat + ((i % 100) - 50) / 100, lon: lon + ((i % 37) - 18) / 100, region },
    endpoint: `http://127.0.0.1:${20000 + (i % 40000)}`,
  }
}
