/**
 * Differential privacy for federated training: `withDifferentialPrivacy(strategy, dp)` wraps a
 * linear strategy with server- or client-side, fixed or adaptive clipping and Gaussian noise, and
 * accounts ε with an RDP accountant (stopping at `targetEpsilon`), e.g.
 * `withDifferentialPrivacy(createStrategy({ name: 'fedavg' }), { side: 'client', noiseMultiplier: 1, clippingNorm: 0.5, targetEpsilon: 8 })`.
 */
import { badConfig, checkKnownKeys } from '../strategies/options.js'
import type { Strategy } from '../types.js'
import type { AccountantOptions } from './accountant.js'
import type { AdaptiveClippingOptions } from './clipping.js'
import { DpClientAdaptiveClipping } from './client-adaptive-clipping.js'
import { DpClientFixedClipping } from './client-fixed-clipping.js'
import type { NormalSource } from './noise.js'
import { DpServerAdaptiveClipping } from './server-adaptive-clipping.js'
import { DpServerFixedClipping } from './server-fixed-clipping.js'
import type { DpWrapper } from './wrapper.js'

/** The `dp` block of an FL config. */
export interface DpSpec extends AccountantOptions, AdaptiveClippingOptions {
  /** Who clips: the server (sees updates) or each client (works under secure aggregation). Default 'server'. */
  side?: 'server' | 'client'
  /** A fixed norm, or one that follows a quantile of update norms. Default 'fixed'. */
  clipping?: 'fixed' | 'adaptive'
  noiseMultiplier: number
  /** C, for fixed clipping. */
  clippingNorm?: number
  /** C at the first round, for adaptive clipping. */
  initialClippingNorm?: number
  /** Clients per round, for adaptive clipping's default σ_b. */
  numSampledClients?: number
  /** Noise source (tests); not part of a JSON config. */
  normal?: NormalSource
}

const KEYS = ['side', 'clipping', 'noiseMultiplier', 'clippingNorm', 'initialClippingNorm', 'numSampledClients', 'targetClippedQuantile', 'clipNormLr', 'clippedCountStddev', 'delta', 'targetEpsilon', 'orders', 'conversion', 'normal']

/** Wraps `inner` as `spec` says; FL_BAD_CONFIG for unknown fields, bad values or a non-linear inner strategy. */
export function withDifferentialPrivacy(inner: Strategy, spec: DpSpec): DpWrapper {
  checkKnownKeys('dp', spec, KEYS)
  const side = spec.side ?? 'server'
  const clipping = spec.clipping ?? 'fixed'
  if (side !== 'server' && side !== 'client') throw badConfig('dp', `side must be "server" or "client", got ${JSON.stringify(side)}.`, { field: 'side' })
  if (clipping !== 'fixed' && clipping !== 'adaptive') throw badConfig('dp', `clipping must be "fixed" or "adaptive", got ${JSON.stringify(clipping)}.`, { field: 'clipping' })
  if (clipping === 'fixed') {
    const options = { ...spec, clippingNorm: spec.clippingNorm as number }
    return side === 'server' ? new DpServerFixedClipping(inner, options) : new DpClientFixedClipping(inner, options)
  }
  return side === 'server' ? new DpServerAdaptiveClipping(inner, spec) : new DpClientAdaptiveClipping(inner, spec)
}

export { RdpAccountant, DEFAULT_DELTA, type AccountantOptions } from './accountant.js'
export { RDP_ORDERS, rdpSampledGaussian, epsilonFromRdp, type RdpConversion } from './rdp.js'
export { secureNormal, addGaussianNoise, type NormalSource } from './noise.js'
export { CLIPPING_NORM_KEY, NORM_BIT_KEY, clipUpdate, normBit, nextClippingNorm, updateNoiseMultiplier, type AdaptiveClippingOptions } from './clipping.js'
export { DpWrapper, EPSILON_METRIC, type DpOptions } from './wrapper.js'
export { DpServerFixedClipping, type FixedClippingOptions } from './server-fixed-clipping.js'
export { DpServerAdaptiveClipping, DEFAULT_INITIAL_CLIPPING_NORM, type AdaptiveOptions } from './server-adaptive-clipping.js'
export { DpClientFixedClipping } from './client-fixed-clipping.js'
export { DpClientAdaptiveClipping } from './client-adaptive-clipping.js'
