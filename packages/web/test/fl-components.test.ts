/** The federated tab's components rendered to markup: what each shows for given props. */
import { createElement, type FunctionComponent } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { PrivacyMeter } from '../src/components/fl/PrivacyMeter.js'
import { RoundCurves } from '../src/components/fl/RoundCurves.js'
import { TopologyView } from '../src/components/fl/TopologyView.js'
import { TrainingDetail } from '../src/components/fl/TrainingDetail.js'
import { TrainingTable } from '../src/components/fl/TrainingTable.js'
import { TurnoutStrip } from '../src/components/fl/TurnoutStrip.js'
import { privacyBudget, roundPoints, turnout } from '../src/fl/rounds.js'
import { makeRound, makeSummary, makeTraining, RING } from './fl-fixtures.js'

const render = <P extends object>(component: FunctionComponent<P>, props: P): string => renderToStaticMarkup(createElement(component, props))
const count = (html: string, pattern: RegExp): number => html.match(new RegExp(pattern, 'g'))?.length ?? 0
const attr = (html: string, testId: string, name: string): string | undefined => html.match(new RegExp(`data-testid="${testId}"[^>]*?${name}="([^"]*)"`))?.[1] ?? html.match(new RegExp(`${name}="([^"]*)"[^>]*?data-testid="${testId}"`))?.[1]

