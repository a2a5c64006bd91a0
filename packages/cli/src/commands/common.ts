/** Flags every command takes, and their help text. */
import type { Command } from 'commander'
import { W3aiError } from '@w3ai/protocol'
import { parseUrl } from '../args.js'

export function withCommon(cmd: Command): Command {
  return cmd
    .option('--home <dir>', 'w3ai home (default: $W3AI_HOME, else ~/.w3ai)')
    .option('--hub <url>', 'hub URL (default: $W3AI_HUB, else the devnet recorded in the home)', parseUrl('--hub'))
    .option('--json', 'machine-readable output')
}

/** A listen failure on a taken port is the user's choice of --port, not a crash. */
export function explainListenError(err: unknown, port: number): unknown {
  if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    return new W3aiError('CLI_BAD_ARGUMENT', `Port ${port} is already in use; pick another with --port (0 picks a free one).`)
  }
  return err
}
