/**
 * How many bytes a result occupies, for maxOutputBytes. Results are structured clones (objects,
 * strings, Uint8Arrays), not JSON text, so this walks the value: bytes count as their length,
 * strings as UTF-8, other scalars as 8. The walk stops as soon as the limit is passed so a huge
 * result costs no more than the limit to measure.
 */
export function measureSize(value: unknown, stopAbove = Number.POSITIVE_INFINITY): number {
  let total = 0
  const seen = new Set<object>()
  const stack: unknown[] = [value]
  while (stack.length > 0 && total <= stopAbove) {
    const v = stack.pop()
    if (typeof v === 'string') total += Buffer.byteLength(v)
    else if (ArrayBuffer.isView(v)) total += v.byteLength
    else if (v instanceof ArrayBuffer) total += v.byteLength
    else if (typeof v === 'object' && v !== null) {
      if (seen.has(v)) continue
      seen.add(v)
      if (v instanceof Map) for (const [k, x] of v) stack.push(k, x)
      else if (v instanceof Set) for (const x of v) stack.push(x)
      else for (const [k, x] of Object.entries(v)) stack.push(k, x)
    } else total += 8
  }
  return total
}
