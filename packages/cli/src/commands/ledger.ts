/**
 * `w3ai ledger verify`: downloads the hub's public journal, blocks and accounts and checks them
 * here (LedgerClient.verify, @w3ai/ledger's verifier): the hash chain, every block signature, every
 * account against the replayed journal, and minted = held + escrow + staked + burned, to the unit.
 * Exits 0 only when all of it holds; otherwise prints the problems and exits 1.
 */
import type { Command } from 'commander'
import type { VerifyReport } from '@w3ai/ledger'
import { LedgerClient } from '@w3ai/sdk'
import { badArgument } from '../args.js'
import { EXIT_FAILURE } from '../constants.js'
import { hubClientOf, type CommonFlags } from '../context.js'
import { createOut, ReportedFailure } from '../output.js'
import { withCommon } from './common.js'
import { ledgerProgress } from './ledger-progress.js'
import { tokens } from './wallet-views.js'

interface VerifyFlags extends CommonFlags {
  hubKey?: string[]
}

/** The report with its amounts as strings of units, as --json prints it. */
export type VerifyReportJson = Omit<VerifyReport, 'minted' | 'balances' | 'burned' | 'escrow' | 'staked'> & {
  hub: string
  hubKeys: string[]
  minted: string
  balances: string
  burned: string
  escrow: string
  staked: string
}

function parseHubKey(value: string, previous: string[] = []): string[] {
  if (!/^[A-Za-z0-9_-]{43}$/.test(value)) throw badArgument('--hub-key', value, 'an ed25519 public key in base64url (43 characters, as `w3ai status --json` shows orderKey)')
  return [...previous, value]
}

function toJson(r: VerifyReport, hub: string, hubKeys: string[]): VerifyReportJson {
  return { ...r, hub, hubKeys, minted: String(r.minted), balances: String(r.balances), burned: String(r.burned), escrow: String(r.escrow), staked: String(r.staked) }
}

function describe(r: VerifyReportJson): string {
  const head = r.ok
    ? `ledger ok: ${r.entries} journal entries in ${r.blocks} blocks; the chain, every block signature and every account check out`
    : `ledger NOT ok: ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'} in ${r.entries} journal entries and ${r.blocks} blocks`
  const totals = [
    `minted    ${tokens(r.minted)} tokens`,
    `held      ${tokens(r.balances)}`,
    `escrow    ${tokens(r.escrow)}`,
    `staked    ${tokens(r.staked)}`,
    `burned    ${tokens(r.burned)}`,
    `signed by ${r.hubKeys.join(', ')}`,
  ]
  const problems = r.problems.map((p) => `${p.code}${p.seq === undefined ? '' : ` seq ${p.seq}`}${p.height === undefined ? '' : ` block ${p.height}`}: ${p.message}`)
  return [head, ...totals, ...problems].join('\n')
}

export function registerLedgerCommands(program: Command): void {
  const ledger = program.command('ledger').description("the network's public token ledger")

  withCommon(ledger.command('verify'))
    .description('download the journal, blocks and accounts and verify them here; exit 0 only when the chain and minted = held + escrow + staked + burned hold')
    .option('--hub-key <key>', 'trust blocks signed by this key only (repeatable; default: the key the hub announces)', parseHubKey)
    .action(async (flags: VerifyFlags) => {
      const out = createOut(flags.json === true)
      const progress = ledgerProgress({ quiet: flags.json === true })
      try {
        const hub = await hubClientOf(flags, undefined, { fetch: progress.fetch })
        const hubKeys = flags.hubKey ?? [(await hub.health()).orderKey]
        const report = toJson(await new LedgerClient(hub).verify({ hubKeys }), hub.url, hubKeys)
        progress.done()
        out.result(report, () => describe(report))
        if (!report.ok) throw new ReportedFailure(EXIT_FAILURE)
      } finally {
        progress.done()
      }
    })
}
