/**
 * Model-poisoning clients for robustness experiments: `scale` sends received + factor·(honest
 * update) (a sign-flipped, boosted update for negative factors), `random` sends received plus
 * Gaussian noise of stddev `factor` in place of an update.
 */
import { normal, type Random } from '@w3ai/util'
import type { Parameters, TrainReply } from '../types.js'

export type AttackKind = 'scale' | 'random'

export interface Attack {
  /** Indices of the attacking clients. */
  clients: readonly number[]
  kind: AttackKind
  /** scale: the update multiplier (default −10); random: the noise stddev (default 1). */
  factor?: number
}

export const DEFAULT_SCALE_FACTOR = -10
export const DEFAULT_RANDOM_STDDEV = 1

/** What an attacker sends instead of its `honest` reply to `received`. */
export function poison(attack: Attack, received: Parameters, honest: TrainReply, random: Random): TrainReply {
  const parameters =
    attack.kind === 'scale'
      ? received.map((r, t) => {
          const h = honest.parameters[t] as Float32Array
          const factor = attack.factor ?? DEFAULT_SCALE_FACTOR
          return r.map((v, i) => v + factor * ((h[i] as number) - v))
        })
      : received.map((r) => r.map((v) => v + (attack.factor ?? DEFAULT_RANDOM_STDDEV) * normal(random)))
  return { ...honest, parameters }
}
