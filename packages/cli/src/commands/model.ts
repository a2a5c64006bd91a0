/**
 * `w3ai model add FILE.onnx`: checks the file loads in onnxruntime (so a typo or a truncated
 * download fails here, not on a node) and stores it in W3S like `storage put`, printing its CID and
 * the input and output tensors `w3ai job run onnx --input` must name.
 */
import type { Command } from 'commander'
import { StorageClient } from '@w3ai/sdk'
import { STORAGE_DEFAULTS, W3aiError, type ObjectSummary } from '@w3ai/protocol'
import { parseObjectName, parseRedundancy, parseRepair } from '../args.js'
import { accountIdentityOf, hubClientOf, type CommonFlags } from '../context.js'
import { createOut } from '../output.js'
import { transferReporter } from '../transfer-progress.js'
import { withCommon } from './common.js'
import { checkInputFile } from './storage-files.js'
import { redundancyOf } from './storage.js'
import { describeSummary } from './storage-views.js'
import { registerServingCommands } from './serving.js'

/** An input or output of the model; type and shape when onnxruntime knows them (symbolic dims are names). */
export interface ModelValue {
  name: string
  type?: string
  shape?: Array<number | string>
}

export interface ModelSignature {
  inputs: ModelValue[]
  outputs: ModelValue[]
}

interface ValueMetadata {
  name: string
  isTensor: boolean
  type?: unknown
  shape?: ReadonlyArray<number | string>
}

function values(names: readonly string[], metadata: readonly ValueMetadata[] | undefined): ModelValue[] {
  return names.map((name) => {
    const m = metadata?.find((v) => v.name === name)
    if (m === undefined) return { name }
    if (!m.isTensor) return { name, type: 'non-tensor' }
    return { name, ...(typeof m.type === 'string' ? { type: m.type } : {}), ...(m.shape === undefined ? {} : { shape: [...m.shape] }) }
  })
}

/** Loads the model with onnxruntime (loaded on demand: other commands need not pay for it); else CLI_BAD_ARGUMENT. */
export async function inspectOnnx(path: string): Promise<ModelSignature> {
  // onnxruntime's telemetry would leave files in the temporary directory (compute/src/onnx/telemetry.ts).
  process.env.ORT_DISABLE_TELEMETRY ||= '1'
  const ort = await import('onnxruntime-node').catch((err: unknown) => {
    throw new W3aiError('INTERNAL', `onnxruntime-node cannot be loaded on this machine, so the model cannot be checked: ${(err as Error).message}`)
  })
  let session: Awaited<ReturnType<typeof ort.InferenceSession.create>>
  try {
    session = await ort.InferenceSession.create(path, { logSeverityLevel: 3, graphOptimizationLevel: 'disabled' })
  } catch (err) {
    throw new W3aiError('CLI_BAD_ARGUMENT', `${path} is not an ONNX model that onnxruntime can load: ${(err as Error).message}`)
  }
  try {
    const meta = session as unknown as { inputMetadata?: readonly ValueMetadata[]; outputMetadata?: readonly ValueMetadata[] }
    return { inputs: values(session.inputNames, meta.inputMetadata), outputs: values(session.outputNames, meta.outputMetadata) }
  } finally {
    await session.release().catch(() => undefined)
  }
}

function signatureText(label: string, list: ModelValue[]): string {
  const items = list.map((v) => `${v.name}${v.type === undefined ? '' : ` ${v.type}`}${v.shape === undefined ? '' : `[${v.shape.join(',')}]`}`)
  return `${label.padEnd(12)}${items.length === 0 ? '-' : items.join(', ')}`
}

export function registerModelCommands(program: Command): void {
  const model = program.command('model').description('ONNX models stored in W3S: `w3ai job run onnx` jobs, or deployments that serve inference')
  registerServingCommands(model)

  withCommon(model.command('add'))
    .description('check that a file is a loadable ONNX model, then store it in W3S; prints its CID (--json: the object summary with inputs and outputs)')
    .argument('<file>', 'the .onnx file')
    .option('--name <name>', 'a name shown by `storage ls` (stored in clear at the hub; default: none)', parseObjectName)
    .option('--redundancy <k/n>', `any K of N pieces rebuild each segment (default: the hub fits it to the online nodes, ${STORAGE_DEFAULTS.k}/${STORAGE_DEFAULTS.n} with ${STORAGE_DEFAULTS.n} or more)`, parseRedundancy)
    .option('--repair <r>', 'repair a segment when fewer than R pieces are healthy (default: min(N, K+1))', parseRepair)
    .action(async (file: string, flags: CommonFlags & { name?: string; redundancy?: { k: number; n: number }; repair?: number }) => {
      const out = createOut(flags.json === true)
      const redundancy = redundancyOf(flags)
      await checkInputFile(file)
      const signature = await inspectOnnx(file)
      const identity = await accountIdentityOf(flags)
      const client = new StorageClient(await hubClientOf(flags, identity), identity)
      const reporter = transferReporter({ quiet: out.json })
      let summary: ObjectSummary
      try {
        summary = await client.putFile(file, {
          ...(redundancy === undefined ? {} : { redundancy }),
          ...(flags.name === undefined ? {} : { name: flags.name }),
          onProgress: reporter.onProgress,
        })
      } finally {
        reporter.done()
      }
      out.result({ ...summary, ...signature }, () =>
        [`stored model ${summary.cid}`, signatureText('inputs', signature.inputs), signatureText('outputs', signature.outputs), describeSummary(summary)].join('\n'),
      )
    })
}
