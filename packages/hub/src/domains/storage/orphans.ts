/**
 * Orphan pieces: bytes a node holds that no record references (uploads abandoned after their
 * pieces were put, nodes that come back after repair moved their pieces elsewhere). The hub reads
 * each node's piece list (`GET /v1/pieces`, signed by the network key) and deletes the pieces
 * that nothing references and that were stored longer ago than a grace period (issue 8 B9).
 */
import { signRequest, type Identity } from '@w3ai/crypto'
import { PIECE_LIST_MAX, W3aiError, type PieceListing } from '@w3ai/protocol'

/** One page of the pieces a node holds. */
export async function listNodePieces(endpoint: string, networkKey: Identity, after: string | null, signal?: AbortSignal): Promise<PieceListing> {
  const path = `/v1/pieces?limit=${PIECE_LIST_MAX}${after === null ? '' : `&after=${after}`}`
  const res = await fetch(new URL(path, endpoint), { headers: signRequest(networkKey, 'GET', path), ...(signal === undefined ? {} : { signal }) })
  const body = (await res.json().catch(() => undefined)) as PieceListing | { error?: { code?: string; message?: string } } | undefined
  if (!res.ok || body === undefined || !('pieces' in body)) {
    const error = body !== undefined && 'error' in body ? body.error : undefined
    throw new W3aiError('INTERNAL', `Listing the pieces of ${endpoint} failed (${res.status} ${error?.code ?? ''}).`)
  }
  return body
}
