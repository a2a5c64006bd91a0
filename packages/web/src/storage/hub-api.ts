/**
 * The hub's storage API from the page: signed JSON requests to the page's own origin (the hub
 * serves the dashboard). Only ciphertext metadata crosses: CIDs, sizes, receipts, wrapped keys.
 */
import type { Account, AccountCreate, Manifest, ObjectDetail, ObjectSummary, PiecePlacement, SegmentCommit, SegmentOrdersRequest, Upload, UploadCreate } from '@w3ai/protocol'
import { toBase64Url } from './bytes.js'
import type { BrowserIdentity } from './identity.js'
import { signRequest } from './signed-request.js'
import type { WrappedKey } from './wrap.js'

/** An error answer of the hub, with its stable code. */
export class HubError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message)
  }
}

export class StorageApi {
  constructor(
    private readonly identity: Pick<BrowserIdentity, 'publicKey' | 'signingKey'>,
    /** Where the hub is; the page's own origin by default. */
    private readonly base = '',
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const text = body === undefined ? undefined : JSON.stringify(body)
    const headers: Record<string, string> = { accept: 'application/json', ...(await signRequest(this.identity, method, path, text)) }
    if (text !== undefined) headers['content-type'] = 'application/json'
    const res = await fetch(this.base + path, { method, headers, body: text ?? null })
    const raw = await res.text()
    let parsed: unknown
    try {
      parsed = raw === '' ? undefined : JSON.parse(raw)
    } catch {
      parsed = undefined // a proxy's HTML error page, say: reported by status below
    }
    if (!res.ok || (parsed === undefined && raw !== '')) {
      const e = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error
      throw new HubError(e?.code ?? 'INTERNAL', e?.message ?? `The hub answered ${res.status}.`, res.status)
    }
    return parsed as T
  }

  me(): Promise<Account> {
    return this.request('GET', '/v1/accounts/me')
  }

  /** Registers the signing key's account (as `w3ai account create` does); ACCOUNT_EXISTS when it is. */
  createAccount(body: AccountCreate): Promise<Account> {
    return this.request('POST', '/v1/accounts', body)
  }

  /** The signing key's account at this hub, registered first when the hub does not know it yet. */
  async ensureAccount(encryptionKey: string, name?: string): Promise<{ account: Account; created: boolean }> {
    try {
      return { account: await this.me(), created: false }
    } catch (err) {
      if (!(err instanceof HubError && err.code === 'ACCOUNT_NOT_FOUND')) throw err
    }
    try {
      return { account: await this.createAccount({ encryptionKey, ...(name === undefined ? {} : { name }) }), created: true }
    } catch (err) {
      // Another tab registered it meanwhile.
      if (err instanceof HubError && err.code === 'ACCOUNT_EXISTS') return { account: await this.me(), created: false }
      throw err
    }
  }

  list(): Promise<ObjectSummary[]> {
    return this.request<{ objects: ObjectSummary[] }>('GET', '/v1/storage/objects').then((r) => r.objects)
  }

  detail(cid: string): Promise<ObjectDetail> {
    return this.request('GET', `/v1/storage/objects/${encodeURIComponent(cid)}`)
  }

  createUpload(body: UploadCreate): Promise<Upload> {
    return this.request('POST', '/v1/storage/uploads', body)
  }

  orders(uploadId: string, segment: number, body: SegmentOrdersRequest): Promise<PiecePlacement[]> {
    return this.request<{ placements: PiecePlacement[] }>('POST', `/v1/storage/uploads/${uploadId}/segments/${segment}/orders`, body).then((r) => r.placements)
  }

  commit(uploadId: string, segment: number, body: SegmentCommit): Promise<void> {
    return this.request('POST', `/v1/storage/uploads/${uploadId}/segments/${segment}/commit`, body)
  }

  complete(uploadId: string, manifestBytes: Uint8Array, wrappedKey: WrappedKey): Promise<ObjectSummary> {
    return this.request('POST', `/v1/storage/uploads/${uploadId}/complete`, { manifest: toBase64Url(manifestBytes), wrappedKey })
  }
}

export type { Manifest }
