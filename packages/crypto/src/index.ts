/**
 * @w3ai/crypto: identities and signed requests.
 *
 * ```ts
 * const { identity } = await loadOrCreateIdentity(resolveHome(), 'account')
 * const headers = signRequest(identity, 'POST', '/v1/accounts', body)
 * ```
 */
export { toBase64Url, fromBase64Url, isBase64Url } from './encoding.js'
export {
  generateIdentity,
  identityFromFile,
  identityToFile,
  idFromPublicKey,
  publicKeyObject,
  signBytes,
  verifyBytes,
  type Identity,
  type IdentityFile,
  type IdentityKind,
} from './identity.js'
export { bodyDigest, canonicalRequest, signRequest, verifySignedRequest, type SignedHeaders, type SignOptions, type VerifiedRequest } from './signed-request.js'
export { IDENTITY_FILE, loadOrCreateIdentity, readIdentity, readIdentityFile, resolveHome, writeIdentity } from './keystore.js'
export { canonicalJson, signObject, verifyObject } from './signed-object.js'
export { rewrapKey, unwrapKey, wrapKey, WRAP_ALG, x25519PublicKeyObject } from './wrap.js'
export { isSealedResult, openResult, openSealed, SEAL_ALG, sealBytes, sealResult } from './seal.js'
export { combineShares, MAX_SHARES, splitSecret, type SecretShare } from './shamir.js'
export { PRG_SEED_BYTES, prgBytes, prgWords } from './prg.js'
