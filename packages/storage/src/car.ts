/**
 * CAR export: the manifest (root) followed by the ciphertext pieces as raw blocks, so IPFS tools
 * can import, pin or serve an object's encrypted form. Blocks are checked against their CIDs on
 * the way through, so a CAR never carries bytes that do not match their ids.
 */
import { CarWriter } from '@ipld/car/writer'
import { W3aiError } from '@w3ai/protocol'
import { manifestCid as cidOfManifest } from './manifest.js'
import { DAG_JSON_CODEC, parseCid, pieceCid, RAW_CODEC } from './cid.js'

export interface CarBlock {
  cid: string
  bytes: Uint8Array
}

/** Where writeCar sends the archive's bytes; awaited, so it can apply backpressure. */
export type CarSink = (chunk: Uint8Array) => void | Promise<void>

/**
 * Writes a CARv1 whose root is the manifest, followed by `blocks` (pieces). A block or manifest
 * whose bytes do not hash to its CID → W3aiError('STORAGE_PIECE_HASH_MISMATCH').
 */
export async function writeCar(manifestBytes: Uint8Array, manifestCid: string, blocks: AsyncIterable<CarBlock> | Iterable<CarBlock>, sink: CarSink): Promise<void> {
  const root = parseCid(manifestCid, DAG_JSON_CODEC)
  if (cidOfManifest(manifestBytes) !== manifestCid) throw new W3aiError('STORAGE_PIECE_HASH_MISMATCH', 'The manifest bytes do not hash to the manifest CID.')
  const { writer, out } = CarWriter.create([root])
  // The writer only makes progress while `out` is drained, so drain it alongside; if the sink
  // fails, the writer would wait forever, so every write also races the sink's failure.
  let failSink: (error: unknown) => void = () => undefined
  const sinkFailed = new Promise<never>((_, reject) => {
    failSink = reject
  })
  sinkFailed.catch(() => undefined)
  const drained = (async () => {
    for await (const chunk of out) await sink(chunk)
  })()
  drained.catch((error: unknown) => failSink(error))
  try {
    await Promise.race([writer.put({ cid: root, bytes: manifestBytes }), sinkFailed])
    for await (const block of blocks) {
      const cid = parseCid(block.cid, RAW_CODEC)
      if (pieceCid(block.bytes) !== block.cid) throw new W3aiError('STORAGE_PIECE_HASH_MISMATCH', undefined, { cid: block.cid })
      await Promise.race([writer.put({ cid, bytes: block.bytes }), sinkFailed])
    }
  } finally {
    await Promise.race([writer.close(), sinkFailed]).catch(() => undefined)
  }
  await drained
}
