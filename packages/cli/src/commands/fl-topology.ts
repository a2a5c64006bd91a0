/** `w3ai fl topology`: the decentralized overlay of a network and its cycle time (specs/multigraph.md). */
import type { Command } from 'commander'

export function registerFlTopologyCommand(_fl: Command): void {
  // filled in with the topology library
}
