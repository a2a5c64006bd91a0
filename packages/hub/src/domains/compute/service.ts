/**
 * Jobs: submission (inputs and params checked, nodes chosen, keys wrapped by the owner to those nodes only),
 * claims by nodes (with what they need to fetch and open the inputs), results with verification
 * across replicas and spot checks, and the upkeep loop (expired leases, stragglers).
 */
import { randomBytes } from 'node:crypto'
import { builtinExecutors, type ExecutorDescriptors } from '@w3ai/compute/executors'
import { isSealedResult, type Identity } from '@w3ai/crypto'
import { resourceClassOf } from '@w3ai/ledger'
import { MAX_TASK_RESULT_BYTES, W3aiError, type ClaimedTask, type Job, type JobCandidates, type JobKeys, type JobList, type JobSubmit, type WrappedKey } from '@w3ai/protocol'
import type { PageRequest } from '../../infra/paging.js'
import type { ObjectStore } from '../storage/object-store.js'
import type { JobBilling, JobOutcome } from './billing.js'
import { jobView, type JobRow, type JobStore } from './store.js'
import type { TaskQueue } from './queue.js'
import { taskInput } from './inputs.js'
import { chooseNodes, type HubRouter } from './routing.js'
import { checkSealTo, validateJob } from './validate.js'
import { distinctResults, resultDigest, verdict } from './verify.js'

export interface JobServiceComponents {
  queue: TaskQueue
  jobs: JobStore
  objects: ObjectStore
  networkKey: Identity
  /** Share of unverified jobs that get a hidden second replica (0..1). */
  spotCheckRate: number
  /**
   * Tie-breaker replicas allowed beyond the requested verification; a verification still without
   * a majority after them (or with no other node to run one) fails with COMPUTE_VERIFICATION_FAILED.
   */
  maxTieBreakers: number
  /** Leased longer than this → a speculative copy elsewhere. */
  stragglerAfterMs: number
  /** A task its assigned node has not claimed after this long may go to any keyed node. */
  assignmentTimeoutMs: number
  /** A job whose keyed nodes are all offline fails after waiting this long. */
  strandedFailAfterMs: number
  upkeepIntervalMs: number
  /** Places jobs on nodes (learned model, load, reputation); the nodes table is the fallback. */
  router?: HubRouter
  /** Announces that a job changed (the dashboard refetches it). */
  announce: (jobId: string) => void
  /** Tells the nodes a job's tasks were assigned to that they may claim them (those connected to this hub claim now; the others poll). */
  nudge?: (nodeIds: readonly string[]) => void
  random?: () => number
  onError: (err: unknown) => void
  /** The executors jobs may use: validation, placement needs and result comparison (default: the built-in ones). */
  executors?: ExecutorDescriptors
  /** Told of each node whose result a verification majority outvoted (the staking domain slashes it). */
  onWrongResult?: (jobId: string, nodeId: string) => Promise<unknown>
  /** Escrow at submission and settlement when jobs finish (billing on); absent: jobs are free. */
  billing?: JobBilling
  /** A finished job still unsettled after this long is settled by the upkeep (a hub stopped between the two). */
  billingGraceMs?: number
  /** Compute-only purchases (the market domain): the right an order gives, and its completion. */
  market?: ComputeGrants
}

/** What the compute domain asks of the market: a compute-only order's right to run a job on its data, and its completion. */
export interface ComputeGrants {
  /** The order's buyer, seller and data; MARKET_ORDER_NOT_FOUND or MARKET_INVALID_STATE when it grants nothing now. */
  computeGrant(orderId: string): Promise<{ buyer: string; seller: string; cid: string }>
  /** The buyer's job on the order succeeded: the order is fulfilled and the seller paid. */
  completeCompute(orderId: string): Promise<unknown>
}

