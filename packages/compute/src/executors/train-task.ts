/** The `train` executor for the sandbox: trains from a layer spec, streaming per-epoch metrics. */
import type { SandboxExecutor } from '../sandbox/executor.js'
import { SandboxError } from '../sandbox/errors.js'
import { train } from '../train/trainer.js'
import type { EpochMetrics } from '../train/trainer.js'

export interface TrainTask {
  spec: unknown
  dataset: Uint8Array
  /** Options for a CSV dataset (label column, header); IDX datasets come as two inputs later. */
  csv?: Record<string, unknown>
}

export interface TrainTaskResult {
  history: EpochMetrics[]
  /** The ONNX export, base64. */
  onnx: string
  /** TF.js artifacts: model JSON and weights (base64). */
  tfjs: { modelJson: unknown; weightsBin: string }
  classes?: string[]
  /** The scaling TF.js expects applied to raw features: (x - offset) * scale (the ONNX export has it built in). */
  preprocess: { offset: number[]; scale: number[] }
  samples: { train: number; validation: number }
  backend: string
  durationMs: number
}

export const trainTaskExecutor: SandboxExecutor<TrainTask, TrainTaskResult> = {
  async run(payload, context) {
    if (!(payload?.dataset instanceof Uint8Array) || payload.spec === undefined) {
      throw new SandboxError('COMPUTE_BAD_INPUT', 'A train task needs a layer spec and the dataset bytes.')
    }
    const result = await train({
      spec: payload.spec as never,
      dataset: { format: 'csv', bytes: payload.dataset, ...(payload.csv ?? {}) },
      onEpoch: (m) => context.progress({ kind: 'epoch', ...m }),
    })
    const b64 = (u: Uint8Array): string => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('base64')
    return {
      history: result.history,
      onnx: b64(result.onnx),
      tfjs: { modelJson: result.tfjs.modelJson, weightsBin: b64(result.tfjs.weightsBin) },
      ...(result.classes === undefined ? {} : { classes: result.classes }),
      preprocess: result.preprocess,
      samples: result.samples,
      backend: result.backend,
      durationMs: result.durationMs,
    }
  },
}
