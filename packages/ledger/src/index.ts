/**
 * @w3ai/ledger: the token ledger's pure domain logic. Double-entry accounts, transfers with
 * idempotent client ids, pending transfers (post, void, expire), linked all-or-nothing chains, a
 * hash-chained journal closed by signed blocks, and the verifier anyone can run. No I/O: stores
 * (the hub's SQL store, the in-memory sim) load and write what the engine names.
 *
 * ```ts
 * const { results, block } = await commitBatch(store, [
 *   { id: 'pay-1', debit: 'user:a_1', credit: 'user:a_2', amount: parseTokens('1.5'), kind: 'transfer' },
 * ], { signer: hubIdentity })
 * const report = verifyLedger({ entries, blocks, accounts, hubKeys: [hubIdentity.publicKey] })
 * ```
 */
export type * from './types.js'
export { amountProblem, DECIMALS, formatTokens, formatUnits, MAX_AMOUNT, parseTokens, parseUnits, UNITS_PER_TOKEN } from './amount.js'
export { accountKind, availableOf, balanceOf, ISSUERS, openAccount, TRANSFER_ID, zeroBalances } from './accounts.js'
export { applyBatch, expirePending, ledgerKeys, MAX_MEMO, MAX_PENDING_TIMEOUT_MS, TRANSFER_KINDS, type ApplyOptions } from './engine.js'
export { blockHash, chainEntry, EMPTY_HEAD, entryHash, sealBlock, verifyBlockSignature, ZERO_HASH } from './journal.js'
export { genesisBatch } from './genesis.js'
export { commitBatch, commitExpiry, loadView, memoryView, type CommitOptions, type Committed, type LedgerStore, type LedgerTx } from './store.js'
export { LedgerVerifier, MAX_PROBLEMS, verifyLedger, type LedgerProblem, type LedgerProblemCode, type VerifyInput, type VerifyReport } from './verify.js'
export { accountFromWire, accountToWire, resultToWire, transferFromWire, transferToWire } from './wire.js'
export * from './parameters.js'
export * from './governance/index.js'
export { CRASH_POINTS, SimCrash, SimLedgerStore, type CrashPoint, type SimStoreOptions } from './sim.js'
export { RandomWorkload, type WorkloadOptions } from './workload.js'
export { computeCharge, computePriceBounds, priceWithin, quoteCompute, quoteServing, quoteStorage, resourceClassOf, servingPriceBounds, shareOf, splitFee, storagePriceBounds, type ComputeQuote, type ComputeQuoteInput, type FeeParameters, type FeeSplit, type PriceBounds, type ResourceClass, type StorageQuoteInput } from './settlement.js'
