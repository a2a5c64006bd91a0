/**
 * `w3ai stake` and `w3ai unstake`: arguments refused before anything is read or sent, then on a
 * devnet of one node: the operator funds the node's earnings account, the node (its identity read
 * from the devnet's node home) stakes and unstakes, and a retried --id moves nothing twice.
 */
import { storyBackends, dropSchema, freshDatabaseUrl } from '@w3ai/hub/testing'
import type { StakeReceipt } from '@w3ai/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevnet, type Devnet } from '../src/index.js'
import { parseJson, tempHome, w3aiInProcess, type RunResult } from './helpers.js'

const TOKEN = 10n ** 18n
type Home = Awaited<ReturnType<typeof tempHome>>

describe('argument checking of w3ai stake and unstake', () => {
  let home: Home
  beforeAll(async () => {
    home = await tempHome('w3ai-stake-args-')
  })
  afterAll(async () => home?.remove())

  const refused = async (...args: string[]): Promise<string> => {
    const r = await w3aiInProcess([...args, '--home', home.path, '--hub', 'http://127.0.0.1:9', '--json'])
    expect(r.code, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(2)
    const { error } = parseJson<{ error: { code: string; message: string } }>(r.stdout)
    expect(error.code).toBe('CLI_BAD_ARGUMENT')
    return error.message
  }

  it('refuses bad amounts, node ids and request ids, and a home without the node identity', async () => {
    for (const cmd of ['stake', 'unstake']) {
      expect(await refused(cmd, '0')).toMatch(/AMOUNT "0"/)
      expect(await refused(cmd, '-1')).toMatch(/-1/)
      expect(await refused(cmd, '1.0000000000000000001')).toMatch(/AMOUNT/)
      expect(await refused(cmd, `1${'0'.repeat(40)}`)).toMatch(/2\^127/)
      expect(await refused(cmd, '1', '--node', 'a_0123456789abcdef0123')).toMatch(/--node/)
      expect(await refused(cmd, '1', '--id', 'with:colon')).toMatch(/--id/)
      expect(await refused(cmd, '1', '--id', 'x'.repeat(33))).toMatch(/--id/)
      expect(await refused(cmd)).toMatch(/amount/)
      // Nothing in the home: no node identity to sign with, so nothing is sent.
      expect(await refused(cmd, '1')).toMatch(/only the node itself may stake/)
      expect(await refused(cmd, '1', '--node', 'n_0123456789abcdef0123')).toMatch(/n_0123456789abcdef0123/)
    }
  })
})

describe.each(storyBackends())('w3ai stake and unstake on a devnet (%s)', (backend) => {
  let devnet: Devnet
  let home: Home
  let databaseUrl: string | undefined
  let nodeId: string
  const cli = (...args: string[]): Promise<RunResult> => w3aiInProcess([...args, '--home', home.path])

  async function ok<T>(run: Promise<RunResult>): Promise<T> {
    const r = await run
    expect(r.code, r.stdout + r.stderr).toBe(0)
    return parseJson<T>(r.stdout)
  }

  beforeAll(async () => {
    home = await tempHome('w3ai-stake-')
    databaseUrl = freshDatabaseUrl(backend)
    devnet = await startDevnet({ home: home.path, nodes: 1, hubPort: 0, logLevel: 'warn', ...(databaseUrl === undefined ? {} : { databaseUrl }) })
    nodeId = devnet.nodes[0]!.id
    await ok(cli('account', 'create', '--json'))
    await ok(cli('faucet', '200', '--json'))
    await ok(cli('wallet', 'transfer', `node:${nodeId}`, '150', '--json'))
  }, 180_000)

  afterAll(async () => {
    await devnet?.stop()
    await home?.remove()
    if (databaseUrl !== undefined) await dropSchema(databaseUrl)
  })

  it('stakes from the node earnings account as the node, once per --id, and unstakes into unbonding', async () => {
    const staked = await ok<StakeReceipt>(cli('stake', '120', '--node', nodeId, '--id', 'cli-1', '--json'))
    expect(staked).toMatchObject({ transferId: `stake:${nodeId}:cli-1`, amount: String(120n * TOKEN), stake: { nodeId, staked: String(120n * TOKEN), eligible: true, slashed: '0' } })
    const again = await ok<StakeReceipt>(cli('stake', '120', '--node', nodeId, '--id', 'cli-1', '--json'))
    expect(again.stake.staked).toBe(String(120n * TOKEN))

    const human = await cli('stake', '5', '--node', nodeId)
    expect(human.code, human.stderr).toBe(0)
    expect(human.stdout).toMatch(/staked 5 tokens for node n_/)
    expect(human.stdout).toMatch(/staked +125 tokens \(minimum 100: eligible for all work\)/)

    const out = await ok<StakeReceipt>(cli('unstake', '30.5', '--node', nodeId, '--json'))
    expect(out.unbonding).toMatchObject({ amount: String(305n * TOKEN / 10n), balance: String(305n * TOKEN / 10n) })
    expect(out.stake).toMatchObject({ staked: String(945n * TOKEN / 10n), eligible: false })

    const tooMuch = await cli('stake', '1000', '--node', nodeId, '--json')
    expect(tooMuch.code).toBe(1)
    expect(parseJson<{ error: { code: string } }>(tooMuch.stdout).error.code).toBe('LEDGER_INSUFFICIENT_FUNDS')
  })
})