/** A key request a provider answers: a buyer's job on its data awaits the data key wrapped to these nodes. */
export interface KeyRequest {
  jobId: string
  orderId: string
  executor: string
  cid: string
  replicas: number
  candidates: Array<{ nodeId: string; encryptionKey: string }>
}


export class JobService {
  private timer: NodeJS.Timeout | undefined
  private busy = false
  private readonly random: () => number
  private readonly executors: ExecutorDescriptors

  constructor(private readonly c: JobServiceComponents) {
    this.random = c.random ?? Math.random
    this.executors = c.executors ?? builtinExecutors()
  }

  start(): void {
    this.timer = setInterval(() => void this.upkeep(), this.c.upkeepIntervalMs)
    this.timer.unref()
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer)
    while (this.busy) await new Promise((r) => setTimeout(r, 20))
  }

  async upkeep(): Promise<void> {
    if (this.busy) return
    this.busy = true
    try {
      const changed = [
        ...(await this.c.queue.expire()),
        ...(await this.c.queue.speculate(this.c.stragglerAfterMs)),
        ...(await this.c.queue.releaseAssignments(this.c.assignmentTimeoutMs)),
        ...(await this.c.queue.unstrand(this.c.assignmentTimeoutMs, this.c.strandedFailAfterMs)),
      ]
      // Jobs whose replicas are all in but undecided for a while (a hub stopped mid-verification).
      for (const jobId of await this.c.jobs.unverified(this.c.billingGraceMs ?? 10_000)) {
        await this.verify(jobId)
        changed.push(jobId)
      }
      for (const jobId of new Set(changed)) this.c.announce(jobId)
      if (this.c.billing !== undefined) {
        for (const jobId of new Set(changed)) await this.settleFinished(jobId, false)
        for (const jobId of await this.c.billing.unsettled(this.c.billingGraceMs ?? 10_000)) await this.settleFinished(jobId, true)
      }
    } catch (err) {
      this.c.onError(err)
    } finally {
      this.busy = false
    }
  }

  async submit(owner: string, body: JobSubmit): Promise<JobCandidates | Job> {
    const cids = [...new Set(Object.values(body.inputs))]
    const grant = body.order === undefined ? undefined : await this.grantFor(owner, body, cids)
    // The purchased data is the seller's: the buyer never reads it, its key comes from the seller.
    for (const cid of cids) if (cid !== grant?.cid) await this.c.objects.readableBy(cid, owner, 'Input')
    validateJob(body, this.executors)
    if (body.sealTo !== undefined) checkSealTo(body, await this.c.jobs.accountEncryptionKey(owner))
    const verify = body.verify ?? 1
    // No spot check for a sealed job: its results cannot be compared.
    const replicas = verify === 1 && body.sealTo === undefined && this.random() < this.c.spotCheckRate ? 2 : verify
    const needs = this.executors.get(body.executor).resources((body.params ?? {}) as Record<string, unknown>)
    const candidates = await chooseNodes(this.c.router, this.c.jobs, body.executor, replicas + this.c.maxTieBreakers, needs)
    if (candidates.length < replicas) {
      throw new W3aiError('COMPUTE_NOT_ENOUGH_NODES', `${replicas} replica(s) of a ${body.executor} job need as many online nodes running it; ${candidates.length} are available.`)
    }
    const id = `j_${randomBytes(12).toString('hex')}`
    const awaiting = cids.length > 0
    // Paid before it exists: an owner who cannot pay leaves no job behind.
    const billing = this.c.billing
    if (billing !== undefined) await billing.escrow(owner, id, await billing.quote(resourceClassOf(needs), candidates.map((n) => n.nodeId), replicas))
    await this.c.queue.enqueue({
      id,
      owner,
      executor: body.executor,
      spec: body.params ?? null,
      inputs: body.inputs,
      tolerance: body.tolerance ?? 0,
      priority: body.priority ?? 0,
      replicas,
      maxAttempts: body.maxAttempts ?? 3,
      status: awaiting ? 'awaiting-keys' : 'queued',
      assignments: candidates.slice(0, replicas).map((n) => n.nodeId),
      candidates: candidates.map((n) => ({ nodeId: n.nodeId, encryptionKey: n.encryptionKey })),
      ...(body.sealTo === undefined ? {} : { sealTo: body.sealTo }),
      ...(grant === undefined ? {} : { grant: { orderId: body.order!, provider: grant.seller, providedCid: grant.cid } }),
    }).catch(async (err: unknown) => {
      await this.bill(id, { status: 'cancelled' })
      throw err
    })
    this.c.announce(id)
    if (awaiting) return { jobId: id, status: 'awaiting-keys', inputs: cids, candidates }
    // The assigned nodes claim at once; the others may take a task only once its assignment lapses.
    this.c.nudge?.(candidates.slice(0, replicas).map((n) => n.nodeId))
    return this.view(owner, id)
  }

  /** A compute-only order's right for this submission: the owner's, naming its data as an input, sealed to the owner. */
  private async grantFor(owner: string, body: JobSubmit, cids: readonly string[]): Promise<{ seller: string; cid: string }> {
    if (this.c.market === undefined) throw new W3aiError('MARKET_ORDER_NOT_FOUND', `No order ${body.order}.`)
    const grant = await this.c.market.computeGrant(body.order!)
    if (grant.buyer !== owner) throw new W3aiError('MARKET_ORDER_NOT_FOUND', `No order ${body.order}.`)
    if (!cids.includes(grant.cid)) throw new W3aiError('VALIDATION_FAILED', `A job on order ${body.order} must read its data (${grant.cid}) as an input.`, { cid: grant.cid })
    if (body.sealTo === undefined) throw new W3aiError('VALIDATION_FAILED', `A job on order ${body.order} must seal its result to you (sealTo): only the result leaves the data.`)
    return grant
  }

  /** Jobs of buyers awaiting the key of data the provider sold compute on, with the nodes to wrap it to. */
  async keyRequests(provider: string): Promise<KeyRequest[]> {
    const jobs = await this.c.jobs.awaitingProvider(provider)
    return jobs.map((j) => ({ jobId: j.id, orderId: j.grant!.orderId, executor: j.executor, cid: j.grant!.providedCid, replicas: j.replicas, candidates: j.candidates ?? [] }))
  }

  /**
   * Wrapped input keys: each replica goes to a node that holds a key for every input. The owner
   * sends them all at once; on a compute-only purchase the owner wraps its own inputs and the
   * seller (the provider) the data's, in either order, and the job starts once both have.
   */
  async provideKeys(caller: string, jobId: string, body: JobKeys): Promise<Job> {
    const job = await this.c.jobs.get(jobId)
    const asOwner = job?.owner === caller
    const asProvider = job?.grant?.provider === caller
    if (job === undefined || (!asOwner && !asProvider)) throw new W3aiError('JOB_NOT_FOUND')
    if (job.status !== 'awaiting-keys') throw new W3aiError('JOB_INVALID_STATE', `Job ${jobId} is ${job.status}, not waiting for keys.`)
    const cids = new Set(Object.values(job.inputs))
    for (const k of body.keys) {
      if (!cids.has(k.cid)) throw new W3aiError('JOB_KEYS_INCOMPLETE', `${k.cid} is not an input of this job.`)
      const provided = job.grant?.providedCid === k.cid
      if (provided ? !asProvider : !asOwner) throw new W3aiError('STORAGE_ACCESS_DENIED', `The key of ${k.cid} for this job is ${provided ? "the data seller's" : "the job owner's"} to wrap.`, { cid: k.cid })
    }
    if (job.grant !== null) {
      const keyed = new Set(await this.c.queue.addKeys(jobId, body.keys))
      const order = (job.candidates ?? []).map((n) => n.nodeId)
      const ready = [...keyed].sort((a, b) => rank(order, a) - rank(order, b))
      if (ready.length >= job.replicas && (await this.c.queue.activate(jobId, [], ready.slice(0, job.replicas)))) this.c.nudge?.(ready.slice(0, job.replicas))
      this.c.announce(jobId)
      return this.jobView(jobId)
    }
    const byNode = new Map<string, Set<string>>()
    for (const k of body.keys) {
      const set = byNode.get(k.nodeId) ?? new Set<string>()
      set.add(k.cid)
      byNode.set(k.nodeId, set)
    }
    const ready = [...byNode].filter(([, set]) => set.size === cids.size).map(([nodeId]) => nodeId)
    if (ready.length < job.replicas) {
      throw new W3aiError('JOB_KEYS_INCOMPLETE', `Keys for every input reached ${ready.length} node(s); the job needs ${job.replicas}.`)
    }
    if (await this.c.queue.activate(jobId, body.keys, ready.slice(0, job.replicas))) this.c.nudge?.(ready.slice(0, job.replicas))
    this.c.announce(jobId)
    return this.jobView(jobId)
  }

  async view(owner: string, jobId: string): Promise<Job> {
    const job = await this.c.jobs.get(jobId)
    if (job === undefined || job.owner !== owner) throw new W3aiError('JOB_NOT_FOUND')
    return this.jobView(jobId)
  }

  private async jobView(jobId: string): Promise<Job> {
    const job = await this.c.jobs.get(jobId)
    if (job === undefined) throw new W3aiError('JOB_NOT_FOUND')
    const history = (await this.c.queue.history(jobId)).map((e) => ({ at: e.at, kind: e.kind, taskId: e.taskId, nodeId: e.nodeId, detail: e.detail }))
    const results = await this.c.jobs.results(jobId)
    const verification = job.replicas > 1 && results.length > 0 ? { agreed: job.status === 'succeeded', digests: results.map((r) => r.digest) } : null
    return jobView(job, history, verification)
  }

  /** One page of the owner's jobs, newest first (without history: GET /v1/jobs/:id has it). */
  async list(owner: string, request: PageRequest = {}): Promise<JobList> {
    const page = await this.c.jobs.list(owner, request)
    return { jobs: page.items.map((row) => jobView(row, [], null)), nextCursor: page.nextCursor }
  }

  async cancel(owner: string, jobId: string): Promise<Job> {
    const job = await this.c.jobs.get(jobId)
    if (job === undefined || job.owner !== owner) throw new W3aiError('JOB_NOT_FOUND')
    if (!(await this.c.queue.cancel(jobId))) throw new W3aiError('JOB_INVALID_STATE', `Job ${jobId} already ${job.status}.`)
    await this.bill(jobId, { status: 'cancelled' })
    this.c.announce(jobId)
    return this.view(owner, jobId)
  }

  /** Leases tasks to a node, each with what it needs to fetch and open the job's inputs. */
  async claim(nodeId: string, executors: string[], capacity: number): Promise<ClaimedTask[]> {
    const leased = await this.c.queue.claim(nodeId, executors, capacity)
    for (const t of leased) this.c.announce(t.jobId)
    const out: ClaimedTask[] = []
    for (const t of leased) {
      const job = await this.c.jobs.get(t.jobId)
      if (job === undefined) continue
      const inputs: ClaimedTask['inputs'] = []
      for (const [role, cid] of Object.entries(job.inputs)) {
        const wrappedKey = (await this.c.jobs.keyFor(job.id, nodeId, cid)) as WrappedKey | undefined
        const input = wrappedKey === undefined ? undefined : await taskInput(this.c.objects, this.c.networkKey, nodeId, role, cid, wrappedKey)
        if (input !== undefined) inputs.push(input)
      }
      out.push({ id: t.id, jobId: t.jobId, replica: t.replica, executor: job.executor, params: job.params, leaseId: t.leaseId, leaseExpiresAt: t.leaseExpiresAt, attempt: t.attempt, inputs, ...(job.sealTo === null ? {} : { sealTo: job.sealTo }) })
    }
    return out
  }

  async progress(nodeId: string, taskId: string, leaseId: string, progress: unknown, seq?: number): Promise<void> {
    const jobId = await this.c.queue.progress(taskId, leaseId, nodeId, progress, seq)
    if (jobId === undefined) throw new W3aiError('TASK_LEASE_LOST')
    this.c.announce(jobId)
  }

  async renew(nodeId: string, taskId: string, leaseId: string): Promise<void> {
    if (!(await this.c.queue.renew(taskId, leaseId, nodeId))) throw new W3aiError('TASK_LEASE_LOST')
  }

  /**
   * A node's result for its lease. The same report sent again (the node's outbox retries until it
   * hears back) gets the same answer and commits, verifies and settles nothing a second time; a
   * lease that was superseded (expired and leased again by another node, job finished or
   * cancelled) is
   * TASK_LEASE_LOST, which the node takes as final.
   */
  async complete(nodeId: string, taskId: string, leaseId: string, result: unknown): Promise<'committed' | 'duplicate'> {
    if (JSON.stringify(result ?? null).length > MAX_TASK_RESULT_BYTES) throw new W3aiError('PAYLOAD_TOO_LARGE', 'A task result is limited to 1 MiB of JSON; store larger results in W3S.')
    const executor = await this.c.queue.taskExecutor(taskId)
    if (executor === undefined) throw new W3aiError('TASK_LEASE_LOST')
    // Replicas are digested on the part they must reproduce (a train result's timing left out); a
    // sealed result is opaque here, so it is digested as it came.
    const digest = resultDigest(isSealedResult(result) ? result : this.executors.deterministic(executor, result ?? null))
    const { outcome, repeated, verify } = await this.c.queue.complete(taskId, leaseId, nodeId, result ?? null, digest)
    if (outcome === 'stale') throw new W3aiError('TASK_LEASE_LOST')
    if (repeated) return outcome
    this.c.router?.outcome(nodeId, true)
    const jobId = await this.jobOf(taskId)
    if (jobId === undefined) return outcome
    if (outcome === 'committed' && verify === true) await this.verify(jobId)
    this.c.announce(jobId)
    return outcome
  }

  async fail(nodeId: string, taskId: string, leaseId: string, error: { code: string; message: string }, retryable: boolean): Promise<'retrying' | 'failed'> {
    const { outcome, repeated } = await this.c.queue.fail(taskId, leaseId, nodeId, error, retryable)
    if (outcome === 'stale') throw new W3aiError('TASK_LEASE_LOST')
    if (repeated) return outcome
    this.c.router?.outcome(nodeId, false)
    const jobId = await this.jobOf(taskId)
    const job = jobId === undefined ? undefined : await this.c.jobs.get(jobId)
    if (job?.status === 'failed') {
      await this.c.jobs.finish(job.id, 'failed', null, error)
      await this.bill(job.id, { status: 'failed' })
    }
    if (jobId !== undefined) this.c.announce(jobId)
    return outcome
  }

  private jobOf(taskId: string): Promise<string | undefined> {
    return this.c.queue.taskJob(taskId)
  }

  /**
   * Once every replica has a result: agree → the job succeeds with it; disagree → a tie-breaker
   * or failure. A job of several replicas stays running until this decides (one of a single
   * replica already succeeded with its result; this records and bills it).
   */
  private async verify(jobId: string): Promise<void> {
    const job = await this.c.jobs.get(jobId)
    if (job === undefined || (job.status !== 'running' && job.status !== 'succeeded')) return
    const { results, votes, agree, decided } = await this.verdictOf(job)
    if (new Set(results.map((r) => r.replica)).size < job.replicas) return
    if (decided !== undefined) {
      if (results.length > 1) {
        for (const w of decided.winners) await this.c.jobs.recordVerification(w.nodeId, true)
        for (const l of decided.losers) {
          await this.c.jobs.recordVerification(l.nodeId, false)
          const score = await this.c.jobs.reputation(l.nodeId)
          if (score !== undefined) this.c.router?.reputation(l.nodeId, score)
          this.c.router?.outcome(l.nodeId, false)
          await this.c.onWrongResult?.(job.id, l.nodeId).catch(this.c.onError)
        }
      }
      if (!(await this.c.jobs.decide(job.id, 'succeeded', decided.winners[0]!.result, null))) return
      await this.bill(job.id, { status: 'succeeded', accepted: decided.winners.map((w) => w.nodeId) })
      if (job.grant !== null) await this.c.market?.completeCompute(job.grant.orderId).catch(this.c.onError)
      return
    }
    // No majority: one more replica on a node not used yet, while the bound allows and such a node is online.
    const tieBreakers = await this.c.queue.tieBreakers(job.id)
    const allowed = tieBreakers < this.c.maxTieBreakers
    const fresh = allowed ? await this.c.queue.freshNodes(job.id) : 0
    if (fresh > 0 && (await this.c.queue.addReplica(job.id)) !== undefined) return
    const distinct = distinctResults(votes, agree)
    const why = allowed
      ? 'and no other online node holding the job\'s keys can break the tie'
      : `after ${tieBreakers} tie-breaker replica(s), the most allowed`
    const failed = await this.c.jobs.decide(job.id, 'failed', null, {
      code: 'COMPUTE_VERIFICATION_FAILED',
      message: `${results.length} results of this ${job.executor} job disagreed (${distinct} different results, tolerance ${job.tolerance}) ${why}; no majority emerged. Raise --tolerance for float results or submit again.`,
      details: { results: results.length, distinct, tieBreakers, tolerance: job.tolerance },
    })
    if (failed) await this.bill(job.id, { status: 'failed' })
  }

  /** The results of a job's replicas and the verdict on them (undefined: no majority yet). */
  private async verdictOf(job: JobRow) {
    const results = await this.c.jobs.results(job.id)
    const descriptor = this.executors.get(job.executor)
    const agree = (a: unknown, b: unknown): boolean => descriptor.compare(a, b, job.tolerance)
    const votes = results.map((r) => ({ nodeId: r.nodeId, result: r.result }))
    return { results, votes, agree, decided: verdict(votes, agree) }
  }

  /** Settles a job's escrow; a failure is logged and left to the upkeep, never failing the job's own report. */
  private async bill(jobId: string, outcome: JobOutcome): Promise<void> {
    try {
      await this.c.billing?.settle(jobId, outcome)
    } catch (err) {
      this.c.onError(err)
    }
  }

  /**
   * Settles a job the upkeep found finished: failed or cancelled (or never queued) releases the
   * escrow; succeeded pays the nodes of the verdict's majority, as verify() did. `unsettled` jobs
   * may have succeeded with no verdict recorded (a hub stopped mid-verification): no result was
   * accepted, so the escrow is released.
   */
  private async settleFinished(jobId: string, unsettled: boolean): Promise<void> {
    const job = await this.c.jobs.get(jobId)
    if (job === undefined) return unsettled ? this.bill(jobId, { status: 'cancelled' }) : undefined
    if (job.status === 'failed' || job.status === 'cancelled') return this.bill(jobId, { status: job.status })
    if (job.status !== 'succeeded' || !unsettled) return
    const { decided } = await this.verdictOf(job)
    await this.bill(jobId, decided === undefined ? { status: 'failed' } : { status: 'succeeded', accepted: decided.winners.map((w) => w.nodeId) })
  }
}

/** A node's place in the submission's candidate order (unknown ones last). */
function rank(order: readonly string[], nodeId: string): number {
  const i = order.indexOf(nodeId)
  return i < 0 ? order.length : i
}
