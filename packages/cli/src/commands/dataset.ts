/** `w3ai dataset …`: local dataset tools (splits for federated experiments). */
import type { Command } from 'commander'

export function registerDatasetCommands(program: Command): void {
  program.command('dataset').description('dataset tools: partition a dataset into client splits')
}
