/** base64url helpers (no padding), the encoding of every key and signature on the wire. */
export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')
}

export function fromBase64Url(text: string): Buffer {
  return Buffer.from(text, 'base64url')
}

export function isBase64Url(text: string, bytes: number): boolean {
  return /^[A-Za-z0-9_-]+$/.test(text) && Buffer.from(text, 'base64url').length === bytes && text.length === Math.ceil((bytes * 4) / 3)
}
