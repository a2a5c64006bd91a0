/**
 * The RDP accountant against published numbers. Tolerances: RDP values to the 1e-4 relative
 * tolerance the reference tests use; published ε values are printed to two decimals, so ours must
 * round to them (|Δ| <= 0.005).
 */
import { describe, expect, it } from 'vitest'
import { epsilonFromRdp, RdpAccountant, RDP_ORDERS, rdpSampledGaussian } from '../src/index.js'

function epsilonAfter(q: number, sigma: number, steps: number, delta: number, orders: readonly number[], conversion: 'tight' | 'classic') {
  return epsilonFromRdp(orders, orders.map((a) => steps * rdpSampledGaussian(q, sigma, a)), delta, conversion)
}

/** log A_α straight from its definition, E_{z~N(0,σ²)}[(1 − q + q·e^((2z−1)/(2σ²)))^α], by the trapezoid rule in log space. */
function logAByIntegration(q: number, sigma: number, alpha: number): number {
  const lo = -40 * sigma
  const hi = 40 * sigma + 2 * alpha
  const n = 400_000
  const h = (hi - lo) / n
  const logs = new Float64Array(n + 1)
  let max = -Infinity
  for (let i = 0; i <= n; i++) {
    const z = lo + i * h
    const logPdf = (-z * z) / (2 * sigma * sigma) - Math.log(sigma * Math.sqrt(2 * Math.PI))
    const x = (2 * z - 1) / (2 * sigma * sigma)
    const inner = x > 0 ? x + Math.log(q + (1 - q) * Math.exp(-x)) : Math.log(1 - q + q * Math.exp(x))
    logs[i] = logPdf + alpha * inner + (i === 0 || i === n ? Math.log(0.5) : 0)
    max = Math.max(max, logs[i] as number)
  }
  let sum = 0
  for (const l of logs) sum += Math.exp(l - max)
  return max + Math.log(sum * h)
}

describe('RDP of the sampled Gaussian mechanism', () => {
  it("matches Google dp_accounting's reference values (q = 0.01, σ = 2.5, 50 steps)", () => {
    // rdp_privacy_accountant_test.py, test_compute_rdp_poisson_sampled_gaussian.
    const expected: Array<[number, number]> = [
      [2.5, 1.0854871e-3],
      [5, 2.18075656e-3],
      [50, 2.38460375e-2],
      [100, 1.67416308e2],
    ]
    for (const [alpha, rdp] of expected) expect(Math.abs(50 * rdpSampledGaussian(0.01, 2.5, alpha) - rdp) / rdp, `order ${alpha}`).toBeLessThan(1e-4)
  })

  it('equals the defining integral at fractional and integer orders', () => {
    for (const [q, sigma, alpha] of [
      [0.01, 2.5, 1.5],
      [0.01, 1.1, 4.7],
      [0.05, 0.8, 2.3],
      [0.2, 3, 7],
      [0.01, 4, 17],
    ] as const) {
      const series = rdpSampledGaussian(q, sigma, alpha) * (alpha - 1)
      expect(Math.abs(series - logAByIntegration(q, sigma, alpha)) / series, `q=${q} σ=${sigma} α=${alpha}`).toBeLessThan(1e-6)
    }
  })

  it('is α/(2σ²) without sampling, 0 with nothing sampled and infinite without noise', () => {
    expect(rdpSampledGaussian(1, 2, 3)).toBeCloseTo(3 / 8, 12)
    expect(rdpSampledGaussian(0, 1, 3)).toBe(0)
    expect(rdpSampledGaussian(0.1, 0, 3)).toBe(Infinity)
  })
})

describe('conversion to (ε, δ)', () => {
  it('gives the hand-computed ε for constant RDP (dp_accounting test_compute_epsilon_delta_pure_dp)', () => {
    const orders = Array.from({ length: 31 }, (_, i) => i + 2)
    const { epsilon, order } = epsilonFromRdp(orders, orders.map(() => 1.1), 1e-5, 'tight')
    expect(epsilon).toBeCloseTo(1.32783806176, 9)
    expect(order).toBe(32)
  })

  it('reproduces Abadi et al. 2016: q = 0.01, σ = 4, 10,000 steps, δ = 1e-5 gives ε ≈ 1.26 (moments accountant)', () => {
    expect(Math.abs(epsilonAfter(0.01, 4, 10_000, 1e-5, RDP_ORDERS, 'classic').epsilon - 1.26)).toBeLessThanOrEqual(0.005)
  })

  it("reproduces Opacus' documented example: q = 0.01, σ = 1, 300 steps, orders 2,5,10,20,100 give ε = 2.39 at α = 5", () => {
    const { epsilon, order } = epsilonAfter(0.01, 1, 300, 1e-5, [2, 5, 10, 20, 100], 'tight')
    expect(Math.abs(epsilon - 2.39)).toBeLessThanOrEqual(0.005)
    expect(order).toBe(5)
  })

  it("reproduces Opacus' MNIST example: 60,000 rows, batch 256, σ = 1.12, 60 epochs, orders 10,20,100 give ε = 2.95 (classic conversion)", () => {
    const steps = 60 * Math.ceil(60_000 / 256)
    expect(Math.abs(epsilonAfter(256 / 60_000, 1.12, steps, 1e-5, [10, 20, 100], 'classic').epsilon - 2.95)).toBeLessThanOrEqual(0.005)
  })

  it('gives ε = 5.63 (tight) and 6.28 (classic) for σ = 1.1, q = 0.01, 10,000 steps, δ = 1e-5, the tight one never larger', () => {
    // Cross-checked above by integration: log A at the optimal order 4.7 matches the series to 1e-6.
    const tight = epsilonAfter(0.01, 1.1, 10_000, 1e-5, RDP_ORDERS, 'tight')
    const classic = epsilonAfter(0.01, 1.1, 10_000, 1e-5, RDP_ORDERS, 'classic')
    expect(tight.epsilon).toBeCloseTo(5.632, 3)
    expect(tight.order).toBe(4.7)
    expect(classic.epsilon).toBeCloseTo(6.279, 3)
    expect(tight.epsilon).toBeLessThan(classic.epsilon)
  })
})

describe('RdpAccountant', () => {
  it('reports ε after each round, growing with every round', () => {
    const accountant = new RdpAccountant({ delta: 1e-5 })
    expect(accountant.spent()).toBe(0)
    let last = 0
    for (let round = 1; round <= 20; round++) {
      accountant.step(0.1, 1.2)
      expect(accountant.spent()).toBeGreaterThan(last)
      last = accountant.spent()
    }
    expect(accountant.steps).toBe(20)
  })

  it('composes by adding RDP: twenty single steps equal one step of twenty', () => {
    const a = new RdpAccountant()
    for (let i = 0; i < 20; i++) a.step(0.1, 1.2)
    const b = new RdpAccountant()
    b.step(0.1, 1.2, 20)
    expect(a.spent()).toBeCloseTo(b.spent(), 10)
  })

  it('answers wouldExceed before the round that would pass targetEpsilon, and projects without recording', () => {
    const accountant = new RdpAccountant({ targetEpsilon: 2, delta: 1e-5 })
    let rounds = 0
    while (!accountant.wouldExceed(0.1, 1.5)) {
      accountant.step(0.1, 1.5)
      rounds++
    }
    expect(accountant.spent()).toBeLessThanOrEqual(2)
    expect(accountant.projected(0.1, 1.5)).toBeGreaterThan(2)
    expect(accountant.steps).toBe(rounds)
    expect(rounds).toBeGreaterThan(10)
    expect(new RdpAccountant().wouldExceed(1, 0.1)).toBe(false)
  })
})
