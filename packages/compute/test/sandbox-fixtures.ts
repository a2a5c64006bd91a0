/**
 * Executors for the sandbox tests, imported by the sandbox child (never by the test process).
 * Each one misbehaves in one specific way the parent must survive.
 */
import { W3aiError } from '@w3ai/protocol'
import { SandboxError } from '../src/sandbox/errors.js'
import type { SandboxExecutor } from '../src/sandbox/executor.js'

const forever = (): Promise<never> =>
  new Promise(() => {
    // The interval keeps the child's event loop alive, as real long work would.
    setInterval(() => undefined, 1_000)
  })

export const echo: SandboxExecutor = { run: (payload) => payload }

export const training: SandboxExecutor<{ epochs: number }> = {
  async run({ epochs }, context) {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      context.progress({ epoch, loss: 1 / epoch })
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    context.progress({ huge: 'x'.repeat(200_000) })
    return { epochs }
  },
}

export const exitsEarly: SandboxExecutor = {
  run: () => process.exit(1),
}

export const throwsUncaught: SandboxExecutor = {
  run() {
    setTimeout(() => {
      throw new Error('boom outside the task promise')
    }, 10)
    return forever()
  },
}

export const fails: SandboxExecutor = {
  run() {
    throw new Error('input has the wrong shape')
  },
}

export const failsWithCode: SandboxExecutor = {
  run() {
    throw new SandboxError('COMPUTE_BAD_INPUT', 'epochs must be positive', { field: 'epochs' })
  },
}

/** A W3aiError with a COMPUTE_* code, as the onnx and train executors throw. */
export const failsLikeW3aiError: SandboxExecutor = {
  run() {
    throw new W3aiError('COMPUTE_BAD_INPUT', 'dataset rows differ in length', { row: 3 })
  },
}

export const bigResult: SandboxExecutor<{ bytes: number }> = {
  run: ({ bytes }) => new Uint8Array(bytes),
}

export const uncloneable: SandboxExecutor = {
  run: () => ({ callback: () => 1 }),
}

/** Off-heap memory (Buffers), which --max-old-space-size does not bound: only the RSS watchdog does. */
export const allocatesBuffers: SandboxExecutor = {
  run() {
    const kept: Buffer[] = []
    for (;;) {
      kept.push(Buffer.alloc(4 * 1024 * 1024, 1))
      const until = Date.now() + 2
      while (Date.now() < until);
    }
  },
}

/** On-heap growth until V8 gives up (or the RSS watchdog stops it first). */
export const fillsHeap: SandboxExecutor = {
  run() {
    const kept: number[][] = []
    for (;;) kept.push(Array.from({ length: 100_000 }, (_, i) => i + kept.length))
  },
}

export const sleeps: SandboxExecutor = { run: forever }

export const busyLoop: SandboxExecutor = {
  run() {
    for (;;);
  },
}

export const readsEnv: SandboxExecutor = {
  run: () => Object.keys(process.env).sort(),
}
