/**
 * Test kit for billing: a listening hub with billing and the faucet on, real in-process nodes
 * (one may be a liar), accounts with SDK clients, and reads of the public ledger (journal entries
 * by transfer id prefix, account balances).
 */
import { once } from 'node:events'
import { join } from 'node:path'
import { generateIdentity, type Identity } from '@w3ai/crypto'
import { balanceOf, type Account, type ParameterValues } from '@w3ai/ledger'
import { createNodeAgent, sandboxExecute, type ExecuteTask, type NodeAgent } from '@w3ai/node'
import type { Executor, JournalEntryWire, NodePrices } from '@w3ai/protocol'
import { DeploymentsClient, HubClient, JobsClient, LedgerClient, StorageClient, WalletClient } from '@w3ai/sdk'
import type { HubOptions } from '../src/index.js'
import { startTestHub, tempHome, until, type Backend, type TestHub } from './helpers.js'
import { chunks } from './storage-net.js'

export interface BillingAccount {
  id: string
  identity: Identity
  hub: HubClient
  storage: StorageClient
  jobs: JobsClient
  deployments: DeploymentsClient
  wallet: WalletClient
}

export interface BillingNet {
  t: TestHub
  agents: NodeAgent[]
  ledger: LedgerClient
  /** An unsigned client. */
  public: HubClient
  account(name: string): Promise<BillingAccount>
  /** Starts one more node (a liar answers a forged result for every wasm task; `prices` are what it asks). */
  addNode(options?: { liar?: boolean; prices?: NodePrices }): Promise<NodeAgent>
  store(who: BillingAccount, bytes: Uint8Array): Promise<string>
  /** Every journal entry whose transfer id starts with `prefix`, in seq order. */
  entries(prefix: string): Promise<JournalEntryWire[]>
  /** Ledger accounts by id (only those ever opened). */
  accounts(): Promise<Map<string, Account>>
  /** The posted balance of an account (0 when never opened). */
  balance(id: string): Promise<bigint>
  parameters(): Promise<ParameterValues>
  close(): Promise<void>
}

/** A wasm task's result with another stdout: a result the honest replicas outvote. */
const lie: ExecuteTask = async (task, context) => {
  const real = (await sandboxExecute(task, context)) as Record<string, unknown>
  return { ...real, stdout: Buffer.from('FORGED').toString('base64') }
}

export async function startBillingNet(backend: Backend, nodes: number, executors: Executor[], options: Partial<HubOptions> = {}): Promise<BillingNet> {
  const t = await startTestHub(backend, { heartbeatIntervalMs: 250, compute: { spotCheckRate: 0 }, ledger: { faucet: true }, billing: { enabled: true, taskSeconds: 30 }, ...options })
  const root = await tempHome('w3ai-billing-')
  const agents: NodeAgent[] = []
  const probe = new HubClient({ url: t.hub.url })
  const ledger = new LedgerClient(probe)
  const addNode = async (o: { liar?: boolean; prices?: NodePrices } = {}): Promise<NodeAgent> => {
    const agent = createNodeAgent(
      {
        home: join(root.dir, `node-${agents.length}`),
        hubUrl: t.hub.url,
        logLevel: false,
        cpu: 1,
        memoryGb: 2,
        diskGb: 10,
        executors,
        reconnect: { initialMs: 50, maxMs: 500 },
        tasks: { slots: 1, pollMs: 50, timeMs: 20_000 },
        ...(o.prices === undefined ? {} : { prices: o.prices }),
      },
      o.liar === true ? { execute: lie } : {},
    )
    const connected = once(agent, 'connected')
    await agent.start()
    await connected
    agents.push(agent)
    const count = agents.length
    await until(async () => (await probe.listNodes({ status: 'online' })).total === count, 15_000)
    return agent
  }
  for (let i = 0; i < nodes; i++) await addNode()
  const accounts = async (): Promise<Map<string, Account>> => new Map((await ledger.allAccounts()).map((a) => [a.id, a]))
  return {
    t,
    agents,
    ledger,
    public: probe,
    async account(name) {
      const identity = generateIdentity('account')
      const hub = new HubClient({ url: t.hub.url, identity })
      const created = await hub.createAccount({ name, encryptionKey: identity.encryptionKey })
      return { id: created.id, identity, hub, storage: new StorageClient(hub, identity), jobs: new JobsClient(hub, identity), deployments: new DeploymentsClient(hub, identity), wallet: new WalletClient(hub) }
    },
    addNode,
    async store(who, bytes) {
      return (await who.storage.put(chunks(bytes), bytes.length, { redundancy: { k: 1, n: 2, repairThreshold: 2 } })).cid
    },
    async entries(prefix) {
      const { entries } = await ledger.download()
      return entries.filter((e) => e.transferId.startsWith(prefix))
    },
    accounts,
    async balance(id) {
      const a = (await accounts()).get(id)
      return a === undefined ? 0n : balanceOf(a)
    },
    parameters: () => t.hub.parameters.all(),
    async close() {
      for (const a of agents) await a.stop().catch(() => undefined)
      await t.close()
      await root.cleanup()
    },
  }
}
