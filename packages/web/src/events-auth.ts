/**
 * The signed subscription to `/v1/events`: the four signed-request values of a `GET /v1/events`
 * (no query, empty body) as query parameters, since a browser WebSocket cannot set headers.
 */
import type { BrowserIdentity } from './storage/identity.js'
import { signRequest, type SignOptions } from './storage/signed-request.js'
import { HEADER_KEY, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIMESTAMP } from './storage/wire.js'

export const EVENTS_PATH = '/v1/events'

export async function signedSubscription(identity: Pick<BrowserIdentity, 'publicKey' | 'signingKey'>, options: SignOptions = {}): Promise<Record<string, string>> {
  const headers = await signRequest(identity, 'GET', EVENTS_PATH, '', options)
  return { key: headers[HEADER_KEY], timestamp: headers[HEADER_TIMESTAMP], nonce: headers[HEADER_NONCE], signature: headers[HEADER_SIGNATURE] }
}
