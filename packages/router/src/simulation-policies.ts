/**
 * Routing policies for the simulator: three classic baselines and the learned router. All apply
 * the same hard constraints (`eligible`) and exclusions; they differ only in how they pick.
 */
import { seededRandom } from '@w3ai/util'
import { Router } from './router.js'
import { type Policy, type SimTask, type SimView, eligible } from './simulator.js'
import type { RouterOptions } from './types.js'

/** Uniformly random eligible node. */
export function randomPolicy(seed = 11): (view: SimView) => Policy {
  return (view) => {
    const rnd = seededRandom(seed)
    return {
      name: 'random',
      choose(task, exclude) {
        const ok = candidates(view, task, exclude)
        return ok.length === 0 ? -1 : ok[Math.floor(rnd() * ok.length)]!
      },
    }
  }
}

/** Next eligible node after the previous pick, in fleet order. */
export function roundRobinPolicy(): (view: SimView) => Policy {
  return (view) => {
    let next = 0
    return {
      name: 'round-robin',
      choose(task, exclude) {
        const n = view.nodes.length
        for (let k = 0; k < n; k++) {
          const i = (next + k) % n
          if (!exclude.has(i) && eligible(view.nodes[i]!, task)) {
            next = (i + 1) % n
            return i
          }
        }
        return -1
      },
    }
  }
}

/** Eligible node with the fewest assigned tasks per core (ties at random). */
export function leastLoadedPolicy(seed = 13): (view: SimView) => Policy {
  return (view) => {
    const rnd = seededRandom(seed)
    return {
      name: 'least-loaded',
      choose(task, exclude) {
        let best = -1
        let bestLoad = Infinity
        let ties = 0
        for (const i of candidates(view, task, exclude)) {
          const load = view.assigned(i) / view.nodes[i]!.cores
          if (load < bestLoad) {
            best = i
            bestLoad = load
            ties = 1
          } else if (load === bestLoad && rnd() * ++ties < 1) best = i
        }
        return best
      },
    }
  }
}

/**
 * The AI router: `Router.place` over the fleet (load from assigned counts, requester location,
 * exclusions for retries) with `recordOutcome` feedback after every attempt.
 */
export function learnedPolicy(options: RouterOptions = {}, seed = 17): (view: SimView) => Policy {
  return (view) => {
    const router = new Router({ random: seededRandom(seed), now: view.now, ...options })
    const index = new Map<string, number>()
    view.nodes.forEach((n, i) => {
      index.set(n.id, i)
      router.upsert({
        id: n.id,
        status: 'online',
        location: { ...n.location, region: n.region },
        capabilities: { cpuCores: n.cores, memoryGb: n.memoryGb, gpus: [], executors: n.executors },
        load: null,
      })
    })
    const updateLoad = (i: number): void => {
      const n = view.nodes[i]!
      const a = view.assigned(i)
      router.updateLoad(n.id, { cpuPercent: Math.min(100, (100 * a) / n.cores), runningTasks: a })
    }
    return {
      name: 'learned router',
      choose(task: SimTask, exclude) {
        const placement = router.place(
          { executor: task.executor, memoryGb: task.memoryGb, work: task.work, requester: task.requester },
          { exclude: [...exclude].map((i) => view.nodes[i]!.id) },
        )
        return placement === undefined ? -1 : index.get(placement.nodeId)!
      },
      onLoad: updateLoad,
      onOutcome(i, outcome) {
        router.recordOutcome(view.nodes[i]!.id, outcome)
      },
    }
  }
}

function candidates(view: SimView, task: SimTask, exclude: ReadonlySet<number>): number[] {
  const out: number[] = []
  view.nodes.forEach((n, i) => {
    if (!exclude.has(i) && eligible(n, task)) out.push(i)
  })
  return out
}