describe('federated components', () => {
  const rounds = [1, 2, 3, 4].map((r) => makeRound(r))

  it('draws accuracy and loss per round, one point group per round, both series, on an axis spanning every round', () => {
    const html = render(RoundCurves, { points: roundPoints(rounds), rounds: 10, live: true })
    expect(attr(html, 'fl-curves', 'data-rounds')).toBe('4')
    expect(count(html, /data-testid="fl-curve-point"/)).toBe(4)
    expect(count(html, /data-series="(loss|acc|valLoss|valAcc)"/)).toBe(4)
    expect(html).toContain('held-out evaluation')
    expect(html).toContain('round 4 · accuracy 54.0%')
    // The x axis runs to the last round to come: round 4 of 10 sits a third of the way along.
    const lossPath = (h: string): string => h.match(/d="([^"]*)" data-series="loss"/)![1]!
    const end = (path: string): number => Number(path.split(' L').at(-1)!.split(' ')[0])
    expect(end(lossPath(html))).toBeLessThan(end(lossPath(render(RoundCurves, { points: roundPoints(rounds), rounds: 4, live: false }))) / 2)
  })

  it('says it waits for the first round when none finished', () => {
    expect(render(RoundCurves, { points: [], rounds: 5, live: true })).toContain('Waiting for the first round')
  })

  it('stacks participants and dropouts per round and outlines a failed round', () => {
    const html = render(TurnoutStrip, {
      turnout: turnout([makeRound(1, { participants: 10, dropouts: 0 }), makeRound(2, { participants: 7, dropouts: 3 }), makeRound(3, { status: 'failed', participants: 1, dropouts: 9, error: { code: 'FL_SECAGG_BELOW_THRESHOLD', message: 'below' } })]),
      rounds: 5,
      clients: 10,
    })
    expect(count(html, /data-testid="fl-round-bar"/)).toBe(3)
    expect(html).toMatch(/data-round="2" data-participants="7" data-dropouts="3" data-failed="false"/)
    expect(html).toMatch(/class="fl-bar fl-bar-failed"[^>]*data-round="3"/)
    expect(html).toContain('FL_SECAGG_BELOW_THRESHOLD: below')
    expect(html).toContain('12 dropouts in 3 rounds')
  })

  it('meters ε spent against the target, warm near the end and spent when training stopped on it', () => {
    const config = { model: {}, datasets: ['d'], rounds: 10, dp: { targetEpsilon: 4 } }
    const half = render(PrivacyMeter, { budget: privacyBudget(makeTraining(1, { config, rounds: [makeRound(1, { epsilon: 2 })] }))! })
    expect(half).toContain('ε 2.00 of 4.00 spent · 50%')
    expect(half).toMatch(/role="meter"[^>]*aria-valuemax="4"[^>]*aria-valuenow="2"/)
    expect(attr(half, 'fl-privacy', 'data-tone')).toBe('ok')
    const near = render(PrivacyMeter, { budget: privacyBudget(makeTraining(1, { config, rounds: [makeRound(1, { epsilon: 3.5 })] }))! })
    expect(attr(near, 'fl-privacy', 'data-tone')).toBe('warn')
    const spent = render(PrivacyMeter, { budget: privacyBudget(makeTraining(1, { config, rounds: [makeRound(1, { epsilon: 3.9 })], status: 'failed', error: { code: 'FL_PRIVACY_BUDGET_SPENT', message: 'x' } }))! })
    expect(attr(spent, 'fl-privacy', 'data-tone')).toBe('spent')
    expect(spent).toContain('data-testid="fl-privacy-exhausted"')
  })

  it('shows the topology of the chosen round: strong edges solid, weak dashed, isolated silos marked, with a round slider', () => {
    const whole = render(TopologyView, { topology: RING, rounds: 12, latestRound: 1 })
    expect(whole).toMatch(/data-testid="fl-topology" data-round="1" data-state="0" data-strong="3" data-weak="0" data-isolated="0"/)
    const html = render(TopologyView, { topology: RING, rounds: 12, latestRound: 2, names: new Map([['A', 'berlin']]) })
    expect(html).toMatch(/data-round="2" data-state="1" data-strong="1" data-weak="2" data-isolated="2"/)
    expect(count(html, /class="fl-edge fl-edge-strong"/)).toBe(1)
    expect(count(html, /class="fl-edge fl-edge-weak"/)).toBe(2)
    expect(html).toMatch(/class="fl-silo fl-silo-isolated" data-testid="fl-silo" data-label="A"/)
    expect(html).toContain('1 strong · 2 weak · 2 isolated: berlin, C')
    expect(html).toMatch(/<input type="range" min="1" max="12" step="1"[^>]*value="2"/)
    expect(render(TopologyView, { topology: RING, rounds: 12, latestRound: 2, initialRound: 7 })).toContain('data-round="7" data-state="0"')
  })

  it('lists trainings from their summaries with setup, status, progress and latest accuracy, and says how to start one when there are none', () => {
    const props = { error: null, selected: null, onSelect: () => undefined, onRefresh: () => undefined, hasMore: false, loadingMore: false, onMore: () => undefined }
    const listed = [makeSummary(2, { name: 'digits', round: 4, accuracy: 0.54, loss: 0.25, strategy: 'krum', secure: 'secagg+', dp: true }), makeSummary(1, { status: 'succeeded', clientCount: 7 })]
    const html = render(TrainingTable, { ...props, trainings: listed })
    expect(count(html, /data-testid="fl-row"/)).toBe(2)
    expect(html).toMatch(/data-training-id="fl_0{23}2" data-status="running" data-round="4"/)
    expect(html).toContain('4 / 10')
    expect(html).toContain('54.0%')
    expect(html).toContain('krum · secagg+ · central · dp')
    expect(html).toContain('<td class="num">7</td>')
    expect(render(TrainingTable, { ...props, trainings: [] })).toContain('w3ai fl run --config FILE.json')
  })

  it('shows one training with stop while running, resume once stopped, its rounds and no budget without dp', () => {
    const props = { nodes: new Map(), onAction: () => undefined, acting: null, actionError: null }
    const running = render(TrainingDetail, { ...props, training: makeTraining(1, { rounds }) })
    expect(running).toContain('data-testid="fl-stop"')
    expect(running).not.toContain('data-testid="fl-resume"')
    expect(running).not.toContain('data-testid="fl-privacy"')
    expect(running).not.toContain('data-testid="fl-topology"')
    expect(count(running, /data-testid="fl-round-row"/)).toBe(4)
    const stopped = render(TrainingDetail, { ...props, training: makeTraining(1, { status: 'stopped', rounds }), actionError: 'The training is not in a state that allows this.' })
    expect(stopped).toContain('data-testid="fl-resume"')
    expect(stopped).toContain('data-testid="fl-action-error"')
    const decentralized = render(TrainingDetail, { ...props, training: { ...makeTraining(1, { rounds, config: { model: {}, datasets: ['d'], rounds: 10, mode: 'decentralized' } }), topology: RING } as never })
    expect(decentralized).toContain('data-testid="fl-topology"')
  })
})
