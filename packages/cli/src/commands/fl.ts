/** `w3ai fl …`: federated learning. Each subcommand lives in its own file. */
import type { Command } from 'commander'
import { registerFlRunCommands } from './fl-run.js'
import { registerFlTopologyCommand } from './fl-topology.js'

export function registerFlCommands(program: Command): void {
  const fl = program.command('fl').description('federated learning: train across data owners without sharing their data')
  registerFlRunCommands(fl)
  registerFlTopologyCommand(fl)
}
