/** The pipelines tab's address: `#pipelines` for the list, `#pipelines/<id>` with one pipeline open. */

const PREFIX = '#pipelines'

/** The pipeline id in `hash`, or null for the bare tab (or another tab). */
export function pipelineIdFromHash(hash: string): string | null {
  if (!hash.startsWith(`${PREFIX}/`)) return null
  const raw = hash.slice(PREFIX.length + 1)
  if (raw === '') return null
  try {
    return decodeURIComponent(raw)
  } catch {
    return raw
  }
}

/** The hash that opens pipeline `id` (or the bare tab for null). */
export function pipelineHash(id: string | null): string {
  return id === null ? PREFIX : `${PREFIX}/${encodeURIComponent(id)}`
}
