/**
 * The storage tab: load an identity, upload files, browse and download objects, and inspect where
 * an object's pieces live. All crypto and erasure coding run here in the page. The object list
 * is read a page at a time ("Load more"); a refresh re-reads as many objects as are loaded.
 */
import { useCallback, useEffect, useMemo, useState } from 'react'
import type { NodeInfo, ObjectSummary } from '@w3ai/protocol'
import { useHubData } from '../../hooks/use-hub-data.js'
import { useIdentity } from '../../hooks/use-identity.js'
import { usePagedList } from '../../hooks/use-paged-list.js'
import { useTransfer } from '../../hooks/use-transfer.js'
import { hubPages } from '../../paging.js'
import { downloadObject, saveBlob } from '../../storage/download.js'
import { LoadMore } from '../LoadMore.js'
import { IdentityCard } from './IdentityCard.js'
import { ObjectDetail } from './ObjectDetail.js'
import { ObjectTable } from './ObjectTable.js'
import { UploadCard } from './UploadCard.js'

const REFRESH_MS = 15_000
const objectKey = (o: ObjectSummary): string => o.cid

interface StoragePageProps {
  nodes: ReadonlyMap<string, NodeInfo>
  hubId: string | null
}

export default function StoragePage({ nodes, hubId }: StoragePageProps) {
  const { identity, api } = useIdentity()
  const [version, setVersion] = useState(0)
  const [selected, setSelected] = useState<string | null>(null)
  const [download, runDownload] = useTransfer()
  const refresh = useCallback(() => setVersion((v) => v + 1), [])
  // Piece health changes as nodes come and go, and other clients add objects: re-read now and then.
  useEffect(() => {
    if (api === null) return
    const timer = setInterval(refresh, REFRESH_MS)
    return () => clearInterval(timer)
  }, [api, refresh])

  const objectPages = useMemo(() => (api === null ? null : hubPages<ObjectSummary>(api, '/v1/storage/objects', 'objects')), [api])
  const objects = usePagedList(objectPages, objectKey, version)
  const loadDetail = useCallback(() => (api as NonNullable<typeof api>).detail(selected as string), [api, selected])
  const detail = useHubData(api === null || selected === null ? null : loadDetail, version)

  const onDownload = (object: ObjectSummary): void => {
    if (api === null || identity === null) return
    const name = object.name ?? `${object.cid}.bin`
    void runDownload(
      name,
      async (onProgress) => {
        const result = await downloadObject(api, identity, object.cid, { onProgress })
        saveBlob(result.blob, name)
        return result
      },
      ({ skipped }) => (skipped === 0 ? null : `${skipped} piece${skipped === 1 ? '' : 's'} could not be read or failed verification and ${skipped === 1 ? 'was' : 'were'} replaced by others.`),
    )
  }

  return (
    <div className="storage">
      <div className="storage-top">
        <IdentityCard />
        {api !== null && identity !== null && <UploadCard api={api} identity={identity} onUploaded={refresh} />}
      </div>
      {identity !== null && (
        <ObjectTable objects={objects.items} error={objects.error} me={identity.id} selected={selected} onSelect={setSelected} onDownload={onDownload} onRefresh={refresh} download={download} />
      )}
      {identity !== null && (
        <LoadMore loaded={objects.items?.length ?? 0} hasMore={objects.nextCursor !== null} loading={objects.loading === 'more'} onMore={objects.more} noun="objects" testId="objects-more" />
      )}
      {identity !== null && selected !== null && detail.data?.object.cid === selected && <ObjectDetail detail={detail.data} nodes={nodes} hubId={hubId} />}
      {identity !== null && selected !== null && detail.error !== null && <p className="error">{detail.error}</p>}
    </div>
  )
}
