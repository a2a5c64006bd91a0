/**
 * `w3ai pipeline collect ID`: the second half of a `w3ai pipeline run --privacy key` submitted
 * without --wait. The SDK's `pipelines.collect` follows the pipeline, stores each segment's sealed
 * result in W3S, opens it with your account key and decodes it here; running it again answers the
 * same outputs. `he` pipelines are refused: their CKKS secret key never left the run's process.
 */
import { W3aiError } from '@w3ai/protocol'
import { keyCodec } from '@w3ai/sdk'
import { unreachableNote, type CommonFlags } from '../context.js'
import { createOut } from '../output.js'
import { pipelineReporter } from './pipeline-progress.js'
import { pipelinesClient, report, PIPELINE_WAIT_TIMEOUT_S } from './pipeline-run.js'

export interface PipelineCollectFlags extends CommonFlags {
  timeout?: number
}

/** Collects and decodes a key pipeline's outputs (progress on stderr); exit 1 unless it succeeded. */
export async function collectPipeline(id: string, flags: PipelineCollectFlags): Promise<void> {
  const out = createOut(flags.json === true)
  const pipelines = await pipelinesClient(flags)
  const found = await pipelines.get(id)
  if (found.privacy === 'he') {
    throw new W3aiError(
      'CLI_BAD_ARGUMENT',
      `Pipeline ${id} runs under --privacy he: its CKKS secret key lived only in the \`w3ai pipeline run --wait\` process that submitted it, so no later command can decrypt its outputs. Run it again with --wait.`,
    )
  }
  const reporter = pipelineReporter({ quiet: out.json })
  let result: Awaited<ReturnType<typeof pipelines.collect>>
  try {
    // Decoding needs no model: the onnx result names its outputs (the first one is read, as run does).
    result = await pipelines.collect(id, keyCodec(), {
      onUpdate: reporter.onUpdate,
      timeoutMs: (flags.timeout ?? PIPELINE_WAIT_TIMEOUT_S) * 1000,
      follow: { onUnreachable: unreachableNote(flags) },
    })
  } finally {
    reporter.done()
  }
  report(out, result.pipeline, result.outputs)
}
