import { generateIdentity, signRequest } from '@w3ai/crypto'
import { MAX_AMOUNT } from '@w3ai/ledger'
import type { JournalPage, Wallet } from '@w3ai/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends } from './helpers.js'
import { startLedgerHub, type LedgerHub, type LedgerUser } from './ledger-kit.js'

/**
 * Every wallet request that breaks a rule is refused with a code that names the rule, and moves
 * nothing: the journal does not grow and no balance changes.
 */
describe.each(backends())('ledger refusals on %s', (backend) => {
  let h: LedgerHub
  let alice: LedgerUser
  let bob: LedgerUser

  const head = async (): Promise<number> => (await h.ledger.download()).entries.length
  const balances = async (): Promise<Wallet[]> => [await alice.wallet.balance(), await bob.wallet.balance()]
  const send = (who: LedgerUser, body: Record<string, unknown>) => h.call(who, 'POST', '/v1/wallet/transfers', body)
  /** Runs `act`, expects its status and code, and that the journal and both balances did not change. */
  const refused = async (status: number, code: string, act: () => Promise<{ status: number; code: string }>): Promise<void> => {
    const [entries, before] = [await head(), await balances()]
    const answer = await act()
    expect([answer.status, answer.code]).toEqual([status, code])
    expect(await head()).toBe(entries)
    expect(await balances()).toEqual(before)
  }

  beforeAll(async () => {
    h = await startLedgerHub(backend, { ledger: { faucet: true, faucetCap: 500n } })
    alice = await h.user('alice')
    bob = await h.user('bob')
    await alice.wallet.faucet(300n)
  })
  afterAll(() => h?.close())

  it('refuses zero, negative, fractional, malformed and overflowing amounts', async () => {
    for (const amount of ['0', '-5', '1.5', '1e3', ' 7', '0x10', '']) await refused(400, 'LEDGER_BAD_AMOUNT', () => send(alice, { to: bob.id, amount }))
    for (const amount of [(MAX_AMOUNT + 1n).toString(), '9'.repeat(60)]) await refused(400, 'LEDGER_AMOUNT_OVERFLOW', () => send(alice, { to: bob.id, amount }))
    await refused(400, 'VALIDATION_FAILED', () => send(alice, { to: bob.id, amount: 5 }))
  })

  it('refuses a spend past the balance, an unknown recipient and a transfer to oneself', async () => {
    await refused(409, 'LEDGER_INSUFFICIENT_FUNDS', () => send(alice, { to: bob.id, amount: '301' }))
    await refused(409, 'LEDGER_INSUFFICIENT_FUNDS', () => send(bob, { to: alice.id, amount: '1' }))
    await refused(404, 'LEDGER_UNKNOWN_ACCOUNT', () => send(alice, { to: `a_${'0'.repeat(20)}`, amount: '1' }))
    await refused(404, 'LEDGER_UNKNOWN_ACCOUNT', () => send(alice, { to: `node:n_${'0'.repeat(20)}`, amount: '1' }))
    await refused(400, 'LEDGER_SAME_ACCOUNT', () => send(alice, { to: alice.id, amount: '1' }))
    await refused(400, 'VALIDATION_FAILED', () => send(alice, { to: 'treasury', amount: '1' }))
  })

  it("refuses debiting someone else's account", async () => {
    await refused(403, 'AUTH_WRONG_IDENTITY', () => send(bob, { from: `user:${alice.id}`, to: bob.id, amount: '1' }))
    await refused(403, 'AUTH_WRONG_IDENTITY', () => send(bob, { from: `node:n_${'1'.repeat(20)}`, to: bob.id, amount: '1' }))
  })

  it('refuses a replayed request and, under the same id, a re-signed one with another body', async () => {
    const body = { id: 'pay-bob-1', to: bob.id, amount: '10' }
    const text = JSON.stringify(body)
    const headers = signRequest(alice.identity, 'POST', '/v1/wallet/transfers', text)
    expect((await h.call(alice, 'POST', '/v1/wallet/transfers', body, headers)).status).toBe(201)
    await refused(401, 'AUTH_REPLAYED_NONCE', () => h.call(alice, 'POST', '/v1/wallet/transfers', body, headers))
    for (const other of [{ ...body, amount: '11' }, { ...body, to: `user:${bob.id}`, memo: 'changed' }]) {
      await refused(409, 'LEDGER_ID_CONFLICT', () => send(alice, other))
    }
    // Signed afresh with the same body: the first outcome, nothing moved twice.
    await refused(201, '', () => send(alice, body))
  })

  it("refuses an id from the network's reserved space (with ':')", async () => {
    await refused(400, 'VALIDATION_FAILED', () => send(alice, { id: 'genesis:treasury', to: bob.id, amount: '1' }))
  })

  it('caps what one account takes from the faucet, and a hub without a faucet refuses it', async () => {
    await refused(409, 'LEDGER_FAUCET_CAP', () => h.call(alice, 'POST', '/v1/faucet', { amount: '201' }))
    await refused(409, 'LEDGER_FAUCET_CAP', () => h.call(bob, 'POST', '/v1/faucet', { amount: '501' }))
    await refused(400, 'LEDGER_BAD_AMOUNT', () => h.call(bob, 'POST', '/v1/faucet', { amount: '0' }))
    const before = BigInt((await bob.wallet.balance()).balance)
    const racing = await Promise.all(Array.from({ length: 6 }, () => h.call(bob, 'POST', '/v1/faucet', { amount: '100' })))
    expect(racing.map((r) => r.code).sort()).toEqual(['', '', '', '', '', 'LEDGER_FAUCET_CAP'])
    expect(BigInt((await bob.wallet.balance()).balance)).toBe(before + 500n)

    const closed = await startLedgerHub(backend, { ledger: { faucet: false } })
    try {
      const carol = await closed.user('carol')
      const answer = await closed.call(carol, 'POST', '/v1/faucet', {})
      expect([answer.status, answer.code]).toEqual([403, 'LEDGER_FAUCET_DISABLED'])
      // Without a faucet nothing is minted for one: genesis funds the treasury alone.
      const journal = await closed.call<JournalPage>(undefined, 'GET', '/v1/ledger/journal')
      expect(journal.body.entries.map((e) => e.transferId)).toEqual(['genesis:treasury'])
    } finally {
      await closed.close()
    }
  })

  it('refuses an account page of an unknown kind', async () => {
    for (const kind of ['users', 'USER', '', 'user;drop']) {
      const answer = await h.call(undefined, 'GET', `/v1/ledger/accounts?kind=${encodeURIComponent(kind)}`)
      expect([answer.status, answer.code], kind).toEqual([400, 'VALIDATION_FAILED'])
    }
  })

  it('refuses wallet requests that are unsigned or from a key without an account', async () => {
    await refused(401, 'AUTH_MISSING_SIGNATURE', () => h.call(undefined, 'POST', '/v1/wallet/transfers', { to: bob.id, amount: '1' }))
    expect((await h.call(undefined, 'GET', '/v1/wallet')).code).toBe('AUTH_MISSING_SIGNATURE')
    const stranger = { ...alice, identity: generateIdentity('account') }
    expect((await h.call(stranger, 'GET', '/v1/wallet')).code).toBe('ACCOUNT_NOT_FOUND')
    await refused(404, 'ACCOUNT_NOT_FOUND', () => h.call(stranger, 'POST', '/v1/faucet', {}))
  })
})
