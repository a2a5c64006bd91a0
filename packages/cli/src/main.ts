/** The `w3ai` command line: parses, runs one command, prints, and returns the exit code. */
import { createRequire } from 'node:module'
import { Command, CommanderError } from 'commander'
import { W3aiError } from '@w3ai/protocol'
import { registerAccountCommands } from './commands/account.js'
import { registerDatasetCommands } from './commands/dataset.js'
import { registerDevnetCommands } from './commands/devnet.js'
import { registerFaucetCommand } from './commands/faucet.js'
import { registerFlCommands } from './commands/fl.js'
import { registerParamsCommand } from './commands/gov-params.js'
import { registerGovCommands } from './commands/gov.js'
import { registerHubCommands } from './commands/hub.js'
import { registerInfoCommands } from './commands/info.js'
import { registerJobCommands } from './commands/jobs.js'
import { registerLedgerCommands } from './commands/ledger.js'
import { registerMarketCommands } from './commands/market.js'
import { registerModelCommands } from './commands/model.js'
import { registerNodeCommands } from './commands/node.js'
import { registerPipelineCommands } from './commands/pipeline.js'
import { registerStakeCommands } from './commands/stake.js'
import { registerStorageCommands } from './commands/storage.js'
import { registerWalletCommands } from './commands/wallet.js'
import { EXIT_OK } from './constants.js'
import { reportError, ReportedFailure } from './output.js'

export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version

export function buildProgram(): Command {
  const program = new Command('w3ai')
    .description('w3ai: a decentralized AI platform. Run a local network with `w3ai up`.')
    .version(VERSION, '-v, --version', 'print the version')
    .exitOverride()
    .showSuggestionAfterError(true)
    // Errors are printed once, by main, with their stable code.
    .configureOutput({ outputError: () => undefined })
  registerDevnetCommands(program)
  registerHubCommands(program)
  registerNodeCommands(program)
  registerInfoCommands(program)
  registerAccountCommands(program)
  registerStorageCommands(program)
  registerModelCommands(program)
  registerJobCommands(program)
  registerDatasetCommands(program)
  registerFlCommands(program)
  registerPipelineCommands(program)
  registerGovCommands(program)
  registerParamsCommand(program)
  registerWalletCommands(program)
  registerFaucetCommand(program)
  registerLedgerCommands(program)
  registerStakeCommands(program)
  registerMarketCommands(program)
  return program
}

const QUIET_EXITS = new Set(['commander.helpDisplayed', 'commander.version', 'commander.help'])

/** Runs `w3ai <argv>`; never throws. */
export async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json')
  try {
    await buildProgram().parseAsync(argv, { from: 'user' })
    return EXIT_OK
  } catch (err) {
    if (err instanceof CommanderError) {
      if (QUIET_EXITS.has(err.code)) return err.exitCode
      return reportError(new W3aiError('CLI_BAD_ARGUMENT', `${err.message.replace(/^error: /, '')}. See \`w3ai help COMMAND\`.`), json)
    }
    if (err instanceof ReportedFailure) return err.exitCode
    return reportError(err, json)
  }
}
