/** Offers a Blob as a file download under `name` (no storage code: the identity card uses it too). */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.rel = 'noopener'
  document.body.append(a)
  a.click()
  a.remove()
  // The browser has taken its own reference once the download started.
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}
