/** Synthetic registry and task stream for the router benchmark (deterministic from a seed). */
import { EXECUTORS, type Executor } from '@w3ai/protocol'
import { createRandom, type RoutableNode, type TaskRequirements } from '@w3ai/router'

export const REGIONS: ReadonlyArray<readonly [string, number, number]> = [
  ['eu-west', 51.5, -0.1], ['eu-central', 50.1, 8.7], ['eu-north', 59.3, 18.1], ['eu-south', 41.9, 12.5],
  ['us-east', 38.9, -77.0], ['us-central', 41.9, -87.6], ['us-west', 37.4, -122.1], ['ca-central', 45.5, -73.6],
  ['sa-east', -23.5, -46.6], ['sa-west', -33.4, -70.6], ['mx-central', 19.4, -99.1], ['af-south', -26.2, 28.0],
  ['af-north', 30.0, 31.2], ['me-central', 25.2, 55.3], ['ap-south', 19.1, 72.9], ['ap-southeast', 1.35, 103.8],
  ['ap-east', 22.3, 114.2], ['ap-northeast', 35.7, 139.7], ['ap-korea', 37.6, 127.0], ['cn-north', 39.9, 116.4],
  ['au-east', -33.9, 151.2], ['au-west', -31.95, 115.9], ['nz-north', -36.8, 174.8], ['ru-west', 55.8, 37.6],
]

const GPU_MODELS = [['NVIDIA T4', 16], ['NVIDIA L4', 24], ['NVIDIA RTX 4090', 24], ['NVIDIA A100', 80], ['NVIDIA H100', 80], ['NVIDIA RTX 3060', 12]] as const
const MEMORY = [2, 4, 8, 8, 16, 16, 32, 32, 64, 128, 256, 512]

export function makeNodes(count: number, seed: number): RoutableNode[] {
  const rnd = createRandom(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!
  const nodes: RoutableNode[] = []
  for (let i = 0; i < count; i++) {
    const [region, lat, lon] = pick(REGIONS)
    const executors = EXECUTORS.filter((_, k) => k === 0 || k === 2 ? rnd() < 0.85 : rnd() < 0.4)
    if (executors.length === 0) executors.push('wasm')
    const gpuCount = rnd() < 0.15 ? 1 + Math.floor(rnd() * (rnd() < 0.2 ? 8 : 2)) : 0
    const model = pick(GPU_MODELS)
    const memoryGb = pick(MEMORY)
    const cpuCores = pick([2, 4, 4, 8, 8, 16, 32, 64])
    nodes.push({
      id: `n_${i.toString(16).padStart(20, '0')}`,
      status: rnd() < 0.92 ? 'online' : rnd() < 0.5 ? 'suspect' : 'offline',
      location: { lat: lat + (rnd() - 0.5) * 6, lon: lon + (rnd() - 0.5) * 8, region },
      capabilities: { cpuCores, memoryGb, gpus: Array.from({ length: gpuCount }, () => ({ model: model[0], memoryGb: model[1] })), executors },
      load: { cpuPercent: rnd() * 100, runningTasks: Math.floor(rnd() * cpuCores * 1.5), memoryUsedGb: rnd() * memoryGb * 0.7 },
      audit: { score: 0.5 + rnd() * 0.5, passed: 10, failed: 1 },
      ...(rnd() < 0.7 ? { price: 0.2 + rnd() * 2 } : {}),
    })
  }
  return nodes
}

/** A varied stream: mostly small CPU tasks, some GPU, some with data locality, some region-locked. */
export function makeTasks(count: number, seed: number): TaskRequirements[] {
  const rnd = createRandom(seed)
  const tasks: TaskRequirements[] = []
  const executors: Executor[] = ['onnx', 'onnx', 'wasm', 'wasm', 'train', 'he']
  for (let i = 0; i < count; i++) {
    const [, lat, lon] = REGIONS[Math.floor(rnd() * REGIONS.length)]!
    const requester = { lat: lat + (rnd() - 0.5) * 10, lon: lon + (rnd() - 0.5) * 10 }
    const executor = executors[Math.floor(rnd() * executors.length)]!
    const gpu = executor === 'train' ? rnd() < 0.6 : rnd() < 0.08
    const task: TaskRequirements = {
      executor,
      memoryGb: [0.5, 1, 2, 4, 8, 16, 48][Math.floor(rnd() * 7)]!,
      work: 0.5 + rnd() * 10,
      requester: rnd() < 0.85 ? requester : undefined,
      ...(gpu ? { gpus: 1, gpuMemoryGb: [8, 16, 24, 40][Math.floor(rnd() * 4)]! } : {}),
      ...(rnd() < 0.3 ? { dataLocations: Array.from({ length: 3 }, () => { const r = REGIONS[Math.floor(rnd() * REGIONS.length)]!; return { lat: r[1], lon: r[2] } }) } : {}),
      ...(rnd() < 0.1 ? { regions: [REGIONS[Math.floor(rnd() * REGIONS.length)]![0]] } : {}),
      ...(rnd() < 0.2 ? { minReputation: 0.7 } : {}),
      ...(rnd() < 0.1 ? { maxPrice: 1 } : {}),
    }
    tasks.push(task)
  }
  return tasks
}
