/** Hub defaults; every option of createHub is optional and documented here. */
import { DEFAULT_HUB_PORT, MAX_BODY_BYTES } from '@w3ai/protocol'

export const HUB_DEFAULTS = {
  port: DEFAULT_HUB_PORT,
  host: '127.0.0.1',
  /** Interval the hub asks nodes to heartbeat at. */
  heartbeatIntervalMs: 1000,
  /** How often phi is evaluated for locally connected nodes. */
  livenessTickMs: 250,
  /** A node not heard from by any hub for this long is offline (covers hubs that died). */
  staleAfterMs: 10_000,
  /** How often stale nodes and expired nonces are swept. */
  sweepIntervalMs: 2000,
  /** Body limit of every route that does not name its own (bytes). */
  bodyLimit: MAX_BODY_BYTES,
  /** Event-stream clients further behind than this many bytes are disconnected. */
  maxClientBacklogBytes: 8 * 1024 * 1024,
  logLevel: 'info',
  /** Storage an account may hold (bytes). */
  storageQuotaBytes: 1024 ** 4,
  /** A piece on a node offline for longer than this no longer counts as healthy (repair starts). */
  repairGraceMs: 60_000,
  collectIntervalMs: 5000,
  auditIntervalMs: 10_000,
  repairIntervalMs: 5000,
  auditsPerRound: 8,
  /** A storage epoch (billing on): nodes whose pieces passed their audits are paid once per epoch. */
  storageEpochMs: 3600_000,
  /** Hours of storage an upload pays for when it names none (billing on). */
  storageDurationHours: 720,
  /** A task lease not renewed for this long is re-dispatched. */
  taskLeaseMs: 30_000,
  /** Share of unverified jobs that get a hidden second replica. */
  spotCheckRate: 0.05,
  /** A task running longer than this gets one speculative copy elsewhere. */
  stragglerAfterMs: 10 * 60_000,
  /** A queued task whose keyed nodes are all offline fails after this long (they may come back first). */
  strandedFailAfterMs: 5 * 60_000,
  /** How long a serving node may take to answer one inference request. */
  inferTimeoutMs: 60_000,
  /** How long a hub reuses its view of a deployment's replicas when routing requests. */
  servingCacheMs: 500,
  /** Token amounts in units (1 token = 10^18 units). */
  ledger: {
    faucetAmount: 1000n * 10n ** 18n,
    faucetCap: 10_000n * 10n ** 18n,
    genesisTreasury: 100_000_000n * 10n ** 18n,
    /** Minted to the faucet at genesis when the faucet is on (devnets). */
    genesisFaucet: 1_000_000n * 10n ** 18n,
  },
  /** How often a hub looks for pending transfers past their timeout. */
  ledgerExpiryIntervalMs: 1000,
  /** How often a hub closes market orders past their deadline (refunds, allowance settlements). */
  marketSweepIntervalMs: 1000,
} as const
