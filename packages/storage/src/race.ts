/**
 * "First N of many": runs tasks with bounded concurrency and stops once enough have succeeded,
 * aborting the ones still running. Uploads use it to cut the long tail of slow nodes and
 * downloads to take the fastest k pieces; a failed task just makes room for the next one. With
 * a hedge delay the spares wait until the first `needed` have been slow that long, so a race
 * where every task is quick does no spare work at all.
 */

export interface RaceOptions<T, R> {
  items: readonly T[]
  /** Successes to wait for. */
  needed: number
  /** Most tasks in flight at once. */
  concurrency: number
  run(item: T, signal: AbortSignal): Promise<R>
  /** Called synchronously as a result lands; returning false counts it as a failure. */
  accept?(item: T, result: R): boolean
  /**
   * Spares (tasks beyond `needed`, up to `concurrency`) start only once this many milliseconds
   * pass without `needed` successes; default: at once. Failures are replaced at once either way.
   */
  hedgeAfterMs?: number
  signal?: AbortSignal
}

export interface RaceOutcome<T, R> {
  successes: Array<{ item: T; result: R }>
  failures: Array<{ item: T; error: unknown }>
}

/** Runs `run` over `items` until `needed` succeed or success is out of reach; never rejects unless `signal` aborts. */
export function firstSuccesses<T, R>(options: RaceOptions<T, R>): Promise<RaceOutcome<T, R>> {
  const { items, needed, run, accept, signal } = options
  const concurrency = Math.max(1, options.concurrency)
  // Spare tasks beyond `needed` are started up front only when concurrency allows (long tail),
  // or once the hedge delay passes; otherwise a new task starts only to replace a failed one.
  const spares = Math.max(needed, concurrency)
  let budget = options.hedgeAfterMs === undefined ? spares : needed
  const outcome: RaceOutcome<T, R> = { successes: [], failures: [] }
  const inFlight = new Set<AbortController>()
  let next = 0
  let settled = false
  let hedge: ReturnType<typeof setTimeout> | undefined

  return new Promise((resolve, reject) => {
    const stopAll = (reason: unknown): void => {
      settled = true
      clearTimeout(hedge)
      signal?.removeEventListener('abort', onAbort)
      for (const controller of inFlight) controller.abort(reason)
      inFlight.clear()
    }
    const onAbort = (): void => {
      if (settled) return
      stopAll(signal?.reason)
      reject(signal?.reason)
    }
    const finishIfDone = (): void => {
      if (settled) return
      if (outcome.successes.length >= needed) {
        stopAll(new DOMException('enough tasks succeeded', 'AbortError'))
        resolve(outcome)
      } else if (outcome.successes.length + inFlight.size + (items.length - next) < needed) {
        stopAll(new DOMException('success is out of reach', 'AbortError'))
        resolve(outcome)
      }
    }
    const launch = (): void => {
      while (!settled && inFlight.size < concurrency && next < items.length && outcome.successes.length + inFlight.size < budget) {
        const item = items[next++] as T
        const controller = new AbortController()
        inFlight.add(controller)
        let task: Promise<R>
        try {
          task = run(item, controller.signal)
        } catch (error) {
          task = Promise.reject(error)
        }
        task.then(
          (result) => {
            if (settled || !inFlight.delete(controller)) return
            let ok = false
            try {
              ok = accept === undefined || accept(item, result)
            } catch {
              ok = false
            }
            if (ok) outcome.successes.push({ item, result })
            else outcome.failures.push({ item, error: new Error('result rejected') })
            launch()
            finishIfDone()
          },
          (error: unknown) => {
            if (settled || !inFlight.delete(controller)) return
            outcome.failures.push({ item, error })
            launch()
            finishIfDone()
          },
        )
      }
    }
    if (signal?.aborted === true) return reject(signal.reason)
    signal?.addEventListener('abort', onAbort, { once: true })
    if (needed <= 0) {
      settled = true
      return resolve(outcome)
    }
    launch()
    finishIfDone()
    if (!settled && budget < spares) {
      hedge = setTimeout(() => {
        budget = spares
        launch()
      }, options.hedgeAfterMs)
    }
  })
}
