/**
 * Model parameters on the wire: a list of float32 tensors as their sizes and one base64 string of
 * every value, little-endian, concatenated. Hub, nodes and owners all use these two functions, so
 * a malformed list is refused the same way everywhere (FL_BAD_UPDATE).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { W3aiError, type FlParameters, type FlSealedParameters } from '@w3ai/protocol'

const LITTLE_ENDIAN = new Uint8Array(new Float32Array([1]).buffer)[3] === 0x3f

/** The tensors as bytes (float32 little-endian, concatenated) and their sizes. */
export function parametersToBytes(params: readonly Float32Array[]): { sizes: number[]; bytes: Buffer } {
  const sizes = params.map((t) => t.length)
  const bytes = Buffer.allocUnsafe(sizes.reduce((a, b) => a + b, 0) * 4)
  let at = 0
  for (const t of params) {
    if (LITTLE_ENDIAN) Buffer.from(t.buffer, t.byteOffset, t.byteLength).copy(bytes, at)
    else for (let i = 0; i < t.length; i++) bytes.writeFloatLE(t[i] as number, at + 4 * i)
    at += t.byteLength
  }
  return { sizes, bytes }
}

/** Tensors back from their bytes; FL_BAD_UPDATE when the sizes do not add up to the bytes. */
export function parametersFromBytes(sizes: readonly number[], bytes: Uint8Array): Float32Array[] {
  if (!sizes.every((n) => Number.isSafeInteger(n) && n >= 0)) throw new W3aiError('FL_BAD_UPDATE', 'Tensor sizes must be non-negative integers.')
  const total = sizes.reduce((a, b) => a + b, 0)
  if (bytes.byteLength !== total * 4) throw new W3aiError('FL_BAD_UPDATE', `The parameters hold ${bytes.byteLength} bytes; tensors of sizes [${sizes.join(', ')}] need ${total * 4}.`)
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out: Float32Array[] = []
  let at = 0
  for (const n of sizes) {
    const t = new Float32Array(n)
    if (LITTLE_ENDIAN) view.copy(Buffer.from(t.buffer), 0, at, at + 4 * n)
    else for (let i = 0; i < n; i++) t[i] = view.readFloatLE(at + 4 * i)
    out.push(t)
    at += 4 * n
  }
  return out
}

/** Tensors as the JSON wire form. */
export function encodeParameters(params: readonly Float32Array[]): FlParameters {
  const { sizes, bytes } = parametersToBytes(params)
  return { sizes, data: bytes.toString('base64') }
}

/** Tensors from the JSON wire form; FL_BAD_UPDATE when it is malformed. */
export function decodeParameters(wire: FlParameters): Float32Array[] {
  if (typeof wire?.data !== 'string' || !Array.isArray(wire.sizes)) throw new W3aiError('FL_BAD_UPDATE', 'Parameters must be { sizes, data }.')
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(wire.data)) throw new W3aiError('FL_BAD_UPDATE', 'The parameter data is not base64.')
  return parametersFromBytes(wire.sizes, Buffer.from(wire.data, 'base64'))
}

/** What sealed parameters are bound to: one training and round (a sealed model cannot be replayed into another). */
const sealAad = (trainingId: string, round: number): Buffer => Buffer.from(`w3ai/fl/global/v1\n${trainingId}\n${round}`)

/** Seals parameters with a 32-byte model key (AES-256-GCM), bound to the training and round. */
export function sealParameters(key: Uint8Array, params: readonly Float32Array[], trainingId: string, round: number): FlSealedParameters {
  const { sizes, bytes } = parametersToBytes(params)
  const nonce = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, nonce)
  cipher.setAAD(sealAad(trainingId, round))
  const data = Buffer.concat([cipher.update(bytes), cipher.final(), cipher.getAuthTag()])
  return { sizes, nonce: nonce.toString('base64url'), data: data.toString('base64') }
}

/** Opens sealed parameters; FL_BAD_UPDATE when the key, the training, the round or the bytes do not match. */
export function openParameters(key: Uint8Array, sealed: FlSealedParameters, trainingId: string, round: number): Float32Array[] {
  try {
    const data = Buffer.from(sealed.data, 'base64')
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.nonce, 'base64url'))
    decipher.setAAD(sealAad(trainingId, round))
    decipher.setAuthTag(data.subarray(data.length - 16))
    const bytes = Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()])
    return parametersFromBytes(sealed.sizes, bytes)
  } catch (err) {
    if (err instanceof W3aiError) throw err
    throw new W3aiError('FL_BAD_UPDATE', `The sealed parameters do not open with this model key for round ${round} of ${trainingId}.`)
  }
}
