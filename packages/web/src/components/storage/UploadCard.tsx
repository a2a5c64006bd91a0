/** Picks a file and uploads it: encrypted and erasure-coded in the page, pieces sent to the nodes. */
import { useState, type ChangeEvent } from 'react'
import { useTransfer } from '../../hooks/use-transfer.js'
import type { StorageApi } from '../../storage/hub-api.js'
import type { BrowserIdentity } from '../../storage/identity.js'
import { uploadFile } from '../../storage/upload.js'
import { TransferBar } from './TransferBar.js'

const MiB = 1024 * 1024
/** Segment sizes offered; the hub's default (8 MiB) first. Smaller segments show progress sooner. */
const SEGMENT_SIZES = [8 * MiB, 4 * MiB, 1 * MiB, 256 * 1024]

interface UploadCardProps {
  api: StorageApi
  identity: BrowserIdentity
  onUploaded: () => void
}

export function UploadCard({ api, identity, onUploaded }: UploadCardProps) {
  const [transfer, run] = useTransfer()
  const [segmentSize, setSegmentSize] = useState(SEGMENT_SIZES[0] as number)
  const busy = transfer.phase === 'running'
  const onFile = async (event: ChangeEvent<HTMLInputElement>): Promise<void> => {
    const file = event.target.files?.[0]
    event.target.value = ''
    if (file === undefined) return
    const stored = await run(file.name, (onProgress) => uploadFile(api, identity, file, { name: file.name, segmentSize, onProgress }))
    if (stored !== undefined) onUploaded()
  }
  return (
    <section className="card upload-card">
      <header className="card-head">
        <h2>Upload</h2>
        <label className="filters">
          Segment size
          <select data-testid="segment-size" value={segmentSize} onChange={(e) => setSegmentSize(Number(e.target.value))} disabled={busy}>
            {SEGMENT_SIZES.map((s) => (
              <option key={s} value={s}>
                {s >= MiB ? `${s / MiB} MiB` : `${s / 1024} KiB`}
              </option>
            ))}
          </select>
        </label>
      </header>
      <div className="card-body">
        <label className={`file-pick${busy ? ' disabled' : ''}`}>
          <span>{busy ? 'Uploading…' : 'Choose a file…'}</span>
          <input type="file" data-testid="upload-file" disabled={busy} onChange={(e) => void onFile(e)} />
        </label>
        <TransferBar state={transfer} testId="upload-progress" verb="Uploading" />
      </div>
    </section>
  )
}
