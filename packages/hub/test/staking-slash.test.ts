import { randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { readIdentity, type Identity } from '@w3ai/crypto'
import { parseTokens, UNITS_PER_TOKEN } from '@w3ai/ledger'
import type { JobCandidates, JournalEntryWire } from '@w3ai/protocol'
import { HubClient, JobsClient, LedgerClient, StakingClient, WalletClient } from '@w3ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends, until } from './helpers.js'
import { chunks, startStorageNet, type StorageNet } from './storage-net.js'
import { findPiece } from './storage-scan.js'

const T = UNITS_PER_TOKEN
const STAKE = 105n * T
const SLASH_AUDIT_BPS = 500n
const OBJECTS = 3

/** The stake left after each of `failures` audit failures: slashAuditBps of what is left each time, rounded down. */
function afterSlashes(stake: bigint, failures: number): { left: bigint; slashes: bigint[] } {
  const slashes: bigint[] = []
  let left = stake
  for (let i = 0; i < failures; i++) {
    const cut = (left * SLASH_AUDIT_BPS) / 10_000n
    slashes.push(cut)
    left -= cut
  }
  return { left, slashes }
}

/**
 * Acceptance (issue 11): a node failing audits loses stake as the parameters say, and gets less
 * work. Four nodes, two of them (A, B) staking 105 tokens (the minimum is 100); billing is on and
 * every paid task is above the free limit, so only nodes with the minimum stake get work. Every
 * piece A holds is corrupted on its disk: each failed audit slashes slashAuditBps (5%) of A's
 * stake to the burn, once per failure, and after the first A is below the minimum: its jobs go to
 * B alone.
 */
describe.each(backends())('slashing on %s', (backend) => {
  let net: StorageNet
  let alice: Awaited<ReturnType<StorageNet['account']>>
  let nodes: Array<{ id: string; identity: Identity; home: string }>
  let publicHub: HubClient
  let ledger: LedgerClient
  let jobs: JobsClient
  let module: string
  let input: string
  const objects: string[] = []

  /** Submits a job and answers the nodes the hub chose for it (whose keys it would wrap), then cancels it. */
  const chosenNodes = async (): Promise<string[]> => {
    const answer = await alice.hub.request<JobCandidates>('POST', '/v1/jobs', { executor: 'wasm', inputs: { module, input } })
    await jobs.cancel(answer.jobId)
    return answer.candidates.map((c) => c.nodeId).sort()
  }

  beforeAll(async () => {
    net = await startStorageNet(backend, 4, {
      ledger: { faucet: true },
      billing: { enabled: true },
      staking: { freeWorkMax: 0n },
      storage: { auditIntervalMs: 200, repairIntervalMs: 60_000 },
      compute: { spotCheckRate: 0 },
    })
    publicHub = new HubClient({ url: net.t.hub.url })
    ledger = new LedgerClient(publicHub)
    nodes = await Promise.all(
      net.homes.map(async (home) => {
        const identity = (await readIdentity(home)) as Identity
        return { id: identity.id, identity, home }
      }),
    )
    alice = await net.account('alice')
    const wallet = new WalletClient(alice.hub)
    await wallet.faucet(parseTokens('1000'))
    jobs = new JobsClient(alice.hub, alice.identity)
    // A and B: each operator funds its node's earnings account, the node stakes from it.
    for (const n of nodes.slice(0, 2)) {
      await wallet.transfer({ to: `node:${n.id}`, amount: STAKE })
      await new StakingClient(new HubClient({ url: net.t.hub.url, identity: n.identity })).stake(STAKE)
    }
    // Every node holds a piece of every segment (k 2 of n 4): A holds one piece of each object.
    for (let i = 0; i < OBJECTS; i++) {
      const data = randomBytes(48 * 1024)
      objects.push((await alice.storage.put(chunks(data), data.length, { redundancy: { k: 2, n: 4, repairThreshold: 4 } })).cid)
    }
    module = objects[0]!
    input = objects[1]!
  }, 120_000)
  afterAll(async () => net?.close(), 60_000)

  it('gives paid work only to nodes with the minimum stake', async () => {
    const staking = new StakingClient(publicHub)
    expect(await staking.get(nodes[0]!.id)).toMatchObject({ staked: STAKE.toString(), eligible: true, slashed: '0' })
    expect(await staking.get(nodes[2]!.id)).toMatchObject({ staked: '0', eligible: false })
    expect(await chosenNodes()).toEqual([nodes[0]!.id, nodes[1]!.id].sort())
  })

  it('slashes slashAuditBps of the stake for every failed audit, once each, and the slashed node gets no more paid work', async () => {
    const [a, b] = [nodes[0]!, nodes[1]!]
    // Corrupt every piece A holds.
    for (const cid of objects) {
      const info = await alice.storage.info(cid)
      for (const p of info.segments.flatMap((s) => s.pieces).filter((p) => p.nodeId === a.id)) {
        const file = (await findPiece(a.home, p.cid))!
        const bytes = await readFile(file)
        await writeFile(file, Buffer.alloc(bytes.length, 0x5a))
      }
    }
    const expected = afterSlashes(STAKE, OBJECTS)
    const staking = new StakingClient(publicHub)
    await until(async () => (await publicHub.getNode(a.id)).audit?.failed === OBJECTS && (await staking.get(a.id)).staked === expected.left.toString(), 30_000)

    const after = await staking.get(a.id)
    expect(after).toMatchObject({ staked: expected.left.toString(), eligible: false, slashed: (STAKE - expected.left).toString() })
    expect(expected.left).toBe(90_024_375_000_000_000_000n)
    // In the journal: one slash per failure, under ids from the failure count, to the burn.
    const slashes: JournalEntryWire[] = []
    for (let after = 0; ; ) {
      const page = await ledger.journal({ after, limit: 1000 })
      slashes.push(...page.filter((e) => e.kind === 'slash'))
      if (page.nextCursor === null) break
      after = Number(page.nextCursor)
    }
    expect(slashes.map((e) => [e.transferId, e.debit, e.credit, e.amount])).toEqual(expected.slashes.map((cut, i) => [`slash:a:${a.id}:${i + 1}`, `stake:${a.id}`, 'burn', cut.toString()]))
    expect(await staking.get(b.id)).toMatchObject({ staked: STAKE.toString(), eligible: true, slashed: '0' })

    // Less work: paid jobs now go to B alone.
    for (let i = 0; i < 3; i++) expect(await chosenNodes()).toEqual([b.id])

    const summary = await ledger.summary()
    expect(BigInt(summary.burned)).toBeGreaterThanOrEqual(STAKE - expected.left)
    await until(async () => (await ledger.verify()).ok, 20_000)
  })
})
