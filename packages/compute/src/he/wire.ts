/**
 * The binary forms HE data travels in (all little-endian):
 *
 * - batch (HeClient.encryptRows → evaluateHe) and result (evaluateHe → HeClient.decryptOutputs):
 *   magic "W3HB" / "W3HR", version, 3 reserved bytes, a 16-byte parameter hash, the 32-byte key
 *   id, rows and width (u32 each: features of a batch, outputs of a result), then one ciphertext
 *   per column and block of N/2 rows (block-major, column-minor), each after its u32 length.
 * - evaluation keys: "W3HK", version, flags (bit 0: relinearization keys follow), the parameters
 *   as JSON (u16 length), the key id, then the relinearization keys (u32 length, 0 when absent).
 * - secret (HeClient.exportSecret): "W3HS", version, a reserved byte, parameters, key id, then
 *   the secret and public keys (u32 length each). Nothing but its owner ever reads it.
 */
import { heError } from './errors.js'
import { checkHeParams, type HeParams } from './params.js'

const VERSION = 1
export const BATCH_MAGIC = 'W3HB'
export const RESULT_MAGIC = 'W3HR'
const KEYS_MAGIC = 'W3HK'
const SECRET_MAGIC = 'W3HS'
/** Magic, version, reserved, parameter hash (16), key id (32), rows, width. */
export const PACK_HEADER_BYTES = 4 + 4 + 16 + 32 + 4 + 4
const KEY_ID_BYTES = 32

export interface PackHeader {
  paramsHash: Uint8Array
  /** sha256 hex. */
  keyId: string
  rows: number
  /** Features of a batch, outputs of a result. */
  width: number
}

/** Ciphertexts per column: one per block of `slots` rows. */
export function blockCount(rows: number, slots: number): number {
  return Math.ceil(rows / slots)
}

const malformed = (message: string, details?: Record<string, unknown>) => heError('HE_MALFORMED', message, details)
const ascii = (bytes: Uint8Array, at: number) => String.fromCharCode(...bytes.subarray(at, at + 4))

/** Bounds-checked reading; running past the end is HE_MALFORMED naming `what`. */
class Reader {
  at = 0
  readonly view: DataView
  constructor(readonly bytes: Uint8Array, readonly what: string) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }
  need(n: number): void {
    if (this.at + n > this.bytes.byteLength) throw malformed(`The ${this.what} is truncated (${this.bytes.byteLength} bytes).`)
  }
  u8(): number {
    this.need(1)
    return this.bytes[this.at++]!
  }
  u16(): number {
    this.need(2)
    const v = this.view.getUint16(this.at, true)
    this.at += 2
    return v
  }
  u32(): number {
    this.need(4)
    const v = this.view.getUint32(this.at, true)
    this.at += 4
    return v
  }
  take(n: number): Uint8Array {
    this.need(n)
    const v = this.bytes.subarray(this.at, this.at + n)
    this.at += n
    return v
  }
  end(): void {
    if (this.at !== this.bytes.byteLength) throw malformed(`The ${this.what} has ${this.bytes.byteLength - this.at} bytes after its end.`)
  }
}

/** Writes a batch or result: header, then each ciphertext after its length. */
export function writePack(magic: string, header: PackHeader, ciphertexts: readonly Uint8Array[]): Uint8Array {
  const total = PACK_HEADER_BYTES + ciphertexts.reduce((sum, c) => sum + 4 + c.byteLength, 0)
  const out = new Uint8Array(total)
  const view = new DataView(out.buffer)
  out.set(new TextEncoder().encode(magic), 0)
  out[4] = VERSION
  out.set(header.paramsHash, 8)
  out.set(Buffer.from(header.keyId, 'hex'), 24)
  view.setUint32(56, header.rows, true)
  view.setUint32(60, header.width, true)
  let at = PACK_HEADER_BYTES
  for (const c of ciphertexts) {
    view.setUint32(at, c.byteLength, true)
    out.set(c, at + 4)
    at += 4 + c.byteLength
  }
  return out
}

/** Reads a pack's header only (magic and version checked); HE_MALFORMED otherwise. */
export function readPackHeader(bytes: Uint8Array, magic: string, what: string): PackHeader {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength < PACK_HEADER_BYTES || ascii(bytes, 0) !== magic) {
    if (bytes instanceof Uint8Array && bytes.byteLength >= 4 && ascii(bytes, 0) === SECRET_MAGIC) throw noSecret(what)
    throw malformed(`The ${what} is not an HE ${what} (no "${magic}" header).`)
  }
  if (bytes[4] !== VERSION) throw malformed(`The ${what} has format version ${bytes[4]}; this library reads version ${VERSION}.`)
  const r = new Reader(bytes, what)
  r.at = 8
  const paramsHash = r.take(16)
  const keyId = Buffer.from(r.take(KEY_ID_BYTES)).toString('hex')
  const rows = r.u32()
  const width = r.u32()
  if (rows < 1 || width < 1) throw malformed(`The ${what} declares ${rows} rows of ${width} columns; both must be positive.`)
  return { paramsHash, keyId, rows, width }
}

