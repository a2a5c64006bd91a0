/** The open pipeline, kept in the address (`#pipelines/<id>`) so it survives reloads and can be linked. */
import { useCallback, useEffect, useState } from 'react'
import { pipelineHash, pipelineIdFromHash } from './hash.js'

export function useSelectedPipeline(): [string | null, (id: string | null) => void] {
  const [selected, setSelected] = useState<string | null>(() => pipelineIdFromHash(window.location.hash))
  useEffect(() => {
    const onHash = (): void => setSelected(pipelineIdFromHash(window.location.hash))
    window.addEventListener('hashchange', onHash)
    return () => window.removeEventListener('hashchange', onHash)
  }, [])
  const select = useCallback((id: string | null) => {
    window.location.hash = pipelineHash(id)
    setSelected(id)
  }, [])
  return [selected, select]
}
