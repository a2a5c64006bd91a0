/**
 * The server-optimizer family of Reddi et al. 2021 ("Adaptive Federated Optimization"): the
 * pseudo-gradient Δ = mean − current drives a first moment m ← β1·m + (1 − β1)·Δ and a second
 * moment v updated by each algorithm's rule; the server steps current + η·m / (√v + τ).
 * Moments live in Float64 between rounds.
 */
import type { Aggregate, Parameters } from '../types.js'
import { COMMON_OPTION_KEYS, LinearStrategy, type StrategyOptions } from './base.js'
import { badCheckpoint, tensorsFromJson, tensorsToJson, type StrategyCheckpoint } from './checkpoint.js'

export interface FedOptOptions extends StrategyOptions {
  /** Server learning rate η > 0. */
  eta?: number
  /** First-moment decay β1 in [0, 1). */
  beta1?: number
  /** Second-moment decay β2 in [0, 1) (Adam and Yogi). */
  beta2?: number
  /** Adaptivity τ > 0 (keeps the step finite where v is 0). */
  tau?: number
}

export const FED_OPT_OPTION_KEYS: readonly string[] = [...COMMON_OPTION_KEYS, 'eta', 'beta1', 'beta2', 'tau']

export interface FedOptDefaults {
  eta: number
  beta1: number
  beta2: number
  tau: number
}

export abstract class FedOpt extends LinearStrategy {
  protected readonly eta: number
  protected readonly beta1: number
  protected readonly beta2: number
  protected readonly tau: number
  private m: Float64Array[] | undefined
  private v: Float64Array[] | undefined
  /** Server steps taken (Adam's bias correction counts them). */
  protected steps = 0

  constructor(name: string, options: FedOptOptions, defaults: FedOptDefaults) {
    super(name, options)
    const r = this.reader(options)
    this.eta = r.number('eta', defaults.eta, { min: 0, aboveMin: true })
    this.beta1 = r.number('beta1', defaults.beta1, { min: 0, max: 1, belowMax: true })
    this.beta2 = r.number('beta2', defaults.beta2, { min: 0, max: 1, belowMax: true })
    this.tau = r.number('tau', defaults.tau, { min: 0, aboveMin: true })
  }

  override checkpoint(): StrategyCheckpoint {
    return { m: tensorsToJson(this.m), v: tensorsToJson(this.v), steps: this.steps }
  }

  override restore(checkpoint: StrategyCheckpoint): void {
    const steps = checkpoint.steps
    if (typeof steps !== 'number' || !Number.isInteger(steps) || steps < 0) throw badCheckpoint(this.name, 'steps must be an integer >= 0')
    this.m = tensorsFromJson(this.name, checkpoint.m)
    this.v = tensorsFromJson(this.name, checkpoint.v)
    this.steps = steps
  }

  /** The new second moment for one coordinate from the old one and Δ². */
  protected abstract secondMoment(v: number, delta2: number): number

  /** The step size this step (Adam corrects for the moments' zero start). */
  protected stepSize(): number {
    return this.eta
  }

  protected fromMean(_round: number, current: Parameters, mean: Parameters): Aggregate {
    const zeros = (): Float64Array[] => current.map((t) => new Float64Array(t.length))
    const m = this.m ?? zeros()
    const v = this.v ?? zeros()
    this.steps++
    const eta = this.stepSize()
    const next = current.map((x, t) => {
      const avg = mean[t] as Float32Array
      const mt = m[t] as Float64Array
      const vt = v[t] as Float64Array
      const out = new Float32Array(x.length)
      for (let i = 0; i < x.length; i++) {
        const delta = (avg[i] as number) - (x[i] as number)
        mt[i] = this.beta1 * (mt[i] as number) + (1 - this.beta1) * delta
        vt[i] = this.secondMoment(vt[i] as number, delta * delta)
        out[i] = (x[i] as number) + (eta * (mt[i] as number)) / (Math.sqrt(vt[i] as number) + this.tau)
      }
      return out
    })
    this.m = m
    this.v = v
    return { parameters: next, metrics: {} }
  }
}