/** The ciphertexts of a pack whose header was read: blocks × width, each a subarray of `bytes`. */
export function readPackCiphertexts(bytes: Uint8Array, header: PackHeader, slots: number, what: string): Uint8Array[] {
  const count = blockCount(header.rows, slots) * header.width
  // Each ciphertext takes at least its length field: refuse a header that promises more before allocating.
  if (PACK_HEADER_BYTES + 4 * count > bytes.byteLength) throw malformed(`The ${what} declares ${count} ciphertexts but has ${bytes.byteLength} bytes.`)
  const r = new Reader(bytes, what)
  r.at = PACK_HEADER_BYTES
  const out: Uint8Array[] = []
  for (let i = 0; i < count; i++) out.push(r.take(r.u32()))
  r.end()
  return out
}

export interface KeysContent {
  params: HeParams
  keyId: string
  /** SEAL's serialized relinearization keys (seeded), when the keys carry them. */
  relinKeys: Uint8Array | undefined
}

const noSecret = (what: string) => heError('HE_NO_SECRET_KEY_HERE', `The ${what} holds a secret key (an exported HeClient secret); never send it: send HeClient.evaluationKeys().`)

function writeParams(params: HeParams): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(params))
}

function readParams(r: Reader): HeParams {
  const text = new TextDecoder().decode(r.take(r.u16()))
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw malformed(`The ${r.what} holds parameters that are not JSON.`)
  }
  return checkHeParams(parsed)
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.byteLength
  }
  return out
}

const u16 = (v: number) => new Uint8Array(new Uint16Array([v]).buffer)
const u32 = (v: number) => new Uint8Array(new Uint32Array([v]).buffer)

export function writeKeys(content: KeysContent): Uint8Array {
  const params = writeParams(content.params)
  const relin = content.relinKeys ?? new Uint8Array()
  const head = new TextEncoder().encode(KEYS_MAGIC)
  return concat([head, new Uint8Array([VERSION, content.relinKeys === undefined ? 0 : 1]), u16(params.byteLength), params, Buffer.from(content.keyId, 'hex'), u32(relin.byteLength), relin])
}

/** Evaluation keys as received from anyone: HE_NO_SECRET_KEY_HERE for an exported secret, HE_MALFORMED for anything else not in the format. */
export function readKeys(bytes: Uint8Array): KeysContent {
  const what = 'evaluation keys'
  if (!(bytes instanceof Uint8Array) || bytes.byteLength < 8) throw malformed('The evaluation keys are not HE evaluation keys (too short).')
  const magic = ascii(bytes, 0)
  if (magic === SECRET_MAGIC) throw noSecret(what)
  if (magic !== KEYS_MAGIC) throw malformed(`The evaluation keys are not HE evaluation keys (no "${KEYS_MAGIC}" header).`)
  const r = new Reader(bytes, what)
  r.at = 4
  if (r.u8() !== VERSION) throw malformed(`The evaluation keys have format version ${bytes[4]}; this library reads version ${VERSION}.`)
  const flags = r.u8()
  const params = readParams(r)
  const keyId = Buffer.from(r.take(KEY_ID_BYTES)).toString('hex')
  const relin = r.take(r.u32())
  r.end()
  if ((flags & 1) !== (relin.byteLength > 0 ? 1 : 0) || (flags & ~1) !== 0) throw malformed('The evaluation keys have inconsistent flags.')
  return { params, keyId, relinKeys: relin.byteLength > 0 ? relin : undefined }
}

export interface SecretContent {
  params: HeParams
  keyId: string
  secretKey: Uint8Array
  publicKey: Uint8Array
}

export function writeSecret(content: SecretContent): Uint8Array {
  const params = writeParams(content.params)
  return concat([
    new TextEncoder().encode(SECRET_MAGIC), new Uint8Array([VERSION, 0]), u16(params.byteLength), params, Buffer.from(content.keyId, 'hex'),
    u32(content.secretKey.byteLength), content.secretKey, u32(content.publicKey.byteLength), content.publicKey,
  ])
}

export function readSecret(bytes: Uint8Array): SecretContent {
  const what = 'HE secret'
  if (!(bytes instanceof Uint8Array) || bytes.byteLength < 8 || ascii(bytes, 0) !== SECRET_MAGIC) throw malformed(`The ${what} is not an exported HeClient secret (no "${SECRET_MAGIC}" header).`)
  const r = new Reader(bytes, what)
  r.at = 4
  if (r.u8() !== VERSION) throw malformed(`The ${what} has format version ${bytes[4]}; this library reads version ${VERSION}.`)
  r.u8()
  const params = readParams(r)
  const keyId = Buffer.from(r.take(KEY_ID_BYTES)).toString('hex')
  const secretKey = r.take(r.u32())
  const publicKey = r.take(r.u32())
  r.end()
  return { params, keyId, secretKey, publicKey }
}


/** What a batch or result says of itself, without reading a ciphertext. */
export interface HeHeader {
  kind: 'batch' | 'result'
  /** The key id it was made under (sha256 hex). */
  keyId: string
  rows: number
  /** Features of a batch, outputs of a result. */
  columns: number
}

/** The header of a batch or result; HE_MALFORMED when `bytes` is neither. */
export function readHeHeader(bytes: Uint8Array): HeHeader {
  const kind = bytes instanceof Uint8Array && bytes.byteLength >= 4 && ascii(bytes, 0) === RESULT_MAGIC ? 'result' : 'batch'
  const { keyId, rows, width } = readPackHeader(bytes, kind === 'result' ? RESULT_MAGIC : BATCH_MAGIC, kind)
  return { kind, keyId, rows, columns: width }
}
