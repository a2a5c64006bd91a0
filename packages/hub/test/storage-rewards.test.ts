import { randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { readIdentity, type Identity } from '@w3ai/crypto'
import { parseTokens, quoteStorage, splitFee } from '@w3ai/ledger'
import type { JournalEntryWire } from '@w3ai/protocol'
import { GovernanceClient, HubClient, LedgerClient, WalletClient } from '@w3ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends, codeOf, until } from './helpers.js'
import { chunks, startStorageNet, type StorageNet } from './storage-net.js'
import { findPiece } from './storage-scan.js'

const EPOCH_MS = 1000
const HOURS = 2
const GIB = 1024n ** 3n

/**
 * Storage payments with billing on (issue 11): the owner pays for the stored bytes and hours at
 * completion into the upload's escrow; every epoch the nodes whose pieces passed their audits are
 * paid their share, the fee split between them, the treasury and the burn to the unit, plus the
 * treasury's storage reward; a node whose piece failed its audit earns nothing more; deleting the
 * object early refunds the rest, so escrowed = paid + refunded exactly.
 */
describe.each(backends())('storage payments on %s', (backend) => {
  let net: StorageNet
  let alice: Awaited<ReturnType<StorageNet['account']>>
  let ledger: LedgerClient
  let params: Record<string, bigint>
  let nodes: Array<{ id: string; home: string }>
  let cid: string
  let uploadId: string
  let escrowed: bigint
  let storedBytes: bigint
  let pieceBytes: bigint

  const journal = async (): Promise<JournalEntryWire[]> => {
    const out: JournalEntryWire[] = []
    for (let after = 0; ; ) {
      const page = await ledger.journal({ after, limit: 1000 })
      out.push(...page)
      if (page.nextCursor === null) return out
      after = Number(page.nextCursor)
    }
  }
  const balance = async (account: string): Promise<bigint> => {
    const a = (await ledger.allAccounts()).find((x) => x.id === account)
    return a === undefined ? 0n : a.creditsPosted - a.debitsPosted
  }
  /** The stretches paid for the upload: their key (end, base 36) and entries, in journal order. */
  const stretches = async (): Promise<Map<string, JournalEntryWire[]>> => {
    const out = new Map<string, JournalEntryWire[]>()
    for (const e of await journal()) {
      const m = /^(st|sw):([0-9a-z]+):(u_[0-9a-f]{24}):/.exec(e.transferId)
      if (m === null || m[3] !== uploadId) continue
      out.set(m[2]!, [...(out.get(m[2]!) ?? []), e])
    }
    return out
  }

  beforeAll(async () => {
    net = await startStorageNet(backend, 4, {
      ledger: { faucet: true },
      billing: { enabled: true },
      storage: { auditIntervalMs: 200, repairIntervalMs: 60_000, epochMs: EPOCH_MS },
    })
    const hub = new HubClient({ url: net.t.hub.url })
    ledger = new LedgerClient(hub)
    params = Object.fromEntries((await new GovernanceClient(hub).parameters()).map((p) => [p.name, BigInt(p.value)]))
    nodes = await Promise.all(net.homes.map(async (home) => ({ id: ((await readIdentity(home)) as Identity).id, home })))
    alice = await net.account('alice')
    await new WalletClient(alice.hub).faucet(parseTokens('1000'))
  }, 90_000)
  afterAll(async () => net?.close(), 60_000)

  it('escrows the price of the bytes the nodes hold for the paid hours when the upload completes', async () => {
    const before = await balance(`user:${alice.identity.id}`)
    const data = randomBytes(100 * 1024)
    cid = (await alice.storage.put(chunks(data), data.length, { redundancy: { k: 2, n: 4, repairThreshold: 3 }, durationHours: HOURS })).cid
    const info = await alice.storage.info(cid)
    pieceBytes = BigInt(info.manifest.segments[0]!.shardSize)
    storedBytes = info.manifest.segments.reduce((sum, s, i) => sum + BigInt(s.shardSize * info.segments[i]!.pieces.length), 0n)
    escrowed = quoteStorage({ storedBytes, hours: HOURS, pricePerGiBHour: params.storagePricePerGiBHourMin! })
    expect(escrowed).toBeGreaterThan(0n)
    const entry = (await journal()).find((e) => e.transferId.startsWith('se:') && e.debit === `user:${alice.identity.id}`)!
    uploadId = entry.transferId.slice(3)
    expect(entry).toMatchObject({ credit: `escrow:st:${uploadId}`, amount: escrowed.toString(), kind: 'escrow' })
    expect(await balance(`user:${alice.identity.id}`)).toBe(before - escrowed)
  })

  it('pays each epoch the nodes whose pieces passed their audits, the fee split to the unit, and nothing to a node that failed', async () => {
    const info = await alice.storage.info(cid)
    expect(info.segments).toHaveLength(1)
    const pieces = info.segments[0]!.pieces
    const victim = nodes.find((n) => n.id === pieces[0]!.nodeId)!
    const file = (await findPiece(victim.home, pieces[0]!.cid))!
    await writeFile(file, Buffer.alloc((await readFile(file)).length, 0x5a))
    const probe = new HubClient({ url: net.t.hub.url })
    await until(async () => ((await probe.getNode(victim.id)).audit?.failed ?? 0) > 0, 20_000)
    const failedAt = Math.max(...(await journal()).map((e) => e.seq))
    // Two stretches applied after the failure was seen: the second was planned after it.
    let later: Array<[string, JournalEntryWire[]]> = []
    await until(async () => {
      later = [...(await stretches())].filter(([, es]) => es.every((e) => e.seq > failedAt))
      return later.length >= 2
    }, 20_000)
    const [, entries] = later[1]!
    const paid = entries.filter((e) => e.kind === 'settle').map((e) => e.credit).sort()
    const others = pieces.map((p) => p.nodeId).filter((id) => id !== victim.id)
    expect(paid).toEqual(others.map((id) => `node:${id}`).sort())
    expect(entries.some((e) => e.credit === `node:${victim.id}`)).toBe(false)

    // A whole epoch: value = floor(escrow × epoch / duration); each node's gross share by its bytes.
    const value = (escrowed * BigInt(EPOCH_MS)) / BigInt(HOURS * 3600_000)
    const gross = (value * pieceBytes) / storedBytes
    const split = splitFee(gross, { feeRateBps: Number(params.feeRateBps), treasuryShareBps: Number(params.treasuryShareBps), burnShareBps: Number(params.burnShareBps) })
    const n = BigInt(others.length)
    for (const e of entries.filter((x) => x.kind === 'settle')) expect(e).toMatchObject({ debit: `escrow:st:${uploadId}`, amount: split.nodes.toString() })
    expect(entries.find((e) => e.kind === 'fee')).toMatchObject({ debit: `escrow:st:${uploadId}`, credit: 'treasury', amount: (n * split.treasury).toString() })
    expect(entries.find((e) => e.kind === 'burn')).toMatchObject({ debit: `escrow:st:${uploadId}`, credit: 'burn', amount: (n * split.burn).toString() })
    const reward = (params.storageRewardPerGiBEpoch! * pieceBytes * BigInt(EPOCH_MS)) / (GIB * BigInt(EPOCH_MS))
    const rewards = entries.filter((e) => e.kind === 'reward')
    expect(rewards.map((e) => [e.debit, e.credit, e.amount]).sort()).toEqual(others.map((id) => ['treasury', `node:${id}`, reward.toString()]).sort())
  })

  it('refunds the rest of the escrow when the object is deleted early: escrowed = paid + refunded', async () => {
    await alice.storage.remove(cid)
    await until(async () => (await journal()).some((e) => e.transferId === `sr:${uploadId}`), 20_000)
    const all = await journal()
    const refund = all.find((e) => e.transferId === `sr:${uploadId}`)!
    expect(refund).toMatchObject({ debit: `escrow:st:${uploadId}`, credit: `user:${alice.identity.id}`, kind: 'refund' })
    const paidOut = all.filter((e) => e.transferId.startsWith('st:') && e.debit === `escrow:st:${uploadId}`).reduce((s, e) => s + BigInt(e.amount), 0n)
    expect(paidOut).toBeGreaterThan(0n)
    expect(paidOut + BigInt(refund.amount)).toBe(escrowed)
    expect(await balance(`escrow:st:${uploadId}`)).toBe(0n)
    // Closed: no stretch is paid after the refund.
    const seqAfter = Math.max(...all.map((e) => e.seq))
    await new Promise((r) => setTimeout(r, 2 * EPOCH_MS))
    expect((await journal()).filter((e) => e.seq > seqAfter && e.transferId.includes(uploadId))).toEqual([])
    await until(async () => (await ledger.verify()).ok, 20_000)
  })

  it('refuses an upload its owner cannot pay for before any piece is placed', async () => {
    const bob = await net.account('bob')
    const data = randomBytes(10 * 1024)
    expect(await codeOf(bob.storage.put(chunks(data), data.length))).toBe('LEDGER_INSUFFICIENT_FUNDS')
    expect(await bob.storage.list()).toEqual([])
    expect((await journal()).some((e) => e.debit === `user:${bob.identity.id}` || e.credit === `user:${bob.identity.id}`)).toBe(false)
  })
})
